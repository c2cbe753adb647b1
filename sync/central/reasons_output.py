"""A reasons report (reasons.py) as CSV, JSON and a terminal table.

CSV and table are long: one line per (group, reason), each with the group's low ratings
(the base of its share), both words of the reason, the count and the share. The whole
center comes first, with every configured reason even when nobody gave it; a department
or an officer lists the reasons that were given. The last line of each group counts the
low ratings that gave no reason (its reason cell is empty: no code can be empty).
JSON is nested: one object per group with every reason, zero or not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sync.central.i18n import t
from sync.central.reasons import CENTER, ReasonGroup, ReasonReport
from sync.csvsafe import safe_cell

CSV_HEADER = [
    "group",
    "code",
    "name",
    "low_ratings",
    "reason",
    "reason_vi",
    "reason_en",
    "count",
    "share_percent",
]


def share_of(report: ReasonReport) -> str:
    """What every share is a fraction of, in words (JSON and the table's heading)."""
    levels = ", ".join(str(level) for level in report.low_levels)
    return (
        f"the group's low ratings (levels {levels}, not counted as satisfied); "
        "a rating may give several reasons, so a group's shares may add up to more than 100%"
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


def _lines(report: ReasonReport) -> Iterator[list[Any]]:
    """The cells of every line after the header, numbers as numbers."""
    for row in (report.total, *report.rows):
        everything = row.group == CENTER
        for code in report.codes:
            count = row.counts[code]
            if count or everything:
                yield [
                    *_group_cells(row),
                    code,
                    report.label(code, "vi"),
                    report.label(code, "en"),
                    count,
                    _percent(row.share(count)),
                ]
        if row.without_reasons or everything:
            yield [
                *_group_cells(row),
                "",
                t("no_reason", "vi"),
                t("no_reason", "en"),
                row.without_reasons,
                _percent(row.share(row.without_reasons)),
            ]


def _group_cells(row: ReasonGroup) -> list[Any]:
    return [row.group, row.key, row.name, row.low]


def reasons_csv(report: ReasonReport) -> str:
    """The long table as CSV; names, codes and labels can never be a live formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for cells in _lines(report):
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def reasons_table(report: ReasonReport) -> str:
    """The long table aligned for a terminal, under a heading that says what shares are of."""
    lines = [[str(value) for value in cells] for cells in _lines(report)]
    for cells in lines:
        if cells[0] == CENTER:
            cells[2] = "TOTAL"
        if cells[-1]:
            cells[-1] += "%"
    header = [*CSV_HEADER[:-1], "share"]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    numeric = {3, 7, 8}
    table = [
        "  ".join(
            value.rjust(width) if index in numeric else value.ljust(width)
            for index, (value, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()
        for cells in [header, *lines]
    ]
    heading = (
        f"reasons given with low ratings from {report.date_from} to {report.date_to} "
        f"({report.timezone})\nshare: of {share_of(report)}"
    )
    return heading + "\n\n" + "\n".join(table)


def _group_json(report: ReasonReport, row: ReasonGroup) -> dict[str, Any]:
    return {
        "group": row.group,
        "key": row.key,
        "name": row.name,
        "low_ratings": row.low,
        "with_reasons": row.with_reasons,
        "without_reasons": row.without_reasons,
        "without_reasons_share": row.share(row.without_reasons),
        "reasons": [
            {
                "code": code,
                "vi": report.label(code, "vi"),
                "en": report.label(code, "en"),
                "count": row.counts[code],
                "share": row.share(row.counts[code]),
            }
            for code in report.codes
        ],
    }


def reasons_json(report: ReasonReport) -> dict[str, Any]:
    """Shares as fractions 0..1 of the group's low ratings (null for a group with none)."""
    return {
        "by": "reason",
        "for": list(report.groups),
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "timezone": report.timezone,
        "low_levels": list(report.low_levels),
        "share_of": share_of(report),
        "reasons": [
            {"code": code, "vi": report.label(code, "vi"), "en": report.label(code, "en")}
            for code in report.codes
        ],
        "total": _group_json(report, report.total),
        "rows": [_group_json(report, row) for row in report.rows],
    }
