"""The admin dashboard at ``/``: login, figures of the last 30 days and of a chosen range
per department and per officer, a daily trend, the reasons of low ratings (the whole
center; per department and officer on ``/reasons``), kiosk health, CSV downloads, and the recent
alerts.

Plain server-rendered HTML (Jinja2) with an inline SVG chart, works on a phone. One small
script adds new alerts to the list as they come (sync.central.alert_feed); without it
the page shows the alerts of the moment it was loaded.
The session cookie is signed and revocable (sessions.py), HttpOnly and SameSite=Lax; Secure
per ``[server] secure_cookies``. A form posted from another site, even another port of this
host (which Lax lets send the cookie), is refused before it arrives (request_guard.py).
Logins are throttled (throttle.py) and hashed on their own pool (hashing.py).
"""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk.shipped_secrets import is_known_password
from sync.central import auth, sessions, throttle
from sync.central.alert_feed import STREAM_PATH, recent_alerts
from sync.central.api import SESSION_COOKIE
from sync.central.charts import DayPoint, trend_svg
from sync.central.dashboard_page import language, open_page, render
from sync.central.forms import field, read_form
from sync.central.hashing import HashPoolFull
from sync.central.i18n import pick_language, t
from sync.central.kiosks import kiosk_health
from sync.central.phrases import column_label, level_label
from sync.central.reasons import reason_report
from sync.central.reports import Report, satisfaction_report

log = logging.getLogger(__name__)
router = APIRouter()
# A login refused because the hashing pool is full may come back this soon.
BUSY_RETRY_SECONDS = 5


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    lang = language(request)
    return render("login.html", lang, failed=False)


@router.post("/login")
async def login(request: Request) -> Response:
    settings = request.app.state.settings
    form = await read_form(request)
    lang = pick_language(field(form, "lang"), request.headers.get("accept-language"))
    username, password = field(form, "username"), field(form, "password")
    db = request.app.state.db
    # The address uvicorn gives: the real client, or the one a trusted proxy names.
    keys = throttle.login_keys(username, request.client.host if request.client else None)
    wait = await run_in_threadpool(throttle.wait_seconds, db, keys)
    if wait > 0:
        return _refused(lang, 429, wait_words(lang, wait), wait)
    try:
        # Its own small pool: a flood of logins never makes a kiosk's batch wait.
        right = await request.app.state.hash_pool.run(auth.check_password, db, username, password)
    except HashPoolFull:
        return _refused(lang, 503, t("login_busy", lang), BUSY_RETRY_SECONDS)
    if not right:
        wait = await run_in_threadpool(throttle.record_failure, db, keys, settings.login)
        page = render("login.html", lang, failed=True, wait=wait_words(lang, wait) if wait else "")
        page.status_code = 401
        return page
    if is_known_password(password) and not settings.server.demo:
        # The README prints it: outside the demo it opens nothing, whoever has it.
        log.warning("login of %r refused: the demo's password, outside the demo", username)
        return _refused(lang, 403, t("login_demo_password", lang, username=username), 0)
    await run_in_threadpool(throttle.record_success, db, keys)
    lifetime = settings.server.session_hours * 3600
    cookie = await run_in_threadpool(
        sessions.start_session, db, request.app.state.session_key, username, lifetime
    )
    response = RedirectResponse(f"/?lang={lang}", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(lifetime),
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request, settings.server.secure_cookies),
    )
    return response


def _refused(lang: str, status: int, message: str, retry_after: float) -> Response:
    page = render("login.html", lang, failed=False, wait=message)
    page.status_code = status
    if retry_after:
        page.headers["Retry-After"] = str(math.ceil(retry_after))
    return page


def wait_words(lang: str, seconds: float) -> str:
    """ "Try again in 8 seconds / 3 minutes", in the reader's language."""
    whole = math.ceil(seconds)
    if whole < 120:
        return t("login_wait_seconds", lang, seconds=whole)
    return t("login_wait_minutes", lang, minutes=math.ceil(whole / 60))


def secure_cookie(request: Request, setting: str | bool) -> bool:
    """The cookie's Secure flag: as set, or ("auto") on unless the request's host is
    loopback, where a demo runs over plain HTTP; and on whenever the request came over
    https, which only a trusted proxy ([server] trusted_proxies) can say for a client."""
    if isinstance(setting, bool):
        return setting
    if request.url.scheme == "https":
        return True
    host = (request.url.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True


@router.post("/logout")
async def logout(request: Request) -> Response:
    lifetime = request.app.state.settings.server.session_hours * 3600
    cookie = request.cookies.get(SESSION_COOKIE)
    await run_in_threadpool(
        sessions.end_session, request.app.state.db, request.app.state.session_key, cookie, lifetime
    )
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
