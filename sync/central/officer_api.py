"""The officer's own figures, for the kiosk's officer menu: ``GET
/api/v1/counters/{counter}/officers/{officer}/figures`` with the counter's token.

The center's count covers the officer's ratings at every counter (a kiosk only knows its
own). Only an officer of the counter's department is answered, and only totals: the
kiosk decides what is enough to show (``[ui] officer_figures_min_count``).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from kiosk.roster_file import code_problem
from sync.central.api import _counter_of, _db, _settings
from sync.central.db import Database
from sync.central.errors import ApiError
from sync.central.models import counters, daily_counts, officers, utcnow
from sync.central.settings import ReportSection
from sync.protocol import OfficerFigures, Tally, canonical_code, officer_figures_path

router = APIRouter()


@router.get(officer_figures_path("{counter}", "{officer}"))
async def get_officer_figures(counter: str, officer: str, request: Request) -> Response:
    owner = await run_in_threadpool(_counter_of, request, counter)
    if code_problem(canonical_code(officer)):  # NUL and the like: PostgreSQL would refuse
        raise ApiError(404, f"officer: {officer[:40]!r} is no officer code")
    figures = await run_in_threadpool(
        officer_figures, _db(request), _settings(request).report, owner, canonical_code(officer)
    )
    return Response(figures.model_dump_json(), media_type="application/json")


def officer_figures(
    db: Database, report: ReportSection, counter: str, officer: str
) -> OfficerFigures:
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
        rows = connection.execute(
            select(daily_counts.c.day, daily_counts.c.level, func.sum(daily_counts.c.count))
            .where(daily_counts.c.officer == officer, daily_counts.c.day >= first)
            .where(daily_counts.c.day <= today)
            .group_by(daily_counts.c.day, daily_counts.c.level)
        ).all()
    satisfied = set(report.satisfied_levels)
    day_total = day_happy = month_total = month_happy = 0
    for day, level, count in rows:
        count = int(count)
        month_total += count
        month_happy += count if level in satisfied else 0
        if _as_date(day) == today:
            day_total += count
            day_happy += count if level in satisfied else 0
    return OfficerFigures(
        officer=officer,
        day=today,
        month=first.isoformat()[:7],
        today=Tally(total=day_total, satisfied=day_happy),
        this_month=Tally(total=month_total, satisfied=month_happy),
        satisfied_levels=list(report.satisfied_levels),
        server_time=now,
    )


def _as_date(value: date | str) -> date:
    # SQLite may hand the date back as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
