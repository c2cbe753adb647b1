"""What every screen shares: the app handed in, an idle timer, and keyboard input
(a badge or ticket scanner types characters then Enter, like a keyboard)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.properties import NumericProperty, ObjectProperty
from kivy.uix.screenmanager import Screen

if TYPE_CHECKING:
    from kiosk.ui.kiosk_app import KioskApp

ENTER_KEYS = (13, 271)  # Return, keypad Enter
BACKSPACE = 8


class KioskScreen(Screen):
    kiosk: KioskApp = ObjectProperty(None)
    # Seconds without a touch before on_idle; 0: never.
    idle_seconds = NumericProperty(0)

    def __init__(self, kiosk: KioskApp, **kwargs):
        self._idle_event = None
        self._typed: list[str] = []
        super().__init__(kiosk=kiosk, **kwargs)

    def prepare(self, **kwargs: object) -> None:
        """Called by the app before the screen is shown, with the navigation's arguments."""

    # --- idle -----------------------------------------------------------------------

    def on_enter(self, *_args) -> None:
        self._typed.clear()
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

    # --- keyboard -------------------------------------------------------------------

    def on_key(self, key: int, char: str | None) -> None:
        """A key from a keyboard, scanner or USB keypad; the default collects a scan."""
        if key in ENTER_KEYS:
            text = "".join(self._typed).strip()
            self._typed.clear()
            if text:
                self.on_scan(text)
        elif key == BACKSPACE:
            if self._typed:
                self._typed.pop()
        elif char:
            self._typed.append(char)

    def on_scan(self, text: str) -> None:
        """A code typed then Enter (a badge or a ticket)."""
