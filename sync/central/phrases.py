"""Sentences made of the central's words and figures, in the reader's language: level names
and the headers built from them, report refusals, what is wrong with a kiosk, lists.

The words are in the catalogs (sync.central.i18n); the figures are written by
locale_format. Keys chosen at run time are listed here once, marked with ``N_``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sync.central import locale_format
from sync.central.i18n import N_, t

LEVELS = {4: N_("level_4"), 3: N_("level_3"), 2: N_("level_2"), 1: N_("level_1")}
# A kiosk's state (kiosks.OK, STALE, UNHEALTHY). Not "Bình thường" for OK: that is a
# rating level, and a kiosk is not rated.
KIOSK_STATES = {
    "ok": N_("state_ok"),
    "stale": N_("state_stale"),
    "unhealthy": N_("state_unhealthy"),
}
# reports.ReportError's kinds.
REFUSALS = {
    "from_after_to": N_("error_from_after_to"),
    "not_a_day": N_("error_not_a_day"),
    "day_out_of_range": N_("error_day_out_of_range"),
    "bad_by": N_("error_bad_by"),
    "bad_for": N_("error_bad_for"),
    "for_without_reason": N_("error_for_without_reason"),
    "bad_format": N_("error_bad_format"),
    "bad_channel": N_("error_bad_channel"),
    "bad_period": N_("error_bad_period"),
    "period_and_range": N_("error_period_and_range"),
    "bad_published_format": N_("error_bad_published_format"),
}
FIELDS = {"from": N_("field_from"), "to": N_("field_to")}
# kiosks.Problem's kinds.
KIOSK_PROBLEMS = {
    "no_heartbeat": N_("why_no_heartbeat"),
    "silent": N_("why_silent"),
    "pending": N_("why_pending"),
    "clock": N_("why_clock"),
    "rejected": N_("why_rejected"),
    "error": N_("why_error"),
}
# Column headers made of a level's name: a count at a level and the share at the top level
# must read differently ("Rất hài lòng (lượt)", "Tỷ lệ rất hài lòng").
HEADERS = {"level_count": N_("level_count"), "top_share": N_("top_share")}


def level_label(lang: str, level: int) -> str:
    if level in LEVELS:
        return t(LEVELS[level], lang)
    return t("level_n", lang, n=level)


def column_label(lang: str, level: int, header: str) -> str:
    """A header made of a level's name (``header``: "level_count" or "top_share")."""
    label = level_label(lang, level)
    template = t(HEADERS[header], lang)
    if template.startswith("{"):
        return template.format(level=label)
    # Inside a phrase the level's words are not capitalised: "Tỷ lệ rất hài lòng".
    return template.format(level=label[:1].lower() + label[1:])


def kiosk_state(lang: str, state: str) -> str:
    return t(KIOSK_STATES[state], lang)


def in_words(items: list[str], lang: str) -> str:
    """ "A, B và C": a list as a sentence of the language says it."""
    if len(items) < 2:
        return "".join(items)
    conjunction = t("and", lang)  # outside the f-string, where extraction sees it
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _figure(value: Any, lang: str) -> Any:
    if isinstance(value, date):
        return locale_format.day(value, lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return locale_format.number(value, lang)
    return value


def report_problem(lang: str, kind: str, params: dict[str, Any], fallback: str) -> str:
    """A report refusal (reports.ReportError's kind and params) in ``lang``."""
    if kind not in REFUSALS:
        return fallback
    values = {key: _figure(value, lang) for key, value in params.items()}
    # A day after the 12th shows which number is the day and which the month.
    values["example"] = locale_format.day(date(2025, 3, 31), lang)
    name = str(params.get("name", "")).lstrip("-")
    if name in FIELDS:
        # The form's own word, and the parameter's name when the two differ.
        field = t(FIELDS[name], lang)
        values["field"] = field if field.lower() == name else f"{field} ({name})"
    return t(REFUSALS[kind], lang, **values)


def kiosk_problem(lang: str, kind: str, value: Any) -> str:
    """One thing wrong with a kiosk (kiosks.Problem) in ``lang``."""
    if kind == "clock":
        shown = ("+" if value > 0 else "") + locale_format.number(round(value), lang)
    else:
        shown = _figure(value, lang)
    return t(KIOSK_PROBLEMS[kind], lang, value=shown)
