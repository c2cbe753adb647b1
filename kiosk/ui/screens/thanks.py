"""Thanks: the same for every level (the officer across the counter must not learn the
choice), shown for thanks_seconds whatever is touched, then back to the resting screen."""

from __future__ import annotations

from kivy.clock import Clock

from kiosk.ui.screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self._back = None

    def on_enter(self, *args) -> None:
        super().on_enter(*args)
        if self._back is not None:
            self._back.cancel()
        self._back = Clock.schedule_once(
            lambda _dt: self.kiosk.go_home(), self.kiosk.settings.rating.thanks_seconds
        )

    def on_leave(self, *args) -> None:
        super().on_leave(*args)
        if self._back is not None:
            self._back.cancel()
            self._back = None
