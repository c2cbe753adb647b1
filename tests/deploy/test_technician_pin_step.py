"""scripts/install-kiosk's technician PIN step (scripts/lib/technician-pin.sh), run as the
installer runs it, on a config in a temporary folder: a config with the shipped hash (the
demo's 2468) gets a PIN of its own, asked on a terminal or made and printed once; a
config with its own is left alone; ``[service] demo = true`` goes back to false."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.pins import verify_pin
from tests import in_process

REPO = DEFAULT_CONFIG.parent.parent
SHIPPED = REPO / "config" / "kiosk.toml"


@pytest.fixture
def step(tmp_path: Path) -> list[str]:
    """The step as a command: bash sourcing the installer's libraries, with a kioskctl of
    this checkout (the installed one is $KIOSK_HOME/current/bin/kioskctl)."""
    kioskctl = tmp_path / "kioskctl"
    kioskctl.write_text(f'#!/bin/sh\nexec {sys.executable} -m kiosk.cli "$@"\n')
    kioskctl.chmod(0o755)
    script = (
        f'INSTALLER=install-kiosk; . "{REPO}/scripts/lib/installer.sh";'
        f' . "{REPO}/scripts/lib/technician-pin.sh";'
        f' ensure_technician_pin "$1" "{SHIPPED}" "{kioskctl}"; echo "changes: $CHANGES"'
    )
    return ["bash", "-c", script, "step"]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "etc" / "kiosk.toml"
    path.parent.mkdir()
    path.write_text(SHIPPED.read_text(encoding="utf-8").replace("demo = false", "demo = true"))
    path.chmod(0o664)
    return path


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def pin_hash(config: Path) -> str:
    return load_config(config, environ={}).service.technician_pin_hash


def test_without_a_terminal_a_pin_is_made_printed_once_and_its_hash_written(step, config):
    done = subprocess.run(
        [*step, str(config)],
        stdin=subprocess.DEVNULL,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    printed = re.findall(r"technician PIN of this kiosk: (\d+)$", done.stdout, re.M)
    assert len(printed) == 1 and len(printed[0]) >= 6, done.stdout
    pin = printed[0]
    assert verify_pin(pin, pin_hash(config)) and not verify_pin("2468", pin_hash(config))
    assert load_config(config, environ={}).service.demo is False
    assert oct(config.stat().st_mode & 0o777) == "0o664"
    assert done.stdout.strip().endswith("changes: 2")

    # kioskctl check no longer complains about the technician PIN.
    data = config.parent.parent / "data"
    check_env = {"KIOSK_CONFIG": str(config), "KIOSK__STORAGE__DATA_DIR": str(data)}
    in_process.kioskctl("init", env=check_env)
    checked = in_process.kioskctl("check", env=check_env).stdout
    assert "ok   technician PIN:" in checked, checked

    # Run again (a second install): nothing changes, no PIN is shown.
    before = config.read_text()
    again = subprocess.run(
        [*step, str(config)],
        stdin=subprocess.DEVNULL,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "technician PIN (this kiosk's own): already so, nothing changed" in again.stdout
    assert pin not in again.stdout and "changes: 0" in again.stdout
    assert config.read_text() == before


def test_on_a_terminal_the_pin_is_asked_twice_and_never_shown(step, config):
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the step, on the terminal
        os.execvpe(step[0], [*step, str(config)], env())
    # A PIN the product prints first (refused), then one of the technician's own.
    answers = [b"123456\n", b"123456\n", b"73019264\n", b"73019264\n"]
    seen, answered = b"", 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(terminal, 1024)
        except OSError:  # the step ended: the terminal is closed
            break
        if not chunk:
            break
        seen += chunk
        prompts = seen.count(b"PIN: ") + seen.count(b"PIN again: ")
        while answered < prompts and answers:
            os.write(terminal, answers.pop(0))
            answered += 1
    else:
        os.kill(pid, 9)
    _pid, status = os.waitpid(pid, 0)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "choose one of 6 to 12 digits" in text
    assert "error: that PIN is one the product prints" in text, "a printed PIN is refused"
    assert "73019264" not in text, "the PIN is not echoed"
    assert verify_pin("73019264", pin_hash(config))
    assert "technician PIN of this kiosk" not in text, "an asked PIN is not printed back"


def test_a_config_with_its_own_pin_is_left_alone(step, config, tmp_path: Path):
    own = 'technician_pin_hash = "scrypt$16384$8$1$AAAA$BBBB"'
    text = re.sub(r"^technician_pin_hash = .*$", own, config.read_text(), flags=re.M)
    config.write_text(text.replace("demo = true", "demo = false"))
    done = subprocess.run(
        [*step, str(config)],
        stdin=subprocess.DEVNULL,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "changes: 0" in done.stdout, done.stdout + done.stderr
    assert config.read_text() == text.replace("demo = true", "demo = false")
