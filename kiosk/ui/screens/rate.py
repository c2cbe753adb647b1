"""Rate: one tap on a face stores the rating (committed before the next screen shows).

A lone key 1..N from a USB keypad rates too: key k is the k-th face, so 1 is the highest.
A scan is never a rating (``kiosk.ui.keys``): a badge or ticket means what
``KioskApp.scan_at_desk`` says.
Taps refused by the counter's rules (the cooldown after a rating) change nothing here.
"""

from __future__ import annotations

import logging

from kiosk.counter import RatingRefused
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class RateScreen(KioskScreen):
    def rate(self, value: int) -> None:
        settings = self.kiosk.settings.rating
        ask = value in settings.reasons_after_levels
        try:
            rating = self.kiosk.counter.record(value, ask_reasons=ask, lang=self.kiosk.lang)
        except RatingRefused as refusal:
            if refusal.reason == "cooldown":
                return  # a second tap of the same citizen: counted by the counter, no more
            log.info("tap refused: %s", refusal.reason)
            self.kiosk.go_home()  # logged out, paused or no turn: show why
            return
        self.kiosk.play_tap()
        if ask:
            self.kiosk.go("reasons", rating_id=rating.id)
        else:
            self.kiosk.go("thanks")

    def on_press(self, key: int, char: str | None) -> None:
        levels = self.kiosk.settings.rating.levels
        if char and char.isdigit() and 1 <= int(char) <= len(levels):
            self.rate(levels[int(char) - 1].value)

    def open_staff(self) -> None:
        self.kiosk.go("pin", mode="staff")
