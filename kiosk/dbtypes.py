"""Database plumbing the kiosk's store and the central's database share.

UTC-aware timestamps (stored without a zone), a SQLite engine that sets PRAGMAs on every
connection and lets each transaction choose its BEGIN mode, and the Alembic revision check.
Each side passes its own PRAGMAs and migrations folder. Imports nothing else from
``kiosk``, so the central can use it without the kiosk app.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, DateTime, Engine, TypeDecorator, create_engine, event


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store UTC-aware times only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def sqlite_engine(url: str, pragmas: Sequence[str], timeout_seconds: float) -> Engine:
    """An engine whose connections run ``PRAGMA <each>`` and begin with the mode in the
    ``sqlite_begin`` execution option (DEFERRED unless a writer asks for IMMEDIATE)."""
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": timeout_seconds}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        for pragma in pragmas:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def alembic_config(migrations: Path):
    """Alembic's config for a migrations folder; Alembic is imported here, on demand,
    because a process that finds its schema current never needs it."""
    from alembic.config import Config as AlembicConfig

    # Resolved from the package, so migrations run the same from a checkout or a wheel.
    config = AlembicConfig()
    config.set_main_option("script_location", str(migrations))
    return config


def schema_revision(engine: Engine, migrations: Path) -> tuple[str | None, str]:
    """(revision of the database, newest revision in ``migrations``)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(migrations)).get_current_head() or ""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head
