"""The local database: schema upgrades, a damaged file set aside, no acknowledged rating lost."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from kiosk.counter import Counter
from kiosk.store import _alembic_config, integrity_problem, make_engine, open_store, schema_revision

HERE = Path(__file__).resolve().parent


def test_new_database_uses_wal_and_full_sync(counter: Counter):
    with counter.store.engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
    current, head = schema_revision(counter.store.engine)
    assert current == head


# --- migrations ---------------------------------------------------------------------------


def build_database_at_first_revision(path: Path, pin_hash: str) -> None:
    """What an installed kiosk of the first release holds: schema 0001, an officer, ratings."""
    engine = make_engine(path)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("INSERT INTO departments VALUES ('CA', 'Công an tỉnh')")
        connection.exec_driver_sql(
            "INSERT INTO officers VALUES ('CB001', 'Nguyễn Thị Hồng Nhung', 'Chuyên viên', 'CA',"
            " NULL, 1, ?, 0, NULL)",
            (pin_hash,),
        )
        connection.exec_driver_sql(
            "INSERT INTO counter_sessions VALUES ('s1', 'Q07', 'CB001', 'CA',"
            " '2025-03-01 01:00:00', '2025-03-01 09:00:00', 'logout', NULL)"
        )
        connection.exec_driver_sql(
            "INSERT INTO ratings (id, counter_id, officer_code, department_code, session_id,"
            " level, reasons, lang, created_at, held, sync_state, attempts) VALUES"
            " ('r1', 'Q07', 'CB001', 'CA', 's1', 4, '[]', 'vi', '2025-03-01 02:00:00', 0,"
            " 'sent', 1),"
            " ('r2', 'Q07', 'CB001', 'CA', 's1', 1, '[\"attitude\"]', 'en',"
            " '2025-03-01 03:00:00', 0, 'pending', 0)"
        )
    engine.dispose()


def test_database_made_by_the_first_migration_is_upgraded_without_losing_data(
    data_dir: Path, make_config, pin_hashes, sql
):
    data_dir.mkdir()
    db = data_dir / "kiosk.db"
    build_database_at_first_revision(db, pin_hashes["1234"])
    assert sql("SELECT version_num FROM alembic_version") == [("0001",)]

    store = open_store(db)
    current, head = schema_revision(store.engine)
    store.close()
    assert current == head != "0001"

    assert sql("SELECT id, level, reasons, lang, sync_state FROM ratings ORDER BY seq") == [
        ("r1", 4, "[]", "vi", "sent"),
        ("r2", 1, '["attitude"]', "en", "pending"),
    ]
    assert sql("SELECT full_name FROM officers") == [("Nguyễn Thị Hồng Nhung",)]

    # The upgraded database works: the old officer logs in, a new rating follows the old ones.
    with Counter.open(config=make_config()) as counter:
        counter.login("CB001", "1234")
        rating = counter.record(3)
        status = counter.status()
    assert rating.seq > 2
    assert (status.pending, status.sent) == (2, 1)
    assert sql("SELECT count(*) FROM events") == [(0,)]


def test_opening_an_up_to_date_database_again_changes_nothing(serving: Counter, data_dir, sql):
    serving.record(4)
    serving.close()
    open_store(data_dir / "kiosk.db").close()
    assert sql("SELECT count(*) FROM ratings") == [(1,)]
    assert list(data_dir.glob("*.corrupt-*")) == []


# --- a damaged database -------------------------------------------------------------------


def truncate_in_the_middle(data: bytes) -> bytes:
    return data[: len(data) // 2]


def garbage_over_the_header(data: bytes) -> bytes:
    return b"this is not a database" * 5 + data[110:]


def garbage_over_middle_pages(data: bytes) -> bytes:
    middle = len(data) // 2 // 4096 * 4096
    return data[:middle] + b"\xa5" * 8192 + data[middle + 8192 :]


def fill_then_damage(open_counter, db: Path, damage) -> bytes:
    counter = open_counter()
    counter.login("CB001", "1234")
    for number in range(300):
        counter.record(4 - number % 4)
    counter.close()
    assert not Path(f"{db}-wal").exists(), "closing checkpoints the WAL into the file"
    damaged = damage(db.read_bytes())
    db.write_bytes(damaged)
    assert integrity_problem(db) is not None
    return damaged


def set_aside_files(data_dir: Path) -> list[Path]:
    return [
        path
        for path in data_dir.glob("kiosk.db.corrupt-*")
        if not path.name.endswith(("-wal", "-shm"))
    ]


@pytest.mark.parametrize(
    "damage", [truncate_in_the_middle, garbage_over_the_header, garbage_over_middle_pages]
)
def test_damaged_database_is_set_aside_kept_and_replaced(open_counter, data_dir: Path, damage, sql):
    damaged = fill_then_damage(open_counter, data_dir / "kiosk.db", damage)

    reopened = open_counter()

    (kept,) = set_aside_files(data_dir)
    assert kept.read_bytes() == damaged, "the damaged file is kept as it was"
    assert reopened.store.set_aside == kept
    assert integrity_problem(data_dir / "kiosk.db") is None
    assert sql("SELECT count(*) FROM ratings") == [(0,)]
    reopened.login("CB001", "1234")
    reopened.record(4)
    assert sql("SELECT count(*) FROM ratings") == [(1,)]
    assert any("db_corrupt" in event and kept.name in event for event in reopened.status().events)


def test_kioskctl_status_shows_the_database_that_was_set_aside(
    open_counter, data_dir: Path, kiosk_env
):
    fill_then_damage(open_counter, data_dir / "kiosk.db", garbage_over_the_header)
    env = {**os.environ, **kiosk_env}

    assert kioskctl(env, "init").returncode == 0  # the next start finds the damage
    (kept,) = set_aside_files(data_dir)
    shown = kioskctl(env, "status")
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if "db_corrupt" in line]
    assert str(kept) in line
    # The new database is sound: opening it for status set nothing else aside.
    assert set_aside_files(data_dir) == [kept]


def kioskctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


# --- a crash in the middle of recording ---------------------------------------------------


def test_kill_9_while_recording_loses_no_acknowledged_rating(serving: Counter, kiosk_env, sql):
    serving.close()  # the child is the kiosk now
    # A one-page pipe: the child blocks on printing when we fall behind, so even a stalled
    # test process kills it well before it could finish its 1,000 ratings.
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_child.py"), "1000"],
        env={**os.environ, **kiosk_env, "PYTHONPATH": str(HERE.parent.parent)},
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(write_end)
    acknowledged = []
    with os.fdopen(read_end) as out:
        try:
            while len(acknowledged) < 100:
                line = out.readline()
                if not line:
                    break
                acknowledged.append(line.strip())
            os.kill(child.pid, signal.SIGKILL)
            errors = child.communicate(timeout=60)[1]
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert len(acknowledged) == 100, errors
        # Lines printed between our last read and the kill were acknowledged too.
        acknowledged += out.read().split("\n")[:-1]
    assert child.returncode == -signal.SIGKILL
    assert len(acknowledged) < 1000, "the child was killed in the middle, not after the end"

    db = Path(kiosk_env["KIOSK__STORAGE__DATA_DIR"]) / "kiosk.db"
    assert integrity_problem(db) is None
    stored = {row[0] for row in sql("SELECT id FROM ratings")}
    assert set(acknowledged) <= stored
    # At most the one rating being acknowledged when the kill came is stored but unprinted.
    assert len(stored) - len(set(acknowledged)) <= 1
    # And the kiosk starts again on that file.
    with Counter.open(config=serving.config) as restarted:
        assert restarted.status().pending == len(stored)


def test_the_head_the_store_skips_alembic_for_is_alembics_own_head():
    from alembic.script import ScriptDirectory

    from kiosk.migrations import HEAD

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == HEAD


def test_a_kiosk_whose_database_is_current_starts_without_importing_alembic(
    serving: Counter, kiosk_env
):
    probe = (
        "import sys\n"
        "from kiosk.counter import Counter\n"
        "Counter.open().close()\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **kiosk_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
