"""Connections that cannot be held open for nothing: uvicorn's h11 protocol with a header
read time-out, a cap per client address, and room made for a new connection.

uvicorn closes an idle keep-alive connection only with a timer armed after a response, and
cancels that timer on the first byte received. So a client that connects and sends nothing,
or sends a request's headers one byte at a time (slow-loris), or sends one byte after a
response, keeps its connection (and a file descriptor) for ever. Here a timer runs from the
moment a connection opens, and again from the first byte after each response, until a
request's headers are complete; when it fires, the connection is closed. A trickle of bytes
never extends it. Bodies have their own limit (bodies.read_body: 408).

uvicorn's own ``limit_concurrency``, once that many connections are open, answers every new
request a plain-text 503 without ``Retry-After``: a thousand idle connections from one
machine then keep every kiosk out. Here instead one address may hold only
``max_connections_per_address`` connections (the trusted proxies excepted: nginx caps its
clients), and a connection that would pass ``limit_concurrency`` first closes the one that
has been idle longest; only when every connection is busy is the new one refused, with
the protocol's own 503 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from typing import Any

import h11
from uvicorn import Config
from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.central.admission import refusal_headers

log = logging.getLogger(__name__)


DEFAULT_HEADER_TIMEOUT = 10.0
REFUSAL_RETRY_AFTER = 5


def _refusal(detail: str) -> bytes:
    """A whole HTTP answer, written before any request is read: the kiosk reads the
    marker and Retry-After as the central's own "come back later"."""
    body = json.dumps({"detail": detail}).encode()
    head = [b"HTTP/1.1 503 Service Unavailable"]
    head += [name + b": " + value for name, value in refusal_headers(REFUSAL_RETRY_AFTER)]
    head += [b"content-length: " + str(len(body)).encode(), b"connection: close"]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


class HeaderTimeoutH11Protocol(H11Protocol):
    """A module-level class (uvicorn's worker processes get it by pickling, i.e. by
    name); the time-out comes from the uvicorn Config it is given (with_connection_limits)."""

    _header_timer: asyncio.TimerHandle | None = None
    _address: str | None = None
    _idle_since = 0.0

    @property
    def header_timeout_seconds(self) -> float:
        return getattr(self.config, "header_timeout_seconds", DEFAULT_HEADER_TIMEOUT)

    @property
    def _per_address(self) -> Counter[str]:
        # Shared by every connection of this server (uvicorn's server state is).
        state: Any = self.server_state
        if not hasattr(state, "connections_per_address"):
            state.connections_per_address = Counter()
        return state.connections_per_address

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._idle_since = self.loop.time()
        problem = self._admit()
        if problem:
            log.warning("connection refused: %s", problem)
            transport.write(_refusal(f"connection refused: {problem}; try again shortly"))
            transport.close()
            return
        self._arm_header_timer()

    def _admit(self) -> str | None:
        """Why this new connection cannot be kept, or None (and it is counted)."""
        address = self.client[0] if self.client else ""
        if address not in getattr(self.config, "uncapped_addresses", ()):
            cap = getattr(self.config, "max_connections_per_address", None)
            if cap is not None and self._per_address[address] >= cap:
                return f"{cap} connections from one address are open already"
        limit = getattr(self.config, "connection_limit", None)
        if limit is not None and len(self.connections) > limit and not self._close_idlest():
            return f"{limit} connections are open and busy"
        self._address = address
        self._per_address[address] += 1
        return None

    def _close_idlest(self) -> bool:
        idle = [
            connection
            for connection in self.connections
            if connection is not self
            and isinstance(connection, HeaderTimeoutH11Protocol)
            and connection.conn.their_state is h11.IDLE
            and not connection.transport.is_closing()
        ]
        if not idle:
            return False
        min(idle, key=lambda connection: connection._idle_since).transport.close()
        return True

    def on_response_complete(self) -> None:
        self._idle_since = self.loop.time()
        super().on_response_complete()

    def data_received(self, data: bytes) -> None:
        # The first byte of a next request on a kept-alive connection: its headers are due.
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self._address is not None:
            self._per_address[self._address] -= 1
            if self._per_address[self._address] <= 0:
                del self._per_address[self._address]
            self._address = None
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(
            self.header_timeout_seconds, self._headers_too_slow
        )

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            # No answer: a slow-loris client does not read one, and a real one retries.
            self.transport.close()


def with_connection_limits(
    config: Config,
    header_seconds: float,
    limit: int | None = None,
    per_address: int | None = None,
    uncapped: tuple[str, ...] = (),
) -> Config:
    """``config`` serving with HeaderTimeoutH11Protocol: request headers must arrive within
    ``header_seconds``; at most ``limit`` connections (the idlest closed to make room) and
    ``per_address`` from one address but those ``uncapped``. The attributes travel with
    the config to each worker process."""
    config.http = HeaderTimeoutH11Protocol
    config.header_timeout_seconds = header_seconds  # type: ignore[attr-defined]
    config.connection_limit = limit  # type: ignore[attr-defined]
    config.max_connections_per_address = per_address  # type: ignore[attr-defined]
    config.uncapped_addresses = uncapped  # type: ignore[attr-defined]
    # uvicorn's own limit would answer a plain 503 before these could act.
    config.limit_concurrency = None
    return config
