"""The periods a published report covers: a month (2026-10), a quarter (2026-Q3), a year
(2026) or any range of local days, and how each is named at the head of the report.

``centralctl report --month/--quarter/--year``, the report API's ``period`` and the
dashboard's presets all parse here, so a quarter is the same three months everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from sync.central import locale_format
from sync.central.i18n import N_, t
from sync.central.reports import LATEST_DAY, ReportError
from sync.protocol import EARLIEST_DAY

KINDS = ("month", "quarter", "year")
_SHAPES = {
    "month": re.compile(r"(\d{4})-(\d{1,2})"),
    "quarter": re.compile(r"(\d{4})-[Qq]([1-4])"),
    "year": re.compile(r"(\d{4})"),
}
_EXAMPLES = {"month": "2026-10", "quarter": "2026-Q3", "year": "2026"}
TITLES = {
    "month": N_("period_month"),
    "quarter": N_("period_quarter"),
    "year": N_("period_year"),
    "range": N_("period_range"),
}


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter", "year" or "range"
    date_from: date
    date_to: date

    @property
    def code(self) -> str:
        """How the period is asked for (2026-10, 2026-Q3, 2026), or FROM_TO for a range."""
        first = self.date_from
        if self.kind == "month":
            return f"{first.year}-{first.month:02d}"
        if self.kind == "quarter":
            return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(first.year)
        return f"{first.isoformat()}_{self.date_to.isoformat()}"

    def title(self, lang: str) -> str:
        """The period at the head of the report: Tháng 10 năm 2026, Quý 3 năm 2026; the
        month's and the quarter's names are Babel's (CLDR) for the language."""
        first = self.date_from
        return t(
            TITLES[self.kind],
            lang,
            year=first.year,
            month=_capital(format_date(first, "LLLL", locale=lang)),
            quarter=_capital(format_date(first, "QQQQ", locale=lang)),
            first=locale_format.day(first, lang),
            last=locale_format.day(self.date_to, lang),
        )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def day_range(date_from: date, date_to: date) -> Period:
    if date_from > date_to:
        raise ReportError.backwards(date_from, date_to)
    return Period("range", date_from, date_to)


def parse(kind: str, text: str) -> Period:
    """``text`` as a period of ``kind`` ("month", "quarter" or "year"); a ReportError
    naming the example to follow when it is not one."""
    shape = _SHAPES[kind].fullmatch((text or "").strip())
    number = int(shape.group(2)) if shape and kind != "year" else 1
    if not shape or (kind == "month" and not 1 <= number <= 12):
        raise _refusal(kind, text)
    year = int(shape.group(1))
    # Checked before any date is made: year 9999's last day would be in year 10000.
    if not EARLIEST_DAY.year <= year <= LATEST_DAY.year:
        raise _refusal(kind, text)
    if kind == "month":
        first, months = date(year, number, 1), 1
    elif kind == "quarter":
        first, months = date(year, 3 * number - 2, 1), 3
    else:
        first, months = date(year, 1, 1), 12
    last = _add_months(first, months) - timedelta(days=1)
    if first < EARLIEST_DAY or last > LATEST_DAY:
        raise _refusal(kind, text)
    return Period(kind, first, last)


def parse_any(text: str) -> Period:
    """A month, a quarter or a year, told apart by its shape (the API's ``period``)."""
    for kind in KINDS:
        if _SHAPES[kind].fullmatch((text or "").strip()):
            return parse(kind, text)
    raise _refusal("period", text)


def presets(today: date) -> list[tuple[str, Period]]:
    """The dashboard's quick choices around ``today``: (key of their words, period)."""
    this_month = parse("month", f"{today.year}-{today.month}")
    last_month = parse("month", f"{(this_month.date_from - timedelta(days=1)):%Y-%m}")
    quarter = (today.month - 1) // 3 + 1
    this_quarter = parse("quarter", f"{today.year}-Q{quarter}")
    before = this_quarter.date_from - timedelta(days=1)
    last_quarter = parse("quarter", f"{before.year}-Q{(before.month - 1) // 3 + 1}")
    return [
        (N_("preset_this_month"), this_month),
        (N_("preset_last_month"), last_month),
        (N_("preset_this_quarter"), this_quarter),
        (N_("preset_last_quarter"), last_quarter),
        (N_("preset_this_year"), parse("year", str(today.year))),
        (N_("preset_last_year"), parse("year", str(today.year - 1))),
    ]


def _add_months(first: date, months: int) -> date:
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)


def _refusal(kind: str, text: str) -> ReportError:
    shown = str(text)[:40]
    example = ", ".join(_EXAMPLES.values()) if kind == "period" else _EXAMPLES[kind]
    return ReportError(
        f"{kind}: expected {example}, got {shown!r}", "bad_period", value=shown, example=example
    )
