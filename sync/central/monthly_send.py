"""Sending the monthly report, and its corrections, once: by the scheduler (:func:`send_due`,
what the worker calls every round) or by hand (:func:`send_month`, ``centralctl report
send-monthly``). What is owed is decided by monthly_plan.py; who sends it, by the claims
of monthly_records.py (one process of several). A mail server that refuses waits
``retry_minutes``, then any process tries again. A month without one rated turn is
recorded as "empty" and nothing is mailed; if ratings of it arrive later, its report goes.

Every function takes ``now`` (UTC), so a test can be the first working day of any month.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sync.central.alert_send import DeliveryError, deliver_mail
from sync.central.db import Database
from sync.central.models import utcnow
from sync.central.monthly_mail import Correction, MonthlyMail, monthly_mail
from sync.central.monthly_plan import CORRECT, REPORT, Plan, owed, plan_for
from sync.central.monthly_records import (
    EMPTY,
    KIND,
    SENT,
    SendRecord,
    claim,
    failed,
    latest_record,
    mark,
    record_of,
    retake_empty,
)
from sync.central.periods import Period
from sync.central.polling import process_name
from sync.central.published import published_report
from sync.central.settings import Settings

log = logging.getLogger(__name__)

# Re-exported: the dashboard, centralctl and the tests read the records from here.
__all__ = ["EMPTY", "KIND", "SENT", "SendRecord", "latest_record", "record_of"]


class Unclaimed(RuntimeError):
    """Another process took that mail first: it sends it, not this one."""


def prepare(
    db: Database,
    settings: Settings,
    plan: Plan,
    now: datetime,
    recipients: tuple[str, ...] | None = None,
) -> MonthlyMail:
    """The mail ``plan`` sends (to the configured recipients by default)."""
    reports = settings.reports
    report = published_report(db, settings.report, plan.period, now)
    correction = None
    if plan.action == CORRECT:
        assert plan.since is not None and plan.late is not None
        sent = published_report(db, settings.report, plan.period, now, plan.since).total
        correction = Correction(plan.number, plan.since, plan.late.count, sent)
    return monthly_mail(
        report,
        reports.language,
        settings.alerts.from_address,
        recipients or reports.recipients,
        correction,
    )


def send_due(
    db: Database, settings: Settings, now: datetime | None = None, taker: str | None = None
) -> SendRecord | None:
    """Send what is owed at ``now`` (the month due, an empty month since rated, the
    corrections of months sent) unless another process holds it; the record of the last
    mail dealt with in this round, or None when this process did nothing."""
    now = now or utcnow()
    taker = taker or process_name()
    done = None
    for plan in owed(db, settings, now):
        record = _run(db, settings, plan, now, taker)
        done = record or done
    return done


def _run(
    db: Database, settings: Settings, plan: Plan, now: datetime, taker: str
) -> SendRecord | None:
    reports = settings.reports
    if plan.empty_at is not None:
        taken = retake_empty(db, plan.period.code, plan.empty_at, taker, now, reports.claim_minutes)
    else:
        taken = claim(db, plan.kind, plan.key, taker, now, reports.claim_minutes)
    if not taken:
        return None
    mail = prepare(db, settings, plan, now)
    if plan.action == REPORT and mail.turns == 0:
        log.info("monthly report %s: no rated turn that month, nothing to send", plan.key)
        mark(db, plan.kind, plan.key, now, EMPTY, mail.recipients, 0)
        return record_of(db, plan.key, plan.kind)
    try:
        deliver_mail(settings.alerts, mail.message, mail.recipients)
    except DeliveryError as exc:
        retry_at = now + timedelta(minutes=reports.retry_minutes)
        log.warning("monthly %s %s not sent, next try after %s: %s", plan.action, plan.key,
                    retry_at, exc)  # fmt: skip
        failed(db, plan.kind, plan.key, taker, retry_at, str(exc))
        return record_of(db, plan.key, plan.kind)
    log.info(
        "monthly %s %s sent to %d recipient(s): %d turns rated (%s)",
        plan.action, plan.key, len(mail.recipients), mail.turns, plan.why,
    )  # fmt: skip
    mark(db, plan.kind, plan.key, now, SENT, mail.recipients, mail.turns)
    return record_of(db, plan.key, plan.kind)


def send_month(
    db: Database,
    settings: Settings,
    period: Period,
    now: datetime | None = None,
    recipients: tuple[str, ...] | None = None,
) -> MonthlyMail:
    """Send what ``period`` owes now (:func:`plan_for` by hand: its report, or the
    correction its late ratings call for), whatever the schedule says. To the configured
    recipients it counts as that mail, and the scheduler will not send it again; to
    others (``recipients``) it is only a test and records nothing. Raises DeliveryError
    when the mail server does not take it, Unclaimed when another process is sending it."""
    now = now or utcnow()
    plan = plan_for(db, settings, period, now, by_hand=True)
    return send_plan(db, settings, plan, now, recipients)


def send_plan(
    db: Database,
    settings: Settings,
    plan: Plan,
    now: datetime,
    recipients: tuple[str, ...] | None = None,
) -> MonthlyMail:
    """Send ``plan`` (made by hand, see :func:`send_month`) now."""
    taker = process_name("centralctl:")
    claims = recipients is None and plan.action == CORRECT
    # A correction is claimed like the scheduler's: it never goes twice.
    if claims and not claim(db, plan.kind, plan.key, taker, now, settings.reports.claim_minutes):
        raise Unclaimed(f"another process is sending correction {plan.key} now")
    mail = prepare(db, settings, plan, now, recipients)
    try:
        deliver_mail(settings.alerts, mail.message, mail.recipients)
    except DeliveryError as exc:
        if claims:
            retry_at = now + timedelta(minutes=settings.reports.retry_minutes)
            failed(db, plan.kind, plan.key, taker, retry_at, str(exc))
        raise
    if recipients is None:
        held = None if plan.action == CORRECT else taker
        mark(db, plan.kind, plan.key, now, SENT, mail.recipients, mail.turns, taker=held)
    return mail
