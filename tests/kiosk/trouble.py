"""Real trouble for a real kioskctl: no root override, another process's lock, a small or
read-only disk. Tests run as root in CI; what needs root is skipped, with the reason,
elsewhere.

- Permissions: ``setpriv`` drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so root is held
  to the mode bits of its own files, as the kiosk user is.
- Disks: ``unshare --mount`` gives a child its own mount table; a tmpfs mounted there
  (small, or remounted read-only) disappears with the child, whatever happens.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT, reason="needs root: setpriv to drop root's overrides, mounts in a namespace"
)


def without_root_override(*command: str) -> list[str]:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return [
        "setpriv",
        "--inh-caps=-all",
        "--bounding-set=-dac_override,-dac_read_search",
        *command,
    ]


def in_own_mounts(
    command: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run ``command`` in a private mount namespace: its mounts vanish when it ends."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(
        ["unshare", "--mount", "true"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.strip()}")
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", *command],
        input=stdin,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


class LockHolder:
    """Another process holding a real SQLite lock on the database until it is released."""

    EXCLUSIVE = "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM ratings;"
    WRITING = "BEGIN IMMEDIATE; DELETE FROM events WHERE 0;"

    def __init__(self, db: Path, statements: str):
        code = (
            "import sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "for statement in sys.argv[2].split(';'):\n"
            "    if statement.strip():\n"
            "        db.execute(statement).fetchall()\n"
            "print('held', flush=True)\n"
            "sys.stdin.read()\n"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(db), statements],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)

    def __enter__(self) -> LockHolder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
