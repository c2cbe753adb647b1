"""Who is let in to be served now: past its capacity the central answers at once.

A request the central cannot serve soon is better refused in a millisecond with a
``Retry-After`` than answered after seconds: the kiosk keeps its ratings, backs off and
comes back (sync.backoff), while the requests that were let in are served quickly. Three
caps, each counted over the requests being served right now by this process:

- all requests: ``[server] max_requests_in_flight``; more are answered 503;
- one client address: ``[server] max_requests_per_address`` (a commune's kiosks behind one
  NAT still fit); more are answered 429;
- one client: one credential (a counter token, an admin token, a dashboard session)
  from wherever it comes, or an address without one: ``[server] max_requests_per_client``;
  more are answered 429.

So one counter's token, or one machine on the LAN, can keep only a few requests of its
own in the central at once, however many it sends, and the others' requests still get in.
The address is the one uvicorn resolved (X-Forwarded-For only from the trusted proxies);
the trusted proxies' own address is not capped per address (behind nginx each request
comes with its client's address, which is; from the central's own machine it is that
machine), though its clients' credentials still are.

A stream that stays open (the dashboard's live alerts) counts towards its client's caps but
not the process's: it waits, it does not work.

A plain ASGI middleware: the count costs a dictionary update per request, and the refusal
is written before any route, body or database is touched.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sync.central.errors import scope_language
from sync.central.i18n import t
from sync.protocol import PROTOCOL_HEADER, SCHEMA_VERSION

# Retry-After is drawn from this range, so refused kiosks come back spread out, not at
# once (a fixed value would bring the whole crowd back in the same second).
RETRY_AFTER_SECONDS = (2, 10)


@dataclass(frozen=True)
class Caps:
    in_flight: int
    per_address: int
    per_client: int


def refusal_headers(retry_after: int) -> list[tuple[bytes, bytes]]:
    """Headers of a refusal the kiosk reads as the central's own: marker and Retry-After."""
    return [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"retry-after", str(retry_after).encode()),
        (PROTOCOL_HEADER.lower().encode(), str(SCHEMA_VERSION).encode()),
    ]


def refusal_body(status: int, retry_after: int, lang: str = "en") -> bytes:
    """The refusal's words, in the language of whoever sent the request (errors.py)."""
    if status == 503:
        detail = t("error_busy", lang, seconds=retry_after)
    else:
        detail = t("error_too_many_at_once", lang, seconds=retry_after)
    return json.dumps({"detail": detail}, ensure_ascii=False).encode()


def _credential(headers: list[tuple[bytes, bytes]]) -> bytes:
    """A short digest of what says who the client is (never kept, never logged)."""
    for name, value in headers:
        if name in (b"authorization", b"cookie"):
            return b"credential:" + hashlib.blake2b(value, digest_size=8).digest()
    return b""


class Admission:
    """ASGI middleware that refuses, at once, the requests past the caps."""

    def __init__(
        self,
        app: Any,
        caps: Caps,
        uncapped: tuple[str, ...] = (),
        streams: tuple[str, ...] = (),
        draw: Callable[[int, int], int] = random.randint,
    ):
        self.app = app
        self.caps = caps
        self.uncapped = frozenset(uncapped)
        self.streams = streams
        self.draw = draw
        self.in_flight = 0
        self.per_address: Counter[str] = Counter()
        self.per_client: Counter[bytes] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("", 0))[0]
        # A stolen token used from a hundred addresses is still one client.
        client = _credential(scope.get("headers", [])) or address.encode()
        working = scope["path"] not in self.streams
        status = self._refusal(address, client, working)
        if status:
            await self._refuse(status, scope_language(scope), send)
            return
        self.in_flight += working
        self.per_address[address] += 1
        self.per_client[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= working
            _decrement(self.per_address, address)
            _decrement(self.per_client, client)

    def _refusal(self, address: str, client: bytes, working: bool) -> int:
        if working and self.in_flight >= self.caps.in_flight:
            return 503
        if address not in self.uncapped and self.per_address[address] >= self.caps.per_address:
            return 429
        # Without a credential the client is its address, and the uncapped one is not.
        if address in self.uncapped and client == address.encode():
            return 0
        if self.per_client[client] >= self.caps.per_client:
            return 429
        return 0

    async def _refuse(self, status: int, lang: str, send: Any) -> None:
        retry_after = self.draw(*RETRY_AFTER_SECONDS)
        body = refusal_body(status, retry_after, lang)
        headers = [
            *refusal_headers(retry_after),
            (b"content-length", str(len(body)).encode()),
            # The request's body, if any, is not read: closing stops the client's upload.
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _decrement(counts: Counter[Any], key: Any) -> None:
    # Keys of clients that left are dropped, so the counters never grow with addresses.
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]
