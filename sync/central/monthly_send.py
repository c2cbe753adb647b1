"""Sending the monthly report once: by the scheduler (:func:`send_due`, what the worker
calls every round) or by hand (:func:`send_month`, ``centralctl report send-monthly``).

Exactly one of several central processes on one database sends a month's report: each
takes it by inserting its row in ``scheduled_sends`` (the primary key lets only one
insert through) before sending, and marks it sent after. A taker that died while sending
leaves a row not sent whose ``claimed_until`` has passed after ``claim_minutes``: the
next process takes it over (the mail may then go twice, which beats never). A send the
mail server refused waits ``retry_minutes``, then any process tries it again. A month
without one rated turn is recorded as "empty" and nothing is mailed: a new center's
first month, or one whose kiosks never reached the central, has nothing to report.

Every function takes ``now`` (UTC), so a test can be the first working day of any month.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from sync.central.alert_send import DeliveryError, deliver_mail
from sync.central.db import Database, dialect_insert
from sync.central.models import scheduled_sends, utcnow
from sync.central.monthly_mail import MonthlyMail, monthly_mail
from sync.central.periods import Period
from sync.central.polling import process_name
from sync.central.published import published_report
from sync.central.settings import Settings
from sync.central.working_days import due_month

log = logging.getLogger(__name__)

KIND = "monthly_report"
SENT, EMPTY = "sent", "empty"


@dataclass(frozen=True)
class SendRecord:
    """What ``scheduled_sends`` says of one month's report (the dashboard shows it)."""

    period: str
    outcome: str | None  # SENT, EMPTY, or None: not sent yet
    sent_at: datetime | None
    recipients: tuple[str, ...]
    turns: int | None
    attempts: int
    last_error: str | None
    claimed_until: datetime


def prepare(
    db: Database,
    settings: Settings,
    period: Period,
    now: datetime,
    recipients: tuple[str, ...] | None = None,
) -> MonthlyMail:
    """The mail of ``period``'s report (to the configured recipients by default)."""
    reports = settings.reports
    report = published_report(db, settings.report, period, now)
    return monthly_mail(
        report, reports.language, settings.alerts.from_address, recipients or reports.recipients
    )


def send_due(
    db: Database, settings: Settings, now: datetime | None = None, taker: str | None = None
) -> SendRecord | None:
    """Send the latest month whose report is due at ``now`` unless it went out already or
    another process holds it; the month's record after this round, or None when this
    process did nothing."""
    now = now or utcnow()
    reports = settings.reports
    period, _due = due_month(now, reports.holidays, reports.send_hour, settings.report.tz)
    done = record_of(db, period.code)
    if done is not None and (done.sent_at is not None or done.claimed_until >= now):
        return None  # sent, or held (being sent, or waiting for its next try): no write
    taker = taker or process_name()
    if not _claim(db, period.code, taker, now, reports.claim_minutes):
        return None
    mail = prepare(db, settings, period, now)
    if mail.turns == 0:
        log.info("monthly report %s: no rated turn that month, nothing to send", period.code)
        _mark(db, period.code, now, EMPTY, mail)
        return record_of(db, period.code)
    try:
        deliver_mail(settings.alerts, mail.message, mail.recipients)
    except DeliveryError as exc:
        retry_at = now + timedelta(minutes=reports.retry_minutes)
        log.warning("monthly report %s not sent, next try after %s: %s", period.code, retry_at, exc)
        _failed(db, period.code, taker, retry_at, str(exc))
        return record_of(db, period.code)
    log.info(
        "monthly report %s sent to %d recipient(s): %d turns rated",
        period.code, len(mail.recipients), mail.turns,
    )  # fmt: skip
    _mark(db, period.code, now, SENT, mail)
    return record_of(db, period.code)


def send_month(
    db: Database,
    settings: Settings,
    period: Period,
    now: datetime | None = None,
    recipients: tuple[str, ...] | None = None,
) -> MonthlyMail:
    """Send ``period``'s report now, whatever the schedule says (the technician's test).
    To the configured recipients it counts as the month's send, and the scheduler will
    not send it again; to others (``recipients``) it is only a test and records nothing.
    Raises DeliveryError when the mail server does not take it."""
    now = now or utcnow()
    mail = prepare(db, settings, period, now, recipients)
    deliver_mail(settings.alerts, mail.message, mail.recipients)
    if recipients is None:
        _mark(db, period.code, now, SENT, mail, taker=process_name("centralctl:"))
    return mail


def record_of(db: Database, period: str) -> SendRecord | None:
    with db.read() as connection:
        row = connection.execute(
            select(scheduled_sends).where(
                scheduled_sends.c.kind == KIND, scheduled_sends.c.period == period
            )
        ).first()
    return _record(row) if row is not None else None


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
    )


def _claim(db: Database, period: str, taker: str, now: datetime, minutes: float) -> bool:
    """Take ``period``'s report for ``taker``: the first to insert its row, or the one that
    finds its claim run out and nothing sent."""
    until = now + timedelta(minutes=minutes)
    taken = {"claimed_by": taker, "claimed_at": now, "claimed_until": until}
    with db.write() as connection:
        inserted = connection.execute(
            dialect_insert(connection)(scheduled_sends)
            .values(kind=KIND, period=period, attempts=1, **taken)
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
                scheduled_sends.c.kind == KIND,
                scheduled_sends.c.period == period,
                scheduled_sends.c.sent_at.is_(None),
                scheduled_sends.c.claimed_until < now,
            )
            .values(attempts=scheduled_sends.c.attempts + 1, **taken)
        )
        return retaken.rowcount == 1


def _failed(db: Database, period: str, taker: str, retry_at: datetime, error: str) -> None:
    with db.write() as connection:
        connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == KIND,
                scheduled_sends.c.period == period,
                scheduled_sends.c.claimed_by == taker,
                scheduled_sends.c.sent_at.is_(None),
            )
            .values(claimed_until=retry_at, last_error=error[:1000])
        )


def _mark(
    db: Database,
    period: str,
    now: datetime,
    outcome: str,
    mail: MonthlyMail,
    taker: str | None = None,
) -> None:
    """Record ``period``'s report as dealt with; inserted when no process had taken it
    (a send by hand)."""
    done = {
        "sent_at": now,
        "outcome": outcome,
        "recipients": ", ".join(mail.recipients) if outcome == SENT else None,
        "turns": mail.turns,
        "last_error": None,
    }
    with db.write() as connection:
        if taker is not None:
            claim = {"claimed_by": taker, "claimed_at": now, "claimed_until": now}
            connection.execute(
                dialect_insert(connection)(scheduled_sends)
                .values(kind=KIND, period=period, attempts=1, **claim, **done)
                .on_conflict_do_update(index_elements=["kind", "period"], set_=done)
            )
            return
        # Whoever finishes first records it, even a taker whose claim ran out meanwhile.
        connection.execute(
            update(scheduled_sends)
            .where(
                scheduled_sends.c.kind == KIND,
                scheduled_sends.c.period == period,
                scheduled_sends.c.sent_at.is_(None),
            )
            .values(**done)
        )
