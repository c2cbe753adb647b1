"""Secrets of the central: counter tokens, admin passwords and API tokens, session cookies.

Tokens are 32 random bytes, so a fast sha256 is the right hash: nothing to brute-force.
Passwords and PINs are low-entropy and get scrypt in the kiosk's format
``scrypt$N$r$p$<salt b64>$<hash b64>``. Comparisons are constant-time; no secret is logged.
A session cookie is ``username.expiry.signature`` (HMAC-SHA256 with a key kept in the
database, so every central process accepts every other's cookies).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from sqlalchemy import select

from kiosk.pins import hash_pin, verify_pin
from sync.central.db import Database
from sync.central.models import admins, counters
from sync.protocol import text_problem

# Roster PINs must verify on the kiosk, so the central hashes with the kiosk's own code;
# admin passwords use the same scheme. The names stay for the central's callers.
scrypt_hash = hash_pin
scrypt_verify = verify_pin


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def counter_for_token(db: Database, token: str) -> str | None:
    """The counter id this token belongs to, or None for an unknown token."""
    wanted = token_hash(token)
    with db.read() as connection:
        row = connection.execute(
            select(counters.c.id, counters.c.token_hash).where(counters.c.token_hash == wanted)
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return row.id


def admin_for_token(db: Database, token: str) -> str | None:
    wanted = token_hash(token)
    with db.read() as connection:
        row = connection.execute(
            select(admins.c.username, admins.c.token_hash).where(admins.c.token_hash == wanted)
        ).first()
    if row is None or not hmac.compare_digest(row.token_hash, wanted):
        return None
    return row.username


def check_password(db: Database, username: str, password: str) -> bool:
    # A NUL (PostgreSQL refuses it) or a lone surrogate (no UTF-8 form) is no one's
    # name or password: refused like any wrong login, never asked of the database.
    storable = text_problem(username) is None and text_problem(password) is None
    stored = None
    if storable:
        with db.read() as connection:
            stored = connection.scalar(
                select(admins.c.password_hash).where(admins.c.username == username)
            )
    if stored is None:
        # Spend the same time as a real check, so a login does not reveal who exists.
        scrypt_verify(password if storable else "-", scrypt_hash("-"))
        return False
    return scrypt_verify(password, stored)


def sign_session(key: str, username: str, lifetime_seconds: float) -> str:
    expiry = int(time.time() + lifetime_seconds)
    payload = f"{_b64url(username.encode())}.{expiry}"
    return f"{payload}.{_signature(key, payload)}"


def verify_session(key: str, cookie: str | None) -> str | None:
    """The username of a valid, unexpired cookie, else None."""
    if not cookie or cookie.count(".") != 2:
        return None
    encoded, expiry, signature = cookie.split(".")
    # As bytes: compare_digest refuses str with non-ASCII, and a cookie may hold anything.
    expected = _signature(key, f"{encoded}.{expiry}").encode()
    if not hmac.compare_digest(signature.encode("utf-8", "backslashreplace"), expected):
        return None
    try:
        if int(expiry) < time.time():
            return None
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def _signature(key: str, payload: str) -> str:
    digest = hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest()
    return _b64url(digest)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")
