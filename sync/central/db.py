"""The central's database: engine for SQLite (WAL) or PostgreSQL, migrations, transactions.

SQLite is the default for a single center machine: WAL, ``synchronous=FULL``, and write
transactions that start with ``BEGIN IMMEDIATE`` so concurrent requests wait for the write
lock instead of failing half-way. PostgreSQL (``postgresql+psycopg://``) lets several
central processes share one database; the process itself keeps no state.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from kiosk import dbtypes, resources
from sync.central.models import central_state

MIGRATIONS = resources.central_migrations()
BUSY_TIMEOUT_MS = 30_000
_MIGRATION_LOCK = 0x6B696F736B  # any constant shared by every central process
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=FULL",
    "foreign_keys=ON",
    f"busy_timeout={BUSY_TIMEOUT_MS}",
)


class DatabaseError(Exception):
    """The database cannot be reached, created or upgraded; the message says why."""


class Database:
    """An open central database. ``read()`` for queries, ``write()`` for one transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction, committed when the block ends (BEGIN IMMEDIATE on SQLite)."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    def close(self) -> None:
        self.engine.dispose()


def make_engine(url: str, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create folder {Path(path).parent}: {exc}") from None
        return dbtypes.sqlite_engine(url, SQLITE_PRAGMAS, BUSY_TIMEOUT_MS / 1000)
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it is already there)."""
    from alembic import command  # loaded when used: commands that do not migrate start faster

    config = dbtypes.alembic_config(MIGRATIONS)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two central processes starting at once: one migrates, the other waits for it.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """(revision of the database, newest revision this code knows)."""
    return dbtypes.schema_revision(engine, MIGRATIONS)


def open_database(url: str, pool_size: int = 5, upgrade: bool = True) -> Database:
    """Connect, migrate when ``upgrade``, and check the schema is current."""
    engine = make_engine(url, pool_size)
    try:
        if upgrade:
            migrate(engine)
        current, head = schema_revision(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        raise DatabaseError(f"database {engine.url.render_as_string()}: {reason}") from None
    if current != head:
        engine.dispose()
        raise DatabaseError(
            f"database schema is at {current or 'nothing'}, this code needs {head}: "
            "run `centralctl init`"
        )
    return Database(engine)


def shared_secret(db: Database, key: str) -> str:
    """A random secret stored once in the database, the same for every central process."""
    with db.read() as connection:
        value = connection.scalar(select(central_state.c.value).where(central_state.c.key == key))
    if value:
        return value
    with db.write() as connection:
        # Two processes starting at once: the first insert wins, both read the winner.
        connection.execute(
            dialect_insert(connection)(central_state)
            .values(key=key, value=secrets.token_urlsafe(32))
            .on_conflict_do_nothing()
        )
        return connection.scalar(select(central_state.c.value).where(central_state.c.key == key))


def dialect_insert(connection: Connection) -> Callable[..., Any]:
    """The INSERT of this database, the one with ``on_conflict_do_nothing`` / ``_do_update``."""
    return postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
