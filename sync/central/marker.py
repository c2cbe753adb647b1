"""Marks every answer of the kiosk API as the central's own (``sync.protocol.PROTOCOL_HEADER``).

A kiosk rejects a rating only on the central's word; a proxy's 404 or 413 page, or a
captive portal's 200, must never look like it. A plain ASGI middleware, not Starlette's
BaseHTTPMiddleware, so the batch path pays nothing but one header.
"""

from __future__ import annotations

from typing import Any

from sync.protocol import API_PREFIX, PROTOCOL_HEADER, SCHEMA_VERSION

MARK = (PROTOCOL_HEADER.lower().encode(), str(SCHEMA_VERSION).encode())


def mark_headers(headers: Any) -> list[tuple[bytes, bytes]]:
    return [*(headers or []), MARK]


class ProtocolMarker:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": mark_headers(message.get("headers"))}
            await send(message)

        await self.app(scope, receive, send_marked)
