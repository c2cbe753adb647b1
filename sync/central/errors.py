"""How the central answers when a request goes wrong: always ``{"detail": ...}`` JSON.

A request the central refuses gets its 4xx from :class:`ApiError`, raised anywhere in a
route. Whatever else escapes a route is a bug: :class:`LastResort` logs it with its
traceback under a fresh request id and answers a plain 500 that quotes the id, so the
admin can find the log lines and the client learns nothing of the insides.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from sync.central.i18n import error_language, t
from sync.central.logsafe import safe_path

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"


class ApiError(Exception):
    """Turned into ``{"detail": message}`` with ``status`` by the app's handler."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def sendable(text: str) -> str:
    """``text`` with anything UTF-8 cannot carry (a lone surrogate echoed from the request)
    written as an escape: an error message must never fail to be sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"detail": sendable(message)}, status_code=status, headers=headers)


class LastResort:
    """ASGI middleware: an exception no handler took becomes a logged 500 with an id."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except ClientDisconnect:
            log.info("client left before its request was read: %r", _logged_path(scope))
        except Exception:
            request_id = uuid.uuid4().hex
            # %r: the path comes from the client and may hold line breaks.
            log.exception(
                "request %s failed: %s %r", request_id, scope.get("method"), _logged_path(scope)
            )
            if started:
                return  # half an answer is out; the log holds the rest
            lang = scope_language(scope)
            if lang == "en":
                detail = f"internal error, request id {request_id}"
            else:
                detail = t("error_internal", lang, request_id=request_id)
            response = JSONResponse(
                {"detail": detail, "request_id": request_id},
                status_code=500,
                headers={REQUEST_ID_HEADER: request_id},
            )
            await response(scope, receive, send)


def _logged_path(scope: dict[str, Any]) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return safe_path(str(scope.get("path", "")), query)


def scope_language(scope: dict[str, Any]) -> str:
    """The language to tell this request's sender what went wrong in (error_language)."""
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return error_language(
        headers.get("authorization"),
        # Only the dashboard sets a cookie: a request that carries one comes from its reader.
        bool(headers.get("cookie")),
        (query.get("lang") or [None])[0],
        headers.get("accept-language"),
    )
