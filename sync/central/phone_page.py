"""The citizen's page behind a kiosk's QR code: ``GET /r/<code>`` shows the faces,
``POST /r/<code>`` stores the choice once (sync.central.phone_ratings).

Plain HTML that works on any phone: no script, no cookie, no login, nothing from another
site (the faces come from this central), no logging of who opened it. The link is a bearer
of a one-time right, so the page asks browsers not to keep it or pass it on
(``Referrer-Policy: no-referrer``, ``Cache-Control: no-store``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from kiosk import resources
from sync.central.dashboard_page import render
from sync.central.forms import field, read_form
from sync.central.i18n import pick_language
from sync.central.models import utcnow
from sync.central.phone_ratings import (
    EXPIRED,
    NOT_VALID,
    USED,
    LinkRefused,
    LinkRules,
    clean_choice,
    open_link,
    store_phone_rating,
)
from sync.central.phrases import level_label
from sync.phone_link import PATH_PREFIX

router = APIRouter()

# The kiosk's shipped faces for the default levels; another level shows its words only.
FACES = {4: "very_satisfied", 3: "satisfied", 2: "neutral", 1: "dissatisfied"}
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
}
_STATUS = {NOT_VALID: 404, EXPIRED: 410, USED: 409}
PHONE_FORM_BYTES = 4000  # a level, its reasons and the language


def _page(name: str, lang: str, status: int = 200, **context: object) -> HTMLResponse:
    page = render(name, lang, **context)
    page.status_code = status
    page.headers.update(_HEADERS)
    return page


def _refused(lang: str, kind: str) -> HTMLResponse:
    return _page("phone_done.html", lang, _STATUS[kind], outcome=kind)


def _form(request: Request, code: str, lang: str, missing: bool = False) -> HTMLResponse:
    report = request.app.state.settings.report
    levels = [
        {"value": level, "label": level_label(lang, level), "face": FACES.get(level)}
        for level in report.levels
    ]
    reasons = [{"code": reason.code, "label": reason.label(lang)} for reason in report.reasons]
    return _page(
        "phone.html",
        lang,
        400 if missing else 200,
        code=code,
        levels=levels,
        reasons=reasons if report.low_levels else [],
        missing=missing,
        other_lang="en" if lang == "vi" else "vi",
    )


@router.get(PATH_PREFIX + "{code}", response_class=HTMLResponse)
def phone_form(code: str, request: Request) -> Response:
    # Vietnamese unless asked: the center's language, whatever the phone is set to.
    lang = pick_language(request.query_params.get("lang"))
    settings = request.app.state.settings
    try:
        open_link(request.app.state.db, code, utcnow(), LinkRules.of(settings))
    except LinkRefused as refusal:
        return _refused(lang, refusal.kind)
    return _form(request, code, lang)


@router.post(PATH_PREFIX + "{code}", response_class=HTMLResponse)
async def phone_submit(code: str, request: Request) -> Response:
    form = await read_form(request, max_bytes=PHONE_FORM_BYTES)
    lang = pick_language(field(form, "lang"))
    settings = request.app.state.settings
    report = settings.report
    choice = clean_choice(
        report.levels, report.low_levels, [reason.code for reason in report.reasons], form
    )
    db = request.app.state.db
    now = utcnow()
    try:
        payload = await run_in_threadpool(open_link, db, code, now, LinkRules.of(settings))
        if choice is None:
            return _form(request, code, lang, missing=True)
        await run_in_threadpool(
            store_phone_rating,
            db,
            payload,
            choice,
            report.tz,
            now,
            request.app.state.alert_rules,
        )
    except LinkRefused as refusal:
        return _refused(lang, refusal.kind)
    return _page("phone_done.html", lang, outcome="thanks")


@router.get(PATH_PREFIX + "face/{name}.png")
def phone_face(name: str) -> Response:
    if name not in FACES.values():
        return Response(status_code=404)
    return FileResponse(
        resources.face(name),
        media_type="image/png",
        headers={"Cache-Control": "public, max-age=86400"},
    )
