"""Waiting (per_turn mode): faces dimmed until the officer opens a turn with the desk
button (turn key, default F9) or by scanning the citizen's ticket (typed + Enter)."""

from __future__ import annotations

import logging

from kiosk.counter import RatingRefused
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class WaitingScreen(KioskScreen):
    def on_press(self, key: int, char: str | None) -> None:
        if key == self.kiosk.turn_keycode:
            self.open_turn(None)

    def open_turn(self, ticket: str | None) -> None:
        try:
            self.kiosk.counter.open_turn(ticket)
        except RatingRefused as refusal:
            log.info("turn refused: %s", refusal.reason)
        self.kiosk.go_home()

    def open_staff(self) -> None:
        self.kiosk.go("pin", mode="staff")
