"""`kiosk --self-test`, as the update script runs it: the real `kiosk` command in its own
process, pointed at a data folder, answering in one line with its exit code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.pins import hash_pin
from tests.kiosk.test_store import build_database_at_first_revision
from tests.technician_pin import TECHNICIAN_PIN_HASH

pytestmark = [pytest.mark.slow, pytest.mark.ui]

KIOSK = Path(sys.executable).parent / "kiosk"
# The command's own deadline is 45 s; this only catches a self-test that ignores it.
TIMEOUT = 120


def self_test(folder: Path, data_dir: Path, **variables: str) -> tuple[int, list[str]]:
    """Run it from ``folder`` with a home of its own, a screen that cannot be reached (it
    must not want one) and nothing from the developer's shell; (exit code, stdout lines)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KIOSK", "KIVY", "SDL_"))
    }
    env.update(
        HOME=str(folder / "home"),
        DISPLAY=":97",
        WAYLAND_DISPLAY="wayland-97",
        KIOSK__STORAGE__DATA_DIR=str(data_dir),
        **variables,
    )
    (folder / "home").mkdir(exist_ok=True)
    done = subprocess.run(
        [str(KIOSK), "--self-test"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    return done.returncode, done.stdout.splitlines()


def ratings_in(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT id, sync_state FROM ratings ORDER BY seq").fetchall()


def test_self_test_draws_the_first_frame_off_screen_and_makes_the_database(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "copy"

    code, lines = self_test(tmp_path, data_dir)

    assert code == 0, lines
    assert len(lines) == 1 and lines[0].startswith("kiosk self-test: ok: "), lines
    assert "first frame 1280x800 drawn with 4 faces" in lines[0]
    assert f"database {data_dir / 'kiosk.db'} created at schema" in lines[0]
    assert (data_dir / "kiosk.db").is_file()
    # Only the folder it was given: no Kivy home, no log, nothing in the current folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "home"]
    assert list((tmp_path / "home").iterdir()) == []
    assert sorted(p.name for p in data_dir.iterdir() if not p.name.startswith("kiosk.db")) == [
        "logs"
    ]


def test_self_test_migrates_a_copy_of_an_old_database_and_keeps_its_ratings(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "copy"
    data_dir.mkdir()
    build_database_at_first_revision(data_dir / "kiosk.db", hash_pin("1234"))

    code, lines = self_test(tmp_path, data_dir)

    assert code == 0, lines
    assert "migrated 0001 -> " in lines[0], lines
    assert ratings_in(data_dir / "kiosk.db") == [("r1", "sent"), ("r2", "pending")]


def test_self_test_fails_in_one_line_when_a_configured_face_is_not_installed(
    tmp_path: Path,
) -> None:
    levels = (
        '[{value = 2, label_vi = "Vui", label_en = "Happy", face = "happy_cat"},'
        ' {value = 1, label_vi = "Buồn", label_en = "Sad", face = "dissatisfied"}]'
    )

    code, lines = self_test(
        tmp_path,
        tmp_path / "copy",
        KIOSK__RATING__LEVELS=levels,
        KIOSK__RATING__REASONS_AFTER_LEVELS="[1]",
        KIOSK__RATING__SATISFIED_LEVELS="[2]",  # the shipped [3, 4] are not levels here
    )

    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("kiosk self-test: FAILED: "), lines
    assert "happy_cat" in lines[0] and "happy_cat.png" in lines[0]


def test_self_test_checks_the_spoken_prompts_when_voice_is_on(tmp_path: Path) -> None:
    code, lines = self_test(tmp_path, tmp_path / "copy", KIOSK__UI__VOICE="true")

    assert code == 0, lines
    assert "faces, sound, spoken prompts and catalogs (vi, en)" in lines[0], lines


def test_self_test_fails_in_one_line_when_the_database_cannot_be_opened(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "copy"
    (data_dir / "kiosk.db").mkdir(parents=True)  # a folder where the database should be

    code, lines = self_test(tmp_path, data_dir)

    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("kiosk self-test: FAILED: database"), lines


def test_self_test_warns_loudly_of_the_demos_technician_pin_but_passes(tmp_path: Path) -> None:
    # The shipped config's hash is the demo's 2468: said in the one line, yet exit 0, since
    # refusing the update would keep a version that may still accept that PIN.
    code, lines = self_test(tmp_path, tmp_path / "copy")
    assert code == 0 and len(lines) == 1 and lines[0].startswith("kiosk self-test: ok: "), lines
    assert "WARNING: the technician PIN is the demo's 2468" in lines[0]
    assert "kioskctl hash-pin" in lines[0]

    own = {"KIOSK__SERVICE__TECHNICIAN_PIN_HASH": TECHNICIAN_PIN_HASH}
    code, lines = self_test(tmp_path, tmp_path / "copy", **own)
    assert code == 0 and "WARNING" not in lines[0], lines
