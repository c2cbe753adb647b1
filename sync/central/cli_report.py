"""``centralctl report``: the figures as a table, CSV or JSON, or the published report
as an XLSX or PDF file, for a range of days, a month, a quarter or a year.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sync.central import periods
from sync.central.cli_base import CliError, open_database_of
from sync.central.cli_monthly import add_send_monthly
from sync.central.models import utcnow
from sync.central.published_file import write_published
from sync.central.reasons import REASON_GROUPS
from sync.central.report_answers import as_csv, as_json, as_table, make_report
from sync.central.reports import GROUPINGS, parse_day
from sync.central.settings import Settings


def add_report_command(commands: Any) -> None:
    """The ``report`` subcommand on ``commands`` (argparse's subparsers)."""
    report = commands.add_parser(
        "report",
        help="satisfaction figures, or the reasons given with low ratings (--by reason)",
        description="--by reason: per group, how many of its low ratings (levels not counted "
        "as satisfied) gave each reason, and their share; the whole center first, then each "
        "department and each officer (or only those of --for). --format xlsx or pdf: the "
        "published report of the period (departments, officers ranked, reasons, charts) "
        "written to -o FILE, e.g. --month 2026-10 --format pdf -o october.pdf.",
    )
    report.add_argument("--by", default="department", choices=GROUPINGS)
    report.add_argument(
        "--for",
        dest="groups",
        choices=REASON_GROUPS,
        help="with --by reason: only the center and each department, or each officer "
        "(default: both)",
    )
    report.add_argument(
        "--from", dest="date_from", help="first local day YYYY-MM-DD (default: 29 days before --to)"
    )
    report.add_argument("--to", dest="date_to", help="last local day YYYY-MM-DD (default: today)")
    preset = report.add_mutually_exclusive_group()
    preset.add_argument("--month", help="instead of --from/--to: a month, e.g. 2026-10")
    preset.add_argument("--quarter", help="instead of --from/--to: a quarter, e.g. 2026-Q3")
    preset.add_argument("--year", help="instead of --from/--to: a year, e.g. 2026")
    report.add_argument(
        "--format",
        default="table",
        choices=["table", "csv", "json", "xlsx", "pdf"],
        help="xlsx, pdf: the published report (by department, officers ranked, reasons) "
        "written to -o FILE",
    )
    report.add_argument(
        "--channel",
        choices=("kiosk", "phone"),
        help="kiosk: the counter's turns (the default: a turn counts once); phone: the "
        "later ratings of the result by link (--by channel shows both side by side)",
    )
    report.add_argument("-o", "--output", type=Path, metavar="FILE", help="file of xlsx or pdf")
    report.add_argument(
        "--lang", choices=["vi", "en"], default="vi", help="words of xlsx and pdf (default vi)"
    )
    report.set_defaults(run=cmd_report)
    # `report send-monthly`: the scheduled monthly mail, by hand; plain `report` is as before.
    add_send_monthly(report.add_subparsers(dest="action", metavar="ACTION"))


def cmd_report(settings: Settings, args: argparse.Namespace) -> None:
    period = _report_period(settings, args)
    if args.format in ("xlsx", "pdf"):
        _write_published(settings, args, period)
        return
    if args.output:
        raise CliError("-o goes only with --format xlsx or pdf (the others print)", code=2)
    if args.groups and args.by != "reason":
        raise CliError("--for goes only with --by reason", code=2)
    first, last = period.date_from, period.date_to
    report = make_report(
        open_database_of(settings),
        settings.report,
        args.by,
        args.groups,
        first,
        last,
        args.channel,
    )
    if args.format == "csv":
        sys.stdout.write(as_csv(report))
    elif args.format == "json":
        print(json.dumps(as_json(report), ensure_ascii=False, indent=2))
    else:
        print(as_table(report))


def _write_published(settings: Settings, args: argparse.Namespace, period: periods.Period) -> None:
    if args.by != "department" or args.groups:
        raise CliError(
            f"--format {args.format} is the published report: by department, with the officers "
            "ranked and the reasons; leave out --by and --for",
            code=2,
        )
    if not args.output:
        raise CliError(f"--format {args.format} writes a file: give -o FILE", code=2)
    db = open_database_of(settings)
    report = write_published(db, settings.report, period, args.format, args.output, args.lang)
    total = report.total
    print(
        f"wrote {args.output}: {period.date_from} to {period.date_to}, "
        f"{total.total} turns rated, {len(report.departments.rows)} department(s)"
    )


def _report_period(settings: Settings, args: argparse.Namespace) -> periods.Period:
    """--month, --quarter or --year; else --from/--to (the last 30 days by default)."""
    for kind in periods.KINDS:
        if getattr(args, kind):
            if args.date_from or args.date_to:
                raise CliError(f"--{kind} replaces --from and --to: give one or the other", code=2)
            return periods.parse(kind, getattr(args, kind))
    today = utcnow().astimezone(settings.report.tz).date()
    date_to = parse_day(args.date_to, "--to") if args.date_to else today
    date_from = (
        parse_day(args.date_from, "--from") if args.date_from else date_to - timedelta(days=29)
    )
    return periods.day_range(date_from, date_to)
