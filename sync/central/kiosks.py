"""Health of the counter kiosks as their heartbeats tell it: stale, unhealthy or OK.

Used by the dashboard and by ``centralctl counter list``, so both say the same. What is
wrong is kept as (kind, value) pairs: the command line says them in English (``why``),
the dashboard in its own language (phrases.kiosk_problem).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from sync.central.db import Database
from sync.central.models import counters
from sync.central.settings import KiosksSection

OK, STALE, UNHEALTHY = "ok", "stale", "unhealthy"

# What is wrong with a kiosk: (kind, value), e.g. ("silent", 42) for 42 minutes.
Problem = tuple[str, Any]
ENGLISH = {
    "no_heartbeat": "no heartbeat yet",
    "silent": "silent for {} min",
    "pending": "{} pending",
    "clock": "clock off by {:+.0f} s",
    "rejected": "{} rejected",
    "error": "error: {}",
}


@dataclass(frozen=True)
class KioskHealth:
    counter: str
    department: str
    heartbeat_at: datetime | None
    last_batch_at: datetime | None
    pending: int | None
    rejected: int | None
    app_version: str | None
    clock_skew_seconds: float | None
    free_disk_bytes: int | None
    last_error: str | None
    state: str
    problems: tuple[Problem, ...]

    @property
    def why(self) -> str:
        """What is wrong, in English (for the command line and logs)."""
        return "; ".join(ENGLISH[kind].format(value) for kind, value in self.problems)


def kiosk_health(db: Database, config: KiosksSection, now: datetime) -> list[KioskHealth]:
    with db.read() as connection:
        rows = connection.execute(select(counters).order_by(counters.c.id)).all()
    return [_health(row, config, now) for row in rows]


def _health(row: Any, config: KiosksSection, now: datetime) -> KioskHealth:
    state, problems = judge(
        config,
        now,
        row.heartbeat_at,
        row.pending,
        row.clock_skew_seconds,
        row.last_error,
        row.rejected,
    )
    return KioskHealth(
        counter=row.id,
        department=row.department,
        heartbeat_at=row.heartbeat_at,
        last_batch_at=row.last_batch_at,
        pending=row.pending,
        rejected=row.rejected,
        app_version=row.app_version,
        clock_skew_seconds=row.clock_skew_seconds,
        free_disk_bytes=row.free_disk_bytes,
        last_error=row.last_error,
        state=state,
        problems=problems,
    )


def judge(
    config: KiosksSection,
    now: datetime,
    heartbeat_at: datetime | None,
    pending: int | None,
    skew: float | None,
    last_error: str | None,
    rejected: int | None,
) -> tuple[str, tuple[Problem, ...]]:
    """(state, what is wrong) of one kiosk."""
    if heartbeat_at is None:
        return STALE, (("no_heartbeat", None),)
    silent = now - heartbeat_at
    if silent > timedelta(minutes=config.stale_after_minutes):
        return STALE, (("silent", int(silent.total_seconds() // 60)),)
    problems: list[Problem] = []
    if pending is not None and pending > config.max_pending:
        problems.append(("pending", pending))
    if skew is not None and abs(skew) > config.max_clock_skew_seconds:
        problems.append(("clock", skew))
    if rejected:
        problems.append(("rejected", rejected))
    if last_error:
        problems.append(("error", last_error[:80]))
    return (UNHEALTHY if problems else OK), tuple(problems)
