"""The technician PIN of an installed kiosk: the demo's (2468, whose hash config/kiosk.toml
ships and the README prints) opens nothing outside the demo and makes `kioskctl check`
fail with the fix; wrong tries are counted in the database, so neither a restart nor a
kill -9 gives a guesser new ones (kiosk.technician)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import LoginRefused
from kiosk.pins import hash_pin, verify_pin
from tests.technician_pin import TECHNICIAN_PIN

SHIPPED_HASH = load_config(DEFAULT_CONFIG, environ={}).service.technician_pin_hash
LOCK_FAST = {"STAFF__LOCKOUT_ATTEMPTS": "3", "STAFF__LOCKOUT_FIRST_SECONDS": "600"}


@pytest.fixture
def shipped_env(env: dict[str, str]) -> dict[str, str]:
    """The tests' kioskctl environment with the shipped technician PIN hash, the demo's."""
    return {k: v for k, v in env.items() if k != "KIOSK__SERVICE__TECHNICIAN_PIN_HASH"}


def run_kioskctl(env: dict[str, str], *args: str, stdin: str | None = None):
    from tests import in_process

    result = in_process.kioskctl(*args, env=env, stdin=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_shipped_hash_is_the_demos_pin():
    assert verify_pin("2468", SHIPPED_HASH)


def test_check_fails_on_the_shipped_technician_pin_and_names_the_fix(shipped_env):
    run_kioskctl(shipped_env, "init")
    result = run_kioskctl(shipped_env, "check")
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("FAIL technician PIN:"))
    assert "2468" in lines[index]
    fix = lines[index + 1].strip()
    assert fix.startswith("fix: make your own with `kioskctl hash-pin`"), fix
    assert f"[service] technician_pin_hash of {DEFAULT_CONFIG}" in fix


def test_check_names_the_variable_when_the_known_hash_comes_from_it(shipped_env):
    env = {**shipped_env, "KIOSK__SERVICE__TECHNICIAN_PIN_HASH": hash_pin("123456")}
    run_kioskctl(env, "init")
    result = run_kioskctl(env, "check")
    assert result.returncode == 1
    assert "FAIL technician PIN: 123456" in result.stdout
    assert "the variable KIOSK__SERVICE__TECHNICIAN_PIN_HASH" in result.stdout


def test_check_passes_with_the_kiosks_own_pin_and_warns_in_the_demo(env, shipped_env):
    run_kioskctl(env, "init")
    own = {c["name"]: c for c in json.loads(run_kioskctl(env, "check", "--json").stdout)}
    assert own["technician PIN"]["status"] == "ok"

    demo = {**shipped_env, "KIOSK__SERVICE__DEMO": "true"}
    result = run_kioskctl(demo, "check")
    assert result.returncode == 0, result.stdout
    assert "warn technician PIN: 2468, the demo's" in result.stdout


def test_the_demo_pin_is_refused_outside_the_demo_and_counts_as_a_wrong_try(open_counter):
    counter = open_counter(SERVICE__TECHNICIAN_PIN_HASH=SHIPPED_HASH, **LOCK_FAST)
    with pytest.raises(LoginRefused) as refused:
        counter.verify_technician_pin("2468")
    assert refused.value.reason == "demo_pin"
    assert "kioskctl hash-pin" in str(refused.value)
    assert not counter.verify_technician_pin("135790")
    with pytest.raises(LoginRefused) as locked:  # the third try of three: a wait begins
        counter.verify_technician_pin("246800")
    assert locked.value.reason == "locked"


def test_the_demo_pin_opens_the_service_screen_in_the_demo(open_counter):
    counter = open_counter(SERVICE__TECHNICIAN_PIN_HASH=SHIPPED_HASH, SERVICE__DEMO="true")
    assert counter.verify_technician_pin("2468")


def test_the_kiosks_own_pin_opens_it_and_resets_the_count(open_counter):
    counter = open_counter(**LOCK_FAST)
    assert not counter.verify_technician_pin("000001")
    assert not counter.verify_technician_pin("000002")
    assert counter.verify_technician_pin(TECHNICIAN_PIN)
    assert not counter.verify_technician_pin("000003")  # counting from zero again


def test_the_technician_lockout_survives_a_restart(open_counter, sql):
    counter = open_counter(**LOCK_FAST)
    for pin in ("000001", "000002"):
        assert not counter.verify_technician_pin(pin)
    with pytest.raises(LoginRefused):
        counter.verify_technician_pin("000003")
    counter.close()

    restarted = open_counter(**LOCK_FAST)
    with pytest.raises(LoginRefused) as locked:
        restarted.verify_technician_pin(TECHNICIAN_PIN)  # even the right one waits
    assert locked.value.reason == "locked" and locked.value.retry_after > 200
    assert sql("SELECT name, failed_attempts FROM lockouts") == [("technician", 3)]


CHILD = """
import os, signal, sys
from kiosk.config import load_config
from kiosk.counter import Counter, LoginRefused
counter = Counter.open(config=load_config())
for pin in ("000001", "000002", "000003"):
    try:
        counter.verify_technician_pin(pin)
    except LoginRefused:
        pass
print("locked", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_technician_lockout_survives_a_kill_9(env, open_counter, data_dir: Path):
    lock_env = {**env, **{f"KIOSK__{k}": v for k, v in LOCK_FAST.items()}}
    open_counter(**LOCK_FAST).close()
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        env={**lock_env, "PYTHONPATH": os.pathsep.join(sys.path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL and child.stdout == "locked\n", child.stderr

    with pytest.raises(LoginRefused) as locked:
        open_counter(**LOCK_FAST).verify_technician_pin(TECHNICIAN_PIN)
    assert locked.value.reason == "locked"


def test_status_says_why_the_service_screen_refuses_its_pin(shipped_env, open_counter):
    counter = open_counter(SERVICE__TECHNICIAN_PIN_HASH=SHIPPED_HASH, **LOCK_FAST)
    for pin in ("2468", "000001", "000002"):
        with contextlib.suppress(LoginRefused):
            counter.verify_technician_pin(pin)
    env = {**shipped_env, **{f"KIOSK__{k}": v for k, v in LOCK_FAST.items()}}
    result = run_kioskctl(env, "status")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("technician")]
    assert "PIN 2468 is the demo's: the service screen refuses it" in lines[0]
    assert "kioskctl hash-pin" in lines[0]
    assert "locked for" in lines[1] and "after 3 wrong technician PINs" in lines[1]
    data = json.loads(run_kioskctl(env, "status", "--json").stdout)
    assert [f"technician  {line}" for line in data["technician_pin"]] == lines


@pytest.mark.parametrize("pin", ["2468", "123456", "12345"])
def test_hash_pin_refuses_a_pin_anyone_can_read_or_a_short_one(env, pin: str):
    result = run_kioskctl(env, "hash-pin", "--pin-stdin", stdin=f"{pin}\n")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_hash_pin_hashes_a_pin_of_the_kiosks_own(env):
    result = run_kioskctl(env, "hash-pin", "--pin-stdin", stdin="80517342\n")
    assert result.returncode == 0 and verify_pin("80517342", result.stdout.strip())
