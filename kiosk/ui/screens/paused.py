"""Paused: the officer is on a break; only their own PIN resumes the counter."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class PausedScreen(KioskScreen):
    def resume(self) -> None:
        self.kiosk.go("pin", mode="resume")

    def other_login(self) -> None:
        self.kiosk.go("pin", mode="login")

    def on_scan(self, text: str) -> None:
        self.kiosk.go("pin", mode="login", code=text)
