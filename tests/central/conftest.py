"""Fixtures for the central's tests: the real app under uvicorn on 127.0.0.1, on SQLite and
on PostgreSQL.

``database_url`` is parametrized: a fresh SQLite file per test, and a PostgreSQL database
made once per test session (``central_test_<random>``, dropped at the end) whose tables are
emptied before each test. PostgreSQL tests skip when 127.0.0.1:5432 does not answer
(and fail where the run expects PostgreSQL: ``tests/expected.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select, text

from sync.central import accounts, auth, roster
from sync.central.db import Database, open_database
from sync.central.models import officers as officers_table
from sync.central.server import RunningCentral, start_in_thread
from sync.central.settings import DEFAULT_CONFIG, Settings, load_settings
from sync.protocol import BATCH_PATH, SCHEMA_VERSION
from tests import in_process
from tests.expected import unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_UNREACHABLE = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}"
TABLES = (
    "scheduled_sends",
    "alert_deliveries",
    "alert_channels",
    "alerts",
    "daily_counts",
    "ratings",
    "counters",
    "roster_history",
    "officers",
    "departments",
    "admins",
    "admin_sessions",
    "login_failures",
)
REPO = DEFAULT_CONFIG.parent.parent
# The tests' officers have PIN 1234; the shipped minimum (6) is tested on its own.
TEST_PIN_MINIMUM = {"CENTRAL__ROSTER__MIN_PIN_DIGITS": "4"}
# Tests whose data bear fixed days (March 2025, October 2026) run on an archive central
# (the ``archive_central`` fixture): its offline limit reaches back ten years and its
# counters file from ARCHIVE_SINCE, so those days stay valid as time goes on. Every
# other test sees the shipped limits (tests/central/test_filing_rules.py).
ARCHIVE = {"LIMITS__OFFLINE_DAYS": "3660"}
ARCHIVE_SINCE = datetime(2025, 1, 1, tzinfo=UTC)
CENTRALCTL = REPO / ".venv" / "bin" / "centralctl"
SHIPPED_PASSWORD_N = auth.PASSWORD_N


@pytest.fixture(autouse=True)
def no_central_variables_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CENTRAL_CONFIG or CENTRAL__* must not change what the tests see."""
    for name in list(os.environ):
        if name == "CENTRAL_CONFIG" or name.startswith("CENTRAL__"):
            monkeypatch.delenv(name)


@contextlib.contextmanager
def _password_cost(n: int) -> Iterator[None]:
    """Admin passwords hashed at scrypt cost ``n`` meanwhile; the unknown user's stand-in
    hash is made again at that cost, and again after."""
    auth._dummy_hash.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "PASSWORD_N", n)
        yield
    auth._dummy_hash.cache_clear()


@pytest.fixture(autouse=True, scope="module")
def quick_admin_passwords() -> Iterator[None]:
    """Admin passwords at scrypt N=2^14 instead of OWASP's 2^17 (128 MiB, about half a
    second of a core each), as the kiosk tests make their PIN hash once: most tests log in
    without being about hashing, and their logins were minutes of the suite's CPU. Tests
    of the cost itself, of equal timing and of floods ask for ``shipped_password_cost``."""
    with _password_cost(2**14):
        yield


@pytest.fixture
def shipped_password_cost() -> Iterator[None]:
    """Admin passwords hashed at the shipped cost, OWASP's minimum, in this test."""
    with _password_cost(SHIPPED_PASSWORD_N):
        yield


def _postgres_admin_url(database: str = "postgres") -> str:
    return f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{database}"


def _postgres_autocommit(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user="postgres",
        dbname="postgres",
        connect_timeout=3,
        autocommit=True,
    ) as connection:
        connection.execute(sql)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """URL of a PostgreSQL database of this test session, migrated; dropped afterwards."""
    name = f"central_test_{secrets.token_hex(4)}"
    try:
        _postgres_autocommit(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # psycopg.OperationalError and friends: server not there
        unavailable("postgres", f"{PG_UNREACHABLE} ({type(exc).__name__})")
    url = _postgres_admin_url(name)
    open_database(url).close()
    yield url
    _postgres_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    db = open_database(postgres_database, upgrade=False)
    with db.write() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    db.close()
    return postgres_database


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., Settings]:
    """The shipped settings with a test's data dir, database and any other overrides,
    e.g. ``settings_for(url, LIMITS__MAX_BATCH="3")``. The fixtures' officers have 4-digit
    PINs, so the center's minimum is 4 here unless a test sets ROSTER__MIN_PIN_DIGITS."""

    def make(database_url: str, **overrides: str) -> Settings:
        environ = {
            "CENTRAL__STORAGE__DATA_DIR": str(tmp_path / "data"),
            "CENTRAL__DATABASE__URL": database_url,
            **TEST_PIN_MINIMUM,
        }
        environ.update({f"CENTRAL__{key}": value for key, value in overrides.items()})
        return load_settings(DEFAULT_CONFIG, environ=environ)

    return make


