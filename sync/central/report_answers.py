"""One report as asked (``by``, ``for``, a range) in the format asked: the report API and
``centralctl report`` both go through here, so they answer alike for every grouping.

``by=reason`` is made from the ratings' reasons (reasons.py); every other grouping from the
daily rollup (reports.py).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sync.central.db import Database
from sync.central.ranking import rank_officers
from sync.central.reasons import ReasonReport, parse_groups, reason_report
from sync.central.reasons_output import reasons_csv, reasons_json, reasons_table
from sync.central.reports import (
    Report,
    ReportError,
    check_channel,
    report_csv,
    report_json,
    report_table,
    satisfaction_report,
)
from sync.central.settings import ReportSection

AnyReport = Report | ReasonReport


def make_report(
    db: Database,
    config: ReportSection,
    by: str,
    groups: str | None,
    date_from: date,
    date_to: date,
    channel: str | None = None,
) -> AnyReport:
    """The report ``by`` a grouping; ``groups`` (``for``) narrows a reasons report,
    ``channel`` (kiosk, phone) any report."""
    if by == "reason":
        return reason_report(
            db, config, date_from, date_to, parse_groups(groups), check_channel(channel)
        )
    if groups:
        # Silently ignored, it would look like a filter that was applied.
        raise ReportError("for: only with by=reason", "for_without_reason")
    return satisfaction_report(db, config, by, date_from, date_to, channel)


def grouping(report: AnyReport) -> str:
    return "reason" if isinstance(report, ReasonReport) else report.by


def as_csv(report: AnyReport) -> str:
    return reasons_csv(report) if isinstance(report, ReasonReport) else report_csv(report)


def as_json(report: AnyReport) -> dict[str, Any]:
    if isinstance(report, ReasonReport):
        return reasons_json(report)
    answer = report_json(report)
    if report.by == "officer":
        # The officers' rank (ranking.py): the same one the published report prints.
        ranks = {
            item.row.key: item.rank for item in rank_officers(report.rows, report.rank_min_turns)
        }
        answer["rank_min_turns"] = report.rank_min_turns
        for row in answer["rows"]:
            row["rank"] = ranks[row["key"]]
    return answer


def as_table(report: AnyReport) -> str:
    if isinstance(report, ReasonReport):
        return reasons_table(report)
    heading = f"{report.by} from {report.date_from} to {report.date_to} ({report.timezone})"
    return heading + "\n" + report_table(report)
