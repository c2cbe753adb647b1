"""The officer's own figures on the staff menu: today's and this month's ratings and
satisfaction rate, never one rating.

The center computes the only figure (sync.central.officer_api, fetched by the syncer:
sync.figures_client): at every counter, stepped there with its ``[officer_figures]``
settings, so every kiosk of the officer shows the same figure as the API for the same
moment. The kiosk shows that answer as it came, adding nothing of its own (a rating the
center has not had yet would make two kiosks differ by that one citizen's rating).

Without an answer of the officer's current day (no central, not provisioned, out of reach
since before midnight) the menu shows this counter's own ratings, stepped the same pure way
(sync.officer_steps) with ``[ui] officer_figures_min_count`` / ``officer_figures_step``,
and says they are this counter's only. Nothing is remembered between looks: the figure is
a function of the ratings, not of what was shown before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.config import KioskConfig
from kiosk.models import Rating, State, utcnow
from sync.officer_steps import Stepped, day_and_month

CENTER_KEY = "center_figures"  # written by sync.figures_client


@dataclass(frozen=True)
class Figure:
    total: int
    satisfied: int

    @property
    def rate(self) -> float:
        return self.satisfied / self.total if self.total else 0.0


@dataclass(frozen=True)
class OfficerFigures:
    today: Figure | None  # None: fewer ratings than the minimum
    month: Figure | None
    with_center: bool  # the center's figures (else: this kiosk's own only)
    center_as_of: datetime | None


def officer_figures(
    session: Session, config: KioskConfig, officer: str, now: datetime | None = None
) -> OfficerFigures:
    """The figures to show ``officer`` now."""
    now = now or utcnow()
    day = now.astimezone(config.counter.tz).date()
    center = _center(session, officer, day)
    if center is not None:
        return OfficerFigures(
            today=_figure(center["today"]),
            month=_figure(center["this_month"]),
            with_center=True,
            center_as_of=datetime.fromisoformat(center["asked_at"]),
        )
    before, today = _local_levels(session, config, officer, day)
    ui = config.ui
    shown_today, shown_month = day_and_month(
        before, today, set(config.rating.satisfied), ui.officer_figures_min_count,
        ui.officer_figures_step,
    )  # fmt: skip
    return OfficerFigures(
        today=_from_stepped(shown_today),
        month=_from_stepped(shown_month),
        with_center=False,
        center_as_of=None,
    )


def _local_levels(
    session: Session, config: KioskConfig, officer: str, day: date
) -> tuple[list[int], list[int]]:
    """The levels of this kiosk's ratings of ``officer`` this month before ``day``, and on
    ``day``, each in the order they were made (seq)."""
    tz = config.counter.tz
    start = datetime.combine(day.replace(day=1), datetime.min.time(), tz)
    midnight = datetime.combine(day, datetime.min.time(), tz)
    rows = session.execute(
        select(Rating.created_at, Rating.level)
        .where(Rating.officer_code == officer, Rating.created_at >= start)
        .order_by(Rating.seq)
    ).all()
    before = [level for created, level in rows if created < midnight]
    return before, [level for created, level in rows if created >= midnight]


def _center(session: Session, officer: str, day: date) -> dict | None:
    row = session.get(State, CENTER_KEY)
    try:
        center = json.loads(row.value) if row and row.value else None
    except ValueError:
        return None
    # Only the center's stepped answer (an older central sends no step: its exact counts
    # are not shown), for this officer and this day.
    if not isinstance(center, dict) or not center.get("step"):
        return None
    if center.get("officer") != officer or center.get("day") != day.isoformat():
        return None
    return center


def _figure(tally: dict | None) -> Figure | None:
    return None if not tally else Figure(int(tally["total"]), int(tally["satisfied"]))


def _from_stepped(figure: Stepped | None) -> Figure | None:
    return None if figure is None else Figure(figure.total, figure.satisfied)
