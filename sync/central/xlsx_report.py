"""The published report as an Excel workbook (openpyxl): one sheet per view, departments,
officers ranked and reasons, each headed by the center's name, the report's title and the
period, in the reader's language.

Every figure is a number in its cell (shares as fractions 0..1 with a percent format), so
Excel and LibreOffice add, sort and chart them; only names and codes are text, and those
are written as text, never as formulas. Charts are Excel's own (openpyxl.chart), reading
the table's cells: a bar chart of each department's turns at each level, one of the
rates per department, one of the center's reasons.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sync.central.i18n import t
from sync.central.outgoing import sheet_text
from sync.central.published import (
    PublishedReport,
    figure_cells,
    figure_headers,
    group_name,
    notes,
    publication_notes,
    total_line,
)

PERCENT = "0.0%"
COUNT = "#,##0"
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
BOLD = Font(bold=True)
FIRST_ROW = 6  # the table's header row: the heading takes rows 1 to 4
CHART_HEIGHT_ROWS = 16  # rows one chart covers at its height below (7.5 cm)


def xlsx_bytes(report: PublishedReport, lang: str) -> bytes:
    """The workbook of ``report`` in ``lang`` ("vi" or "en")."""
    book = Workbook()
    departments = book.active
    departments.title = t("sheet_departments", lang)
    _departments_sheet(departments, report, lang)
    _officers_sheet(book.create_sheet(t("sheet_officers", lang)), report, lang)
    _reasons_sheet(book.create_sheet(t("sheet_reasons", lang)), report, lang)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _heading(sheet: Worksheet, report: PublishedReport, lang: str, title: str) -> None:
    """The center's name, the report's title, the period, and the center's total line:
    in the first cells, and in the printed page's header."""
    period = report.period.title(lang)
    lines = [report.center_name, title, period, total_line(report, lang)]
    for row, text in enumerate(lines, 1):
        cell = _text(sheet, row, 1, text)
        cell.font = Font(bold=row <= 2, size=14 if row == 1 else 12 if row == 2 else 11)
    # &-codes are Excel's header language: a center's name holding "&" must stay itself.
    sheet.oddHeader.left.text = sheet_text(report.center_name).replace("&", "&&")
    sheet.oddHeader.right.text = sheet_text(period).replace("&", "&&")
    sheet.oddFooter.right.text = "&P / &N"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _table_header(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    for column, text in enumerate(headers, 1):
        cell = _text(sheet, row, column, text)  # reasons' words come from the settings
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _text(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    """A text cell: codes and names come from the roster, the kiosks and the settings, so
    one starting with "=" stays words, never a formula, and a control character in one
    (which XLSX cannot hold) is left out instead of failing the whole file."""
    cell = sheet.cell(row=row, column=column, value=sheet_text(value))
    cell.data_type = "s"
    return cell


def _figures(sheet: Worksheet, row: int, column: int, values: Sequence[int | float | None]) -> None:
    """Counts then shares (the last three values), each with its number format."""
    shares_from = len(values) - 3
    for offset, value in enumerate(values):
        cell = sheet.cell(row=row, column=column + offset, value=value)
        cell.number_format = PERCENT if offset >= shares_from else COUNT


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _notes(sheet: Worksheet, row: int, report: PublishedReport, lang: str) -> int:
    # What went out by mail and what arrived after first: the figures above are as sent.
    said = [*publication_notes(report, lang), *notes(report, lang)]
    for offset, text in enumerate(said):
        _text(sheet, row + offset, 1, text).font = Font(italic=True)
    return row + len(said)


def _departments_sheet(sheet: Worksheet, report: PublishedReport, lang: str) -> None:
    _heading(sheet, report, lang, t("report_heading", lang))
    headers = figure_headers(report, lang, t("department", lang))
    _table_header(sheet, FIRST_ROW, [t("code", lang), *headers])
    rows = report.departments.rows
    for index, row in enumerate(rows, FIRST_ROW + 1):
        _text(sheet, index, 1, row.key)
        _text(sheet, index, 2, row.name)
        _figures(sheet, index, 3, figure_cells(report, row))
    total = FIRST_ROW + len(rows) + 1
    _text(sheet, total, 2, t("center", lang)).font = BOLD
    _figures(sheet, total, 3, figure_cells(report, report.total))
    for cell in sheet[total]:
        cell.font = BOLD
    _widths(sheet, [10, 34, 12, *([13] * len(report.config.levels)), 13, 13, 15])
    after = _notes(sheet, total + 2, report, lang) + 1
    if rows:
        _department_charts(sheet, report, lang, after)


def _department_charts(sheet: Worksheet, report: PublishedReport, lang: str, top: int) -> None:
    """The rates of every department side by side, then one chart per department of its
    turns at each level; every chart reads the table above."""
    levels = len(report.config.levels)
    first, last = FIRST_ROW + 1, FIRST_ROW + len(report.departments.rows)
    rates = BarChart()
    rates.type, rates.title = "bar", t("chart_rates", lang)
    rates.y_axis.number_format, rates.y_axis.scaling.min, rates.y_axis.scaling.max = PERCENT, 0, 1
    shares_column = 3 + 1 + levels  # after the code, name, turns and levels: the top share
    data = Reference(
        sheet, min_col=shares_column, max_col=shares_column + 2, min_row=FIRST_ROW, max_row=last
    )
    rates.add_data(data, titles_from_data=True)
    rates.set_categories(Reference(sheet, min_col=2, min_row=first, max_row=last))
    rates.height, rates.width = max(7.5, 1.2 * len(report.departments.rows)), 24
    sheet.add_chart(rates, f"A{top}")
    top += int(rates.height * 2.1) + 2
    level_header = Reference(sheet, min_col=4, max_col=3 + levels, min_row=FIRST_ROW)
    for index, row in enumerate(report.departments.rows):
        chart = BarChart()
        chart.title = sheet_text(group_name(row))
        chart.legend = None
        line = first + index
        chart.add_data(
            Reference(sheet, min_col=4, max_col=3 + levels, min_row=line), from_rows=True
        )
        chart.set_categories(level_header)
        chart.y_axis.title = t("turns", lang)
        chart.height, chart.width = 7.5, 12
        anchor_column = "A" if index % 2 == 0 else "F"
        sheet.add_chart(chart, f"{anchor_column}{top + (index // 2) * CHART_HEIGHT_ROWS}")


def _officers_sheet(sheet: Worksheet, report: PublishedReport, lang: str) -> None:
    _heading(sheet, report, lang, t("officers_ranked", lang))
    headers = figure_headers(report, lang, t("officer", lang))
    _table_header(sheet, FIRST_ROW, [t("rank", lang), t("code", lang), *headers])
    for index, ranked in enumerate(report.officers, FIRST_ROW + 1):
        # No rank (too few turns) is an empty cell: a number column holds only numbers.
        sheet.cell(row=index, column=1, value=ranked.rank)
        _text(sheet, index, 2, ranked.row.key)
        _text(sheet, index, 3, ranked.row.name)
        _figures(sheet, index, 4, figure_cells(report, ranked.row))
    _widths(sheet, [9, 10, 30, 12, *([13] * len(report.config.levels)), 13, 13, 15])
    _notes(sheet, FIRST_ROW + len(report.officers) + 2, report, lang)


def _reasons_sheet(sheet: Worksheet, report: PublishedReport, lang: str) -> None:
    """Per group (the center, then each department): its low ratings, how many gave each
    reason (a rating may give several), and how many gave none."""
    reasons = report.reasons
    _heading(sheet, report, lang, t("reasons", lang))
    labels = [reasons.label(code, lang) for code in reasons.codes]
    headers = [t("code", lang), t("department", lang), t("low_ratings", lang), *labels]
    _table_header(sheet, FIRST_ROW, [*headers, t("no_reason", lang)])
    groups = [reasons.total, *reasons.rows_for("department")]
    for index, group in enumerate(groups, FIRST_ROW + 1):
        _text(sheet, index, 1, "" if group.key == "*" else group.key)
        _text(sheet, index, 2, t("center", lang) if group.key == "*" else group.name)
        counts = [group.low, *(group.counts[code] for code in reasons.codes), group.without_reasons]
        for offset, value in enumerate(counts):
            sheet.cell(row=index, column=3 + offset, value=value).number_format = COUNT
    for cell in sheet[FIRST_ROW + 1]:
        cell.font = BOLD
    _widths(sheet, [10, 30, 12, *([16] * (len(labels) + 1))])
    note = t("reasons_note", lang)
    _text(sheet, FIRST_ROW + len(groups) + 2, 1, note).font = Font(italic=True)
    if reasons.total.low:
        chart = BarChart()
        chart.type, chart.title, chart.legend = "bar", t("chart_reasons", lang), None
        line = FIRST_ROW + 1
        last_column = 3 + len(labels) + 1
        chart.add_data(
            Reference(sheet, min_col=4, max_col=last_column, min_row=line), from_rows=True
        )
        chart.set_categories(Reference(sheet, min_col=4, max_col=last_column, min_row=FIRST_ROW))
        chart.height, chart.width = 8, 18
        sheet.add_chart(chart, f"A{FIRST_ROW + len(groups) + 4}")
