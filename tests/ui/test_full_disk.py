"""A full disk at the counter: the citizen is thanked only for a rating that is stored,
otherwise gets a calm apology (the same for every face); the technician's service screen
names the cause; nothing stored is damaged, and taps store again once space is freed.

The kiosk's data folder is a 3 MB tmpfs in the app's own mount namespace (it vanishes
with the process), filled by the scenario while the app runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.conftest import DRIVER, SCENARIO_TIMEOUT, scenario_result

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def run_on_small_disk(name: str, env: dict[str, str], data_dir: Path, keep: Path) -> dict:
    """Run scenario ``name`` with ``data_dir`` on a small tmpfs (its files copied in), and
    copy the database back out to ``keep`` when it is done."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare: a small tmpfs in a private mount namespace")
    script = (
        'set -e; stash=$(mktemp -d); cp -a "$DATA"/. "$stash"/; '
        'mount -t tmpfs -o size=3m tmpfs "$DATA"; cp -a "$stash"/. "$DATA"/; '
        'status=0; "$PYTHON" "$DRIVER" "$SCENARIO" || status=$?; '
        'cp -a "$DATA"/. "$KEEP"/; exit $status'
    )
    keep.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        env={
            **env,
            "DATA": str(data_dir),
            "KEEP": str(keep),
            "PYTHON": sys.executable,
            "DRIVER": str(DRIVER),
            "SCENARIO": name,
            "UI_SIZE": "1280x800",
        },
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT,
    )
    return scenario_result(name, done)


def test_a_tap_the_disk_cannot_take_gets_an_apology_and_the_technician_the_cause(
    roster, ui_env, data_dir: Path, tmp_path: Path
):
    roster(logged_in=True, UI__VOICE="true")
    ui_env["SDL_AUDIODRIVER"] = "dummy"  # Kivy plays the spoken prompts with no sound card
    after = tmp_path / "after"
    seen = run_on_small_disk("taps_on_a_full_disk", ui_env, data_dir, after)

    # Full disk: no thank-you, a calm apology, the same for a high and a low face.
    assert seen["full_stored"] == 0
    for texts in (seen["full_texts"], seen["full_low_texts"]):
        assert "Xin lỗi Ông/Bà" in texts
        assert not any("Cảm ơn" in text for text in texts)
    assert seen["full_texts"] == seen["full_low_texts"]
    assert seen["full_sounds"] == []  # no spoken thanks either (nor the question again)
    # The technician sees it first thing, in the error colour, with the cause.
    assert seen["service"]["failed"] is True
    assert "kioskctl check" in seen["service"]["message"]
    assert "disk is full" in seen["service"]["detail"]
    # Space freed: the next tap is stored and thanked, the problem forgotten.
    assert seen["freed_stored"] == 1
    assert any("Cảm ơn" in text for text in seen["freed_texts"])
    assert seen["freed_sounds"] == ["voice/vi/thanks"]
    assert seen["problem_after"] is None
    # Nothing stored was damaged: the database is sound and holds exactly that rating.
    with sqlite3.connect(after / "kiosk.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT level FROM ratings").fetchall() == [(4,)]
