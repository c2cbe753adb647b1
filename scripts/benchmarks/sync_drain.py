"""Drain of a 100,000-rating backlog from one kiosk to the central on loopback, beside a
raw ``requests`` POST loop sending the same batches to the same central.

A kiosk that was offline for days comes back: the real ``SyncClient`` reads its SQLite
outbox, POSTs batches of 500 (two in flight) to a real ``centralctl serve`` (SQLite, its
own process) on 127.0.0.1, and marks every rating sent. The figure is ratings per second
from the first request to an empty outbox.

The baseline sends the same backlog as the client would: the bodies are made beforehand
by the client's own encoding (sync.outbox, sync.protocol) from the same outbox rows, with
fresh rating ids of the same length so that the central stores them as new ratings (the
same work for it, the same bytes on the wire). Two threads, one ``requests.Session``
each, keep two batches in flight, as the client does. So the ratio is what the client
adds: reading the outbox, encoding, checking the answers, marking the ratings sent. The
baseline runs first, so the client's ratings meet the fuller table (the cautious order).
The backlog is written in one transaction (set-up, not measured).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import central_total, emit, running_central, serving_counter, sized  # noqa: E402

BACKLOG = int(os.environ.get("DRAIN_BACKLOG", sized(100_000, 4_000)))


def fill_backlog(counter) -> None:
    """BACKLOG ratings over the last 20 days, as an offline kiosk would hold them."""
    from kiosk.ratings import sql_time

    session_id = str(uuid.uuid4())
    start = datetime.now(UTC) - timedelta(days=20)
    step = timedelta(days=20) / BACKLOG
    rows = [
        (str(uuid.uuid4()), "Q07", "CB001", "CA", session_id, 4 - i % 4, "[]", "vi",
         sql_time(start + i * step), 0, "pending", 0)
        for i in range(BACKLOG)
    ]  # fmt: skip
    with counter.store.write() as session:
        raw = session.connection().connection.driver_connection
        raw.execute(
            "INSERT INTO counter_sessions (id, counter_id, officer_code, department_code,"
            " started_at) VALUES (?, 'Q07', 'CB001', 'CA', ?)",
            (session_id, sql_time(start)),
        )
        raw.executemany(
            "INSERT INTO ratings (id, counter_id, officer_code, department_code, session_id,"
            " level, reasons, lang, created_at, held, sync_state, attempts)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def same_batches(counter, size: int) -> list[bytes]:
    """The bodies the client would send for this outbox, encoded by the client's own code,
    each rating under a fresh id (36 characters, as every id)."""
    from kiosk import __version__
    from sync import outbox, protocol

    rows = outbox.next_batch(counter.store, BACKLOG)
    bodies = []
    for start in range(0, len(rows), size):
        wire, invalid = outbox.encode(rows[start : start + size])
        assert not invalid, invalid
        items = [item.model_copy(update={"id": str(uuid.uuid4())}) for _row, item in wire]
        payload = protocol.BatchRequest(
            schema=protocol.SCHEMA_VERSION,
            counter=counter.config.counter.id,
            device=protocol.clean_text(platform.node()),
            app_version=__version__,
            sent_at=datetime.now(UTC),
            ratings=items,
        )
        bodies.append(payload.model_dump_json().encode())
    return bodies


def post_all(url: str, token: str, bodies: list[bytes], in_flight: int) -> float:
    """POST every body, ``in_flight`` at a time; seconds from the first to the last answer."""
    from sync import protocol

    queue = iter(bodies)
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                response = http.post(
                    url + protocol.BATCH_PATH,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=(10, 120),
                )
                if response.status_code != 200 or response.json()["rejected"]:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    return

    threads = [threading.Thread(target=worker) for _ in range(in_flight)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"raw POST loop: the central answered {failures[0]}")
    return elapsed


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    with running_central(work / "central", {"Q07": "CB001"}) as central:
        (work / "token").write_text(central.tokens["Q07"])
        os.environ.update(
            {
                "KIOSK__STORAGE__DATA_DIR": str(work / "kiosk"),
                "KIOSK__CENTRAL__URL": central.url,
                "KIOSK__CENTRAL__TOKEN_FILE": str(work / "token"),
                "KIOSK__COUNTER__CLOSING_TIME": '""',
            }
        )
        from sync.client import IN_FLIGHT, SyncClient

        counter = serving_counter()
        fill_backlog(counter)
        client = SyncClient(counter.config, counter.store)
        bodies = same_batches(counter, client.batch_size)
        raw_seconds = post_all(central.url, central.tokens["Q07"], bodies, IN_FLIGHT)

        started = time.perf_counter()
        left = client.drain(give_up_after=120)
        elapsed = time.perf_counter() - started
        if left:
            raise SystemExit(f"drain left {left} ratings pending")
        client.close()
        counter.close()
        total = central_total(central)
        if total != 2 * BACKLOG:
            raise SystemExit(f"central counts {total} ratings, expected {2 * BACKLOG}")
    emit("sync_drain_backlog", BACKLOG / elapsed, "ratings/s", BACKLOG / raw_seconds)


if __name__ == "__main__":
    main()
