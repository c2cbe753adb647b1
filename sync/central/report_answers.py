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
    Ranks,
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


def officer_ranks(report: Report) -> Ranks | None:
    """The officers' rank (ranking.py), the same the published report prints; None for a
    report by anything else."""
    if report.by != "officer":
        return None
    return {item.row.key: item.rank for item in rank_officers(report.rows, report.rank_min_turns)}


def as_csv(report: AnyReport) -> str:
    if isinstance(report, ReasonReport):
        return reasons_csv(report)
    return report_csv(report, officer_ranks(report))


def as_json(report: AnyReport) -> dict[str, Any]:
    if isinstance(report, ReasonReport):
        return reasons_json(report)
    answer = report_json(report)
    ranks = officer_ranks(report)
    if ranks is not None:
        answer["rank_min_turns"] = report.rank_min_turns
        for row in answer["rows"]:
            row["rank"] = ranks[row["key"]]
    return answer


def as_table(report: AnyReport) -> str:
    if isinstance(report, ReasonReport):
        return reasons_table(report)
    heading = f"{report.by} from {report.date_from} to {report.date_to} ({report.timezone})"
    return heading + "\n" + report_table(report, officer_ranks(report))
