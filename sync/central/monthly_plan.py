"""What is owed of a month by mail, decided in one place: the scheduler's rounds act on it
(monthly_send.send_due), the send by hand does it, and ``--dry-run`` prints it, so the dry
run says what the run then does.

- A month never sent (or not sent yet, its claim run out): its report.
- A month found with no rated turn ("empty"), ratings of which arrived since: its report.
- A month sent, ratings of which arrived after its last mail: a correction, the figures
  with them and how many arrived late (published_late.py).
- Otherwise nothing; by hand, the report of a month sent and unchanged goes again.

The scheduler sends late ratings ``[reports] late_wait_minutes`` after the first of them
arrived, so a kiosk's backlog (pushed within minutes) goes in one mail, and a trickle of
ratings, one now and then, makes at most one mail per wait and never holds the correction
back; it looks ``late_months`` months back from the one due.
Ratings received after ``now`` are not yet there for it (a test's clock may be early).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sync.central import periods
from sync.central.db import Database
from sync.central.monthly_records import (
    CORRECTION,
    EMPTY,
    KIND,
    SendRecord,
    correction_key,
    corrections_of,
    months_recorded,
    record_of,
)
from sync.central.periods import Period
from sync.central.published_late import Late, late_since, paper_moment
from sync.central.settings import Settings
from sync.central.working_days import due_month

REPORT, CORRECT, NOTHING = "report", "correction", "nothing"


@dataclass(frozen=True)
class Plan:
    period: Period
    action: str  # REPORT, CORRECT or NOTHING
    why: str  # in English, for centralctl and the log
    kind: str = KIND  # the scheduled_sends row the mail is claimed by
    key: str = ""
    late: Late | None = None  # the ratings a correction (or an empty month's report) adds
    since: datetime | None = None  # the last mail, or when the month was found empty
    empty_at: datetime | None = None  # the empty record an empty month's report takes back
    number: int = 0  # a correction's number

    @property
    def acts(self) -> bool:
        return self.action != NOTHING


def due_period(settings: Settings, now: datetime) -> Period:
    reports = settings.reports
    period, _due = due_month(now, reports.holidays, reports.send_hour, settings.report.tz)
    return period


def watched(db: Database, settings: Settings, now: datetime) -> list[Period]:
    """The months the scheduler looks at, at ``now``: the month due, and the months before
    it (up to ``late_months``) whose report went out or was found empty."""
    due = due_period(settings, now)
    first = due.date_from
    for _ in range(settings.reports.late_months):
        first = (first - timedelta(days=1)).replace(day=1)
    recorded = months_recorded(db, f"{first:%Y-%m}")
    months = [periods.parse("month", code) for code in recorded if code < due.code]
    return [due, *months]


def owed(db: Database, settings: Settings, now: datetime) -> list[Plan]:
    """What the scheduler owes at ``now``: only the plans that act."""
    plans = [plan_for(db, settings, month, now) for month in watched(db, settings, now)]
    return [plan for plan in plans if plan.acts]


def scheduler_plan(db: Database, settings: Settings, period: Period, now: datetime) -> Plan:
    """What the scheduler does of ``period`` at ``now`` (centralctl's dry run says it)."""
    if period.code not in {month.code for month in watched(db, settings, now)}:
        due = due_period(settings, now).code
        if period.code > due:
            return Plan(period, NOTHING, f"not due yet (the month due now is {due})")
        why = f"more than [reports] late_months before {due}, or never sent by it"
        return Plan(period, NOTHING, why)
    return plan_for(db, settings, period, now)


def plan_for(
    db: Database, settings: Settings, period: Period, now: datetime, by_hand: bool = False
) -> Plan:
    """What to do of ``period`` at ``now``: by the scheduler, or ``by_hand`` (centralctl,
    which neither waits for a claim nor for late ratings to settle)."""
    tz = settings.report.tz
    record = record_of(db, period.code)
    if record is None:
        return Plan(period, REPORT, "not sent yet", KIND, period.code)
    if record.sent_at is None:
        if record.held_at(now) and not by_hand:
            return Plan(period, NOTHING, _held(record, tz))
        return Plan(period, REPORT, "not sent yet (an earlier try failed)", KIND, period.code)
    if record.outcome == EMPTY:
        late = late_since(db, period, record.sent_at, now)
        found = paper_moment(record.sent_at, "en", tz)
        if not late.count:
            if by_hand:
                return Plan(
                    period, REPORT, f"found with no rated turn at {found}", KIND, period.code
                )
            return Plan(period, NOTHING, f"no rated turn when looked at, at {found}")
        why = f"found with no rated turn at {found}; {late.count} ratings of it arrived since"
        return _settled(
            Plan(period, REPORT, why, KIND, period.code, late, record.sent_at, record.sent_at),
            settings, now, by_hand,
        )  # fmt: skip
    corrections = corrections_of(db, period.code)
    sent = [c for c in corrections if c.sent_at is not None]
    since = sent[-1].sent_at if sent else record.sent_at
    assert since is not None
    pending = next((c for c in corrections if c.sent_at is None), None)
    if pending is not None:
        number = int(pending.period.split("/")[1])
        if pending.held_at(now) and not by_hand:
            return Plan(period, NOTHING, _held(pending, tz))
        late = late_since(db, period, since, now)
        why = f"correction {number} not sent yet (an earlier try failed)"
        return Plan(period, CORRECT, why, CORRECTION, pending.period, late, since, number=number)
    late = late_since(db, period, since, now)
    last = paper_moment(since, "en", tz)
    if not late.count:
        if by_hand:
            return Plan(period, REPORT, f"sent already at {last}, again", KIND, period.code)
        return Plan(period, NOTHING, f"sent at {last}; no rating of it arrived since")
    number = len(corrections) + 1
    why = f"{late.count} ratings of it arrived after its last mail, at {last}"
    plan = Plan(period, CORRECT, why, CORRECTION, correction_key(period.code, number), late,
                since, number=number)  # fmt: skip
    return _settled(plan, settings, now, by_hand)


def _settled(plan: Plan, settings: Settings, now: datetime, by_hand: bool) -> Plan:
    """``plan``, or NOTHING while a kiosk's backlog may still arrive (the scheduler only)."""
    assert plan.late is not None and plan.late.first is not None
    ready = plan.late.first + timedelta(minutes=settings.reports.late_wait_minutes)
    if by_hand or ready <= now:
        return plan
    when = paper_moment(ready, "en", settings.report.tz)
    return Plan(plan.period, NOTHING, f"{plan.why}; the scheduler sends it from {when}")


def _held(record: SendRecord, tz) -> str:
    until = paper_moment(record.claimed_until, "en", tz)
    if record.last_error:
        return f"waiting to try again after {until}: {record.last_error}"
    return f"being sent by another process (its claim runs until {until})"
