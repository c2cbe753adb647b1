"""An alert in words: what the mail, the webhook and the dashboard's feed say.

An alert names the counter, the officer (name and code), the level and the reasons in the
reader's language, and the time in the center's zone; a department-rate alert names the
department, its rate of the day and the threshold. The names come from the center's
roster at the time of reading, so a renamed department reads with its new name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Select, select

from sync.central import locale_format
from sync.central.i18n import t
from sync.central.models import alerts, departments, officers, ratings
from sync.central.phrases import in_words, level_label
from sync.central.settings import Settings


@dataclass(frozen=True)
class AlertView:
    """One alert as a reader of ``lang`` sees it; also the JSON of the webhook and feed."""

    id: int
    key: str
    kind: str  # "rating" or "rate"
    title: str  # one line that says it all
    department: str
    department_name: str
    counter: str | None
    officer: str | None
    officer_name: str | None
    level: int | None
    level_words: str | None
    reasons: list[str]  # the reasons' words
    time: str  # local time, as the language writes it
    at: str  # the same moment, ISO 8601 UTC
    rate: float | None
    total: int | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def alert_query() -> Select:
    """The alerts with what their rating says (counter, officer, level, reasons, when):
    the rows :func:`describe` reads."""
    return select(
        alerts.c.id,
        alerts.c.key,
        alerts.c.kind,
        alerts.c.created_at,
        alerts.c.department,
        alerts.c.rate,
        alerts.c.total,
        ratings.c.counter,
        ratings.c.officer,
        ratings.c.level,
        ratings.c.reasons,
        ratings.c.created_at.label("rated_at"),
    ).select_from(alerts.outerjoin(ratings, ratings.c.id == alerts.c.rating_id))


@dataclass(frozen=True)
class Names:
    """The roster's names, read once for a batch of alerts."""

    officers: dict[str, str]
    departments: dict[str, str]

    @classmethod
    def read(cls, connection: Connection, rows: Iterable[Any]) -> Names:
        rows = list(rows)
        codes = {row.officer for row in rows if row.officer}
        wanted = {row.department for row in rows}
        found = connection.execute(
            select(officers.c.code, officers.c.full_name).where(officers.c.code.in_(codes))
        ).all()
        named = connection.execute(
            select(departments.c.code, departments.c.name).where(departments.c.code.in_(wanted))
        ).all()
        return cls(officers=dict(found), departments=dict(named))


def describe(row: Any, names: Names, settings: Settings, lang: str) -> AlertView:
    """The alert ``row`` (a row of :func:`alert_query`) in ``lang``."""
    moment = row.rated_at or row.created_at
    department_name = names.departments.get(row.department, row.department)
    reasons = [_reason(code, settings, lang) for code in row.reasons or ()]
    level_words = level_label(lang, row.level) if row.level is not None else None
    officer_name = names.officers.get(row.officer) if row.officer else None
    if row.kind == "rate":
        title = t(
            "alert_rate_title",
            lang,
            department=department_name,
            rate=locale_format.percent(row.rate, lang),
            total=locale_format.number(row.total or 0, lang),
            threshold=locale_format.percent(settings.alerts.department_rate_below, lang),
        )
    else:
        if reasons:
            reasons_text = t("alert_reasons_given", lang, reasons=in_words(reasons, lang))
        else:
            reasons_text = t("alert_no_reason", lang)
        officer = f"{officer_name or row.officer} ({row.officer})"
        title = t(
            "alert_rating_title",
            lang,
            level=level_words,
            counter=row.counter,
            officer=officer,
            reasons=reasons_text,
        )
    return AlertView(
        id=row.id,
        key=row.key,
        kind=row.kind,
        title=title,
        department=row.department,
        department_name=department_name,
        counter=row.counter,
        officer=row.officer,
        officer_name=officer_name,
        level=row.level,
        level_words=level_words,
        reasons=reasons,
        time=locale_format.moment(moment, lang, settings.report.tz),
        at=moment.isoformat().replace("+00:00", "Z"),
        rate=row.rate,
        total=row.total,
    )


def _reason(code: str, settings: Settings, lang: str) -> str:
    for reason in settings.report.reasons:
        if reason.code == code:
            return reason.label(lang)
    return code


def message_lines(view: AlertView, lang: str) -> list[str]:
    """The alert as the lines of a mail or chat message: the title, then each fact."""
    # Each word looked up on its own line, where the catalogs' extraction finds it.
    time_word = t("alert_time", lang)
    lines = [view.title, f"{time_word}: {view.time}"]
    if view.kind == "rating":
        counter_word, officer_word = t("counter", lang), t("officer", lang)
        level_word, reasons_word = t("alert_level", lang), t("alert_reasons", lang)
        reasons = ", ".join(view.reasons) if view.reasons else locale_format.NOTHING
        lines += [
            f"{counter_word}: {view.counter}",
            f"{officer_word}: {view.officer_name or view.officer} ({view.officer})",
            f"{level_word}: {view.level_words}",
            f"{reasons_word}: {reasons}",
        ]
    department_word = t("department", lang)
    lines.append(f"{department_word}: {view.department_name} ({view.department})")
    return lines


def subject(views: Sequence[AlertView], lang: str) -> str:
    """One alert: its title; several: how many, for which department, since when."""
    if len(views) == 1:
        return t("alert_subject", lang, title=views[0].title)
    return t(
        "alert_subject_digest",
        lang,
        count=locale_format.number(len(views), lang),
        department=views[0].department_name,
        first=views[0].time,
        last=views[-1].time,
    )


def message_text(views: Sequence[AlertView], lang: str) -> str:
    """The plain text of a mail or chat message of one alert or a digest of several."""
    if len(views) == 1:
        return "\n".join(message_lines(views[0], lang))
    blocks = [subject(views, lang)]
    for number, view in enumerate(views, start=1):
        lines = message_lines(view, lang)
        blocks.append(f"{number}. " + "\n   ".join(lines))
    return "\n\n".join(blocks)
