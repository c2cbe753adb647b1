"""A fault-injecting HTTP proxy on 127.0.0.1, between a kiosk and the real central.

Each request takes the next fault from a plan (or the default): pass it through, answer
an error status itself, answer 429 with Retry-After, hang past the client's timeout,
reset the connection before forwarding, or forward and then reset the connection so the
response is lost after the central committed. "Down" resets every connection.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

PASS = "pass"
RESET = "reset"  # connection reset before the central sees the request
LOSE_RESPONSE = "lose_response"  # the central commits; the kiosk never hears back
HANG = "hang"  # no answer until the client's read timeout fires


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


@dataclass(frozen=True)
class Reply:
    """An answer the proxy writes itself; ``declared`` > len(body) cuts the body short."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared: int | None = None


# Looks at (method, path, body) before any fault: a Reply to answer, or None to go on.
Intercept = Callable[[str, str, bytes], "Reply | None"]


def status(code: int, retry_after: int | None = None) -> str:
    return f"status:{code}:{'' if retry_after is None else retry_after}"


class FaultProxy:
    def __init__(self, upstream: str, hang_seconds: float = 3.0):
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.hang_seconds = hang_seconds
        self.plan: deque[str] = deque()
        self.default = PASS
        self.down = False
        self.seen: Counter[str] = Counter()
        self.intercept: Intercept | None = None
        # Draws the fault of each request when the plan is empty (a seeded chaos mix).
        self.pick: Callable[[], str] | None = None
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def point_at(self, upstream: str) -> None:
        """Forward to another central from the next request on (it restarted elsewhere)."""
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_fault(self) -> str:
        with self._lock:
            if self.down:
                fault = RESET
            else:
                fault = (
                    self.plan.popleft() if self.plan else self.pick() if self.pick else self.default
                )
            self.seen[fault.split(":")[0] if fault.startswith("status") else fault] += 1
            return fault

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        reply = self.intercept(handler.command, handler.path, body) if self.intercept else None
        if reply is not None:
            self.seen["intercepted"] += 1
            _answer(handler, reply.status, reply.body, reply.headers, reply.declared)
            return
        fault = self.next_fault()
        if fault == RESET:
            _reset(handler)
            return
        if fault == HANG:
            time.sleep(self.hang_seconds)
            _reset(handler)
            return
        if fault.startswith("status:"):
            _, code, retry_after = fault.split(":")
            headers = {"Retry-After": retry_after} if retry_after else {}
            _answer(handler, int(code), b'{"detail": "injected fault"}', headers)
            return
        code, payload, headers = self._forward(handler, body)
        if fault == LOSE_RESPONSE:
            _reset(handler)
            return
        _answer(handler, code, payload, headers)

    def _forward(
        self, handler: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            headers = {
                key: value
                for key, value in handler.headers.items()
                if key.lower() not in ("host", "connection", "content-length")
            }
            connection.request(handler.command, handler.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            # As a reverse proxy does: every end-to-end header, the central's mark included.
            passed = {
                key: value for key, value in response.getheaders() if key.lower() not in HOP_BY_HOP
            }
            return response.status, payload, passed
        finally:
            connection.close()


def _answer(
    handler: BaseHTTPRequestHandler,
    code: int,
    payload: bytes,
    headers: dict[str, str],
    declared: int | None = None,
) -> None:
    handler.send_response(code)
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(declared or len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
    if declared and declared > len(payload):  # a body cut short, as by a dying proxy
        handler.wfile.flush()
        _reset(handler)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close with RST (linger 0), as a dropped NAT entry or a crashed proxy would."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()
    except OSError:
        pass
