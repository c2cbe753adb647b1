"""``create_app(settings)``: the central's FastAPI application, ready for uvicorn.

The app holds the settings and an open database and nothing else: any number of processes
can serve the same PostgreSQL database behind a load balancer.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InternalError, OperationalError
from starlette.concurrency import run_in_threadpool

from sync.central import (
    alert_feed,
    api,
    api_published,
    dashboard,
    dashboard_published,
    dashboard_reasons,
    officer_api,
    openapi,
    phone_page,
)
from sync.central.admission import Admission, Caps
from sync.central.alert_outbox import AlertRules
from sync.central.alert_worker import AlertWorker
from sync.central.db import Database, open_database, shared_secret
from sync.central.errors import ApiError, LastResort, error_response, scope_language
from sync.central.filing import FilingRules
from sync.central.hashing import HashPool
from sync.central.i18n import t
from sync.central.marker import ProtocolMarker
from sync.central.monthly_worker import MonthlyWorker
from sync.central.readiness import Readiness
from sync.central.request_guard import RequestGuard
from sync.central.settings import Settings

log = logging.getLogger(__name__)

SESSION_KEY = "session_signing_key"
# Answers a route gives before it reads the request's body (auth, admission, size, disk).
_BODY_LEFT_UNREAD = {401, 403, 408, 413, 429, 503}


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length", "0")
    return length != "0" or "transfer-encoding" in request.headers


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """The app on ``db`` (opened from the settings and migrated to the newest schema when
    None). Raises sync.central.db.DatabaseError when the database cannot be used."""
    db = db or open_database(settings.database_url, settings.database.pool_size)
    hash_pool = HashPool(settings.login.hash_workers, settings.login.hash_queue)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each process sends alerts from the shared outbox; rows are claimed, so several
        # processes never send one twice (sync.central.alert_worker).
        # So does the monthly report's, which one process of several sends (a row claimed
        # in scheduled_sends: sync.central.monthly_send).
        workers: list[AlertWorker | MonthlyWorker] = []
        if settings.alerts.enabled and settings.alerts.channels():
            workers.append(AlertWorker(db, settings))
        if settings.reports.enabled:
            workers.append(MonthlyWorker(db, settings))
        for worker in workers:
            worker.start()
        yield
        for worker in workers:
            worker.stop()
        hash_pool.close()

    app = FastAPI(
        title="Counter satisfaction central",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    # What ingest queues for alerts, in the ratings' transaction; None: alerts are off.
    app.state.alert_rules = AlertRules.of(settings) if settings.alerts.enabled else None
    # What ingest takes (filing.py): the settings' rules, made once.
    app.state.filing_rules = FilingRules.of(settings)
    app.state.session_key = shared_secret(db, SESSION_KEY)
    app.state.hash_pool = hash_pool
    app.state.readiness = Readiness(db, settings.storage.min_free_mb)
    # Batches being taken, per counter (api.py).
    app.state.batches_in_progress = collections.Counter()
    app.include_router(api.router)
    app.include_router(dashboard.router)
    app.include_router(dashboard_reasons.router)
    app.include_router(phone_page.router)
    app.include_router(officer_api.router)
    app.include_router(api_published.router)
    app.include_router(dashboard_published.router)
    app.include_router(alert_feed.router)
    openapi.install(app)
    app.add_middleware(LastResort)
    # Cross-site forms refused, framing and sniffing forbidden, a CSP on every answer.
    app.add_middleware(RequestGuard)
    # Added after the last resort, so outside it: even its 500 carries the central's mark.
    app.add_middleware(ProtocolMarker)
    # Outermost: a request past the central's capacity is refused before anything else
    # (its refusal carries the mark itself).
    server = settings.server
    app.add_middleware(
        Admission,
        caps=Caps(
            in_flight=server.max_requests_in_flight,
            per_address=server.max_requests_per_address,
            per_client=server.max_requests_per_client,
        ),
        uncapped=tuple(server.trusted_proxies),
        streams=(alert_feed.STREAM_PATH,),
    )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        headers = exc.headers
        if exc.status in _BODY_LEFT_UNREAD and _has_body(request):
            # Refused before its body was read: closing the connection stops the client's
            # upload, which uvicorn would otherwise read to the end to keep it alive.
            headers = {**headers, "Connection": "close"}
        return error_response(exc.status, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        return error_response(422, problems)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InternalError)
    async def _database_down(request: Request, exc: OperationalError | InternalError) -> Response:
        # The kiosk retries 503 with backoff; its ratings are safe in its own store.
        # InternalError: PostgreSQL in a state that refuses writes (read-only, recovery).
        log.error("database error: %s", str(exc.orig).splitlines()[0] if exc.orig else exc)
        lang = scope_language(request.scope)
        message = "database unavailable, try again"
        if lang != "en":
            message = t("error_database", lang)
        return error_response(503, message, {"Retry-After": "5"})

    @app.get("/healthz", include_in_schema=False)
    async def _health() -> Response:
        # 200 only when a rating could be stored now (readiness.py).
        problem = await run_in_threadpool(app.state.readiness.problem)
        if problem:
            log.warning("health check: %s", problem)
            return JSONResponse(
                {"status": "unavailable", "detail": problem},
                status_code=503,
                headers={"Retry-After": "30"},
            )
        return JSONResponse({"status": "ok"})

    return app
