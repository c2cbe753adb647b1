"""The local SQLite database: engine with durable PRAGMAs, integrity check, migrations.

Every connection runs in WAL mode with ``synchronous=FULL``, so a committed rating
survives a power cut. Write transactions start with ``BEGIN IMMEDIATE``: the write lock
is taken up front, so two writers (the kiosk and ``kioskctl``) wait for each other
instead of failing half-way. A database that is damaged (fails ``PRAGMA quick_check``,
or is not a database at all) is moved aside at start, kept, and replaced by a new one
whose ``seq`` continues above the old one's; the event is logged for ``kioskctl status``.
A database that cannot be opened for any other reason (permissions, a lock held by
another process, a read-only or full disk) is left exactly as it is: ``StoreError`` says
why (see ``kiosk.dbproblems``), since moving it would mend nothing and strand its ratings.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kiosk import dbproblems, dbtypes, resources, salvage
from kiosk.migrations import HEAD
from kiosk.models import Event, utcnow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
# The write-ahead log may grow while a reader holds an old snapshot (a long export, a
# backup); SQLite then reuses the file but never shrinks it. With this limit every
# checkpoint that empties the log also cuts the file back, so a burst never keeps a small
# disk full (tests/kiosk/test_wal_size.py).
WAL_LIMIT_BYTES = 4 * 1024 * 1024
# Set on every connection, by the engine and by the rating write path alike.
PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=FULL",
    "foreign_keys=ON",
    f"busy_timeout={BUSY_TIMEOUT_MS}",
    f"journal_size_limit={WAL_LIMIT_BYTES}",
)
MIGRATIONS = resources.kiosk_migrations()


class StoreError(Exception):
    """The database cannot be opened or upgraded; the message says why."""


class NoDatabase(StoreError):
    """A command that only reads was pointed at a folder with no database: making an empty
    one there would only hide a wrong data folder behind zero ratings."""

    def __init__(self, path: Path):
        super().__init__(
            f"no kiosk database in {path.parent}: run `kioskctl init` first,"
            " or check KIOSK__STORAGE__DATA_DIR / [storage] data_dir"
        )
        self.path = path


class Store:
    """An open local database. Use :meth:`read` for queries and :meth:`write` for changes."""

    def __init__(self, engine: Engine, path: Path, set_aside: Path | None = None):
        self.engine = engine
        self.path = path
        self.set_aside = set_aside
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one ``BEGIN IMMEDIATE`` transaction, committed when the block ends."""
        with self._sessions() as session:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def log_event(self, kind: str, detail: str) -> None:
        log.warning("%s: %s", kind, detail)
        with self.write() as session:
            session.add(Event(at=utcnow(), kind=kind, detail=detail))

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path, *, create: bool = True) -> Store:
    """Check, set aside if damaged, migrate to the newest schema, and open.

    ``create=False`` (commands that only read) raises :class:`NoDatabase` rather than make
    the folder and an empty database where there is none.
    """
    if not create and not path.is_file():
        raise NoDatabase(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(dbproblems.explain(exc, path.parent, "create data folder")) from None
    set_aside = set_aside_if_corrupt(path)
    engine = make_engine(path)
    try:
        migrate(engine)
        if set_aside:
            # The center has seen the old file's seqs: the new file must not hand them out.
            with engine.begin() as connection:
                raise_rating_sequence(connection, salvage.highest_seq(set_aside))
    except Exception as exc:
        engine.dispose()
        if dbproblems.is_environment(exc):
            raise StoreError(dbproblems.explain(exc, path, "open")) from None
        raise StoreError(f"cannot upgrade database {path}: {exc}") from exc
    store = Store(engine, path, set_aside)
    if set_aside:
        store.log_event(
            "db_corrupt",
            f"database failed its integrity check; moved to {set_aside} and a new one was"
            f" made; bring back its unsent ratings with: kioskctl recover {set_aside}",
        )
    return store


def raise_rating_sequence(connection: Connection | Session, floor: int) -> None:
    """Make the next rating's seq larger than ``floor`` (ratings.seq is AUTOINCREMENT),
    inside the caller's transaction."""
    connection.execute(
        text("UPDATE sqlite_sequence SET seq = :floor WHERE name = 'ratings' AND seq < :floor"),
        {"floor": floor},
    )
    connection.execute(
        text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'ratings', :floor"
            " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'ratings')"
        ),
        {"floor": floor},
    )


def make_engine(path: Path) -> Engine:
    return dbtypes.sqlite_engine(f"sqlite:///{path}", PRAGMAS, BUSY_TIMEOUT_MS / 1000)


def apply_pragmas(connection: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        connection.execute(f"PRAGMA {pragma}")


def connect_raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the store's PRAGMAs, in autocommit mode: the
    caller issues BEGIN IMMEDIATE / COMMIT itself."""
    connection = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    apply_pragmas(connection)
    return connection


def set_aside_if_corrupt(path: Path) -> Path | None:
    """Move a damaged database (and its WAL) aside; return where to. Raises StoreError,
    and moves nothing, when the file cannot be checked for another reason."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    problem = integrity_problem(path)
    if problem is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while target.exists():  # two in one second must not overwrite the first
        number += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    try:
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{path}{suffix}")
            if source.exists():
                source.rename(Path(f"{target}{suffix}"))
    except OSError as exc:
        raise StoreError(dbproblems.explain(exc, path, "set aside damaged database")) from None
    log.error("database %s is damaged (%s); moved to %s", path, problem, target)
    return target


def integrity_problem(path: Path) -> str | None:
    """None when SQLite's quick_check passes; what is wrong when the file is damaged.

    Damaged means quick_check reports problems, or SQLite says the file is corrupt or not
    a database. Anything else that stops the check (permissions, a lock held by another
    process, a read-only or full disk) raises StoreError naming the cause.
    """
    try:
        connection = salvage.connect_read_only(path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = connection.execute("PRAGMA quick_check").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        if dbproblems.is_damage(exc):
            return str(exc)
        raise StoreError(dbproblems.explain(exc, path, "open")) from None
    if rows == [("ok",)]:
        return None
    return "; ".join(str(row[0]) for row in rows[:5])


def _alembic_config():
    return dbtypes.alembic_config(MIGRATIONS)


def migrate(engine: Engine) -> None:
    """Upgrade to the newest schema. Alembic is imported only when there is work for it:
    on most starts the database is current, and the touch screen starts faster and
    smaller (about 11 MB) without it."""
    if current_revision(engine) == HEAD:
        return
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        ).first()
        if not exists:
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def schema_revision(engine: Engine) -> tuple[str | None, str]:
    """(revision of the database, newest revision this code knows)."""
    return dbtypes.schema_revision(engine, MIGRATIONS)
