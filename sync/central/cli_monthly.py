"""``centralctl report send-monthly``: the monthly report mailed by hand, the technician's
test of ``[reports]`` and of the mail server (``--dry-run`` only shows what would go).

What it sends is what monthly_plan.plan_for decides by hand: the month's report, or the
correction its late ratings call for. ``--dry-run`` prints that very plan, and what the
scheduler does of the month (the same function, not by hand), so it never promises a
mail the run would not send.
"""

from __future__ import annotations

import argparse
from typing import Any

from sync.central import locale_format, periods
from sync.central.alert_send import DeliveryError
from sync.central.alert_settings import email_addresses
from sync.central.cli_base import CliError, open_database_of
from sync.central.models import utcnow
from sync.central.monthly_mail import MonthlyMail
from sync.central.monthly_plan import CORRECT, Plan, due_period, plan_for, scheduler_plan
from sync.central.monthly_send import SENT, Unclaimed, prepare, record_of, send_plan
from sync.central.settings import Settings


def add_send_monthly(actions: Any) -> None:
    """The ``send-monthly`` action on ``actions`` (the report command's subparsers)."""
    send = actions.add_parser(
        "send-monthly",
        help="mail the monthly report now (what the scheduler sends on the first working day)",
        description="Mail what a month owes (its published report, XLSX attached, or the "
        "correction its late ratings call for) to [reports] recipients by the mail server "
        "of [alerts], now. It then counts as that mail: the scheduler does not send it "
        "again. With --to it is only a test, to those addresses: nothing is recorded. "
        "--dry-run shows what the run would send, and what the scheduler does.",
    )
    send.add_argument(
        "--month", help="the month, e.g. 2026-10 (default: the latest month due, as scheduled)"
    )
    send.add_argument(
        "--to",
        action="append",
        metavar="ADDRESS",
        help="send only to this address (a test; may be given more than once)",
    )
    send.add_argument(
        "--dry-run", action="store_true", help="show what would be sent; send nothing"
    )
    send.set_defaults(run=cmd_send_monthly)


def cmd_send_monthly(settings: Settings, args: argparse.Namespace) -> None:
    now = utcnow()
    reports = settings.reports
    period = periods.parse("month", args.month) if args.month else due_period(settings, now)
    recipients = _test_recipients(args.to)
    if not (recipients or reports.recipients):
        raise CliError(
            f"no one to send to: set [reports] recipients in {settings.config_path} "
            "(or CENTRAL__REPORTS__RECIPIENTS), or give --to ADDRESS",
            code=2,
        )
    if not settings.alerts.email_on and not args.dry_run:
        raise CliError(
            "no mail server: set [alerts] smtp_host and from "
            f"in {settings.config_path} (the monthly report goes by the alerts' mail server)",
            code=2,
        )
    db = open_database_of(settings)
    before = record_of(db, period.code)
    plan = plan_for(db, settings, period, now, by_hand=True)
    if args.dry_run:
        _show(prepare(db, settings, plan, now, recipients), plan, "would send")
        scheduler = scheduler_plan(db, settings, period, now)
        print(f"the scheduler: {_what(scheduler)}")
        print("dry run: nothing sent")
        return
    try:
        mail = send_plan(db, settings, plan, now, recipients)
    except DeliveryError as exc:
        raise CliError(f"not sent: {exc}") from None
    except Unclaimed as exc:
        raise CliError(f"not sent: {exc}") from None
    _show(mail, plan, "sent")
    if recipients:
        print("a test (--to): not recorded; the scheduler still sends it to [reports] recipients")
        return
    if plan.action == CORRECT:
        print(f"recorded as correction {plan.key}: the scheduler will not send it again")
        return
    if before is not None and before.outcome == SENT and before.sent_at is not None:
        when = locale_format.moment(before.sent_at, "en", settings.report.tz)
        print(f"note: the scheduler had sent it already, at {when}")
    print(f"recorded as the report of {period.code}: the scheduler will not send it again")


def _test_recipients(addresses: list[str] | None) -> tuple[str, ...] | None:
    if not addresses:
        return None
    try:
        return email_addresses(tuple(addresses))
    except ValueError as exc:
        raise CliError(f"--to: {exc}", code=2) from None


def _what(plan: Plan) -> str:
    """A plan in words: what it sends of the month, and why."""
    if not plan.acts:
        return f"sends nothing of {plan.period.code} now ({plan.why})"
    mail = "the report" if plan.action != CORRECT else f"correction {plan.number} of the report"
    return f"sends {mail} of {plan.period.code} ({plan.why})"


def _show(mail: MonthlyMail, plan: Plan, done: str) -> None:
    period = mail.report.period
    what = "the report" if plan.action != CORRECT else f"correction {plan.number} of the report"
    print(
        f"{done} {what} of {period.code} ({period.date_from} to {period.date_to}, "
        f"{mail.turns} turns rated) to {', '.join(mail.recipients)}"
    )
    print(f"why: {plan.why}")
    print(f"subject: {mail.message['Subject']}")
    print(f"attached: {mail.attachment_name} ({mail.attachment_size} bytes)")
