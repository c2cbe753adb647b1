"""Spoken prompts ([ui] voice): the recorded files are what the catalogs say now, and the
whole app speaks the question once per citizen and the same thanks after every face."""

from __future__ import annotations

import array
import wave

import pytest

from kiosk import resources
from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.voice import PROMPTS, sound_name, words

RECORDINGS = [(lang, name) for lang in LANGUAGES for name in PROMPTS]


@pytest.mark.parametrize(("lang", "name"), RECORDINGS)
def test_each_prompt_is_a_short_spoken_wav(lang: str, name: str) -> None:
    with wave.open(str(resources.voice(lang, name))) as wav:
        channels, width, rate, frames = (
            wav.getnchannels(),
            wav.getsampwidth(),
            wav.getframerate(),
            wav.getnframes(),
        )
        samples = array.array("h", wav.readframes(frames))
    assert (channels, width) == (1, 2)  # 16-bit mono, as espeak-ng writes it
    assert 0.5 < frames / rate < 5.0, "a prompt must be short: the citizen is waiting"
    assert max(abs(sample) for sample in samples) > 3000, "the file is (nearly) silent"


@pytest.mark.parametrize(("lang", "name"), RECORDINGS)
def test_each_prompt_says_the_words_the_catalog_shows(lang: str, name: str) -> None:
    recorded = resources.voice(lang, name).with_suffix(".txt").read_text(encoding="utf-8")
    assert recorded.strip() == words(name, lang), (
        f"assets/voice/{lang}/{name}.wav says older words than the catalog: run"
        " scripts/make_voice, listen, and commit assets/voice"
    )


@pytest.fixture
def voice_env(ui_env: dict[str, str]) -> dict[str, str]:
    """SDL's dummy audio driver: Kivy loads and plays the files with no sound card. A short
    idle reset, so the test sees it; still long enough for a slow machine's login."""
    ui_env.update({"SDL_AUDIODRIVER": "dummy", "KIOSK__UI__IDLE_SECONDS": "8"})
    return ui_env


@pytest.mark.ui
@pytest.mark.slow
def test_with_voice_off_the_app_asks_for_no_spoken_prompt(voice_env, roster, run_ui) -> None:
    roster(UI__SOUND="true")  # the click stays, to show that the recording hears sounds
    seen = run_ui("scenarios_voice:citizens_with_voice")
    played = [name for names in seen["steps"].values() for name in names]
    assert played == ["tap", "tap", "tap"]  # one click per stored rating, nothing spoken
    assert seen["sounds"]["tap"]["playing"] is True


@pytest.mark.ui
@pytest.mark.slow
def test_with_voice_on_each_citizen_is_asked_once_and_thanked_alike(
    voice_env, roster, run_ui
) -> None:
    vi_prompt, vi_thanks = sound_name("prompt", "vi"), sound_name("thanks", "vi")
    en_prompt, en_thanks = sound_name("prompt", "en"), sound_name("thanks", "en")
    roster(UI__VOICE="true")
    seen = run_ui("scenarios_voice:citizens_with_voice")
    assert seen["steps"] == {
        # Nothing at the closed counter nor on the PIN screen; the question once the faces
        # are there.
        "closed_login_rate": [vi_prompt],
        # The officer's menu and back: the same citizen, not asked again.
        "menu_and_back": [],
        # The thanks at the tap, the same file for the highest and the lowest face...
        "tap_highest": [vi_thanks],
        "next_citizen_highest": [vi_prompt],
        "tap_lowest": [vi_thanks],  # ...even though the reasons screen comes first
        "next_citizen_lowest": [vi_prompt],
        # A citizen who chooses English hears the question and the thanks in English.
        "english_chosen": [en_prompt],
        "tap_in_english": [en_thanks],
        "next_citizen_english": [vi_prompt],
        "english_again": [en_prompt],
        # Nobody rated: the idle reset speaks to no one.
        "walked_away": [],
    }
    for name in (vi_prompt, vi_thanks, en_prompt, en_thanks):
        sound = seen["sounds"][name]
        assert sound["playing"] is True, f"Kivy did not play {name}"
        lang, file = name.split("/")[1:]
        assert sound["file"] == str(resources.voice(lang, file))


def test_a_prompt_missing_from_the_installation_is_logged_and_stays_silent(caplog) -> None:
    from kiosk.ui.sounds import Sounds

    sounds = Sounds()
    # A language no recording exists for: the real lookup fails as a lost file would.
    loaded = sounds.load("voice/fr/prompt", lambda: resources.voice("fr", "prompt"))
    sounds.play("voice/fr/prompt")  # nothing to play, and no error

    assert loaded is False and sounds.loaded("voice/fr/prompt") is None
    assert "voice/fr/prompt" in caplog.text and "missing from the installation" in caplog.text
