"""THE write path of ratings at the central: validate one by one, insert once, count once.

Each rating is validated alone, so one bad rating is rejected with the field named while
the others of its batch go in; then filed by the center's rules (sync.central.filing):
only officers its counter's roster held, at times plausible for that counter, with the
center's reasons, under the counter's department, never the kiosk's claim. A rating the
rules refuse that is stored already (a batch resent after its answer was lost) is a
duplicate, as it was when first filed. Valid ratings are inserted with
``INSERT ... ON CONFLICT (id) DO NOTHING RETURNING id``: the ids that come back are new,
the others were already here (a resent batch, or another central process that got the
same batch). Only the new ones are added to the daily rollup, in the same transaction,
so the rollup always equals the ratings table, on SQLite and on PostgreSQL, with one
central process or several. The new ones' alerts go into the alerts outbox in that
transaction too (sync.central.alert_outbox): queued, never sent from here.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Dialect, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, StatementError

from sync.central.alert_outbox import AlertRules, queue_alerts
from sync.central.db import Database
from sync.central.filing import FilingRules, file_batch
from sync.central.models import KIOSK, counters, ratings, utcnow
from sync.central.rollup import add_to_rollup
from sync.protocol import BatchResponse, RatingIn, RejectedRating, rating_label, validate_rating

log = logging.getLogger(__name__)

# PostgreSQL deadlock / serialization failure, SQLite busy: the transaction is safe to rerun.
_RETRY_SQLSTATES = {"40P01", "40001"}
_ATTEMPTS = 5


def ingest_batch(
    db: Database,
    counter: str,
    items: Sequence[Any],
    levels: Iterable[int],
    tz: ZoneInfo,
    now: datetime | None = None,
    alerts: AlertRules | None = None,
    rules: FilingRules | None = None,
) -> BatchResponse:
    """Store the new ratings of one batch from ``counter``; say what became of each.
    ``alerts``: queue the alerts of the new ratings by these rules (None: no alerts).
    ``rules``: what the center takes (FilingRules.of(settings); None: the shipped ones)."""
    valid, rejected, repeated = _validate(items, set(levels))
    now = now or utcnow()
    filed, unfit = file_batch(db, counter, list(valid.values()), rules or FilingRules(), now)
    inserted, refused = _store(db, counter, filed, tz, now, alerts)
    stored = _stored_already(db, [rejection.id for rejection in unfit])
    refusals = {
        rejection.id: rejection for rejection in [*unfit, *refused] if rejection.id not in stored
    }
    kept = [rating_id for rating_id in valid if rating_id not in refusals]
    if not kept:
        _touch_counter(db, counter, now)
    rejected += refusals.values()
    duplicate = [rating_id for rating_id in kept if rating_id not in inserted]
    for rating_id in repeated:  # a second copy in one batch shares the fate of the first
        if rating_id in refusals:
            rejected.append(refusals[rating_id])
        else:
            duplicate.append(rating_id)
    return BatchResponse(
        accepted=[rating_id for rating_id in kept if rating_id in inserted],
        duplicate=duplicate,
        rejected=rejected,
    )


def _stored_already(db: Database, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    with db.read() as connection:
        return set(connection.scalars(select(ratings.c.id).where(ratings.c.id.in_(ids))))


def _validate(
    items: Sequence[Any], allowed: set[int]
) -> tuple[dict[str, RatingIn], list[RejectedRating], list[str]]:
    """(valid ratings by id, the malformed ones, ids that came twice in the batch)."""
    valid: dict[str, RatingIn] = {}
    rejected: list[RejectedRating] = []
    repeated: list[str] = []
    for index, raw in enumerate(items):
        try:
            rating = validate_rating(raw)
        except ValueError as exc:
            rejected.append(RejectedRating(id=rating_label(raw, index), error=str(exc)))
            continue
        if rating.level not in allowed:
            levels = sorted(allowed, reverse=True)
            error = f"level: {rating.level} is not one of the levels {levels}"
            rejected.append(RejectedRating(id=rating.id, error=error))
        elif rating.id in valid:
            repeated.append(rating.id)
        else:
            valid[rating.id] = rating
    return valid, rejected, repeated


def _store(
    db: Database,
    counter: str,
    batch: list[RatingIn],
    tz: ZoneInfo,
    now: datetime,
    alerts: AlertRules | None,
) -> tuple[set[str], list[RejectedRating]]:
    """(ids inserted now, ratings the database refused). When the database refuses the
    batch for a value in it, the batch is halved until each refused rating is alone, so
    one rating the validation let through never holds back the others."""
    if not batch:
        return set(), []
    try:
        return _insert_with_retry(db, counter, batch, tz, now, alerts), []
    except Exception as exc:
        if not _refused_for_its_data(exc):
            raise
        if len(batch) == 1:
            reason = _first_line(exc)
            log.warning("database refused rating %s from %s: %s", batch[0].id, counter, reason)
            error = f"rating: the database refused it ({reason})"
            return set(), [RejectedRating(id=batch[0].id, error=error)]
    middle = len(batch) // 2
    first, first_refused = _store(db, counter, batch[:middle], tz, now, alerts)
    second, second_refused = _store(db, counter, batch[middle:], tz, now, alerts)
    return first | second, first_refused + second_refused


# What a driver raises for a value it cannot take: SQLite's OverflowError for a too large
# int, UnicodeEncodeError (a ValueError) for a lone surrogate, PostgreSQL's DataError.
_VALUE_ERRORS = (ValueError, OverflowError, TypeError)


def _refused_for_its_data(exc: Exception) -> bool:
    if isinstance(exc, DataError | IntegrityError):
        return True
    if isinstance(exc, DBAPIError):
        return False  # connection, lock, schema: not the ratings' fault; 503 and retry
    if isinstance(exc, StatementError):
        return isinstance(exc.orig, _VALUE_ERRORS)
    return isinstance(exc, _VALUE_ERRORS)


def _first_line(exc: Exception) -> str:
    # The driver's own words only: SQLAlchemy's text would echo the SQL and its values.
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = text[0][:200] if text else type(exc).__name__
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def _insert_with_retry(
    db: Database,
    counter: str,
    batch: list[RatingIn],
    tz: ZoneInfo,
    now: datetime,
    alerts: AlertRules | None,
) -> set[str]:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with db.write() as connection:
                return insert_ratings(connection, counter, batch, tz, now, alerts=alerts)
        except OperationalError as exc:
            sqlstate = getattr(exc.orig, "sqlstate", None)
            busy = "database is locked" in str(exc.orig)
            if attempt == _ATTEMPTS or not (sqlstate in _RETRY_SQLSTATES or busy):
                raise
            log.info("ingest retry %d after %s", attempt, sqlstate or "busy database")
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


# Columns of the one multi-row INSERT, in the order of each row's values.
_COLUMNS = (
    "id",
    "counter",
    "seq",
    "officer",
    "department",
    "session",
    "ticket",
    "level",
    "reasons",
    "lang",
    "created_at",
    "received_at",
    "day",
    "channel",
)
# 64 rows x 14 values = 896 parameters per statement: under SQLite's historic limit of
# 999 and PostgreSQL's 65535, so a 500-rating batch is 8 statements whatever the build.
_ROWS_PER_STATEMENT = 64


def insert_ratings(
    connection: Connection,
    counter: str,
    batch: list[RatingIn],
    tz: ZoneInfo,
    now: datetime,
    channel: str = KIOSK,
    alerts: AlertRules | None = None,
) -> set[str]:
    """Insert in one open transaction; return the ids that were new. Used by benchmarks too.

    The rows go to the driver as plain values in multi-row ``INSERT ... VALUES (...), (...)
    ON CONFLICT (id) DO NOTHING RETURNING id`` statements. SQLAlchemy's executemany would
    build a parameter dict per row and run every value through its type's processor,
    which cost more than SQLite's own work; here only the three columns that need it are
    converted, with the very processors SQLAlchemy would use for this database, so the
    stored values are the same as through ``ratings.insert()``.
    """
    dialect = connection.dialect
    created_at = _processor(dialect, "created_at")
    day_of = _processor(dialect, "day")
    reasons_of = _processor(dialect, "reasons")
    received_at = created_at(now)  # one value for the whole batch
    # A batch holds a handful of distinct reason lists: serialize each one once.
    serialized = functools.cache(lambda reasons: reasons_of(list(reasons)))
    # Sorted, so that concurrent transactions take row locks in one order (no deadlock).
    batch = sorted(batch, key=lambda rating: rating.id)
    days = [rating.created_at.astimezone(tz).date() for rating in batch]
    rows = [
        (
            rating.id,
            counter,
            rating.seq,
            rating.officer,
            rating.department,
            rating.session,
            rating.ticket,
            rating.level,
            serialized(tuple(rating.reasons)),
            rating.lang,
            created_at(rating.created_at),
            received_at,
            day_of(day),
            channel,
        )
        for rating, day in zip(batch, days, strict=True)
    ]
    inserted: set[str] = set()
    for first in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[first : first + _ROWS_PER_STATEMENT]
        values = [value for row in chunk for value in row]
        result = connection.exec_driver_sql(
            _insert_sql(dialect.paramstyle, len(chunk)), tuple(values)
        )
        inserted.update(row[0] for row in result.fetchall())
    if inserted:
        # Only the new ratings count, so a resent batch leaves the rollup as it was.
        add_to_rollup(
            connection,
            Counter(
                (day, counter, rating.officer, rating.department, rating.level, channel)
                for rating, day in zip(batch, days, strict=True)
                if rating.id in inserted
            ),
        )
        if alerts is not None:
            new = [(r, day) for r, day in zip(batch, days, strict=True) if r.id in inserted]
            queue_alerts(connection, new, alerts, now.astimezone(tz).date(), now)
    connection.execute(update(counters).where(counters.c.id == counter).values(last_batch_at=now))
    return inserted


def _processor(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """What SQLAlchemy does to a value of ``ratings.<column>`` before the driver sees it."""
    process = ratings.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process or (lambda value: value)


@functools.cache
def _insert_sql(paramstyle: str, count: int) -> str:
    # qmark is sqlite3's style; psycopg (pyformat) takes positional %s as well.
    mark = "?" if paramstyle == "qmark" else "%s"
    row = "(" + ", ".join([mark] * len(_COLUMNS)) + ")"
    return (
        f"INSERT INTO {ratings.name} ({', '.join(_COLUMNS)}) VALUES "
        + ", ".join([row] * count)
        + " ON CONFLICT (id) DO NOTHING RETURNING id"
    )


def _touch_counter(db: Database, counter: str, now: datetime) -> None:
    with db.write() as connection:
        connection.execute(
            update(counters).where(counters.c.id == counter).values(last_batch_at=now)
        )
