"""The kiosk's player: every sound it may play (the tap click, the spoken prompts) is
loaded once, at start, through Kivy's audio, and played by name afterwards.

Loading at start keeps a citizen's tap from waiting on a file read. A sound that cannot be
had (a file missing from the installation, no audio output) is logged once, by name, and
the kiosk carries on silently: a voice is a help, never a reason to stop taking ratings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.resources import ResourceMissing

log = logging.getLogger(__name__)


class Sounds:
    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}  # name -> Kivy Sound

    def load(self, name: str, find: Callable[[], Path]) -> bool:
        """Load the file ``find()`` names, to be played as ``name``; False (logged) when it
        cannot be played. ``find`` is a ``kiosk.resources`` lookup, so a missing file is
        reported as the installation's fault, by its path."""
        try:
            path = find()
        except ResourceMissing as missing:
            log.warning("sound %r not played: %s", name, missing)
            return False
        from kivy.core.audio import SoundLoader

        sound = SoundLoader.load(str(path))
        # SDL2 hands back a Sound of length 0 when no audio device could be opened.
        if sound is None or not sound.length:
            log.warning(
                "sound %r not played: %s could not be loaded (no audio output?)", name, path
            )
            return False
        self._loaded[name] = sound
        return True

    def play(self, name: str) -> None:
        """Play ``name`` from its start (cutting itself short if it still plays); nothing
        when it was not loaded."""
        sound = self._loaded.get(name)
        if sound is None:
            return
        sound.stop()
        sound.play()

    def loaded(self, name: str) -> Any | None:
        """Kivy's Sound of ``name`` (its ``source`` file, its ``state``), None when it was
        not loaded: what the service screen or a test may ask about it."""
        return self._loaded.get(name)
