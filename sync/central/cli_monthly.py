"""``centralctl report send-monthly``: the monthly report mailed by hand, the technician's
test of ``[reports]`` and of the mail server (``--dry-run`` only shows what would go).
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
from sync.central.monthly_send import SENT, prepare, record_of, send_month
from sync.central.settings import Settings
from sync.central.working_days import due_month


def add_send_monthly(actions: Any) -> None:
    """The ``send-monthly`` action on ``actions`` (the report command's subparsers)."""
    send = actions.add_parser(
        "send-monthly",
        help="mail the monthly report now (what the scheduler sends on the first working day)",
        description="Mail a month's published report (XLSX attached) to [reports] recipients "
        "by the mail server of [alerts], now. It then counts as that month's send: the "
        "scheduler does not send it again. With --to it is only a test, to those addresses: "
        "nothing is recorded.",
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
    if args.month:
        period = periods.parse("month", args.month)
    else:
        period, _due = due_month(now, reports.holidays, reports.send_hour, settings.report.tz)
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
    if args.dry_run:
        _show(prepare(db, settings, period, now, recipients), "would send")
        print("dry run: nothing sent")
        return
    try:
        mail = send_month(db, settings, period, now, recipients)
    except DeliveryError as exc:
        raise CliError(f"not sent: {exc}") from None
    _show(mail, "sent")
    if recipients:
        print("a test (--to): not recorded; the scheduler still sends it to [reports] recipients")
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


def _show(mail: MonthlyMail, done: str) -> None:
    period = mail.report.period
    print(
        f"{done} the report of {period.code} ({period.date_from} to {period.date_to}, "
        f"{mail.turns} turns rated) to {', '.join(mail.recipients)}"
    )
    print(f"subject: {mail.message['Subject']}")
    print(f"attached: {mail.attachment_name} ({mail.attachment_size} bytes)")
