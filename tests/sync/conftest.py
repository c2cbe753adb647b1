"""Fixtures for sync tests: the real central on 127.0.0.1, and kiosks on real SQLite
files, each provisioned with its own counter token.

The central runs on SQLite or, when the server at 127.0.0.1:5432 answers, on a fresh
PostgreSQL database made for the test run. Tests that stop, restart or kill it, or read
its log, run it as ``centralctl serve`` in a process of its own, as in production
(``Central.serving``); the ``central`` fixture runs the same app under uvicorn in a thread
of the test's process (``in_thread=True``), which answers the same on the wire and saves a
Python process start per test.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter
from kiosk.pins import hash_pin
from kiosk.roster import upsert_officer
from sync.central import accounts, roster
from sync.central.db import Database, open_database
from sync.central.server import RunningCentral, start_in_thread
from sync.central.settings import DEFAULT_CONFIG as CENTRAL_CONFIG
from sync.central.settings import load_settings
from tests import in_process, technician_pin
from tests.expected import unavailable

REPO = DEFAULT_CONFIG.parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def no_kiosk_or_central_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name in ("KIOSK_CONFIG", "CENTRAL_CONFIG") or name.startswith(("KIOSK__", "CENTRAL__")):
            monkeypatch.delenv(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Central:
    """A running central endpoint and the means to provision and inspect it."""

    url: str
    database_url: str
    env: dict[str, str]
    workdir: Path
    in_thread: bool = False
    processes: list[subprocess.Popen] = field(default_factory=list)
    threads: list[tuple[RunningCentral, Database]] = field(default_factory=list)

    @classmethod
    def serving(
        cls, workdir: Path, database_url: str, in_thread: bool = False, **settings: str
    ) -> Central:
        """``centralctl serve`` on ``database_url`` (it creates or upgrades the schema as it
        starts), state in ``workdir``; no CENTRAL* variable of the developer's shell leaks
        in. ``settings``: more variables, e.g. ``CENTRAL__ALERTS__WEBHOOK_URL=...``.
        ``in_thread``: the same app and settings in a thread of this process instead."""
        env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("CENTRAL")},
            "CENTRAL__DATABASE__URL": database_url,
            "CENTRAL__STORAGE__DATA_DIR": str(workdir),
            # The tests' officers have 4-digit PINs; the shipped minimum of 6 is tested
            # in tests/central/test_pin_length.py.
            "CENTRAL__ROSTER__MIN_PIN_DIGITS": "4",
            **settings,
        }
        instance = cls(
            url="", database_url=database_url, env=env, workdir=workdir, in_thread=in_thread
        )
        instance.url = instance.start()
        return instance

    def ctl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """``centralctl ARGS`` with this central's settings, in this process
        (tests/in_process.py): the central itself runs in its own."""
        return in_process.centralctl(*args, env=self.env, stdin=stdin)

    def add_counter(
        self, counter: str, department: str = "CA", since: datetime | None = None
    ) -> str:
        """Add a counter of ``department``, with officer CB001 (PIN 1234) on its roster, as
        ``make_kiosk`` logs in; return the counter's token. ``since``: it files ratings
        made from then (``centralctl counter add --since``; default: from now on).

        Done in this process, by the functions ``centralctl department add``, ``officer
        import`` and ``counter add`` call (tests/central/test_centralctl.py runs those
        commands): three Python processes per counter were a good part of the suite's time.
        """
        roster_file = self.workdir / f"roster-{department}.csv"
        roster_file.write_text(
            f"code,full_name,department,pin\nCB001,Nguyễn Thị Hồng Nhung,{department},1234\n",
            encoding="utf-8",
        )
        db = open_database(self.database_url, upgrade=False)
        try:
            roster.add_department(db, department, f"Phòng {department}")
            roster.import_officers(db, roster_file, min_pin_digits=4)
            return accounts.add_counter(db, counter, department, since)
        finally:
            db.close()

    def start(self) -> str:
        """Start one more instance on the same database; return its URL."""
        if self.in_thread:
            settings = load_settings(CENTRAL_CONFIG, environ=self.env)
            db = open_database(settings.database_url)
            running = start_in_thread(settings, db)
            self.threads.append((running, db))
            return running.url
        port = free_port()
        log = (self.workdir / f"central-{port}.log").open("w")
        process = subprocess.Popen(
            [str(BIN / "centralctl"), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"central exited: {(self.workdir / f'central-{port}.log').read_text()}"
                )
            try:
                requests.get(url + "/", timeout=1)  # any answer means it is serving
                return url
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("central did not start within 60 s")

    def stored_ids(self) -> list[str]:
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return [row[0] for row in connection.execute(text("SELECT id FROM ratings"))]
        finally:
            engine.dispose()

    def report(self, by: str = "counter") -> list[dict]:
        first, last = date.today() - timedelta(days=30), date.today() + timedelta(days=2)
        done = self.ctl(
            "report", "--by", by, "--from", str(first), "--to", str(last), "--format", "json"
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["rows"]

    def stop(self) -> None:
        for running, db in self.threads:
            running.stop()
            db.close()
        self.threads.clear()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


@contextlib.contextmanager
def central_database(kind: str, workdir: Path) -> Iterator[str]:
    """The URL of a fresh database of ``kind`` ("sqlite" in ``workdir``, or "postgresql":
    a new database on 127.0.0.1:5432, dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'central.db'}"
        return
    if not postgres_answers():
        unavailable("postgres", "PostgreSQL not reachable at 127.0.0.1:5432")
    database = f"central_sync_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Central]:
    workdir = tmp_path / "central"
    workdir.mkdir()
    with central_database(request.param, workdir) as database_url:
        instance = Central.serving(workdir, database_url, in_thread=True)
        yield instance
        instance.stop()


_PIN_HASH = hash_pin("1234")


def kiosk_env(
    tmp_path: Path, counter_id: str, central_url: str, token: str, **overrides: str
) -> dict[str, str]:
    """The KIOSK__ variables of a kiosk with its own data folder and token, pointed at the
    central with short timeouts (also what a ``kioskctl`` process of that kiosk needs)."""
    home = tmp_path / f"kiosk-{counter_id}"
    home.mkdir(parents=True, exist_ok=True)
    (home / "token").write_text(token + "\n")
    return {
        "KIOSK__STORAGE__DATA_DIR": str(home),
        "KIOSK__COUNTER__ID": counter_id,
        "KIOSK__COUNTER__CLOSING_TIME": '""',
        "KIOSK__RATING__COOLDOWN_SECONDS": "0",
        "KIOSK__CENTRAL__URL": central_url,
        "KIOSK__CENTRAL__TOKEN_FILE": str(home / "token"),
        "KIOSK__CENTRAL__READ_TIMEOUT_SECONDS": "1",
        "KIOSK__CENTRAL__CONNECT_TIMEOUT_SECONDS": "1",
        "KIOSK__CENTRAL__BACKOFF_CAP_SECONDS": "1",
        **technician_pin.ENV,
        **overrides,
    }


def make_kiosk(
    tmp_path: Path, counter_id: str, central_url: str, token: str, **overrides: str
) -> Counter:
    """A counter on its own SQLite file with officer CB001 logged in, pointed at the central."""
    env = kiosk_env(tmp_path, counter_id, central_url, token, **overrides)
    counter = Counter.open(config=load_config(None, environ=env))
    with counter.store.write() as session:
        upsert_officer(
            session,
            code="CB001",
            full_name="Nguyễn Thị Hồng Nhung",
            department="CA",
            pin_hash=_PIN_HASH,
        )
    counter.login("CB001", "1234")
    return counter
