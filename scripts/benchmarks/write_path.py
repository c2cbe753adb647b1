"""Latency of Counter.record() including its COMMIT, beside a raw sqlite3 insert+commit.

Both write to the same disk, with the same PRAGMAs (WAL, synchronous=FULL), into a table
of the same shape, in the same run, interleaved so that disk noise hits both alike.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, median, percentile, serving_counter, sized  # noqa: E402

ROUNDS = sized(2000, 300)
WARMUP = sized(100, 20)


def raw_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute(
        "CREATE TABLE ratings (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL,"
        " counter_id TEXT, officer_code TEXT, department_code TEXT, session_id TEXT, turn_id TEXT,"
        " ticket TEXT, level INTEGER, reasons TEXT, lang TEXT, created_at TEXT, held INTEGER,"
        " sync_state TEXT, sync_error TEXT, attempts INTEGER, sent_at TEXT)"
    )
    connection.execute("CREATE INDEX ix_outbox ON ratings (sync_state, held, seq)")
    connection.execute("CREATE INDEX ix_created ON ratings (created_at)")
    return connection


def raw_insert(connection: sqlite3.Connection) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO ratings (id, counter_id, officer_code, department_code, session_id, level,"
        " reasons, lang, created_at, held, sync_state, attempts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (str(uuid.uuid4()), "Q07", "CB001", "CA", "s", 4, "[]", "vi",
         datetime.now(UTC).isoformat(), 0, "pending", 0),
    )  # fmt: skip
    connection.execute("COMMIT")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-write-", dir=os.environ.get("BENCH_DIR")))
    os.environ["KIOSK__STORAGE__DATA_DIR"] = str(work / "kiosk")
    os.environ["KIOSK__RATING__COOLDOWN_SECONDS"] = "0"
    os.environ["KIOSK__COUNTER__CLOSING_TIME"] = '""'
    counter = serving_counter()
    raw = raw_connection(work / "raw.db")

    ours, theirs = [], []
    for round_number in range(WARMUP + ROUNDS):
        start = time.perf_counter()
        counter.record(4 - round_number % 4)
        middle = time.perf_counter()
        raw_insert(raw)
        end = time.perf_counter()
        if round_number >= WARMUP:
            ours.append((middle - start) * 1000)
            theirs.append((end - middle) * 1000)
    counter.close()
    raw.close()
    emit("record_latency_p50", median(ours), "ms", median(theirs))
    emit("record_latency_p99", percentile(ours, 0.99), "ms", percentile(theirs, 0.99))


if __name__ == "__main__":
    main()
