"""Staff menu, after the serving officer's PIN or badge: their own figures (today, this
month; kiosk.officer_figures decides what may be shown), pause, log out, open a turn, back.

The figures are worked out once each time the menu opens, never on a citizen's screen."""

from __future__ import annotations

import logging

from kivy.properties import NumericProperty, ObjectProperty

from kiosk.counter import RatingRefused
from kiosk.officer_figures import Figure, OfficerFigures
from kiosk.ui import i18n
from kiosk.ui.i18n import N_
from kiosk.ui.screens.base import KioskScreen

log = logging.getLogger(__name__)

# Per period: the line with the figure, and the line while there are too few ratings.
LINES = {
    "today": (N_("figures_today"), N_("figures_today_not_enough")),
    "month": (N_("figures_month"), N_("figures_month_not_enough")),
}


class StaffScreen(KioskScreen):
    today = NumericProperty(0)
    figures: OfficerFigures | None = ObjectProperty(None, allownone=True)

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.ui.idle_seconds
        if kiosk.settings.rating.mode != "per_turn":  # turns exist only in per_turn mode
            self.ids.actions.remove_widget(self.ids.open_turn)

    def prepare(self, **_kwargs: object) -> None:
        self.today = self.kiosk.counter.status().today_total
        self.figures = self.kiosk.counter.officer_figures()

    def figure_line(self, period: str, lang: str, figures: OfficerFigures | None) -> str:
        """One line of the officer's figures ("today" or "month") in ``lang``."""
        if figures is None:
            return ""
        figure: Figure | None = figures.today if period == "today" else figures.month
        shown, too_few = LINES[period]
        if figure is None:
            return i18n.t(too_few, lang)
        rate = i18n.number(round(figure.rate * 100, 1), lang)
        return i18n.t(shown, lang, n=figure.total, rate=rate)

    def source_line(self, lang: str, figures: OfficerFigures | None) -> str:
        if figures is None:
            return ""
        if figures.with_center and figures.center_as_of is not None:
            when = i18n.moment(figures.center_as_of, lang, self.kiosk.settings.counter.tz)
            return i18n.t("figures_with_center", lang, when=when)
        return i18n.t("figures_kiosk_only", lang)

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
