"""Reasons: after a low rating, which is already stored and held from sync. Send or
Skip, or the timeout, releases it with the chosen reasons (or none): never a 2nd rating."""

from __future__ import annotations

import logging

from kivy.properties import ListProperty, StringProperty

from kiosk.errors import RatingNotStored, RatingRefused
from kiosk.ui.i18n import label_of
from kiosk.ui.screens.base import KioskScreen
from kiosk.ui.widgets import Chip

log = logging.getLogger(__name__)


class ReasonsScreen(KioskScreen):
    rating_id = StringProperty("")
    chosen = ListProperty([])

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.rating.reasons_timeout_seconds
        self.rating = None
        kiosk.bind(lang=lambda *_a: self._relabel())

    def prepare(self, rating_id: str = "", rating: object = None, **_kwargs: object) -> None:
        self.rating_id = rating_id
        self.rating = rating  # handed on to the thanks screen (its phone link)
        self.chosen = []
        grid = self.ids.chips
        grid.clear_widgets()
        for reason in self.kiosk.settings.rating.reasons:
            chip = Chip(code=reason.code)
            chip.bind(state=self._on_chip)
            grid.add_widget(chip)
        self._relabel()

    def _relabel(self) -> None:
        labels = {r.code: label_of(r, self.kiosk.lang) for r in self.kiosk.settings.rating.reasons}
        for chip in self.ids.chips.children:
            chip.text = labels[chip.code]

    def _on_chip(self, chip: Chip, state: str) -> None:
        codes = [c.code for c in reversed(self.ids.chips.children) if c.state == "down"]
        self.chosen = codes

    def send(self) -> None:
        self._finish(tuple(self.chosen))

    def skip(self) -> None:
        self._finish(())

    def on_idle(self) -> None:
        self._finish(())  # the citizen walked away: keep the rating, without reasons

    def _finish(self, reasons: tuple[str, ...]) -> None:
        if self.rating_id:
            try:
                self.kiosk.counter.add_reasons(self.rating_id, reasons)
            except RatingRefused as refusal:
                # Already released (e.g. by a restart's cleanup): the rating stands as is.
                log.warning("reasons not added: %s", refusal.reason)
            except RatingNotStored:
                pass  # the rating itself is stored (without reasons): thanks is true
        self.rating_id = ""
        rating, self.rating = self.rating, None
        self.kiosk.go("thanks", rating=rating)

    def on_scan(self, text: str, entered: bool = False) -> bool:
        # A citizen is still choosing: a scan (the next ticket, a badge) must not take
        # the screen away from them. The next ticket can be scanned once they are done.
        log.info("scan ignored while reasons are chosen: %d characters", len(text))
        return True
