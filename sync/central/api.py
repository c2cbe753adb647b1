"""The JSON API of protocol v1: ratings batch, roster, heartbeat, satisfaction report.

Errors are ``{"detail": "<what is wrong, naming the field>"}`` with the status the
protocol gives: 401 unknown token, 403 a token used for another counter, 413 too large,
422 malformed, 503 with ``Retry-After`` when the database cannot take the request now.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import select, update
from starlette.concurrency import run_in_threadpool

from sync.central import auth, sessions
from sync.central.db import Database
from sync.central.errors import ApiError, scope_language
from sync.central.filing import FilingRules
from sync.central.i18n import t
from sync.central.ingest import ingest_batch
from sync.central.models import counters, departments, officers, utcnow
from sync.central.phrases import report_problem
from sync.central.report_answers import as_csv, as_json, grouping, make_report
from sync.central.reports import ReportError, parse_day
from sync.central.settings import Settings
from sync.protocol import (
    BATCH_PATH,
    REPORT_PATH,
    BatchEnvelope,
    BatchRequest,
    DepartmentOut,
    HeartbeatRequest,
    HeartbeatResponse,
    OfficerOut,
    RosterResponse,
    canonical_code,
    error_text,
    heartbeat_path,
    roster_path,
)

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


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    # The length test first: int() of thousands of digits is refused (and slow).
    if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise ApiError(413, f"body of {declared[:20]} bytes is over the limit of {limit}")
    body = bytearray()
    # A client trickling its body would hold a connection and a task for ever: 408.
    seconds = _settings(request).server.body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise ApiError(413, f"body is over the limit of {limit} bytes")
    except TimeoutError:
        raise ApiError(408, f"body not received within {seconds:g} seconds") from None
    return bytes(body)


async def read_form(request: Request) -> Any:
    """The form of a dashboard POST, read within ``[server] body_timeout_seconds`` (408)."""
    seconds = _settings(request).server.body_timeout_seconds
    try:
        async with asyncio.timeout(seconds):
            return await request.form()
    except TimeoutError:
        raise ApiError(408, f"form not received within {seconds:g} seconds") from None


# Digits beyond this are no integer any column takes: read as float (inf when huge), so
# the model names the field ("finite number", "less than or equal") instead of json.loads
# refusing the whole body for Python's 4300-digit limit.
_INT_DIGITS = 40


def _bounded_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= _INT_DIGITS else float(digits)


def _json(body: bytes) -> Any:
    """The JSON of a body that pydantic's own parser refused; 422 when it is not JSON.

    json.loads, unlike pydantic-core, takes a lone surrogate escape (\\ud800), so the
    rating that holds one is rejected alone, by its model, with the field named."""
    try:
        return json.loads(body, parse_int=_bounded_int)
    except RecursionError:
        raise ApiError(422, "body: JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise ApiError(422, f"body: not valid JSON ({exc})") from None


def parse_batch(body: bytes) -> BatchRequest | BatchEnvelope:
    """The batch of ``body``; raises a 422 ApiError naming the field when the envelope is bad.

    Nearly every batch is entirely valid, so it is parsed and validated in one pass inside
    pydantic-core (no json.loads, no Python dicts, no per-rating call): that is most of the
    saving per batch. Only when that fails is the body parsed again the careful way, the
    envelope alone first (422 naming the field), then each rating alone in ingest_batch, so
    one bad rating is rejected with its field named while the rest of its batch goes in.
    """
    try:
        return BatchRequest.model_validate_json(body)
    except ValidationError:
        pass
    try:
        return BatchEnvelope.model_validate(_json(body))
    except ValidationError as exc:
        raise ApiError(422, error_text(exc)) from None


@router.post(BATCH_PATH)
async def post_batch(request: Request) -> Response:
    settings = _settings(request)
    owner = await run_in_threadpool(_counter_of, request, None)
    body = await _read_body(request, settings.limits.max_body_bytes)
    envelope = parse_batch(body)
    if len(envelope.ratings) > settings.limits.max_batch:
        raise ApiError(
            413,
            f"ratings: {len(envelope.ratings)} in one batch, at most "
            f"{settings.limits.max_batch}; send smaller batches",
        )
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
        rules=FilingRules.of(settings),
    )
    return Response(answer.model_dump_json(), media_type="application/json")


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
    body = await _read_body(request, 64_000)
    try:
        beat = HeartbeatRequest.model_validate(_json(body))
    except ValidationError as exc:
        raise ApiError(422, error_text(exc)) from None
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
