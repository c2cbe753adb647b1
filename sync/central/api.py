"""The JSON API of protocol v1: ratings batch, roster, heartbeat, satisfaction report.

Errors are ``{"detail": "<what is wrong, naming the field>"}`` with the status the
protocol gives: 401 unknown token, 403 a token used for another counter, 413 too large,
422 malformed, 503 with ``Retry-After`` when the database cannot take the request now.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from sync.central import auth, sessions
from sync.central.bodies import parse_batch, parse_heartbeat, read_body
from sync.central.db import Database
from sync.central.errors import ApiError, scope_language
from sync.central.i18n import t
from sync.central.ingest import ingest_batch
from sync.central.models import counters, departments, officers, utcnow
from sync.central.phrases import report_problem
from sync.central.report_answers import as_csv, as_json, grouping, make_report
from sync.central.reports import ReportError, parse_day
from sync.central.settings import Settings
from sync.protocol import (
    BATCH_PATH,
    MAX_BATCHES_IN_FLIGHT,
    REPORT_PATH,
    DepartmentOut,
    HeartbeatRequest,
    HeartbeatResponse,
    OfficerOut,
    RosterResponse,
    canonical_code,
    heartbeat_path,
    roster_path,
)

log = logging.getLogger(__name__)
router = APIRouter()
SESSION_COOKIE = "central_session"


def _db(request: Request) -> Database:
    return request.app.state.db


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _counter_of(request: Request, counter: str | None) -> str:
    """The counter the bearer token belongs to; 401/403 when it may not act as ``counter``."""
    token = auth.bearer_token(request.headers.get("authorization"))
    if token is None:
        raise ApiError(401, "missing Authorization: Bearer <counter token>", _challenge())
    owner = auth.counter_for_token(_db(request), token)
    if owner is None:
        raise ApiError(401, "unknown counter token", _challenge())
    # Counter codes are case-insensitive: q07 in a path is counter Q07.
    if counter is not None and canonical_code(owner) != canonical_code(counter):
        raise ApiError(403, f"this token belongs to counter {owner}, not {counter}")
    return owner


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": "Bearer"}


@router.post(BATCH_PATH)
async def post_batch(request: Request) -> Response:
    settings = _settings(request)
    owner = await run_in_threadpool(_counter_of, request, None)
    _storage_ready(request)
    # A counter's kiosk has at most MAX_BATCHES_IN_FLIGHT batches with the central: more
    # at once is a second process on the kiosk (it retries), or a stolen token trying to
    # hold the central's workers. So many per counter, per central process.
    sending: Counter[str] = request.app.state.batches_in_progress
    if sending[owner] >= MAX_BATCHES_IN_FLIGHT:
        raise ApiError(
            429,
            f"counter {owner} has {MAX_BATCHES_IN_FLIGHT} batches on the way already",
            {"Retry-After": "2"},
        )
    sending[owner] += 1
    try:
        body = await read_body(request, settings.limits.max_body_bytes)
        envelope = await run_in_threadpool(parse_batch, body, settings.limits.max_batch)
        if envelope.counter != canonical_code(owner):
            raise ApiError(403, f"this token belongs to counter {owner}, not {envelope.counter}")
        answer = await run_in_threadpool(
            ingest_batch,
            _db(request),
            owner,
            envelope.ratings,
            settings.report.levels,
            settings.report.tz,
            alerts=request.app.state.alert_rules,
            rules=request.app.state.filing_rules,
        )
    finally:
        sending[owner] -= 1
        if sending[owner] <= 0:
            del sending[owner]
    return Response(answer.model_dump_json(), media_type="application/json")


def _storage_ready(request: Request) -> None:
    """503 before the body is read when the data folder cannot take ratings now."""
    problem = request.app.state.readiness.disk_problem()
    if problem:
        log.error("batch refused: %s", problem)
        raise ApiError(
            503, "the central cannot store ratings now, try again", {"Retry-After": "60"}
        )


@router.get(roster_path("{counter}"))
def get_roster(counter: str, request: Request) -> Response:
    owner = _counter_of(request, counter)
    roster = load_roster(_db(request), owner)
    body = roster.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    wanted = request.headers.get("if-none-match", "")
    if etag in {tag.strip() for tag in wanted.split(",")} or wanted.strip() == "*":
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


def load_roster(db: Database, counter: str) -> RosterResponse:
    """The counter's department and every officer of it (inactive ones flagged)."""
    with db.read() as connection:
        department = connection.execute(
            select(departments.c.code, departments.c.name)
            .join(counters, counters.c.department == departments.c.code)
            .where(counters.c.id == counter)
        ).one()
        rows = connection.execute(
            select(officers)
            .where(officers.c.department == department.code)
            .order_by(officers.c.code)
        ).all()
    return RosterResponse(
        department=DepartmentOut(code=department.code, name=department.name),
        officers=[
            OfficerOut(
                code=row.code,
                full_name=row.full_name,
                title=row.title,
                department=row.department,
                pin_hash=row.pin_hash,
                photo_url=row.photo_url,
                active=row.active,
            )
            for row in rows
        ],
    )


