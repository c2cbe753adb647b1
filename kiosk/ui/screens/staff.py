"""Staff menu, after the serving officer's PIN: pause, log out, open a turn, back."""

from __future__ import annotations

import logging

from kivy.properties import NumericProperty

from kiosk.counter import RatingRefused
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class StaffScreen(KioskScreen):
    today = NumericProperty(0)

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.ui.idle_seconds
        if kiosk.settings.rating.mode != "per_turn":  # turns exist only in per_turn mode
            self.ids.actions.remove_widget(self.ids.open_turn)

    def prepare(self, **_kwargs: object) -> None:
        self.today = self.kiosk.counter.status().today_total

    def pause(self) -> None:
        try:
            self.kiosk.counter.pause()
        except RatingRefused as refusal:
            log.info("pause refused: %s", refusal.reason)
        self.kiosk.go_home()

    def logout(self) -> None:
        self.kiosk.counter.logout()
        self.kiosk.go_home()

    def open_turn(self) -> None:
        try:
            self.kiosk.counter.open_turn()
        except RatingRefused as refusal:
            log.info("turn refused: %s", refusal.reason)
        self.kiosk.go_home()
