"""The admin dashboard at ``/``: login, figures of the last 30 days and of a chosen range
per department and per officer, a daily trend, the reasons of low ratings (the whole
center; per department and officer on ``/reasons``), kiosk health, CSV downloads, and the recent
alerts.

Plain server-rendered HTML (Jinja2) with an inline SVG chart, works on a phone. One small
script adds new alerts to the list as they come (sync.central.alert_feed); without it
the page shows the alerts of the moment it was loaded.
The session cookie is signed (see auth.py), HttpOnly and SameSite=Lax, which also keeps
other sites from posting forms with it.
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from sync.central import auth
from sync.central.alert_feed import STREAM_PATH, recent_alerts
from sync.central.api import SESSION_COOKIE
from sync.central.charts import DayPoint, trend_svg
from sync.central.dashboard_page import language, open_page, render
from sync.central.i18n import pick_language
from sync.central.kiosks import kiosk_health
from sync.central.phrases import column_label, level_label
from sync.central.reasons import reason_report
from sync.central.reports import Report, satisfaction_report

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    lang = language(request)
    return render("login.html", lang, failed=False)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    lang = pick_language(str(form.get("lang", "")), request.headers.get("accept-language"))
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    db = request.app.state.db
    if not await run_in_threadpool(auth.check_password, db, username, password):
        page = render("login.html", lang, failed=True)
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
    response = RedirectResponse(f"/login?lang={language(request)}", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    page = open_page(request)
    if page is None:
        return RedirectResponse(f"/login?lang={language(request)}", status_code=303)
    config = page.settings.report

    def report(by: str, start: date, end: date) -> Report:
        return satisfaction_report(page.db, config, by, start, end)

    recent = report("department", page.today - timedelta(days=29), page.today)
    days = report("day", page.date_from, page.date_to)
    lang = page.lang
    return render(
        "dashboard.html",
        lang,
        **page.context(),
        recent=recent.overall,
        overall=days.overall,
        departments=report("department", page.date_from, page.date_to),
        officers=report("officer", page.date_from, page.date_to),
        levels=[(level, column_label(lang, level, "level_count")) for level in config.levels],
        top_share=column_label(lang, config.top_level, "top_share"),
        top_label=level_label(lang, config.top_level),
        trend=trend_svg(_day_points(days, page.date_from, page.date_to), page.chart_words()),
        reasons=reason_report(page.db, config, page.date_from, page.date_to, groups=()),
        kiosks=kiosk_health(page.db, page.settings.kiosks, page.now),
        alerts=list(reversed(recent_alerts(page.db, page.settings, lang))),
        alert_stream=f"{STREAM_PATH}?lang={lang}",
        csv_links={
            by: page.csv_link(by) for by in ("department", "officer", "counter", "day", "reason")
        },
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
                day=day,
                total=row.total if row else 0,
                rate=row.satisfaction_rate if row else None,
            )
        )
        day += timedelta(days=1)
    return points
