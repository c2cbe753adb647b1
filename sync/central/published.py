"""The published report of a period: what the center prints for its leadership each month,
quarter or year, as data for the XLSX (xlsx_report.py) and the PDF (pdf_report.py).

Made of the very functions the report API answers with (reports.satisfaction_report by
department and by officer, reasons.reason_report, ranking.rank_officers), so every figure
in the files equals the API's for the same days. Words (headers, the total line in the
seed's form "N lượt đánh giá, M ở mức Rất hài lòng (x%)") are in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sync.central import locale_format
from sync.central.db import Database
from sync.central.i18n import t
from sync.central.models import utcnow
from sync.central.periods import Period
from sync.central.phrases import column_label, in_words, level_label
from sync.central.published_late import Publication, publication_lines, publication_of
from sync.central.ranking import Ranked, rank_officers
from sync.central.reasons import ReasonReport, reason_report
from sync.central.reports import Report, ReportRow, satisfaction_report
from sync.central.settings import ReportSection


@dataclass(frozen=True)
class PublishedReport:
    center_name: str
    period: Period
    config: ReportSection
    departments: Report
    officers: list[Ranked]
    reasons: ReasonReport  # the whole center and each department
    made_at: datetime  # UTC
    # What went out of the month by mail and what arrived after (published_late.py); the
    # figures above are then those as sent, and ``current`` those with the late ratings.
    publication: Publication | None = None
    current: ReportRow | None = None

    @property
    def total(self) -> ReportRow:
        assert self.departments.overall is not None  # satisfaction_report always sets it
        return self.departments.overall


def published_report(
    db: Database,
    config: ReportSection,
    period: Period,
    now: datetime | None = None,
    received_by: datetime | None = None,
) -> PublishedReport:
    """The period's figures now, or as they were with the ratings received by
    ``received_by`` (UTC)."""
    first, last = period.date_from, period.date_to
    officers = satisfaction_report(db, config, "officer", first, last, received_by=received_by)
    departments = satisfaction_report(
        db, config, "department", first, last, received_by=received_by
    )
    reasons = reason_report(
        db, config, first, last, groups=("department",), received_by=received_by
    )
    return PublishedReport(
        center_name=config.center_name,
        period=period,
        config=config,
        departments=departments,
        officers=rank_officers(officers.rows, config.rank_min_turns),
        reasons=reasons,
        made_at=now or utcnow(),
    )


def report_as_published(
    db: Database, config: ReportSection, period: Period, now: datetime | None = None
) -> PublishedReport:
    """What the report page and the report API show: a month whose report was mailed
    with its figures as sent, the ratings that arrived after counted apart; any other
    period with its figures now."""
    publication = publication_of(db, period)
    if publication is None or publication.as_sent is None:
        return published_report(db, config, period, now)
    report = published_report(db, config, period, now, received_by=publication.as_sent)
    current = None
    if publication.late.count:
        first, last = period.date_from, period.date_to
        current = satisfaction_report(db, config, "department", first, last).overall
    return replace(report, publication=publication, current=current)


def publication_notes(report: PublishedReport, lang: str) -> list[str]:
    """What went out of the month and what arrived after, in words (none: not mailed)."""
    current = report.current
    line = row_line(current, report.config, lang) if current is not None else ""
    return publication_lines(report.publication, report.current, lang, report.config.tz, line)


def total_line(report: PublishedReport, lang: str) -> str:
    """The center's total in the seed's words: 21.626 lượt đánh giá, 20.577 ở mức Rất hài
    lòng (95,1%)."""
    return row_line(report.total, report.config, lang)


def row_line(row: ReportRow, config: ReportSection, lang: str) -> str:
    """A row's total in the words of :func:`total_line`."""
    return t(
        "total_line",
        lang,
        total=locale_format.number(row.total, lang),
        top=locale_format.number(row.top, lang),
        level=level_label(lang, config.top_level),
        share=locale_format.percent(row.top_share, lang),
    )


def figure_headers(report: PublishedReport, lang: str, first: str) -> list[str]:
    """The headers of a table of figures: ``first`` (the group), turns rated, the count at
    each level, the share at the top level, the satisfaction rate, Decision 766's index."""
    config = report.config
    return [
        first,
        t("turns", lang),
        *(column_label(lang, level, "level_count") for level in config.levels),
        column_label(lang, config.top_level, "top_share"),
        t("satisfaction", lang),
        t("decision_766", lang),
    ]


def figure_cells(report: PublishedReport, row: ReportRow) -> list[int | float | None]:
    """The figures of one row, in figure_headers' order after the first; shares 0..1."""
    levels = report.config.levels
    return [
        row.total,
        *(row.counts[level] for level in levels),
        row.top_share,
        row.satisfaction_rate,
        row.decision_766_rate,
    ]


def notes(report: PublishedReport, lang: str) -> list[str]:
    """What the rates mean, under the tables: readers must know which levels count."""
    config = report.config
    satisfied = [level_label(lang, level) for level in config.satisfied_levels]
    return [
        t("satisfied_note", lang, levels=in_words(satisfied, lang)),
        t("decision_766_note", lang, level=level_label(lang, config.lowest_level)),
        t("rank_note", lang, n=locale_format.number(config.rank_min_turns, lang)),
    ]


def group_name(row: ReportRow) -> str:
    """A department's or an officer's name with its code, or the code alone."""
    return f"{row.name} ({row.key})" if row.name else row.key
