"""One tap acts on one screen: input that lands just after a screen change is ignored.

A citizen's double tap on a low face must not tick the reason that appears under the
finger; a PIN confirmed with a bounce must not rate. So after every screen change the
screen manager swallows touches (and the app ignores key presses) for ``GUARD_SECONDS``,
counted from the first frame that shows the new screen: on a loaded machine the new
screen may take a while to draw, and taps made meanwhile are delivered only then.
"""

from __future__ import annotations

import logging
import math
import time

from kivy.clock import Clock
from kivy.uix.screenmanager import ScreenManager

# Longer than a double tap (about 250 ms apart), shorter than a deliberate next tap.
GUARD_SECONDS = 0.45

log = logging.getLogger(__name__)


class GuardedScreenManager(ScreenManager):
    def __init__(self, **kwargs):
        self._open_at = 0.0  # monotonic time from which input is taken again
        self._swallowed: set[int] = set()
        super().__init__(**kwargs)

    def on_current(self, instance, value) -> None:
        self._open_at = math.inf  # closed until the new screen has been drawn once
        Clock.schedule_once(self._drawn, 0)
        super().on_current(instance, value)

    def _drawn(self, _dt: float) -> None:
        self._open_at = time.monotonic() + GUARD_SECONDS
        # What the kiosk showed, and when: read in kioskctl logs after a complaint.
        log.info("screen %s shown", self.current)

    def guarded(self) -> bool:
        return time.monotonic() < self._open_at

    def on_touch_down(self, touch) -> bool:
        if self.guarded():
            self._swallowed.add(touch.uid)
            return True
        return super().on_touch_down(touch)

    def on_touch_move(self, touch) -> bool:
        if touch.uid in self._swallowed:
            return True
        return super().on_touch_move(touch)

    def on_touch_up(self, touch) -> bool:
        if touch.uid in self._swallowed:
            self._swallowed.discard(touch.uid)
            return True
        return super().on_touch_up(touch)
