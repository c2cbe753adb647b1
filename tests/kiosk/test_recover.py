"""Ratings in a set-aside (or old) database are not stranded: `kioskctl recover` brings
back the ones the center never confirmed, once, with their ids and new seqs."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.store import integrity_problem


def damage_middle_pages(db: Path) -> None:
    data = db.read_bytes()
    middle = len(data) // 2 // 4096 * 4096
    db.write_bytes(data[:middle] + b"\xa5" * 8192 + data[middle + 8192 :])


def garbage_over_the_header(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(b"this is not a database" * 5 + data[110:])


def rows(db: Path, statement: str, *params: object) -> list[tuple]:
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(statement, params).fetchall()
    finally:
        connection.close()


@pytest.fixture
def old_kiosk(open_counter, data_dir: Path) -> dict[str, set[str]]:
    """300 ratings: the first 100 confirmed by the center, 2 rejected, 1 waiting for reasons."""
    counter = open_counter()
    counter.login("CB001", "1234")
    for number in range(299):
        counter.record(4 - number % 4)
    held = counter.record(1, ask_reasons=True)
    counter.close()
    db = data_dir / "kiosk.db"
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE ratings SET sync_state = 'sent' WHERE seq <= 100")
        connection.execute(
            "UPDATE ratings SET sync_state = 'rejected', sync_error = 'central: no such officer'"
            " WHERE seq IN (150, 151)"
        )
    connection.close()
    ids = dict(rows(db, "SELECT id, sync_state FROM ratings"))
    return {
        "sent": {i for i, state in ids.items() if state == "sent"},
        "unsent": {i for i, state in ids.items() if state != "sent"},
        "rejected": {i for i, state in ids.items() if state == "rejected"},
        "held": {held.id},
    }


@pytest.mark.parametrize("damage", [damage_middle_pages, garbage_over_the_header])
def test_recover_brings_back_the_unsent_ratings_of_a_set_aside_database_once(
    old_kiosk, open_counter, data_dir: Path, kioskctl, damage
):
    db = data_dir / "kiosk.db"
    damage(db)
    assert integrity_problem(db) is not None

    kiosk = open_counter()  # the next start sets the damaged file aside, makes a new one
    (aside,) = [
        path
        for path in data_dir.glob("kiosk.db.corrupt-*")
        if not path.name.endswith(("-wal", "-shm"))
    ]
    kiosk.login("CB001", "1234")
    fresh = kiosk.record(4)

    status = kioskctl("status").stdout
    assert f"set aside   {aside} holds" in status
    assert f"kioskctl recover {aside}" in status
    check = kioskctl("check", check=False)
    assert check.returncode == 1
    assert f"kioskctl recover {aside}" in check.stdout

    summary = kioskctl("recover", str(aside)).stdout
    assert summary.startswith("recovered ")

    copied = dict(rows(db, "SELECT id, seq FROM ratings WHERE id != ?", fresh.id))
    assert set(copied) <= old_kiosk["unsent"], "only ratings the center never confirmed"
    assert len(copied) >= 150, "damage to a few pages loses few ratings"
    assert old_kiosk["held"] <= set(copied), "the newest rating survived; held, then released"
    assert min(copied.values()) > max(300, fresh.seq), "seqs above every seq ever used"
    states = dict(rows(db, "SELECT id, sync_state FROM ratings"))
    assert {states[i] for i in old_kiosk["rejected"] & set(copied)} <= {"rejected"}
    assert rows(db, "SELECT count(*) FROM ratings WHERE held = 1") == [(0,)]

    again = kioskctl("recover", str(aside)).stdout
    assert again.startswith(f"nothing to recover from {aside}")
    assert len(rows(db, "SELECT id FROM ratings")) == len(copied) + 1, "a second run adds nothing"
    assert "set aside" not in kioskctl("status").stdout, "nothing is left to recover"
    assert kiosk.record(3).seq > max(copied.values()), "and later ratings follow them"


def test_recover_from_a_sound_old_copy_keeps_ids_sessions_and_states(
    old_kiosk, data_dir: Path, tmp_path: Path, kioskctl
):
    old = tmp_path / "old-kiosk.db"
    shutil.move(data_dir / "kiosk.db", old)
    kioskctl("init")  # a technician started over with an empty database
    db = data_dir / "kiosk.db"

    result = kioskctl("recover", str(old))

    assert f"recovered {len(old_kiosk['unsent'])} unconfirmed rating(s)" in result.stdout
    assert "2 of them were rejected by the center" in result.stdout
    columns = "id, officer_code, session_id, level, reasons, created_at, sync_error"
    unsent = sorted(old_kiosk["unsent"])
    marks = ",".join("?" * len(unsent))
    before = rows(old, f"SELECT {columns} FROM ratings WHERE id IN ({marks})", *unsent)
    after = rows(db, f"SELECT {columns} FROM ratings WHERE id IN ({marks})", *unsent)
    assert sorted(after) == sorted(before), "the same ratings, to the letter"
    assert min(r[0] for r in rows(db, "SELECT seq FROM ratings")) > 300
    # The sessions the ratings belong to came along, ended; the officer is there, inactive
    # (the roster decides who logs in), and nobody is logged in at the counter.
    assert rows(db, "SELECT count(*) FROM counter_sessions WHERE ended_at IS NULL") == [(0,)]
    assert rows(db, "SELECT code, full_name, active FROM officers") == [
        ("CB001", "Nguyễn Thị Hồng Nhung", 0)
    ]
    status = json.loads(kioskctl("status", "--json").stdout)
    assert (status["pending"], status["rejected"], status["officer"]) == (198, 2, None)


def test_recover_leaves_out_ratings_of_another_counter(
    old_kiosk, data_dir: Path, tmp_path: Path, kioskctl, env
):
    old = tmp_path / "old-kiosk.db"
    shutil.move(data_dir / "kiosk.db", old)
    env["KIOSK__COUNTER__ID"] = "Q08"

    result = kioskctl("recover", str(old))

    assert result.stdout.startswith("nothing to recover")
    assert "200 rating(s) of another counter were left out" in result.stdout
    assert rows(data_dir / "kiosk.db", "SELECT count(*) FROM ratings") == [(0,)]


def test_recover_from_a_file_that_is_no_kiosk_database_says_so_and_copies_nothing(
    kioskctl, tmp_path: Path, data_dir: Path
):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"shopping list\n" * 400)
    result = kioskctl("recover", str(junk), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {junk}: not a kiosk database")
    assert rows(data_dir / "kiosk.db", "SELECT count(*) FROM ratings") == [(0,)]


def test_recover_refuses_the_live_database_itself(kioskctl, data_dir: Path):
    kioskctl("init")
    result = kioskctl("recover", str(data_dir / "kiosk.db"), check=False)
    assert result.returncode == 1
    assert "is the live database" in result.stderr
