"""Health of the counter kiosks as their heartbeats tell it: stale, unhealthy or OK.

Used by the dashboard and by ``centralctl counter list``, so both say the same.
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
    why: str


def kiosk_health(db: Database, config: KiosksSection, now: datetime) -> list[KioskHealth]:
    with db.read() as connection:
        rows = connection.execute(select(counters).order_by(counters.c.id)).all()
    return [_health(row, config, now) for row in rows]


def _health(row: Any, config: KiosksSection, now: datetime) -> KioskHealth:
    state, why = judge(
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
        why=why,
    )


def judge(
    config: KiosksSection,
    now: datetime,
    heartbeat_at: datetime | None,
    pending: int | None,
    skew: float | None,
    last_error: str | None,
    rejected: int | None,
) -> tuple[str, str]:
    """(state, reason in words) of one kiosk."""
    if heartbeat_at is None:
        return STALE, "no heartbeat yet"
    silent = now - heartbeat_at
    if silent > timedelta(minutes=config.stale_after_minutes):
        return STALE, f"silent for {int(silent.total_seconds() // 60)} min"
    problems = []
    if pending is not None and pending > config.max_pending:
        problems.append(f"{pending} pending")
    if skew is not None and abs(skew) > config.max_clock_skew_seconds:
        problems.append(f"clock off by {skew:+.0f} s")
    if rejected:
        problems.append(f"{rejected} rejected")
    if last_error:
        problems.append(f"error: {last_error[:80]}")
    return (UNHEALTHY, "; ".join(problems)) if problems else (OK, "")
