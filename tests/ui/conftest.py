"""Fixtures for the UI tests: a kiosk data folder with a roster, and `run_ui`, which runs
one scenario of ``scenarios.py`` in the real app in a subprocess (a stopped Kivy App
closes its window, so each whole-app test gets a fresh process).

Kivy's environment is set before anything could import it: no argv parsing, no console
log, a throwaway home instead of ~/.kivy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_NO_CONSOLELOG"] = "1"
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

from kiosk.config import DEFAULT_CONFIG, load_config  # noqa: E402
from kiosk.counter import Counter  # noqa: E402
from kiosk.pins import hash_pin  # noqa: E402
from kiosk.roster import upsert_officer  # noqa: E402
from tests.ui.xserver import xserver  # noqa: E402, F401 (a fixture for tests/ui)

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "driver.py"
# (code, full name, title, PIN): the officers the scenarios log in with.
OFFICERS = (
    ("CB001", "Nguyễn Thị Hồng Nhung", "Chuyên viên", "1234"),
    ("CB002", "Trần Văn Đức", "Cán bộ một cửa", "2345"),
)
TECHNICIAN_PIN = "2468"  # the shipped demo hash (config/kiosk.toml): ui_env is the demo
# Generous: a loaded 2-core machine renders llvmpipe frames slowly.
SCENARIO_TIMEOUT = 300


@pytest.fixture(scope="session")
def pin_hashes() -> dict[str, str]:
    return {pin: hash_pin(pin) for *_rest, pin in OFFICERS}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def ui_env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """The child's environment: the shipped config with this test's data folder, no
    cooldown, no closing time, a short thanks screen; nothing from the developer's shell."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name == "KIOSK_CONFIG" or name.startswith("KIOSK__"))
    }
    env.update(
        {
            "KIOSK__STORAGE__DATA_DIR": str(data_dir),
            "KIOSK__RATING__COOLDOWN_SECONDS": "0",
            "KIOSK__RATING__THANKS_SECONDS": "1",
            "KIOSK__COUNTER__CLOSING_TIME": '""',
            "KIOSK__CENTRAL__URL": '""',
            # The scenarios open the service screen with the demo's PIN, as scripts/demo
            # does; tests of an installed kiosk's PIN set their own (test_technician_pin).
            "KIOSK__SERVICE__DEMO": "true",
            "KIVY_HOME": str(tmp_path / "kivy-home"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _config_env(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name.startswith("KIOSK__")}


@pytest.fixture
def roster(ui_env: dict[str, str], pin_hashes: dict[str, str]) -> Callable[..., None]:
    """Write the officers into the kiosk's database; ``logged_in`` also logs CB001 in,
    as the officer would before the citizens come."""

    def make(logged_in: bool = False, **overrides: str) -> None:
        ui_env.update({f"KIOSK__{key}": value for key, value in overrides.items()})
        config = load_config(DEFAULT_CONFIG, environ=_config_env(ui_env))
        with Counter.open(config=config) as counter:
            with counter.store.write() as session:
                for code, full_name, title, pin in OFFICERS:
                    upsert_officer(
                        session,
                        code=code,
                        full_name=full_name,
                        title=title,
                        department="CA",
                        department_name="Công an tỉnh",
                        pin_hash=pin_hashes[pin],
                    )
            if logged_in:
                counter.login("CB001", "1234")

    return make


@pytest.fixture
def run_ui(ui_env: dict[str, str]) -> Callable[..., dict]:
    """Run ``scenarios.<name>`` in the real app; return what it reported."""

    def run(name: str, size: str = "1280x800") -> dict:
        env = dict(ui_env, UI_SIZE=size)
        done = subprocess.run(
            [sys.executable, str(DRIVER), name],
            env=env,
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT,
        )
        return scenario_result(name, done)

    return run


def scenario_result(name: str, done: subprocess.CompletedProcess) -> dict:
    """What a finished driver.py run reported (its last ``RESULT`` line); the test fails
    with the child's output when it reported nothing or failed."""
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        pytest.fail(
            f"scenario {name} failed (exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture
def start_ui(ui_env: dict[str, str]) -> Iterator[Callable[[str], subprocess.Popen]]:
    """Start a scenario and leave it running (for the kill -9 test)."""
    started: list[subprocess.Popen] = []

    def start(name: str) -> subprocess.Popen:
        child = subprocess.Popen(
            [sys.executable, str(DRIVER), name],
            env=dict(ui_env, UI_SIZE="1280x800"),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started.append(child)
        return child

    yield start
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)


@pytest.fixture
def central(tmp_path: Path) -> Iterator:
    """The real central (``centralctl serve``) on 127.0.0.1, on SQLite, as tests/sync
    starts it."""
    from tests.sync.conftest import Central

    workdir = tmp_path / "central"
    workdir.mkdir()
    instance = Central.serving(workdir, f"sqlite:///{workdir / 'central.db'}")
    yield instance
    instance.stop()
