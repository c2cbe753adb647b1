"""`kioskctl backup --rotate`, as the nightly counter-kiosk-backup.service runs it: a
consistent copy in <data>/backups, copies older than [storage] backup_keep_days deleted,
never the newest, never a file it did not make."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from kiosk import backups
from kiosk.counter import Counter

DAY = 24 * 3600


def aged(path: Path, days: float) -> Path:
    """A real file whose modification time is ``days`` ago (what a backup made then has)."""
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))
    return path


def old_backup(folder: Path, name: str, days: float) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"an older copy")
    return aged(path, days)


def ratings_in(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM ratings").fetchone()[0]


def test_nightly_backup_writes_into_the_data_folder_and_deletes_old_copies(
    kioskctl, serving: Counter, data_dir: Path
):
    serving.record(4)
    serving.record(3)
    folder = data_dir / "backups"
    week_old = old_backup(folder, "kiosk-20250101T023000Z.db", 7)
    month_old = old_backup(folder, "kiosk-20241201T023000Z.db", 30)
    not_ours = folder / "notes.txt"
    not_ours.write_text("the technician's own file")
    aged(not_ours, 60)

    result = kioskctl("backup", "--rotate")

    (made,) = [line.split(": ", 1)[1] for line in result.stdout.splitlines() if "written" in line]
    assert Path(made).parent == folder
    assert ratings_in(Path(made)) == 2, "the copy holds the ratings"
    assert week_old.exists(), "younger than the default 14 days: kept"
    assert not month_old.exists()
    assert not_ours.exists()
    assert "1 backup(s) older than 14 days deleted" in result.stdout


def test_keep_days_overrides_the_config(kioskctl, serving: Counter, data_dir: Path):
    folder = data_dir / "backups"
    two_days = old_backup(folder, "kiosk-20250101T023000Z.db", 2)
    kioskctl("backup", "--keep-days", "1")
    assert not two_days.exists()
    assert len(list(folder.glob("kiosk-*.db"))) == 1


def test_the_config_key_sets_how_many_days_are_kept(kioskctl, env, serving: Counter, data_dir):
    folder = data_dir / "backups"
    three_days = old_backup(folder, "kiosk-20250101T023000Z.db", 3)
    env["KIOSK__STORAGE__BACKUP_KEEP_DAYS"] = "2"
    kioskctl("backup", "--rotate")
    assert not three_days.exists()


def test_the_newest_backup_is_kept_however_old(tmp_path: Path):
    # A kiosk off for two months (or whose backups fail since): its last copy must stay.
    newest = old_backup(tmp_path, "kiosk-20250301T023000Z.db", 60)
    older = old_backup(tmp_path, "kiosk-20250201T023000Z.db", 90)
    deleted = backups.prune(tmp_path, keep_days=14)
    assert deleted == [older]
    assert newest.exists()


def test_a_half_made_copy_left_by_a_power_cut_goes_after_a_day(tmp_path: Path):
    stale = old_backup(tmp_path, "kiosk-20250301T023000Z.db.partial", 2)
    running = old_backup(tmp_path, "kiosk-20250302T023000Z.db.partial", 0)  # being written
    backups.prune(tmp_path, keep_days=14)
    assert not stale.exists() and running.exists()


def test_keep_days_below_one_is_refused(kioskctl, serving: Counter, data_dir: Path):
    result = kioskctl("backup", "--keep-days", "0", check=False)
    assert result.returncode == 2
    assert "--keep-days must be 1 or more" in result.stderr
    assert not (data_dir / "backups").exists()
