"""The officer's own figures, for the kiosk's officer menu: ``GET
/api/v1/counters/{counter}/officers/{officer}/figures`` with the counter's token.

The center's count covers the officer's ratings at every counter (a kiosk only knows its
own), of the counter's stage only (a phone rating of the result is not a turn). Only an
officer of the counter's department is answered, and only the figure the center decided
to show: stepped by sync.officer_steps with ``[officer_figures]`` (none below
``min_count``), the same for every kiosk and every look at the same moment. The exact
counts never leave the center.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from kiosk.roster_file import code_problem
from sync.central.api import _counter_of, _db, _settings
from sync.central.db import Database
from sync.central.errors import ApiError
from sync.central.models import COUNTER_STAGE, counters, officers, ratings, utcnow
from sync.central.settings import Settings
from sync.officer_steps import Stepped, day_and_month
from sync.protocol import OfficerFigures, Tally, canonical_code, officer_figures_path

router = APIRouter()


@router.get(officer_figures_path("{counter}", "{officer}"))
async def get_officer_figures(counter: str, officer: str, request: Request) -> Response:
    owner = await run_in_threadpool(_counter_of, request, counter)
    if code_problem(canonical_code(officer)):  # NUL and the like: PostgreSQL would refuse
        raise ApiError(404, f"officer: {officer[:40]!r} is no officer code")
    figures = await run_in_threadpool(
        officer_figures, _db(request), _settings(request), owner, canonical_code(officer)
    )
    return Response(figures.model_dump_json(), media_type="application/json")


def officer_figures(db: Database, settings: Settings, counter: str, officer: str) -> OfficerFigures:
    report, rules = settings.report, settings.officer_figures
    now = utcnow()
    today = now.astimezone(report.tz).date()
    first = today.replace(day=1)
    with db.read() as connection:
        serves_here = connection.scalar(
            select(officers.c.code)
            .join(counters, counters.c.department == officers.c.department)
            .where(counters.c.id == counter, officers.c.code == officer)
        )
        if serves_here is None:
            raise ApiError(404, f"officer: {officer} is not on the roster of counter {counter}")
        # In the order they arrived (a batch in its kiosk's order), so that a step's
        # snapshot, once taken, stays the same for every later look.
        rows = connection.execute(
            select(ratings.c.day, ratings.c.level)
            .where(ratings.c.officer == officer, ratings.c.channel == COUNTER_STAGE)
            .where(ratings.c.day >= first, ratings.c.day <= today)
            .order_by(ratings.c.received_at, ratings.c.counter, ratings.c.seq, ratings.c.id)
        ).all()
    levels_today = [level for day, level in rows if _as_date(day) == today]
    levels_before = [level for day, level in rows if _as_date(day) != today]
    shown_today, shown_month = day_and_month(
        levels_before, levels_today, report.satisfied_levels, rules.min_count, rules.step
    )
    return OfficerFigures(
        officer=officer,
        day=today,
        month=first.isoformat()[:7],
        today=_tally(shown_today),
        this_month=_tally(shown_month),
        satisfied_levels=list(report.satisfied_levels),
        server_time=now,
        min_count=rules.min_count,
        step=rules.step,
    )


def _tally(figure: Stepped | None) -> Tally | None:
    return None if figure is None else Tally(total=figure.total, satisfied=figure.satisfied)


def _as_date(value: date | str) -> date:
    # SQLite may hand the date back as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
