"""Counters with their tokens, and center admins with their passwords and API tokens.

A token is shown once, when made, and only its sha256 is kept: a lost token is replaced
(``centralctl counter token``), never recovered.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from kiosk.shipped_secrets import known_password_of
from sync.central.auth import hash_password, new_token, token_hash
from sync.central.db import Database
from sync.central.models import admins, counters, departments, utcnow
from sync.central.sessions import revoke_admin
from sync.protocol import COUNTER_ID, canonical_code

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class AccountError(Exception):
    """The account change cannot be made; the text says why."""


def add_counter(db: Database, counter: str, department: str, since: datetime | None = None) -> str:
    """Register a counter of ``department``; returns its new token (shown once).

    Its ratings may bear times from now on, or from ``since`` (a kiosk that rated on its
    own before it was registered here); older ones are refused (sync.central.filing).
    Both codes are stored canonical (sync.protocol.canonical_code): q07 is counter Q07."""
    counter, department = canonical_code(counter), canonical_code(department)
    if not COUNTER_ID.match(counter):
        raise AccountError(f"counter id {counter!r}: use 1-16 letters, digits, - and _")
    token = new_token()
    with db.write() as connection:
        if (
            connection.scalar(select(departments.c.code).where(departments.c.code == department))
            is None
        ):
            raise AccountError(
                f"department {department} is unknown: add it first with "
                f"`centralctl department add {department} NAME`"
            )
        if connection.scalar(select(counters.c.id).where(counters.c.id == counter)):
            raise AccountError(
                f"counter {counter} exists already; `centralctl counter token {counter}` "
                "gives it a new token"
            )
        now = utcnow()
        connection.execute(
            counters.insert().values(
                id=counter,
                department=department,
                token_hash=token_hash(token),
                created_at=now,
                files_since=min(since, now) if since else now,
            )
        )
    return token


def replace_counter_token(db: Database, counter: str) -> str:
    """A new token for ``counter``; the old one stops working at once."""
    counter = canonical_code(counter)
    token = new_token()
    with db.write() as connection:
        done = connection.execute(
            counters.update().where(counters.c.id == counter).values(token_hash=token_hash(token))
        )
        if done.rowcount == 0:
            raise AccountError(f"counter {counter} is unknown (see `centralctl counter list`)")
    return token


def set_admin(db: Database, username: str, password: str) -> bool:
    """Add an admin, or set a new password; True when the admin is new. A new password
    ends the admin's sessions and voids their API token: whoever knew the old one is out."""
    if not USERNAME.match(username):
        raise AccountError(f"username {username!r}: use 1-64 letters, digits, . _ @ -")
    if len(password) < 8:
        raise AccountError("password: use at least 8 characters")
    hashed = hash_password(password)
    with db.write() as connection:
        exists = connection.scalar(select(admins.c.username).where(admins.c.username == username))
        if exists:
            revoke_admin(connection, username)
            connection.execute(
                admins.update().where(admins.c.username == username).values(password_hash=hashed)
            )
        else:
            connection.execute(
                admins.insert().values(username=username, password_hash=hashed, created_at=utcnow())
            )
    return not exists


def admins_with_shipped_password(db: Database) -> list[str]:
    """The admins whose password is one the product prints (the demo's ``demo-admin``).
    One slow hash per admin (about a third of a second each)."""
    with db.read() as connection:
        rows = connection.execute(select(admins.c.username, admins.c.password_hash)).all()
    return [name for name, stored in rows if known_password_of(stored) is not None]


def remove_admin(db: Database, username: str) -> None:
    """Remove an admin: their sessions end and their API token stops working at once."""
    with db.write() as connection:
        revoke_admin(connection, username)
        done = connection.execute(admins.delete().where(admins.c.username == username))
        if done.rowcount == 0:
            raise AccountError(f"admin {username} is unknown")


def new_admin_token(db: Database, username: str) -> str:
    """A new API token for the JSON report API; replaces the admin's previous one."""
    token = new_token()
    with db.write() as connection:
        done = connection.execute(
            admins.update()
            .where(admins.c.username == username)
            .values(token_hash=token_hash(token))
        )
        if done.rowcount == 0:
            raise AccountError(f"admin {username} is unknown (add it with `centralctl admin add`)")
    return token
