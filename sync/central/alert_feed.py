"""The dashboard's live alert feed: ``GET /alerts/stream``, Server-Sent Events.

For a logged-in admin only (session cookie or admin token). The stream reads the alerts
outbox, the same table the worker sends from: first the recent alerts (or, when the
browser reconnects with ``Last-Event-ID``, those it missed), then each new one as it is
committed, as ``event: alert`` with the alert's id as the event id and its JSON
(alert_words.AlertView, in the page's language) as data. A comment line every
``KEEPALIVE_SECONDS`` keeps proxies from closing a quiet stream. The dashboard lists the
same recent alerts in its HTML, so it says everything without the script too.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from sync.central.alert_words import AlertView, Names, alert_query, describe
from sync.central.api import admin_of
from sync.central.dashboard_page import language
from sync.central.db import Database
from sync.central.errors import ApiError
from sync.central.i18n import t
from sync.central.models import alerts
from sync.central.settings import Settings

STREAM_PATH = "/alerts/stream"
RECENT = 20
POLL_SECONDS = 1.0
KEEPALIVE_SECONDS = 15.0

router = APIRouter()


def recent_alerts(
    db: Database, settings: Settings, lang: str, after: int | None = None, limit: int = RECENT
) -> list[AlertView]:
    """The newest ``limit`` alerts, oldest first; with ``after``: those after that id."""
    query = alert_query()
    if after is not None:
        query = query.where(alerts.c.id > after).order_by(alerts.c.id).limit(limit)
    else:
        query = query.order_by(alerts.c.id.desc()).limit(limit)
    with db.read() as connection:
        rows = sorted(connection.execute(query).all(), key=lambda row: row.id)
        names = Names.read(connection, rows)
    return [describe(row, names, settings, lang) for row in rows]


def _event(view: AlertView) -> str:
    data = json.dumps(view.as_json(), ensure_ascii=False)
    return f"id: {view.id}\nevent: alert\ndata: {data}\n\n"


def _last_event_id(request: Request) -> int | None:
    value = request.headers.get("last-event-id", "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


@router.get(STREAM_PATH)
async def alert_stream(request: Request) -> StreamingResponse:
    lang = language(request)
    if await run_in_threadpool(admin_of, request) is None:
        raise ApiError(401, t("error_login", lang) if lang != "en" else "log in to see alerts")
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings

    async def events() -> AsyncIterator[str]:
        # The browser retries a dropped stream after 5 s, with Last-Event-ID.
        yield "retry: 5000\n\n"
        last = _last_event_id(request)
        quiet_since = time.monotonic()
        while not await request.is_disconnected():
            views = await run_in_threadpool(recent_alerts, db, settings, lang, last)
            for view in views:
                yield _event(view)
                last = view.id
            if views:
                quiet_since = time.monotonic()
            elif last is None:
                last = 0  # no alert yet: from now on, every one is new
            elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
