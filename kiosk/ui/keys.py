"""Keys from a USB keypad, a keyboard or a badge/ticket scanner, told apart by their timing.

A scanner is a keyboard to the computer, but it types a whole code in one burst, a few
milliseconds a character, usually ending with Enter; a person presses one key, and the
next one (if any) a good while later. So characters closer than ``BURST_GAP_SECONDS`` make
a burst, and a character is believed to be a lone press only after a quiet moment
(``SETTLE_SECONDS``) with no key after it. Two or more characters in a burst are a scan,
never presses: ``CB002`` + Enter is a badge, not the face 2.

Keys are timed when the kiosk reads them, once a frame (Kivy does not pass on SDL's own
times). A frame that stalls (a slow draw, a busy machine) holds back whatever came in
meanwhile: a scanner's code typed 8 ms a key is read as "A-" in one frame and "0153" in
the next, 150 ms later. So a gap counts only from the moment Kivy last looked for keys
(``looked_since``: the start of the frame before the current one): a key read now came
after that look, and nothing more is known. A burst is over only once a look that began
``SETTLE_SECONDS`` after its last key found nothing; until then the check looks again the
next frame.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

ENTER_KEYS = (13, 271)  # Return, keypad Enter
# A scanner's next character comes within this (about 1-10 ms, a few frames' worth of
# keys at once); a person's next key, even typing fast, comes later.
BURST_GAP_SECONDS = 0.04
# Quiet time after a key before it is believed to be a lone press.
SETTLE_SECONDS = 0.08

Press = Callable[[int, "str | None"], None]
Scan = Callable[[str, bool], None]  # the text, and whether Enter ended it
Schedule = Callable[[Callable[[Any], None], float], Any]


@dataclass
class KeyReader:
    """Feed it every key (``feed``); it calls ``on_press(key, char)`` for a lone key and
    ``on_scan(text)`` for a burst. ``schedule(callback, delay)`` is Kivy's
    ``Clock.schedule_once`` in the app; ``clock`` and ``looked_since`` (the latest moment
    Kivy is known to have looked for keys after; None: always, as with no frames) are
    Kivy's clock there. Tests give their own."""

    on_press: Press
    on_scan: Scan
    schedule: Schedule
    clock: Callable[[], float] = time.monotonic
    looked_since: Callable[[], float] | None = None
    _keys: list[tuple[int, str]] = field(default_factory=list)
    _last: float = 0.0
    _check_due: float | None = None

    def feed(self, key: int, char: str | None) -> None:
        now = self.clock()
        in_burst = bool(self._keys) and self._quiet_after_last(now) <= BURST_GAP_SECONDS
        if self._keys and not in_burst:
            self._settle()  # the previous key stood alone; its check has not run yet
        self._last = now
        if key in ENTER_KEYS:
            if self._keys:
                self._finish(scan=True, entered=True)
            else:
                self.on_press(key, None)
        elif char:
            self._keys.append((key, char))
            self._plan_check(now)
        elif not self._keys:
            self.on_press(key, None)  # F-keys, Backspace, arrows: never part of a code
        # Shift inside a burst (a scanner's capitals) only keeps the burst going.

    def _quiet_after_last(self, now: float) -> float:
        """How long after the last key nothing came, at the least: until the latest look
        for keys that found none (a key read now came after the previous look)."""
        looked = now if self.looked_since is None else min(now, self.looked_since())
        return max(0.0, looked - self._last)

    def _plan_check(self, now: float) -> None:
        self._check_due = now + SETTLE_SECONDS
        self.schedule(self._check, SETTLE_SECONDS)

    def _check(self, _dt: object = None) -> None:
        if not self._keys or self._check_due is None:
            return
        now = self.clock()
        if now < self._check_due:
            # Early (Kivy's clock is not ours), or a newer key moved the moment: look then.
            self.schedule(self._check, self._check_due - now)
            return
        if self._quiet_after_last(now) < SETTLE_SECONDS:
            # A stalled frame: the rest of a burst may wait unread. Look after the next poll.
            self.schedule(self._check, 0)
            return
        self._settle()

    def _settle(self) -> None:
        self._finish(scan=len(self._keys) > 1)

    def _finish(self, scan: bool, entered: bool = False) -> None:
        keys, self._keys, self._check_due = self._keys, [], None
        if scan:
            text = "".join(char for _key, char in keys).strip()
            if text:
                self.on_scan(text, entered)
        else:
            key, char = keys[0]
            self.on_press(key, char)
