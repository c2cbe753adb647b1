"""The officer's own figures on the staff menu: today's and this month's ratings and
satisfaction rate, never one rating.

Two rules keep a citizen's choice private from the officer who served them:
- nothing is shown below ``[ui] officer_figures_min_count`` ratings;
- a figure once shown changes only when ``officer_figures_step`` ratings or more are new,
  so looking just before and just after one citizen shows no difference.
What was shown is kept in the state table, so a restart does not reset the second rule.

The center's figures (at every counter, fetched by the syncer: sync.figures_client) are
used when they are of the same day / month; the kiosk adds its own ratings the center had
not received when it was asked. Without them, the kiosk's own ratings only, and it says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kiosk.config import KioskConfig
from kiosk.models import Rating, State, utcnow

CENTER_KEY = "center_figures"  # written by sync.figures_client
SHOWN_KEY = "officer_figures_shown:"  # + officer code


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
    with_center: bool  # the center's figures are in (else: this kiosk's own only)
    center_as_of: datetime | None


def officer_figures(
    session: Session, config: KioskConfig, officer: str, now: datetime | None = None
) -> OfficerFigures:
    """The figures to show ``officer`` now; records what is shown (call in a write)."""
    now = now or utcnow()
    local_now = now.astimezone(config.counter.tz)
    day, month = local_now.date(), local_now.date().replace(day=1)
    center = _center(session, officer, day)
    asked_at = datetime.fromisoformat(center["asked_at"]) if center else None
    satisfied = set(config.rating.satisfied)
    today = _local(session, config, officer, day, satisfied, asked_at)
    this_month = _local(session, config, officer, month, satisfied, asked_at)
    if center:
        today = Figure(
            today.total + center["today"]["total"], today.satisfied + center["today"]["satisfied"]
        )
        if center["month"] == month.isoformat()[:7]:
            this_month = Figure(
                this_month.total + center["this_month"]["total"],
                this_month.satisfied + center["this_month"]["satisfied"],
            )
    shown = _shown(session, officer)
    ui = config.ui
    today_shown = _step(shown.get("today"), day.isoformat(), today, ui)
    month_shown = _step(shown.get("month"), month.isoformat(), this_month, ui)
    _remember(session, officer, {"today": today_shown, "month": month_shown})
    return OfficerFigures(
        today=_figure(today_shown, ui.officer_figures_min_count),
        month=_figure(month_shown, ui.officer_figures_min_count),
        with_center=center is not None,
        center_as_of=asked_at,
    )


def _local(
    session: Session,
    config: KioskConfig,
    officer: str,
    first_day: date,
    satisfied: set[int],
    asked_at: datetime | None,
) -> Figure:
    """This kiosk's ratings of ``officer`` since local ``first_day`` (only those the center
    had not received when it was asked, when its figures are in)."""
    start = datetime.combine(first_day, datetime.min.time(), config.counter.tz)
    query = select(Rating.level, func.count()).where(
        Rating.officer_code == officer, Rating.created_at >= start
    )
    if asked_at is not None:
        query = query.where(or_(Rating.sent_at.is_(None), Rating.sent_at >= asked_at))
    counts = dict(session.execute(query.group_by(Rating.level)).all())
    return Figure(
        total=sum(counts.values()),
        satisfied=sum(count for level, count in counts.items() if level in satisfied),
    )


def _center(session: Session, officer: str, day: date) -> dict | None:
    row = session.get(State, CENTER_KEY)
    try:
        center = json.loads(row.value) if row and row.value else None
    except ValueError:
        return None
    # The center's answer counts only for its officer and its day (a month alone is
    # still of use: the day's part is then this kiosk's own).
    if not center or center.get("officer") != officer:
        return None
    if center.get("day") != day.isoformat():
        if center.get("month") != day.isoformat()[:7]:
            return None
        center = {**center, "today": {"total": 0, "satisfied": 0}}
    return center


def _shown(session: Session, officer: str) -> dict:
    row = session.get(State, SHOWN_KEY + officer)
    try:
        return json.loads(row.value) if row and row.value else {}
    except ValueError:
        return {}


def _step(previous: list | None, period: str, now: Figure, ui) -> list:
    """[period, total, satisfied] to show: the previous one while fewer than a step of
    new ratings came (and it was enough to be shown), else the figure of now."""
    shown_before = (
        bool(previous) and previous[0] == period and previous[1] >= ui.officer_figures_min_count
    )
    if shown_before and abs(now.total - previous[1]) < ui.officer_figures_step:
        return previous
    return [period, now.total, now.satisfied]


def _figure(shown: list, minimum: int) -> Figure | None:
    return Figure(shown[1], shown[2]) if shown[1] >= minimum else None


def _remember(session: Session, officer: str, shown: dict) -> None:
    row = session.get(State, SHOWN_KEY + officer)
    value = json.dumps(shown)
    if row is None:
        session.add(State(key=SHOWN_KEY + officer, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()
