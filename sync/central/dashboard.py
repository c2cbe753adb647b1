"""The admin dashboard at ``/``: login, figures of the last 30 days and of a chosen range
per department and per officer, a daily trend, kiosk health, CSV downloads.

Plain server-rendered HTML (Jinja2) with an inline SVG chart: no script, works on a phone.
The session cookie is signed (see auth.py), HttpOnly and SameSite=Lax, which also keeps
other sites from posting forms with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from sync.central import auth
from sync.central.api import SESSION_COOKIE, admin_of, report_range
from sync.central.charts import DayPoint, trend_svg
from sync.central.dashboard_text import TEXT, level_label, pick_language
from sync.central.kiosks import kiosk_health
from sync.central.models import utcnow
from sync.central.reports import Report, ReportError, satisfaction_report
from sync.protocol import REPORT_PATH

router = APIRouter()
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def _render(name: str, **context: Any) -> HTMLResponse:
    return HTMLResponse(_templates.get_template(name).render(**context))


def _lang(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    lang = _lang(request)
    return _render("login.html", t=TEXT[lang], lang=lang, failed=False)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    lang = pick_language(str(form.get("lang", "")), request.headers.get("accept-language"))
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    db = request.app.state.db
    if not await run_in_threadpool(auth.check_password, db, username, password):
        page = _render("login.html", t=TEXT[lang], lang=lang, failed=True)
        page.status_code = 401
        return page
    settings = request.app.state.settings
    lifetime = settings.server.session_hours * 3600
    response = RedirectResponse(f"/?lang={lang}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        auth.sign_session(request.app.state.session_key, username, lifetime),
        max_age=int(lifetime),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = RedirectResponse(f"/login?lang={_lang(request)}", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    lang = _lang(request)
    if admin_of(request) is None:
        return RedirectResponse(f"/login?lang={lang}", status_code=303)
    settings = request.app.state.settings
    db = request.app.state.db
    now = utcnow()
    today = now.astimezone(settings.report.tz).date()
    words = TEXT[lang]
    error = ""
    try:
        date_from, date_to = report_range(request.query_params, today)
        if date_from > date_to:
            raise ReportError("from is after to")
    except ReportError as exc:
        error = f"{words['bad_range']}: {exc}"
        date_from, date_to = today - timedelta(days=29), today

    def report(by: str, start: date, end: date) -> Report:
        return satisfaction_report(db, settings.report, by, start, end)

    recent = report("department", today - timedelta(days=29), today)
    days = report("day", date_from, date_to)

    def csv_link(by: str) -> str:
        query = {"by": by, "from": date_from, "to": date_to, "format": "csv"}
        return f"{REPORT_PATH}?{urlencode(query)}"

    return _render(
        "dashboard.html",
        t=words,
        lang=lang,
        other_lang="en" if lang == "vi" else "vi",
        error=error,
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
        recent=recent.overall,
        overall=days.overall,
        departments=report("department", date_from, date_to),
        officers=report("officer", date_from, date_to),
        levels=[(level, level_label(words, level)) for level in settings.report.levels],
        trend=trend_svg(_day_points(days, date_from, date_to)),
        kiosks=kiosk_health(db, settings.kiosks, now),
        csv_links={by: csv_link(by) for by in ("department", "officer", "counter", "day")},
        percent=_percent,
        tz=settings.report.tz,
    )


def _day_points(report: Report, date_from: date, date_to: date) -> list[DayPoint]:
    # Every day of the range, zero when nothing was rated, so gaps show as gaps.
    by_day = {row.key: row for row in report.rows}
    points = []
    day = date_from
    while day <= date_to and len(points) < 400:
        row = by_day.get(day.isoformat())
        points.append(
            DayPoint(
                day=day.isoformat(),
                total=row.total if row else 0,
                rate=row.satisfaction_rate if row else None,
            )
        )
        day += timedelta(days=1)
    return points


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"
