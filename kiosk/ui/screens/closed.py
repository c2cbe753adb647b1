"""Closed: no officer logged in. A badge scanned here opens Staff login with its code."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class ClosedScreen(KioskScreen):
    def on_scan(self, text: str, entered: bool = False) -> bool:
        # Any code: an officer whose badge is not on the roster yet learns so on the PIN pad.
        self.kiosk.go("pin", mode="login", code=text)
        return True

    def open_login(self) -> None:
        self.kiosk.go("pin", mode="login")
