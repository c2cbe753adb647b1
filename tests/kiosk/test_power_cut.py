"""The power-cut claim, proved on the files rather than on the PRAGMA: a rating the citizen
was thanked for is on the disk even when the power goes the instant after.

A real kiosk process records ratings under an LD_PRELOAD shim that journals every write
and sync to its data folder (tests/kiosk/powercut). From that journal the test rebuilds
what the disk could hold after a cut at many points, each with a random part of the
unsynced writes lost, and opens each image with SQLite: every acknowledged rating must be
there and the database intact. The same run with ``synchronous=OFF`` must fail that
check, or the check proves nothing.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.counter import Counter
from tests.kiosk.powercut.disk import build_shim, cuts, ratings_on, read_journal

HERE = Path(__file__).resolve().parent
CHILD = HERE / "powercut" / "child.py"
REPO = HERE.parent.parent
RATINGS = 60
CUTS = 40


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = build_shim(tmp_path_factory.mktemp("shim"))
    if built is None:
        pytest.skip("no C compiler (Debian: gcc) to build the volatile-disk shim")
    return built


def record_under_shim(
    shim: Path, data_dir: Path, kiosk_env: dict[str, str], synchronous: str
) -> tuple[dict[str, bytes], Path]:
    """Run the child; return the data folder's files before it started and the journal."""
    base = {str(path): path.read_bytes() for path in data_dir.rglob("*") if path.is_file()}
    journal = data_dir.parent / "journal.bin"
    env = {
        **os.environ,
        **kiosk_env,
        "PYTHONPATH": str(REPO),
        "LD_PRELOAD": str(shim),
        "POWERCUT_DIR": str(data_dir),
        "POWERCUT_LOG": str(journal),
        "POWERCUT_SYNCHRONOUS": synchronous,
    }
    done = subprocess.run(
        [sys.executable, str(CHILD), str(RATINGS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return base, journal


@pytest.fixture
def prepared(serving: Counter, data_dir: Path) -> Path:
    """A counter with CB001 logged in, closed cleanly: the disk the child starts from."""
    serving.close()
    return data_dir.resolve()


@pytest.mark.slow
def test_every_thanked_rating_survives_a_power_cut_at_any_moment(
    shim: Path, prepared: Path, kiosk_env: dict[str, str], tmp_path: Path
):
    base, journal = record_under_shim(shim, prepared, kiosk_env, "FULL")
    operations = read_journal(journal)
    thanked = [operation.path for operation in operations if operation.kind == "M"]
    assert len(thanked) == RATINGS
    assert any(operation.kind == "S" for operation in operations), "SQLite never synced"

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    points = sorted({*rng.sample(range(len(operations)), CUTS), len(operations)})
    checked = 0
    for number, cut in enumerate(cuts(base, operations, points, rng, keep_unsynced=0.5)):
        folder = tmp_path / f"after-cut-{number}"
        cut.write_into(folder, prepared)
        found, integrity = ratings_on(folder, "kiosk.db")
        assert integrity == "ok", f"seed {seed}, cut {points[number]}: {integrity}"
        lost = set(cut.acknowledged) - found
        assert not lost, f"seed {seed}, cut {points[number]}: thanked but lost {sorted(lost)}"
        checked += len(cut.acknowledged)
    assert checked > 0


@pytest.mark.slow
def test_the_check_catches_lost_ratings_when_sqlite_does_not_sync(
    shim: Path, prepared: Path, kiosk_env: dict[str, str], tmp_path: Path
):
    """synchronous=OFF never syncs: after a cut that loses every unsynced write, the
    ratings the citizens were thanked for are gone, and the check above would say so."""
    base, journal = record_under_shim(shim, prepared, kiosk_env, "OFF")
    operations = read_journal(journal)
    [cut] = cuts(base, operations, [len(operations)], random.Random(0), keep_unsynced=0.0)
    assert len(cut.acknowledged) == RATINGS
    cut.write_into(tmp_path / "after-cut", prepared)
    found, _integrity = ratings_on(tmp_path / "after-cut", "kiosk.db")
    assert set(cut.acknowledged) - found, "a disk that never synced kept every rating"
