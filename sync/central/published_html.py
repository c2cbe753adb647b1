"""The published report as HTML: the dashboard's report page shows it, and the PDF
(pdf_report.py) prints the very same HTML, so the screen and the paper never differ.
"""

from __future__ import annotations

from typing import Any

from sync.central import locale_format
from sync.central.dashboard_page import render_text
from sync.central.i18n import t
from sync.central.level_chart import level_columns_svg
from sync.central.phrases import level_label
from sync.central.published import (
    PublishedReport,
    figure_cells,
    figure_headers,
    group_name,
    notes,
    publication_notes,
    total_line,
)


def report_context(report: PublishedReport, lang: str) -> dict[str, Any]:
    """What the template ``_published.html`` reads."""
    config = report.config

    def number(value: int) -> str:
        return locale_format.number(value, lang)

    def chart(row: Any) -> str:
        bars = [(level_label(lang, level), row.counts[level]) for level in config.levels]
        return level_columns_svg(bars, number)

    return {
        "report": report,
        "heading": t("report_heading", lang),
        "period_title": report.period.title(lang),
        "total_line": total_line(report, lang),
        "department_headers": figure_headers(report, lang, t("department", lang)),
        "officer_headers": figure_headers(report, lang, t("officer", lang)),
        "cells": lambda row: figure_cells(report, row),
        "charts": {row.key: chart(row) for row in report.departments.rows},
        "notes": notes(report, lang),
        "publication": publication_notes(report, lang),
        "group_name": group_name,
        "number": number,
        "percent": lambda value: locale_format.percent(value, lang),
        "made_at": locale_format.moment(report.made_at, lang, config.tz),
        "reasons": report.reasons,
        "reason_groups": [report.reasons.total, *report.reasons.rows_for("department")],
    }


def print_html(report: PublishedReport, lang: str) -> str:
    """The whole printable document (A4, its own style), for WeasyPrint."""
    return render_text("published_print.html", lang, **report_context(report, lang))
