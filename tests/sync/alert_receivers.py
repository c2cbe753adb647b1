"""Real receivers of the central's alerts on 127.0.0.1: an HTTP server that takes webhook
POSTs (answering the statuses a test scripts, then 200), and an SMTP server (aiosmtpd)
that keeps every mail. Both record what came, for the test to wait on and read."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from aiosmtpd.controller import Controller

T = TypeVar("T")


def wait_for(found: Callable[[], T], timeout: float = 90, what: str = "it") -> T:
    """Poll ``found`` until it returns something true; fail after ``timeout`` seconds
    (generous: the machine may be loaded; the central promises a minute)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come within {timeout:.0f} s")


class Webhook:
    """``url`` takes POSTs; ``bodies`` holds the JSON of each, ``answered`` the status given.
    ``statuses``: the answers to give first, in order (e.g. [500]); then 200."""

    def __init__(self, statuses: list[int] | None = None):
        self.bodies: list[dict[str, Any]] = []
        self.answered: list[int] = []
        self.statuses = list(statuses or [])
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                with hook._lock:
                    status = hook.statuses.pop(0) if hook.statuses else 200
                    hook.bodies.append(body)
                    hook.answered.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def delivered(self) -> list[dict[str, Any]]:
        """The bodies answered with 2xx: what a chat would show."""
        with self._lock:
            return [b for b, s in zip(self.bodies, self.answered, strict=True) if s < 300]

    @contextmanager
    def running(self) -> Iterator[Webhook]:
        self._thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


class _Keep:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, _Keep]]:
    """An SMTP server on 127.0.0.1 and a free port: (port, the kept mails)."""
    keep = _Keep()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, keep
    finally:
        controller.stop()
