"""A write-ahead log that could not be checkpointed for a while (a reader holding an old
snapshot: a long export, a stuck backup) grows; once the reader is gone the kiosk's next
checkpoints must give the space back, or one busy morning keeps a small disk full."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.counter import Counter
from kiosk.store import WAL_LIMIT_BYTES

BURST = 600  # ratings while the reader holds the log: several times the limit


def wal_size(data_dir: Path) -> int:
    wal = data_dir / "kiosk.db-wal"
    return wal.stat().st_size if wal.exists() else 0


def test_the_log_grows_behind_a_stuck_reader_and_shrinks_once_it_is_gone(
    serving: Counter, data_dir: Path
):
    reader = sqlite3.connect(data_dir / "kiosk.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ratings").fetchone()  # pins the snapshot
    try:
        for number in range(BURST):
            serving.record(4 - number % 4)
        grown = wal_size(data_dir)
        assert grown > WAL_LIMIT_BYTES, "the burst should outgrow the limit behind the reader"
    finally:
        reader.execute("COMMIT")
        reader.close()
    # The reader is gone: the next automatic checkpoints empty the log and cut the file.
    for number in range(BURST):
        serving.record(4 - number % 4)
        if wal_size(data_dir) <= WAL_LIMIT_BYTES:
            break
    assert wal_size(data_dir) <= WAL_LIMIT_BYTES, f"the log stayed at {wal_size(data_dir)} bytes"
    # Nothing was lost on the way.
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        assert db.execute("SELECT count(*) FROM ratings").fetchone()[0] >= BURST + 1


def test_taps_are_stored_while_backups_run(serving: Counter, data_dir: Path, tmp_path: Path):
    """A backup in progress (the nightly timer, a technician's kioskctl backup) never
    holds the database against a citizen's tap: WAL lets the writer go on, and each
    backup is still a sound copy."""
    import threading

    from kiosk import maintenance

    for number in range(BURST):  # a database of several backup steps
        serving.record(4 - number % 4)
    made: list[Path] = []
    failures: list[BaseException] = []

    def back_up() -> None:
        try:
            for number in range(3):
                made.append(maintenance.backup(serving.store, tmp_path / f"copy-{number}.db"))
        except BaseException as exc:  # reported by the test below
            failures.append(exc)

    worker = threading.Thread(target=back_up)
    worker.start()
    taps = 0
    while worker.is_alive() or taps < 50:
        serving.record(4)  # raises if the database is locked
        taps += 1
    worker.join()
    assert not failures, failures
    assert len(made) == 3
    for copy in made:
        with sqlite3.connect(copy) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("SELECT count(*) FROM ratings").fetchone()[0] >= BURST
