"""A rating's seq is never handed out twice in the life of a kiosk: not after a prune, not
after an upgrade, not in a new database made when a damaged one was set aside."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from kiosk.counter import Counter
from kiosk.store import _alembic_config, make_engine, open_store, schema_revision

TOMORROW = "2100-01-01"  # prune "sent before" a day after every rating of the test


def confirm_all(db: Path) -> None:
    """What the syncer does when the center answers: every rating is sent."""
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE ratings SET sync_state = 'sent', sent_at = created_at")
    connection.close()


def test_a_rating_after_kioskctl_prune_gets_a_seq_above_every_seq_ever_used(
    serving: Counter, kioskctl, data_dir: Path, sql
):
    used = [serving.record(4).seq for _ in range(5)]
    confirm_all(data_dir / "kiosk.db")

    assert "deleted 5 ratings" in kioskctl("prune", "--sent-before", TOMORROW).stdout
    assert sql("SELECT count(*) FROM ratings") == [(0,)]

    assert serving.record(3).seq > max(used)


def test_deleting_the_newest_ratings_and_restarting_does_not_reuse_their_seqs(
    open_counter, data_dir: Path, sql
):
    counter = open_counter()
    counter.login("CB001", "1234")
    used = [counter.record(4).seq for _ in range(6)]
    confirm_all(data_dir / "kiosk.db")
    connection = sqlite3.connect(data_dir / "kiosk.db")
    with connection:  # the three newest are pruned (as if created before the prune day)
        connection.execute("DELETE FROM ratings WHERE seq > 3")
    connection.close()
    counter.close()

    restarted = open_counter()
    restarted.login("CB001", "1234")
    assert restarted.record(2).seq > max(used)


def build_database_at_revision_0002(path: Path, pin_hash: str) -> list[tuple]:
    """An installed kiosk of the previous release: schema 0002, ratings with gaps in seq."""
    engine = make_engine(path)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.exec_driver_sql("INSERT INTO departments VALUES ('CA', 'Công an tỉnh')")
        connection.exec_driver_sql(
            "INSERT INTO officers VALUES ('CB001', 'Nguyễn Thị Hồng Nhung', 'Chuyên viên', 'CA',"
            " NULL, 1, ?, 2, NULL)",
            (pin_hash,),
        )
        connection.exec_driver_sql(
            "INSERT INTO counter_sessions VALUES ('s1', 'Q07', 'CB001', 'CA',"
            " '2025-03-01 01:00:00.000000', NULL, NULL, NULL)"
        )
        connection.exec_driver_sql(
            "INSERT INTO ratings (seq, id, counter_id, officer_code, department_code, session_id,"
            " turn_id, ticket, level, reasons, lang, created_at, held, sync_state, sync_error,"
            " attempts, sent_at) VALUES"
            " (3, 'r3', 'Q07', 'CB001', 'CA', 's1', NULL, NULL, 4, '[]', 'vi',"
            " '2025-03-01 02:00:00.000000', 0, 'sent', NULL, 1, '2025-03-01 02:00:05.000000'),"
            " (7, 'r7', 'Q07', 'CB001', 'CA', 's1', 't7', 'HS-007', 1, '[\"attitude\"]', 'en',"
            " '2025-03-01 03:00:00.000000', 0, 'rejected', 'central: unknown officer', 2, NULL),"
            " (9, 'r9', 'Q07', 'CB001', 'CA', 's1', NULL, NULL, 2, '[]', 'vi',"
            " '2025-03-01 04:00:00.000000', 1, 'pending', NULL, 0, NULL)"
        )
        rows = connection.exec_driver_sql(RATING_ROWS).fetchall()
    engine.dispose()
    return rows


RATING_ROWS = (
    "SELECT seq, id, counter_id, officer_code, department_code, session_id, turn_id, ticket,"
    " level, reasons, lang, created_at, held, sync_state, sync_error, attempts, sent_at"
    " FROM ratings ORDER BY seq"
)


def test_a_0002_database_upgrades_with_its_ratings_intact_and_seq_continues_above_them(
    data_dir: Path, make_config, pin_hashes, sql
):
    data_dir.mkdir()
    db = data_dir / "kiosk.db"
    before = build_database_at_revision_0002(db, pin_hashes["1234"])

    store = open_store(db)
    current, head = schema_revision(store.engine)
    store.close()

    assert current == head != "0002"
    assert sql(RATING_ROWS) == before, "every rating, every column, every seq kept"
    assert sql("SELECT failed_attempts FROM officers") == [(2,)]
    (schema,) = sql("SELECT sql FROM sqlite_master WHERE name = 'ratings'")
    assert "AUTOINCREMENT" in schema[0]
    assert sql("SELECT seq FROM sqlite_sequence WHERE name = 'ratings'") == [(9,)]

    with Counter.open(config=make_config()) as counter:
        counter.login("CB001", "1234")
        assert counter.record(3).seq == 10


def test_an_emptied_0002_database_upgrades_and_keeps_one_sequence_row(data_dir: Path, sql):
    data_dir.mkdir()
    db = data_dir / "kiosk.db"
    engine = make_engine(db)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    engine.dispose()

    open_store(db).close()

    assert sql("SELECT name, seq FROM sqlite_sequence") == [("ratings", 0)]


def test_a_new_database_made_after_a_damaged_one_continues_the_old_seq(
    open_counter, data_dir: Path
):
    counter = open_counter()
    counter.login("CB001", "1234")
    used = [counter.record(4).seq for _ in range(300)]
    counter.close()
    db = data_dir / "kiosk.db"
    data = db.read_bytes()
    middle = len(data) // 2 // 4096 * 4096
    db.write_bytes(data[:middle] + b"\xa5" * 8192 + data[middle + 8192 :])

    reopened = open_counter()
    assert reopened.store.set_aside is not None, "the damaged file was set aside"
    reopened.login("CB001", "1234")
    assert reopened.record(4).seq > max(used), "the center has seen the old seqs"
