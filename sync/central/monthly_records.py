"""What ``scheduled_sends`` holds of the monthly mails, and how a process takes one.

A month's report is the row (``monthly_report``, "2026-10"); each correction of it, sent
when ratings of that month arrived after it went out, is the row (``monthly_correction``,
"2026-10/1"), "2026-10/2"... Exactly one of several central processes on one database
sends each: it takes the row by inserting it (the primary key lets one insert through)
before sending, and marks it sent after. A taker that died while sending leaves a row not
sent whose ``claimed_until`` has passed: the next process takes it over (the mail may then
go twice, which beats never). A month found with no rated turn is recorded "empty"; when
ratings of it arrive later, one process takes that row back (:func:`retake_empty`) and
sends the month's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from sync.central.db import Database, dialect_insert
from sync.central.models import scheduled_sends

KIND = "monthly_report"
CORRECTION = "monthly_correction"
SENT, EMPTY = "sent", "empty"


@dataclass(frozen=True)
class SendRecord:
    """What ``scheduled_sends`` says of one mail (the dashboard shows it)."""

    period: str  # "2026-10", or "2026-10/1" for a correction
    outcome: str | None  # SENT, EMPTY, or None: not sent yet
    sent_at: datetime | None
    recipients: tuple[str, ...]
    turns: int | None
    attempts: int
    last_error: str | None
    claimed_until: datetime
    kind: str = KIND

    def held_at(self, now: datetime) -> bool:
        """Being sent by a process, or waiting for its next try, at ``now``."""
        return self.sent_at is None and self.claimed_until >= now


def correction_key(period: str, number: int) -> str:
    return f"{period}/{number}"


def record_of(db: Database, period: str, kind: str = KIND) -> SendRecord | None:
    with db.read() as connection:
        row = connection.execute(
            select(scheduled_sends).where(
                scheduled_sends.c.kind == kind, scheduled_sends.c.period == period
            )
        ).first()
    return _record(row) if row is not None else None


def corrections_of(db: Database, period: str) -> list[SendRecord]:
    """The corrections of ``period``'s report, the first first (sent or not)."""
    with db.read() as connection:
        rows = connection.execute(
            select(scheduled_sends).where(
                scheduled_sends.c.kind == CORRECTION,
                scheduled_sends.c.period.like(f"{period}/%"),
            )
        ).all()
    return sorted((_record(row) for row in rows), key=lambda r: int(r.period.split("/")[1]))


def latest_record(db: Database) -> SendRecord | None:
    """The record of the latest month the scheduler dealt with, sent or not."""
    with db.read() as connection:
        row = connection.execute(
            select(scheduled_sends)
            .where(scheduled_sends.c.kind == KIND)
            .order_by(scheduled_sends.c.period.desc())
            .limit(1)
        ).first()
    return _record(row) if row is not None else None


def months_recorded(db: Database, since: str) -> list[str]:
    """The months from ``since`` on whose report was dealt with (sent or empty)."""
    with db.read() as connection:
        return list(
            connection.scalars(
                select(scheduled_sends.c.period)
                .where(scheduled_sends.c.kind == KIND, scheduled_sends.c.period >= since)
                .order_by(scheduled_sends.c.period)
            )
        )


def _record(row) -> SendRecord:
    return SendRecord(
        period=row.period,
        outcome=row.outcome,
        sent_at=row.sent_at,
        recipients=tuple(filter(None, (row.recipients or "").split(", "))),
        turns=row.turns,
        attempts=row.attempts,
        last_error=row.last_error,
        claimed_until=row.claimed_until,
        kind=row.kind,
    )


def claim(db: Database, kind: str, period: str, taker: str, now: datetime, minutes: float) -> bool:
    """Take the mail (``kind``, ``period``) for ``taker``: the first to insert its row, or
    the one that finds its claim run out and nothing sent."""
    until = now + timedelta(minutes=minutes)
    taken = {"claimed_by": taker, "claimed_at": now, "claimed_until": until}
    with db.write() as connection:
        inserted = connection.execute(
            dialect_insert(connection)(scheduled_sends)
            .values(kind=kind, period=period, attempts=1, **taken)
            .on_conflict_do_nothing()
            # rowcount is not told for an INSERT on PostgreSQL (psycopg gives -1): the
            # row it returns is the answer, on both databases.
            .returning(scheduled_sends.c.period)
        ).first()
        if inserted is not None:
            return True
        retaken = connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == kind,
                scheduled_sends.c.period == period,
                scheduled_sends.c.sent_at.is_(None),
                scheduled_sends.c.claimed_until < now,
            )
            .values(attempts=scheduled_sends.c.attempts + 1, **taken)
        )
        return retaken.rowcount == 1


def retake_empty(
    db: Database, period: str, found_at: datetime, taker: str, now: datetime, minutes: float
) -> bool:
    """Take back the report of ``period``, recorded empty at ``found_at``, to send it now
    that ratings of it arrived: of several processes, the one whose update finds the row
    still as it was."""
    until = now + timedelta(minutes=minutes)
    with db.write() as connection:
        retaken = connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == KIND,
                scheduled_sends.c.period == period,
                scheduled_sends.c.outcome == EMPTY,
                scheduled_sends.c.sent_at == found_at,
            )
            .values(
                attempts=scheduled_sends.c.attempts + 1,
                claimed_by=taker,
                claimed_at=now,
                claimed_until=until,
                sent_at=None,
                outcome=None,
                turns=None,
            )
        )
        return retaken.rowcount == 1


def failed(
    db: Database, kind: str, period: str, taker: str, retry_at: datetime, error: str
) -> None:
    with db.write() as connection:
        connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == kind,
                scheduled_sends.c.period == period,
                scheduled_sends.c.claimed_by == taker,
                scheduled_sends.c.sent_at.is_(None),
            )
            .values(claimed_until=retry_at, last_error=error[:1000])
        )


def mark(
    db: Database,
    kind: str,
    period: str,
    now: datetime,
    outcome: str,
    recipients: tuple[str, ...],
    turns: int,
    taker: str | None = None,
) -> None:
    """Record the mail as dealt with; inserted (or overwritten) when no process had taken
    it (a send by hand, ``taker`` given)."""
    done = {
        "sent_at": now,
        "outcome": outcome,
        "recipients": ", ".join(recipients) if outcome == SENT else None,
        "turns": turns,
        "last_error": None,
    }
    with db.write() as connection:
        if taker is not None:
            held = {"claimed_by": taker, "claimed_at": now, "claimed_until": now}
            connection.execute(
                dialect_insert(connection)(scheduled_sends)
                .values(kind=kind, period=period, attempts=1, **held, **done)
                .on_conflict_do_update(index_elements=["kind", "period"], set_=done)
            )
            return
        # Whoever finishes first records it, even a taker whose claim ran out meanwhile.
        connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == kind,
                scheduled_sends.c.period == period,
                scheduled_sends.c.sent_at.is_(None),
            )
            .values(**done)
        )