@dataclass
class Central:
    """A running central with its database, and the shortcuts most tests need."""

    running: RunningCentral
    db: Database
    settings: Settings
    http: requests.Session = field(default_factory=requests.Session)
    # The day add_counter registers counters as filing from (None: from now on).
    counters_since: datetime | None = None

    @property
    def url(self) -> str:
        return self.running.url

    def add_counter(
        self,
        counter: str = "Q07",
        department: str = "CA",
        officers: tuple[str, ...] = ("CB001",),
        since: datetime | None = None,
    ) -> str:
        """Register a counter (and its department); ``officers`` serve there: those the
        center does not know yet join its roster in that department. Returns the token.
        ``since``: it files ratings from then (default: ``counters_since``, else now)."""
        if department not in {code for code, _name, _n in roster.list_departments(self.db)}:
            roster.add_department(self.db, department, f"Department {department}")
        token = accounts.add_counter(self.db, counter, department, since or self.counters_since)
        with self.db.read() as connection:
            known = set(connection.scalars(select(officers_table.c.code)))
        self.add_officers(department, *(code for code in officers if code not in known))
        return token

    def add_officers(self, department: str, *codes: str, name: str = "Nguyễn Văn A") -> None:
        """Put officers on the center's roster, through its CSV import as an admin would."""
        if not codes:
            return
        lines = ["code,full_name,title,department,pin"]
        lines += [f"{code},{name},,{department},1234" for code in codes]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "officers.csv"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            roster.import_officers(
                self.db, path, min_pin_digits=self.settings.roster.min_pin_digits
            )

    def add_admin(self, username: str = "admin", password: str = "correct horse") -> str:
        accounts.set_admin(self.db, username, password)
        return accounts.new_admin_token(self.db, username)

    def ctl(
        self, *args: str, stdin: str | None = None, cwd: Path | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """``centralctl ARGS`` on this central's database and data folder, as an admin runs
        it with no CENTRAL_* variables of their own (the shipped PIN minimum included), in
        this process (tests/in_process.py); ``env`` adds variables."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
        environ["CENTRAL__STORAGE__DATA_DIR"] = str(self.settings.storage.data_dir)
        environ["CENTRAL__DATABASE__URL"] = self.settings.database_url
        return in_process.centralctl(*args, env={**environ, **env}, stdin=stdin, cwd=cwd)

    def push(
        self, token: str, counter: str, ratings: list[dict[str, Any]], **envelope: Any
    ) -> requests.Response:
        body = batch(counter, ratings, **envelope)
        return self.http.post(
            self.url + BATCH_PATH,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def report(self, admin_token: str, **params: str) -> requests.Response:
        return self.http.get(
            f"{self.url}/api/v1/reports/satisfaction",
            params=params,
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=60,
        )


def start_central(settings: Settings, counters_since: datetime | None = None) -> Central:
    db = open_database(settings.database_url)
    running = start_in_thread(settings, db)
    return Central(running=running, db=db, settings=settings, counters_since=counters_since)


def start_archive_central(settings_for: Callable[..., Settings], database_url: str, **more: str):
    """A central for data of fixed past days (see ARCHIVE), with ``more`` settings."""
    return start_central(settings_for(database_url, **ARCHIVE, **more), ARCHIVE_SINCE)


@pytest.fixture
def central(database_url: str, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    """The real central on 127.0.0.1 and a free port, on SQLite and on PostgreSQL."""
    started = start_central(settings_for(database_url))
    yield started
    started.running.stop()
    started.http.close()
    started.db.close()


@pytest.fixture
def archive_central(database_url: str, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    """The real central for tests whose data bear fixed past days (see ARCHIVE); a module
    of such tests names it its ``central``."""
    started = start_archive_central(settings_for, database_url)
    yield started
    started.running.stop()
    started.http.close()
    started.db.close()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_central(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Central]:
    """One central per test module and database, for many small requests whose effects
    the tests do not share (hostile bodies, property tests): far quicker than one each."""
    folder = tmp_path_factory.mktemp("shared-central")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'central.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
        db = open_database(url, upgrade=False)
        with db.write() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        db.close()
    environ = {
        "CENTRAL__STORAGE__DATA_DIR": str(folder / "data"),
        "CENTRAL__DATABASE__URL": url,
        **TEST_PIN_MINIMUM,
        # Many unrelated wrong logins share this central: no delays (test_login_security).
        "CENTRAL__LOGIN__FREE_ATTEMPTS": "10000",
    }
    started = start_central(load_settings(DEFAULT_CONFIG, environ=environ))
    yield started
    started.running.stop()
    started.http.close()
    started.db.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's) under Playwright; skipped or failed when absent."""
    if not CHROMIUM.exists():
        unavailable("browser", f"{CHROMIUM} is absent (scripts/bootstrap installs it as root)")
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("browser", "Playwright is not installed (scripts/bootstrap installs it)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def new_page(browser: Any, width: int = 1280, height: int = 800) -> Any:
    """A page of a fresh browser context (own cookies) with downloads allowed."""
    context = browser.new_context(
        accept_downloads=True, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(60_000)
    return context.new_page()


@pytest.fixture
def browser_page(browser: Any) -> Any:
    """A page the size of a phone: the dashboard must work there too."""
    return new_page(browser, 390, 844)


def rating(
    level: int = 4,
    created_at: datetime | str | None = None,
    officer: str = "CB001",
    department: str = "CA",
    seq: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    """One wire rating, as a kiosk would send it."""
    moment = created_at or datetime.now(UTC)
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    value = {
        "id": str(uuid.uuid4()),
        "seq": seq,
        "created_at": moment,
        "officer": officer,
        "department": department,
        "session": str(uuid.uuid4()),
        "ticket": None,
        "level": level,
        "reasons": [],
        "lang": "vi",
    }
    value.update(extra)
    return value


def batch(counter: str, ratings: list[dict[str, Any]], **envelope: Any) -> dict[str, Any]:
    body = {
        "schema": SCHEMA_VERSION,
        "counter": counter,
        "device": "test-kiosk",
        "app_version": "0.1.0",
        "sent_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "ratings": ratings,
    }
    body.update(envelope)
    return body
