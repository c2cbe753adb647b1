"""Paused: the officer is on a break; only their own PIN or badge resumes the counter
(another officer's badge starts their login: ``KioskApp.scan_at_desk``)."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen


class PausedScreen(KioskScreen):
    def resume(self) -> None:
        self.kiosk.go("pin", mode="resume")

    def other_login(self) -> None:
        self.kiosk.go("pin", mode="login")
