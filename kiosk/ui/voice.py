"""Spoken prompts (``[ui] voice``), for citizens who cannot read the screen: the rate
screen's question when the faces appear for a new citizen, and one thank-you after a
stored tap, the same file whatever the face (the officer across the counter must hear
nothing of the choice). In the language on the screen.

The files are recorded at build time (scripts/make_voice renders the catalog's words with
espeak-ng into ``assets/voice/<lang>/<name>.wav``, with the words beside in ``<name>.txt``):
the kiosk never synthesises speech. ``PROMPTS`` names which catalog words each file says,
so the build script and the test that the recordings are current read the same table.

"A new citizen" is the next one after a stored rating, or the first after the app starts
or another officer takes the counter: the question is spoken once for them, not again when
the rate screen is shown anew for the same person (the idle reset, the officer's menu and
back, a scanned ticket). A citizen who switches language hears it again in that language,
since they asked for it.
"""

from __future__ import annotations

import functools

from kiosk import resources
from kiosk.ui import i18n
from kiosk.ui.sounds import Sounds

# file name -> catalog key of the words it says (kiosk/locale/<lang>/LC_MESSAGES/kiosk.po)
PROMPTS = {"prompt": "question", "thanks": "thanks_title"}


def words(name: str, lang: str) -> str:
    """What ``assets/voice/<lang>/<name>.wav`` says: the catalog's text, as on screen."""
    return i18n.t(PROMPTS[name], lang)


def sound_name(name: str, lang: str) -> str:
    """The name the player knows a prompt by: ``voice/vi/prompt``."""
    return f"voice/{lang}/{name}"


class Voice:
    def __init__(self, sounds: Sounds, enabled: bool) -> None:
        self.sounds = sounds
        self.enabled = enabled
        self._asked = False  # the question was spoken for the citizen now at the counter
        self._officer: str | None = None

    def load(self) -> None:
        """Every prompt in every language, once, at start (nothing when voice is off)."""
        if not self.enabled:
            return
        for lang in i18n.LANGUAGES:
            for name in PROMPTS:
                find = functools.partial(resources.voice, lang, name)
                self.sounds.load(sound_name(name, lang), find)

    def officer_is(self, code: str | None) -> None:
        """Who serves at the counter now: another officer means another citizen."""
        if code != self._officer:
            self._officer = code
            self._asked = False

    def faces_shown(self, lang: str) -> None:
        """The rate screen appeared: ask, unless this citizen was already asked."""
        if self._asked:
            return
        self._asked = True
        self._say("prompt", lang)

    def language_chosen(self, lang: str) -> None:
        """The citizen switched language on the rate screen: the question in it."""
        self._asked = True
        self._say("prompt", lang)

    def rated(self, lang: str) -> None:
        """A rating is stored: thank this citizen; the next one will be asked anew."""
        self._asked = False
        self._say("thanks", lang)

    def _say(self, name: str, lang: str) -> None:
        if self.enabled:
            self.sounds.play(sound_name(name, lang))
