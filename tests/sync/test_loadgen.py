"""scripts/loadgen against a central it did not start (another machine's, as a center
measures its own): simulated kiosks from the provisioning files ``centralctl counter add
--file`` writes there, pushing through the real kiosk code to the URL each file names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO, Central

LOADGEN = REPO / "scripts" / "loadgen.py"


def loadgen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(LOADGEN), *args], capture_output=True, text=True, timeout=300
    )


def test_loadgen_pushes_to_a_central_elsewhere_through_its_provisioning_files(
    central: Central, tmp_path: Path
):
    codes = tmp_path / "codes"
    codes.mkdir()
    for counter in ("L01", "L02"):
        central.add_counter(counter)  # department CA, officer CB001 on its roster
        made = central.ctl(
            "counter", "token", counter, "--file", str(codes / f"{counter}.provision"),
            "--central-url", central.url,
        )  # fmt: skip
        assert made.returncode == 0, made.stderr

    done = loadgen("--codes", str(codes), "--processes", "1", "--seconds", "2", "--rate", "120")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["kiosks"] == 2 and summary["at_center"] is None
    assert summary["recorded"] > 0 and summary["left_pending"] == 0
    assert summary["acknowledged"] == summary["recorded"]
    assert f"against {central.url}" in done.stderr and "(exact)" in done.stderr
    # What the kiosks took for acknowledged is at the center, once.
    stored = central.stored_ids()
    assert len(stored) == len(set(stored)) == summary["recorded"]


def test_loadgen_says_what_is_missing_without_a_traceback(tmp_path: Path):
    empty = loadgen("--codes", str(tmp_path), "--seconds", "1")
    assert empty.returncode == 1
    assert "no provisioning file (*.provision) in" in empty.stderr
    assert "centralctl counter add" in empty.stderr and "Traceback" not in empty.stderr

    (tmp_path / "L01.provision").write_text("KIOSK1 NOT A CODE\n")
    damaged = loadgen("--codes", str(tmp_path), "--seconds", "1")
    assert damaged.returncode == 1
    assert f"loadgen: {tmp_path / 'L01.provision'}: " in damaged.stderr
    assert "Traceback" not in damaged.stderr

    mixed = loadgen("--codes", str(tmp_path), "--workers", "2")
    assert mixed.returncode == 2 and "not --codes" in mixed.stderr
