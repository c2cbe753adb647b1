"""Secrets of the central: counter tokens, admin passwords and API tokens, session cookies.

Tokens are 32 random bytes, so a fast sha256 is the right hash: nothing to brute-force.
Passwords and PINs are low-entropy and get scrypt in the kiosk's format
``scrypt$N$r$p$<salt b64>$<hash b64>``. Comparisons are constant-time; no secret is logged.
Admin passwords use OWASP's minimum cost for scrypt (N=2^17, r=8, p=1: 128 MiB, about a
second here); officer PINs keep the kiosk's cost (kiosk.pins), because the kiosk verifies
them offline on its small CPU at every login. Sessions are in sessions.py.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets

from sqlalchemy import select

from kiosk.pins import hash_pin, verify_pin
from sync.central.db import Database
from sync.central.models import admins, counters
from sync.protocol import text_problem

# Roster PINs must verify on the kiosk, so the central hashes them with the kiosk's own
# code and cost. Admin passwords share the format (verify_pin reads N, r, p from the hash).
scrypt_hash = hash_pin
scrypt_verify = verify_pin

# OWASP Password Storage Cheat Sheet, scrypt minimum. 128 * r * N = 128 MiB per hash.
PASSWORD_N, PASSWORD_R, PASSWORD_P = 2**17, 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024


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


def hash_password(password: str) -> str:
    """An admin password's hash, at OWASP's minimum scrypt cost for passwords."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(),
        salt=salt,
        n=PASSWORD_N,
        r=PASSWORD_R,
        p=PASSWORD_P,
        dklen=32,
        maxmem=SCRYPT_MAXMEM,
    )
    return f"scrypt${PASSWORD_N}${PASSWORD_R}${PASSWORD_P}${_b64(salt)}${_b64(digest)}"


def needs_rehash(stored: str) -> bool:
    """True for a hash made at a lower cost than today's (e.g. before OWASP's minimum)."""
    try:
        _scheme, n, r, p, _salt, _digest = stored.split("$")
        return (int(n), int(r), int(p)) < (PASSWORD_N, PASSWORD_R, PASSWORD_P)
    except ValueError:
        return True


@functools.cache
def _dummy_hash() -> str:
    # Made once: an unknown user then costs one scrypt, exactly as a known one does.
    return hash_password(secrets.token_urlsafe(16))


def check_password(db: Database, username: str, password: str) -> bool:
    """True when ``password`` is the admin's; one scrypt of the same cost either way, so a
    login does not reveal who exists. A right password under an old, cheaper hash is
    hashed again at today's cost."""
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
        scrypt_verify(password if storable else "-", _dummy_hash())
        return False
    if not scrypt_verify(password, stored):
        return False
    if needs_rehash(stored):
        with db.write() as connection:
            connection.execute(
                admins.update()
                .where(admins.c.username == username, admins.c.password_hash == stored)
                .values(password_hash=hash_password(password))
            )
    return True


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
