"""Numbers, shares, days and times as a reader of the dashboard's language writes them.

Babel's CLDR data decides: Vietnamese writes ``21.626`` and ``50,0%``, English ``21,626``
and ``50.0%``. Shares keep one decimal in every language (95.1% is not 95%), in the place
the language's own percent pattern puts the digits. Times are shown in the center's zone.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, tzinfo

from babel import Locale
from babel.dates import ParseError, format_skeleton, format_time, parse_date
from babel.numbers import format_decimal, format_percent

NOTHING = "–"  # a share of nothing, a time never seen


@functools.cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@functools.cache
def _percent_pattern(lang: str) -> str:
    # "#,##0%" (vi, en) -> "#,##0.0%": one decimal, wherever the language puts the sign.
    pattern = _locale(lang).percent_formats[None].pattern
    return re.sub(r"0(?=[^0]*$)", "0.0", pattern, count=1)


def number(value: int | float, lang: str) -> str:
    """A count with the language's grouping: 21.626 (vi), 21,626 (en)."""
    return format_decimal(value, locale=_locale(lang))


def percent(value: float | None, lang: str) -> str:
    """A fraction 0..1 as a share with one decimal: 50,0% (vi), 50.0% (en); – for None."""
    if value is None:
        return NOTHING
    return format_percent(value, _percent_pattern(lang), locale=_locale(lang))


def day(value: date, lang: str) -> str:
    """A day with the year in full: 2/3/2025 (vi: day first), 3/2/2025 (en)."""
    return format_skeleton("yMd", value, locale=_locale(lang))


_NUMERIC_DAY = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def parse_day(text: str, lang: str) -> date | None:
    """A day written as ``day`` writes it in ``lang`` (29/10/2026 in vi, 10/29/2026 in en);
    None when it is not one."""
    if not _NUMERIC_DAY.fullmatch(text.strip()):
        return None
    try:
        return parse_date(text.strip(), locale=_locale(lang), format="short")
    except (ParseError, ValueError):
        return None


def moment(value: datetime | None, lang: str, tz: tzinfo) -> str:
    """A UTC time as the center's local day and time: 06:30 2/3/2025 (vi)."""
    if value is None:
        return NOTHING
    local = value.astimezone(tz)
    pattern = _locale(lang).datetime_formats["short"]
    shown = pattern.format(format_time(local, "short", locale=_locale(lang)), day(local, lang))
    return str(shown)
