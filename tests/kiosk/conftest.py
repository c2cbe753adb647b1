"""Fixtures for the kiosk tests: a counter on a real SQLite file in tmp_path.

Officers are written straight into the roster with a PIN hash made once per test run,
because scrypt is slow on purpose and most tests are not about hashing.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import roster
from kiosk.config import DEFAULT_CONFIG, KioskConfig, load_config
from kiosk.counter import Counter
from kiosk.models import Officer
from kiosk.pins import hash_pin
from tests import in_process, technician_pin

REPO = DEFAULT_CONFIG.parent.parent
BIN = Path(sys.executable).parent
EXAMPLE_ROSTER = REPO / "config" / "example-roster.csv"

# (code, full name, department, PIN) of the officers most tests log in with.
OFFICERS = (
    ("CB001", "Nguyễn Thị Hồng Nhung", "CA", "1234"),
    ("CB002", "Trần Văn Đức", "CA", "2345"),
)


@pytest.fixture(autouse=True)
def no_kiosk_variables_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's KIOSK_CONFIG or KIOSK__* must not change what the tests see."""
    for name in list(os.environ):
        if name == "KIOSK_CONFIG" or name.startswith("KIOSK__"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def pin_hashes() -> dict[str, str]:
    return {pin: hash_pin(pin) for _code, _name, _department, pin in OFFICERS}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def kiosk_env(data_dir: Path) -> dict[str, str]:
    """Overrides every test starts from: its own data folder, no cooldown, no closing time
    (so a run at 17:30 in Hanoi does not log the officer out half-way)."""
    return {
        "KIOSK__STORAGE__DATA_DIR": str(data_dir),
        "KIOSK__RATING__COOLDOWN_SECONDS": "0",
        "KIOSK__COUNTER__CLOSING_TIME": '""',
        **technician_pin.ENV,  # the kiosk's own, as installed
    }


@pytest.fixture
def make_config(kiosk_env: dict[str, str]) -> Callable[..., KioskConfig]:
    """The shipped config with the test's overrides, e.g. ``make_config(RATING__MODE="per_turn")``."""

    def make(**overrides: str) -> KioskConfig:
        environ = dict(kiosk_env)
        environ.update({f"KIOSK__{key}": value for key, value in overrides.items()})
        return load_config(DEFAULT_CONFIG, environ=environ)

    return make


@pytest.fixture
def open_counter(
    make_config: Callable[..., KioskConfig], pin_hashes: dict[str, str]
) -> Iterator[Callable[..., Counter]]:
    """Open a Counter (and reopen it, as after a restart); the roster has OFFICERS."""
    opened: list[Counter] = []

    def open_(**overrides: str) -> Counter:
        counter = Counter.open(config=make_config(**overrides))
        opened.append(counter)
        with counter.store.write() as session:
            for code, full_name, department, pin in OFFICERS:
                if session.get(Officer, code) is None:
                    roster.upsert_officer(
                        session,
                        code=code,
                        full_name=full_name,
                        department=department,
                        department_name="Công an tỉnh",
                        title="Chuyên viên",
                        pin_hash=pin_hashes[pin],
                    )
        return counter

    yield open_
    for counter in opened:
        counter.close()


@pytest.fixture
def counter(open_counter: Callable[..., Counter]) -> Counter:
    return open_counter()


@pytest.fixture
def serving(counter: Counter) -> Counter:
    """A counter in open mode with CB001 logged in."""
    counter.login("CB001", "1234")
    return counter


def query(db_path: Path, statement: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(statement, params).fetchall()
    finally:
        connection.close()


@pytest.fixture
def sql(data_dir: Path) -> Callable[..., list[tuple]]:
    """Read the kiosk's database with plain sqlite3, independent of the code under test."""
    return lambda statement, *params: query(data_dir / "kiosk.db", statement, *params)


@pytest.fixture
def env(kiosk_env: dict[str, str]) -> dict[str, str]:
    # The shipped config, but this test's data folder, and no closing time, so a run at
    # 17:30 in Hanoi does not log the officer out between two commands.
    return {**os.environ, **kiosk_env, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


@pytest.fixture
def kioskctl(env: dict[str, str]):
    """Run `kioskctl` in the repository (or ``cwd``) with this test's environment, as a
    technician would, in this process (tests/in_process.py). Tests of what needs a process
    of its own (dropped privileges, a mount namespace, parallel guessers) start one."""

    def run(*args: str, stdin: str | None = None, check: bool = True, cwd: Path = REPO):
        result = in_process.kioskctl(*args, env=env, stdin=stdin, cwd=cwd)
        assert "Traceback" not in result.stderr, result.stderr
        if check:
            assert result.returncode == 0, result.stderr
        return result

    return run
