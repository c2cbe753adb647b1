"""What ingest does for alerts: insert rows into the outbox, in the ratings' transaction.

Nothing is sent here, so an alert never blocks or slows a kiosk's batch: a rating at an
alerting level becomes one ``alerts`` row (key ``rating:<rating id>``) and one
``alert_deliveries`` row per configured channel; a department whose rate of the day falls
below the threshold becomes one ``rate:<department>:<day>`` alert. Only ratings new to
the center are passed in, and the keys are unique, so a resent batch alerts no one twice.
The worker (sync.central.alert_worker) sends them; the dashboard's feed reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from sync.central.db import dialect_insert
from sync.central.models import alert_deliveries, alerts, daily_counts
from sync.central.settings import Settings
from sync.protocol import RatingIn


@dataclass(frozen=True)
class AlertRules:
    """The part of the settings ingest needs: what alerts, and to which channels."""

    levels: frozenset[int]
    satisfied_levels: frozenset[int]
    rate_below: float  # 0: department rates never alert
    rate_min_count: int
    channels: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> AlertRules:
        return cls(
            levels=settings.alert_levels,
            satisfied_levels=frozenset(settings.report.satisfied_levels),
            rate_below=settings.alerts.department_rate_below,
            rate_min_count=settings.alerts.department_rate_min_count,
            channels=settings.alerts.channels(),
        )


def queue_alerts(
    connection: Connection,
    counter: str,
    new: Sequence[tuple[RatingIn, date]],
    rules: AlertRules,
    today: date,
    now: datetime,
) -> None:
    """Queue the alerts of ``new`` (ratings just inserted, with their local day).

    Call after the rollup has counted them: a department's rate is read from it."""
    rows = [
        {
            "key": f"rating:{rating.id}",
            "kind": "rating",
            "created_at": now,
            "department": rating.department,
            "counter": counter,
            "officer": rating.officer,
            "level": rating.level,
            "reasons": list(rating.reasons),
            "rated_at": rating.created_at,
            "day": day,
        }
        for rating, day in new
        if rating.level in rules.levels
    ]
    if rules.rate_below > 0:
        # Only an unsatisfied rating can lower a rate, and only today's rate is news.
        lowered = {
            rating.department
            for rating, day in new
            if day == today and rating.level not in rules.satisfied_levels
        }
        rows += _rate_alerts(connection, sorted(lowered), rules, today, now)
    if rows:
        _insert(connection, rows, rules.channels, now)


def _rate_alerts(
    connection: Connection,
    departments: Iterable[str],
    rules: AlertRules,
    today: date,
    now: datetime,
) -> list[dict]:
    rows = []
    for department in departments:
        counts = connection.execute(
            select(daily_counts.c.level, func.sum(daily_counts.c.count))
            .where(daily_counts.c.day == today, daily_counts.c.department == department)
            .group_by(daily_counts.c.level)
        ).all()
        total = sum(int(count) for _level, count in counts)
        satisfied = sum(int(count) for level, count in counts if level in rules.satisfied_levels)
        if total < rules.rate_min_count or satisfied / total >= rules.rate_below:
            continue
        rows.append(
            {
                "key": f"rate:{department}:{today.isoformat()}",
                "kind": "rate",
                "created_at": now,
                "department": department,
                "day": today,
                "rate": satisfied / total,
                "total": total,
            }
        )
    return rows


def _insert(
    connection: Connection, rows: list[dict], channels: tuple[str, ...], now: datetime
) -> None:
    insert = dialect_insert(connection)
    columns = ("counter", "officer", "level", "reasons", "rated_at", "rate", "total")
    # Every row with every column: one executemany statement for the whole batch.
    rows = [{column: None for column in columns} | row for row in rows]
    connection.execute(insert(alerts).on_conflict_do_nothing(index_elements=["key"]), rows)
    deliveries = [
        {
            "alert_key": row["key"],
            "channel": channel,
            "department": row["department"],
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
        }
        for row in rows
        for channel in channels
    ]
    if deliveries:
        connection.execute(insert(alert_deliveries).on_conflict_do_nothing(), deliveries)
