"""Thanks: the same for every level (the officer across the counter must not learn the
choice), shown for thanks_seconds whatever is touched, then back to the resting screen.

When the tap could not be stored (a full disk...), the same screen apologises instead:
the citizen is thanked only for a rating that is on the disk."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen


class ThanksScreen(KioskScreen):
    stored = BooleanProperty(True)
    title = StringProperty(N_("thanks_title"))  # catalog keys, as the screen says them
    hint = StringProperty(N_("thanks_hint"))

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self._back = None

    def prepare(self, stored: bool = True, **_kwargs: object) -> None:
        self.stored = stored
        self.title = N_("thanks_title") if stored else N_("not_stored_title")
        self.hint = N_("thanks_hint") if stored else N_("not_stored_hint")

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
