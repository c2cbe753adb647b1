"""The one-time "rate later from your phone" link, made by a kiosk and read by the central.

A kiosk may make the link while its network is down, so the link carries everything the
central needs and proves itself: a compact payload (counter, officer, ticket, issued time,
a random nonce) and an HMAC of it. The HMAC key is the sha256 of the counter's token: the
kiosk holds the token, the central stores exactly that hash, so both ends know the key
without any exchange. Limits (docs/protocol.md): a new token for the counter makes its
older links invalid; whoever can read the central's ``counters`` table could make links
(as they could insert ratings anyway).

Payload bytes: version (1), issued time (4, Unix seconds, big-endian), nonce (10), then
``counter \\x1f officer \\x1f ticket`` in UTF-8; a 12-byte HMAC-SHA256 follows. All of it
base64url without padding: about 65 characters, a small QR code.

No FastAPI, no Kivy: both ends import this.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sync.protocol import canonical_code

VERSION = 1
PATH_PREFIX = "/r/"  # the citizen's page: short, so the QR code stays small
NONCE_BYTES = 10
MAC_BYTES = 12  # 96 bits: guessing a valid one takes ~2**95 requests on average
_SEPARATOR = "\x1f"
_HEAD = struct.Struct(">BI")
_CONTEXT = b"counter-kiosk phone link v1\x00"  # this key signs nothing else
# The namespace of phone ratings' ids: uuid5(namespace, counter:nonce). Fixed forever.
RATING_NAMESPACE = uuid.UUID("6f1c1b52-7d0e-4f5e-9d7a-0c4e3a1b2d55")
MAX_TEXT = 200


class BadLink(ValueError):
    """The link is not one a kiosk of this center made (cut, altered, or another key)."""


@dataclass(frozen=True)
class LinkPayload:
    counter: str
    officer: str
    ticket: str
    issued_at: datetime  # UTC, whole seconds
    nonce: bytes

    def rating_id(self, tz: tzinfo) -> str:
        """The phone rating's id, one per turn: a link with a ticket rates that ticket's turn
        at this counter on the local day (``tz``) it was made, so that every link of that
        turn makes the same rating (the first submitted counts, the others are "used"); a
        link without a ticket rates the one kiosk rating it was made for (its nonce)."""
        if self.ticket:
            day = self.issued_at.astimezone(tz).date().isoformat()
            turn = f"{self.counter}:ticket:{day}:{self.ticket}"
        else:
            turn = f"{self.counter}:{self.nonce.hex()}"
        return str(uuid.uuid5(RATING_NAMESPACE, turn))


def link_key(token: str) -> bytes:
    """The HMAC key of a counter: sha256 of its token (the central keeps this hash)."""
    return hashlib.sha256(token.encode()).digest()


def key_from_hash(token_hash_hex: str) -> bytes:
    return bytes.fromhex(token_hash_hex)


def make_code(
    key: bytes,
    counter: str,
    officer: str,
    ticket: str | None,
    issued_at: datetime,
    nonce: bytes | None = None,
) -> str:
    """The signed code that follows ``/r/`` in the link."""
    nonce = nonce if nonce is not None else secrets.token_bytes(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ValueError(f"nonce must be {NONCE_BYTES} bytes")
    seconds = int(issued_at.astimezone(UTC).timestamp())
    text = _SEPARATOR.join((canonical_code(counter), canonical_code(officer), ticket or ""))
    payload = _HEAD.pack(VERSION, seconds) + nonce + text.encode("utf-8")
    return _b64(payload + _mac(key, payload))


def make_link(base_url: str, key: bytes, **fields: object) -> str:
    return base_url.rstrip("/") + PATH_PREFIX + make_code(key, **fields)  # type: ignore[arg-type]


def read_code(code: str) -> LinkPayload:
    """The payload of ``code``, unverified (the central then finds the counter's key);
    BadLink when it cannot be a link at all."""
    raw = _unb64(code)
    head = _HEAD.size + NONCE_BYTES
    if len(raw) < head + MAC_BYTES + 3 or len(raw) > head + MAC_BYTES + 3 * MAX_TEXT:
        raise BadLink("wrong length")
    version, seconds = _HEAD.unpack_from(raw)
    if version != VERSION:
        raise BadLink(f"unknown version {version}")
    try:
        text = raw[head:-MAC_BYTES].decode("utf-8")
    except UnicodeDecodeError:
        raise BadLink("not UTF-8") from None
    parts = text.split(_SEPARATOR)
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise BadLink("fields missing")
    return LinkPayload(
        counter=parts[0],
        officer=parts[1],
        ticket=parts[2],
        issued_at=datetime.fromtimestamp(seconds, UTC),
        nonce=raw[_HEAD.size : head],
    )


def verify_code(code: str, key: bytes) -> LinkPayload:
    """The payload of ``code`` when ``key`` signed it; BadLink otherwise."""
    payload = read_code(code)
    raw = _unb64(code)
    if not hmac.compare_digest(raw[-MAC_BYTES:], _mac(key, raw[:-MAC_BYTES])):
        raise BadLink("signature does not match")
    return payload


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()[:MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(code: str) -> bytes:
    if not code or len(code) > 1000 or not code.isascii():
        raise BadLink("not a link code")
    try:
        return base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
    except (binascii.Error, ValueError):
        raise BadLink("not base64url") from None
