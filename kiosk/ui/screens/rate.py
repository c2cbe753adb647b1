"""Rate: one tap on a face stores the rating (committed before the next screen shows).

A lone key 1..N from a USB keypad rates too: key k is the k-th face, so 1 is the highest.
A scan is never a rating (``kiosk.ui.keys``): a badge or ticket means what
``KioskApp.scan_at_desk`` says.
Taps refused by the counter's rules (the cooldown after a rating) change nothing here.
"""

from __future__ import annotations

import logging

from kiosk.errors import RatingNotStored, RatingRefused
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)


class RateScreen(KioskScreen):
    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        # The next citizen must not inherit the last one's choices (English, a ticket).
        self.idle_seconds = kiosk.settings.ui.idle_seconds

    def on_enter(self, *args) -> None:
        super().on_enter(*args)
        self.kiosk.voice.faces_shown(self.kiosk.lang)  # once per citizen (kiosk.ui.voice)

    def on_idle(self) -> None:
        """Nobody touched the faces for a while: whoever chose English or had a ticket
        scanned has left. In open mode their ticket must not go to the next citizen's
        rating; in per-turn mode the turn stays open (the officer is still serving)."""
        if self.kiosk.settings.rating.mode == "open":
            self.kiosk.counter.close_turn()
        self.kiosk.go_home()

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
        except RatingNotStored:
            # Logged with its cause by the counter; the citizen gets a calm apology, the
            # same whatever face was tapped.
            self.kiosk.go("thanks", stored=False)
            return
        self.kiosk.rated_aloud()
        if ask:
            self.kiosk.go("reasons", rating_id=rating.id, rating=rating)
        else:
            self.kiosk.go("thanks", rating=rating)

    def on_press(self, key: int, char: str | None) -> None:
        levels = self.kiosk.settings.rating.levels
        if char and char.isdigit() and 1 <= int(char) <= len(levels):
            self.rate(levels[int(char) - 1].value)

    def open_staff(self) -> None:
        self.kiosk.go("pin", mode="staff")
