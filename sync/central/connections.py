"""Connections that cannot be held open for nothing: uvicorn's h11 protocol with a header
read time-out.

uvicorn closes an idle keep-alive connection only with a timer armed after a response, and
cancels that timer on the first byte received. So a client that connects and sends nothing,
or sends a request's headers one byte at a time (slow-loris), or sends one byte after a
response, keeps its connection (and a file descriptor) for ever. Here a timer runs from the
moment a connection opens, and again from the first byte after each response, until a
request's headers are complete; when it fires, the connection is closed. A trickle of bytes
never extends it. Bodies have their own limit (api._read_body: 408).
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn import Config
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)


DEFAULT_HEADER_TIMEOUT = 10.0


class HeaderTimeoutH11Protocol(H11Protocol):
    """A module-level class (uvicorn's worker processes get it by pickling, i.e. by
    name); the time-out comes from the uvicorn Config it is given (with_header_timeout)."""

    _header_timer: asyncio.TimerHandle | None = None

    @property
    def header_timeout_seconds(self) -> float:
        return getattr(self.config, "header_timeout_seconds", DEFAULT_HEADER_TIMEOUT)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        # The first byte of a next request on a kept-alive connection: its headers are due.
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
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


def with_header_timeout(config: Config, seconds: float) -> Config:
    """``config`` serving with HeaderTimeoutH11Protocol, whose request headers must
    arrive within ``seconds``; the attribute travels with the config to each worker."""
    config.http = HeaderTimeoutH11Protocol
    config.header_timeout_seconds = seconds  # type: ignore[attr-defined]
    return config
