"""The dashboard's report page, ``/report``: the published report of a period (a month, a
quarter, a year, or the range of the form), as it prints, with its XLSX and PDF downloads.

The quick choices (this month, last quarter...) and the form both land here; the
downloads ask the report API (api_published.py) for the very same period and language.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.central import locale_format
from sync.central.dashboard_page import language, open_page, render
from sync.central.db import Database
from sync.central.i18n import t
from sync.central.monthly_send import EMPTY, SENT, latest_record
from sync.central.periods import Period, day_range, parse, parse_any, presets
from sync.central.phrases import report_problem
from sync.central.published import report_as_published
from sync.central.published_html import report_context
from sync.central.published_late import late_since
from sync.central.reports import ReportError
from sync.central.settings import Settings
from sync.protocol import PUBLISHED_PATH

router = APIRouter()
PATH = "/report"


def _query(period: Period, lang: str, **more: str) -> str:
    asked = (
        {"from": period.date_from, "to": period.date_to}
        if period.kind == "range"
        else {"period": period.code}
    )
    return urlencode({"lang": lang, **asked, **more})


@router.get(PATH, response_class=HTMLResponse)
def report_page(request: Request) -> Response:
    page = open_page(request)
    if page is None:
        return RedirectResponse(f"/login?lang={language(request)}", status_code=303)
    lang, error = page.lang, page.error
    period = day_range(page.date_from, page.date_to)
    asked = request.query_params.get("period")
    if asked:
        try:
            period = parse_any(asked)
        except ReportError as exc:
            error = (
                t("bad_range", lang) + ": " + report_problem(lang, exc.kind, exc.params, str(exc))
            )
    # A month whose report was mailed shows its figures as sent, the late ratings apart.
    report = report_as_published(page.db, page.settings.report, period, page.now)
    # The header's links (the other language, the other pages) keep the period's days.
    page = replace(page, date_from=period.date_from, date_to=period.date_to)
    context = {
        **page.context(),
        **report_context(report, lang),
        # The form shows the period's days, whichever way it was chosen.
        "date_from": page.day(period.date_from),
        "date_to": page.day(period.date_to),
        "error": error,
        "monthly": monthly_line(page.db, page.settings, lang),
        "presets": [
            (t(key, lang), f"{PATH}?{_query(choice, lang)}", choice == period)
            for key, choice in presets(page.today)
        ],
        "downloads": {
            output: f"{PUBLISHED_PATH}?{_query(period, lang, format=output)}"
            for output in ("xlsx", "pdf")
        },
    }
    return render("published_page.html", lang, **context)


def monthly_line(db: Database, settings: Settings, lang: str) -> str | None:
    """When the monthly report last went out by e-mail, and to whom; or why it did not.
    None before the first one, and while one is being sent."""
    record = latest_record(db)
    if record is None:
        return None
    period = parse("month", record.period).title(lang)
    if record.outcome == SENT and record.sent_at is not None:
        when = locale_format.moment(record.sent_at, lang, settings.report.tz)
        return t("monthly_sent", lang, period=period, time=when, to=", ".join(record.recipients))
    if record.outcome == EMPTY:
        assert record.sent_at is not None
        late = late_since(db, parse("month", record.period), record.sent_at)
        if late.count:
            # Its ratings came after it was found empty: the scheduler sends it (monthly_plan).
            n = locale_format.number(late.count, lang)
            return t("monthly_empty_late", lang, period=period, n=n)
        return t("monthly_empty", lang, period=period)
    if record.last_error:
        return t("monthly_pending", lang, period=period, error=record.last_error)
    return None
