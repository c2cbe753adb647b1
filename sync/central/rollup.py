"""The daily rollup that reports read: one row per (day, counter, officer, department,
level, channel) with its count. Ingest adds to it in the transaction that stores the ratings;
``centralctl rollup rebuild`` recounts it from the ratings after a time zone change.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select, update

from sync.central.db import Database, dialect_insert
from sync.central.models import daily_counts, ratings


def add_to_rollup(connection: Connection, tally: Counter[tuple[Any, ...]]) -> None:
    # One upsert per (day, counter, officer, department, level, channel), not per rating.
    keys = ("day", "counter", "officer", "department", "level", "channel")
    values = [
        dict(zip(keys, key, strict=True), count=count) for key, count in sorted(tally.items())
    ]
    statement = dialect_insert(connection)(daily_counts)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={"count": daily_counts.c.count + statement.excluded["count"]},
    )
    connection.execute(statement, values)


def rebuild_rollup(db: Database, tz: ZoneInfo) -> int:
    """Recompute ``ratings.day`` for ``tz`` and the whole rollup; returns ratings counted.

    For a center that changed its time zone setting; runs in one transaction.
    """
    total = 0
    with db.write() as connection:
        batch_size = 5000
        last = ""
        while True:
            chunk = connection.execute(
                select(ratings.c.id, ratings.c.created_at, ratings.c.day)
                .where(ratings.c.id > last)
                .order_by(ratings.c.id)
                .limit(batch_size)
            ).all()
            if not chunk:
                break
            for row in chunk:
                day = row.created_at.astimezone(tz).date()
                if day != row.day:
                    connection.execute(
                        update(ratings).where(ratings.c.id == row.id).values(day=day)
                    )
            last = chunk[-1].id
        connection.execute(delete(daily_counts))
        grouped = connection.execute(
            select(
                ratings.c.day,
                ratings.c.counter,
                ratings.c.officer,
                ratings.c.department,
                ratings.c.level,
                ratings.c.channel,
                func.count(),
            ).group_by(
                ratings.c.day,
                ratings.c.counter,
                ratings.c.officer,
                ratings.c.department,
                ratings.c.level,
                ratings.c.channel,
            )
        ).all()
        keys = ("day", "counter", "officer", "department", "level", "channel", "count")
        values = [dict(zip(keys, row, strict=True)) for row in grouped]
        if values:
            connection.execute(daily_counts.insert(), values)
        total = sum(value["count"] for value in values)
    return total
