"""What every screen shares: the app handed in, an idle timer, and keyboard input, told
apart by ``kiosk.ui.keys`` into lone key presses and scans (a badge or a ticket)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

if TYPE_CHECKING:
    from kiosk.ui.kiosk_app import KioskApp

from kiosk.ui.keys import ENTER_KEYS  # noqa: F401  (the screens' one source for it)

BACKSPACE = 8


class KioskScreen(Screen):
    kiosk: KioskApp = ObjectProperty(None)
    # Seconds without a touch before on_idle; 0: never.
    idle_seconds = NumericProperty(0)

    def __init__(self, kiosk: KioskApp, **kwargs):
        self._idle_event = None
        super().__init__(kiosk=kiosk, **kwargs)

    def prepare(self, **kwargs: object) -> None:
        """Called by the app before the screen is shown, with the navigation's arguments."""

    # --- idle -----------------------------------------------------------------------

    def on_enter(self, *_args) -> None:
        self.restart_idle()

    def on_leave(self, *_args) -> None:
        self.stop_idle()

    def restart_idle(self) -> None:
        self.stop_idle()
        if self.idle_seconds > 0:
            self._idle_event = Clock.schedule_once(lambda _dt: self.on_idle(), self.idle_seconds)

    def stop_idle(self) -> None:
        if self._idle_event is not None:
            self._idle_event.cancel()
            self._idle_event = None

    def on_idle(self) -> None:
        self.kiosk.go_home()

    # --- keyboard ----------------------------------------------------------------

    def on_press(self, key: int, char: str | None) -> None:
        """A lone key press (a USB keypad's button, a desk key, a keyboard key)."""

    def on_scan(self, text: str, entered: bool = False) -> bool:
        """A code a scanner typed (a badge or a ticket); ``entered``: it ended with Enter.
        True when this screen used it; otherwise the app gives it its meaning at the desk
        (``KioskApp.scan_at_desk``)."""
        return False
