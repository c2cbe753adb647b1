"""Drain of a 100,000-rating backlog from one kiosk to the central on loopback.

A kiosk that was offline for days comes back: the real ``SyncClient`` reads its SQLite
outbox, POSTs batches of 500 to a real ``centralctl serve`` (SQLite, its own process) on
127.0.0.1, and marks every rating sent. The figure is ratings per second from the first
request to an empty outbox; its baseline is the issue's target (10,000/s), so a ratio of
1 or more meets it. The backlog is written in one transaction (set-up, not measured).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, roster_file, serving_counter  # noqa: E402

BACKLOG = int(os.environ.get("DRAIN_BACKLOG", "100000"))
TARGET_PER_SECOND = 10_000
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_central(work: Path) -> tuple[subprocess.Popen, str, str]:
    env = {**os.environ, "CENTRAL__STORAGE__DATA_DIR": str(work / "central")}
    ctl = [str(BIN / "centralctl")]
    subprocess.run([*ctl, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*ctl, "department", "add", "CA", "Công an tỉnh"], env=env, check=True, capture_output=True
    )
    officers = roster_file(work / "officers.csv", ["CB001"])
    subprocess.run([*ctl, "officer", "import", str(officers)], env=env, check=True)
    added = subprocess.run(
        [*ctl, "counter", "add", "Q07", "--department", "CA"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    token = added.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [*ctl, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/healthz", timeout=1)
            return server, url, token
        except requests.RequestException:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("central did not start")


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


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-drain-"))
    server, url, token = start_central(work)
    try:
        (work / "token").write_text(token)
        os.environ.update(
            {
                "KIOSK__STORAGE__DATA_DIR": str(work / "kiosk"),
                "KIOSK__CENTRAL__URL": url,
                "KIOSK__CENTRAL__TOKEN_FILE": str(work / "token"),
                "KIOSK__COUNTER__CLOSING_TIME": '""',
            }
        )
        from sync.client import SyncClient

        counter = serving_counter()
        fill_backlog(counter)
        client = SyncClient(counter.config, counter.store)
        started = time.perf_counter()
        left = client.drain(give_up_after=120)
        elapsed = time.perf_counter() - started
        if left:
            raise SystemExit(f"drain left {left} ratings pending")
        report = subprocess.run(
            [str(BIN / "centralctl"), "report", "--by", "counter", "--format", "json"],
            env={**os.environ, "CENTRAL__STORAGE__DATA_DIR": str(work / "central")},
            capture_output=True,
            text=True,
            check=True,
        )
        total = json.loads(report.stdout)["total"]["total"]
        if total != BACKLOG:
            raise SystemExit(f"central counts {total} ratings, expected {BACKLOG}")
        client.close()
        counter.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    emit("sync_drain_100k_backlog", BACKLOG / elapsed, "ratings/s", TARGET_PER_SECOND)


if __name__ == "__main__":
    main()
