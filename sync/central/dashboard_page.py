"""What every dashboard page shares: its language, the admin's login, the date range asked
(with a refusal said in the page's language), and the ways figures are written.

Words reach the templates as ``_("key")`` from the catalogs of the page's language
(sync.central.i18n, installed in one Jinja2 environment per language); figures only
through the formatters here (``number``, ``percent``, ``day``, ``when``): Babel writes
them as the page's language does (locale_format).
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kiosk import resources
from sync.central import locale_format
from sync.central.api import admin_of, report_range
from sync.central.charts import ChartWords
from sync.central.db import Database
from sync.central.i18n import pick_language, t, words
from sync.central.models import utcnow
from sync.central.phrases import in_words, kiosk_problem, kiosk_state, level_label, report_problem
from sync.central.reports import ReportError
from sync.central.request_guard import page_policy
from sync.central.settings import Settings
from sync.protocol import REPORT_PATH

TEMPLATES = resources.central_templates()


@functools.cache
def _templates(lang: str) -> Environment:
    # One environment per language, each with its catalog installed once: requests in
    # different languages are served at the same time, so none may swap another's words.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(words(lang), newstyle=False)
    return environment


def render_text(name: str, lang: str, **context: Any) -> str:
    """The template ``name`` with its words in ``lang``, as text (the PDF's HTML too)."""
    return _templates(lang).get_template(name).render(lang=lang, **context)


def render(name: str, lang: str, **context: Any) -> HTMLResponse:
    """The template ``name`` with its words in ``lang``, under the pages' CSP: its inline
    script runs by a nonce new with every answer (``csp_nonce`` in the template)."""
    nonce = secrets.token_urlsafe(16)
    page = HTMLResponse(render_text(name, lang, csp_nonce=nonce, **context))
    page.headers["Content-Security-Policy"] = page_policy(nonce)
    return page


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


@dataclass(frozen=True)
class Page:
    """One dashboard request of a logged-in admin."""

    lang: str
    settings: Settings
    db: Database
    now: datetime
    today: date
    date_from: date
    date_to: date
    error: str  # the range asked could not be shown (in the page's language), or ""

    def link(self, path: str, **query: Any) -> str:
        """A page of the dashboard for the same range and language."""
        values = {"lang": self.lang, "from": self.date_from, "to": self.date_to, **query}
        return f"{path}?{urlencode(values)}"

    def csv_link(self, by: str) -> str:
        # lang: a refusal of the report API reaches this reader in their language.
        return self.link(REPORT_PATH, by=by, format="csv")

    def number(self, value: int) -> str:
        return locale_format.number(value, self.lang)

    def percent(self, value: float | None) -> str:
        return locale_format.percent(value, self.lang)

    def day(self, value: date) -> str:
        return locale_format.day(value, self.lang)

    def when(self, value: datetime | None) -> str:
        return locale_format.moment(value, self.lang, self.settings.report.tz)

    def chart_words(self) -> ChartWords:
        return ChartWords(day=self.day, number=self.number, percent=self.percent)

    def kiosk_skew(self, seconds: float | None) -> str:
        if seconds is None:
            return locale_format.NOTHING
        return ("+" if seconds >= 0.5 else "") + self.number(round(seconds))

    def kiosk_problems(self, problems: tuple[tuple[str, Any], ...]) -> str:
        return "; ".join(kiosk_problem(self.lang, kind, value) for kind, value in problems)

    def kiosk_state(self, state: str) -> str:
        return kiosk_state(self.lang, state)

    def context(self) -> dict[str, Any]:
        """What every page template reads (with ``lang``, which render adds)."""
        return {
            "other_lang": "en" if self.lang == "vi" else "vi",
            "error": self.error,
            # The form's fields show days as the language writes them: the browser's own
            # date field would follow the browser's language, not the page's.
            "date_from": self.day(self.date_from),
            "date_to": self.day(self.date_to),
            "range_text": f"{self.day(self.date_from)} – {self.day(self.date_to)}",
            "page": self,
            "number": self.number,
            "percent": self.percent,
            # The levels whose ratings are "low": what a reason's share is of.
            "low_levels": in_words(
                [level_label(self.lang, level) for level in self.settings.report.low_levels],
                self.lang,
            ),
        }


def _iso_days(params: Any, lang: str) -> dict[str, str]:
    """``from``/``to`` as ISO days: the form writes them as the page's language does
    (29/10/2026), links as YYYY-MM-DD; anything else is left for parse_day to refuse."""
    days = {}
    for name in ("from", "to"):
        value = params.get(name) or ""
        shown = locale_format.parse_day(value, lang)
        days[name] = shown.isoformat() if shown else value
    return days


def open_page(request: Request) -> Page | None:
    """The page's settings, language and range; None when nobody is logged in."""
    if admin_of(request) is None:
        return None
    lang = language(request)
    settings: Settings = request.app.state.settings
    now = utcnow()
    today = now.astimezone(settings.report.tz).date()
    error = ""
    try:
        date_from, date_to = report_range(_iso_days(request.query_params, lang), today)
        if date_from > date_to:
            raise ReportError.backwards(date_from, date_to)
    except ReportError as exc:
        problem = report_problem(lang, exc.kind, exc.params, str(exc))
        error = t("bad_range", lang) + ": " + problem
        date_from, date_to = today - timedelta(days=29), today
    return Page(
        lang=lang,
        settings=settings,
        db=request.app.state.db,
        now=now,
        today=today,
        date_from=date_from,
        date_to=date_to,
        error=error,
    )
