"""Dashboard sessions that the server can end: logout, a new password, a removed admin.

The cookie carries a random session id signed with itsdangerous (the key is kept in the
database, so every central process accepts every other's cookies). The database keeps only
the id's sha256 with the admin and the expiry: a cookie is good while its row exists, and
deleting the row ends the session everywhere at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Connection, delete, select

from sync.central.db import Database
from sync.central.models import admin_sessions, admins, utcnow

_SALT = "central-dashboard-session"


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def _id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(db: Database, key: str, username: str, lifetime_seconds: float) -> str:
    """A new session of ``username``; returns the cookie value."""
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    with db.write() as connection:
        # Expired rows of anyone go with each login: the table stays the size of the live ones.
        connection.execute(delete(admin_sessions).where(admin_sessions.c.expires_at < now))
        connection.execute(
            admin_sessions.insert().values(
                id_hash=_id_hash(session_id),
                username=username,
                created_at=now,
                expires_at=now + timedelta(seconds=lifetime_seconds),
            )
        )
    return _serializer(key).dumps(session_id)


def _session_id(key: str, cookie: str | None, lifetime_seconds: float) -> str | None:
    if not cookie:
        return None
    try:
        value = _serializer(key).loads(cookie, max_age=lifetime_seconds)
    except BadSignature:  # also SignatureExpired
        return None
    return value if isinstance(value, str) else None


def session_admin(
    db: Database, key: str, cookie: str | None, lifetime_seconds: float
) -> str | None:
    """The admin of a live session, else None (bad signature, expired, or ended)."""
    session_id = _session_id(key, cookie, lifetime_seconds)
    if session_id is None:
        return None
    with db.read() as connection:
        # Joined with admins: a session of a removed admin is no session.
        return connection.scalar(
            select(admin_sessions.c.username)
            .join(admins, admins.c.username == admin_sessions.c.username)
            .where(
                admin_sessions.c.id_hash == _id_hash(session_id),
                admin_sessions.c.expires_at > utcnow(),
            )
        )


def end_session(db: Database, key: str, cookie: str | None, lifetime_seconds: float) -> None:
    """Logout: the cookie opens nothing any more, on any central process."""
    session_id = _session_id(key, cookie, lifetime_seconds)
    if session_id is None:
        return
    with db.write() as connection:
        connection.execute(
            delete(admin_sessions).where(admin_sessions.c.id_hash == _id_hash(session_id))
        )


def revoke_admin(connection: Connection, username: str) -> None:
    """End every session of ``username`` and void their API token, in the caller's
    transaction (a new password or a removal: whoever held the old one is out)."""
    connection.execute(delete(admin_sessions).where(admin_sessions.c.username == username))
    connection.execute(admins.update().where(admins.c.username == username).values(token_hash=None))