@router.post(heartbeat_path("{counter}"))
async def post_heartbeat(counter: str, request: Request) -> Response:
    owner = await run_in_threadpool(_counter_of, request, counter)
    body = await read_body(request, 64_000)
    beat = await run_in_threadpool(parse_heartbeat, body)
    now = utcnow()
    await run_in_threadpool(record_heartbeat, _db(request), owner, beat, now)
    return Response(
        HeartbeatResponse(server_time=now).model_dump_json(), media_type="application/json"
    )


def record_heartbeat(db: Database, counter: str, beat: HeartbeatRequest, now: Any) -> None:
    with db.write() as connection:
        connection.execute(
            update(counters)
            .where(counters.c.id == counter)
            .values(
                heartbeat_at=now,
                pending=beat.pending,
                held=beat.held,
                rejected=beat.rejected,
                app_version=beat.app_version,
                # Reported as measured; stored ratings keep the kiosk's own timestamps.
                clock_skew_seconds=(now - beat.kiosk_time).total_seconds(),
                free_disk_bytes=beat.free_disk_bytes,
                last_error=beat.last_error,
            )
        )


def admin_of(request: Request) -> str | None:
    """The admin behind a Bearer admin token or a dashboard session cookie, else None."""
    token = auth.bearer_token(request.headers.get("authorization"))
    if token is not None:
        return auth.admin_for_token(_db(request), token)
    return sessions.session_admin(
        _db(request),
        request.app.state.session_key,
        request.cookies.get(SESSION_COOKIE),
        _settings(request).server.session_hours * 3600,
    )


def report_range(params: Any, today: date) -> tuple[date, date]:
    """``from``/``to`` query parameters; the last 30 local days when absent."""
    date_to = parse_day(params["to"], "to") if params.get("to") else today
    if params.get("from"):
        date_from = parse_day(params["from"], "from")
    else:
        date_from = date_to - timedelta(days=29)
    return date_from, date_to


def refusal(lang: str, exc: ReportError) -> str:
    # English stays the documented text that names the parameter first ("from: ...").
    return str(exc) if lang == "en" else report_problem(lang, exc.kind, exc.params, str(exc))


@router.get(REPORT_PATH)
def get_report(request: Request) -> Response:
    lang = scope_language(request.scope)
    if admin_of(request) is None:
        english = "admin token or dashboard login needed"
        message = english if lang == "en" else t("error_login", lang)
        raise ApiError(401, message, _challenge())
    settings = _settings(request)
    params = request.query_params
    today = utcnow().astimezone(settings.report.tz).date()
    output = params.get("format", "json")
    try:
        if output not in ("json", "csv"):
            raise ReportError(
                f"format: expected json or csv, got {output[:40]!r}",
                "bad_format",
                value=output[:40],
            )
        date_from, date_to = report_range(params, today)
        report = make_report(
            _db(request),
            settings.report,
            params.get("by", "department"),
            params.get("for"),
            date_from,
            date_to,
            params.get("channel") or None,
        )
    except ReportError as exc:
        raise ApiError(422, refusal(lang, exc)) from None
    if output == "csv":
        name = f"satisfaction-{grouping(report)}-{date_from}-{date_to}.csv"
        return Response(
            as_csv(report).encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(as_json(report))
