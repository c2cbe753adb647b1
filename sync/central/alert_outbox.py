"""What ingest does for alerts: insert rows into the outbox, in the ratings' transaction.

Nothing is sent here, so an alert never blocks or slows a kiosk's batch: a rating at an
alerting level becomes one ``alerts`` row (key ``rating:<rating id>``) and one
``alert_deliveries`` row per configured channel; a department whose rate of the day falls
below the threshold becomes one ``rate:<department>:<day>`` alert. Only ratings new to
the center are passed in, and the keys are unique, so a resent batch alerts no one twice.
The worker (sync.central.alert_worker) sends them; the dashboard's feed reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Dialect, Table, func, select

from sync.central.models import COUNTER_STAGE, alert_deliveries, alerts, daily_counts
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
    new: Sequence[tuple[RatingIn, date]],
    rules: AlertRules,
    today: date,
    now: datetime,
) -> None:
    """Queue the alerts of ``new`` (ratings just inserted, with their local day).

    Call after the rollup has counted them: a department's rate is read from it."""
    # (key, kind, department, day, rating_id, rate, total): short rows, the rating holds
    # the rest, so a batch's alerts cost little beside the batch itself.
    rows = [
        (f"rating:{rating.id}", "rating", rating.department, day, rating.id, None, None)
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
        rows += _rate_alerts(connection, sorted(lowered), rules, today)
    if rows:
        _insert(connection, rows, rules.channels, now)


def _rate_alerts(
    connection: Connection, departments: Iterable[str], rules: AlertRules, today: date
) -> list[tuple]:
    rows = []
    for department in departments:
        counts = connection.execute(
            select(daily_counts.c.level, func.sum(daily_counts.c.count))
            .where(daily_counts.c.day == today, daily_counts.c.department == department)
            .where(daily_counts.c.channel == COUNTER_STAGE)  # a turn counts once
            .group_by(daily_counts.c.level)
        ).all()
        total = sum(int(count) for _level, count in counts)
        satisfied = sum(int(count) for level, count in counts if level in rules.satisfied_levels)
        if total < rules.rate_min_count or satisfied / total >= rules.rate_below:
            continue
        key = f"rate:{department}:{today.isoformat()}"
        rows.append((key, "rate", department, today, None, satisfied / total, total))
    return rows


_ALERT_COLUMNS = ("key", "kind", "department", "day", "rating_id", "rate", "total", "created_at")
_DELIVERY_COLUMNS = (
    "alert_key",
    "channel",
    "department",
    "created_at",
    "next_attempt_at",
    "attempts",
)
_ROWS_PER_STATEMENT = 100  # 8 values a row: far under any database's parameter limit


def _insert(
    connection: Connection, rows: list[tuple], channels: tuple[str, ...], now: datetime
) -> None:
    # Plain multi-row INSERTs through the driver, as ingest stores the ratings
    # (sync.central.ingest explains why): here too the cost per batch is the point.
    dialect = connection.dialect
    created = _processor(dialect, alerts, "created_at")(now)
    day_of = _processor(dialect, alerts, "day")
    alert_rows = [(*row[:3], day_of(row[3]), *row[4:], created) for row in rows]
    _execute(connection, alerts.name, _ALERT_COLUMNS, alert_rows, "(key)")
    deliveries = [
        (row[0], channel, row[2], created, created, 0) for row in rows for channel in channels
    ]
    _execute(connection, alert_deliveries.name, _DELIVERY_COLUMNS, deliveries, "")


def _execute(
    connection: Connection, table: str, columns: tuple[str, ...], rows: list[tuple], target: str
) -> None:
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    for first in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[first : first + _ROWS_PER_STATEMENT]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            + ", ".join([one] * len(chunk))
            + f" ON CONFLICT {target} DO NOTHING"
        )
        connection.exec_driver_sql(sql, tuple(value for row in chunk for value in row))


def _processor(dialect: Dialect, table: Table, column: str) -> Callable[[Any], Any]:
    """What SQLAlchemy does to a value of ``table.<column>`` before the driver sees it."""
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)
