"""A normal kiosk's heartbeat and push while attackers on the LAN do their worst, beside
the same requests to the same central when it is idle.

The central runs as ``centralctl serve`` in its own process (SQLite, shipped settings).
One kiosk (counter Q01, from 127.0.0.1) sends a heartbeat and a one-rating batch in turn,
one after the other, and each answer's time is taken. First on the idle central (the
baseline), then while, from other addresses of the loopback range (other machines of the
LAN, as far as the central can tell):

- two clients holding a stolen counter token (Q99) post, four at a time each, 1.95 MB
  bodies of 650,000 empty ratings and 1.9 MB bodies of 950,000 bare ``1``s, over and over;
- one client keeps 1,050 connections open and opens a new one whenever one is closed.

The attackers run in a process of their own at the lowest priority (nice 19): on a LAN
they are other machines, and here they should take only the CPU the central leaves.

Figures: the kiosk's heartbeat and push p50 / p99 under attack, each beside the same
figure on the idle central (the ratio is what the attack costs a kiosk), and the share
of the kiosk's requests that were not answered 200 under attack (no baseline: zero is
the claim).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, percentile, running_central, sized  # noqa: E402

SAMPLES = sized(300, 30)
HOLD = sized(1_050, 200)
ENVELOPE = (
    '{"schema":1,"counter":"Q99","device":"x","app_version":"1",'
    '"sent_at":"2026-12-08T00:00:00Z","ratings":['
)
WORST_BODIES = [
    (ENVELOPE + ",".join(["{}"] * 650_000) + "]}").encode(),
    (ENVELOPE + ",".join(["1"] * 950_000) + "]}").encode(),
]


def now_text() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def kiosk_requests(url: str, token: str) -> tuple[list[float], list[float], int]:
    """(heartbeat seconds, push seconds, answers that were not 200) of SAMPLES rounds."""
    beats, pushes, failed = [], [], 0
    auth = {"Authorization": f"Bearer {token}"}
    with requests.Session() as http_session:
        for n in range(SAMPLES):
            started = time.perf_counter()
            beat = http_session.post(
                f"{url}/api/v1/counters/Q01/heartbeat",
                json={"pending": 0, "app_version": "bench", "kiosk_time": now_text()},
                headers=auth,
                timeout=120,
            )
            beats.append(time.perf_counter() - started)
            rating = {
                "id": str(uuid.uuid4()),
                "seq": n + 1,
                "created_at": now_text(),
                "officer": "CB001",
                "department": "CA",
                "session": None,
                "ticket": None,
                "level": 4,
                "reasons": [],
                "lang": "vi",
            }
            body = {
                "schema": 1,
                "counter": "Q01",
                "device": "bench",
                "app_version": "bench",
                "sent_at": now_text(),
                "ratings": [rating],
            }
            started = time.perf_counter()
            push = http_session.post(
                f"{url}/api/v1/ratings:batch", json=body, headers=auth, timeout=120
            )
            pushes.append(time.perf_counter() - started)
            failed += (beat.status_code != 200) + (push.status_code != 200)
    return beats, pushes, failed


def worst_bodies(port: int, token: str, source: str, body: bytes, stop: Any) -> None:
    """Post ``body`` over and over from ``source``, whatever the answer."""
    while not stop.is_set():
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(source, 0)
        )
        try:
            connection.request(
                "POST",
                "/api/v1/ratings:batch",
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            connection.getresponse().read()
        except OSError:
            time.sleep(0.05)  # refused or cut: straight back at it
        finally:
            connection.close()


def hold_connections(port: int, source: str, stop: Any) -> None:
    """Keep HOLD connections open from ``source``, opening a new one for each one lost."""
    import select
    import socket

    held: list[socket.socket] = []
    while not stop.is_set():
        while len(held) < HOLD and not stop.is_set():
            sock = socket.socket()
            sock.setblocking(True)
            sock.settimeout(2)
            try:
                sock.bind((source, 0))
                sock.connect(("127.0.0.1", port))
            except OSError:
                sock.close()
                break
            held.append(sock)
        # poll, not select: select() cannot watch descriptors past 1024.
        watch = select.poll()
        for sock in held:
            watch.register(sock, select.POLLIN)
        by_fd = {sock.fileno(): sock for sock in held}
        for fd, _event in watch.poll(200) if held else []:
            sock = by_fd[fd]  # an answer or a close: either way the central let it go
            held.remove(sock)
            sock.close()
    for sock in held:
        sock.close()


def attackers(port: int, token: str, stop: Any) -> None:
    """The attack, in a process of its own at the lowest priority: on the LAN it runs on
    other machines, so here it should take only the CPU the central leaves."""
    os.nice(19)
    threads = [
        threading.Thread(target=worst_bodies, args=(port, token, source, body, stop))
        for source, body in (("127.0.0.2", WORST_BODIES[0]), ("127.0.0.3", WORST_BODIES[1]))
        for _ in range(4)
    ]
    threads.append(threading.Thread(target=hold_connections, args=(port, "127.0.0.4", stop)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="central-attack-"))
    serving = {"Q01": "CB001", "Q99": "CB099"}
    with running_central(work / "central", serving) as central:
        port = int(central.url.rsplit(":", 1)[1])
        token = central.tokens["Q01"]
        kiosk_requests(central.url, token)  # warm: first connections, caches
        idle_beats, idle_pushes, _ = kiosk_requests(central.url, token)

        stop = multiprocessing.Event()
        attack = multiprocessing.Process(
            target=attackers, args=(port, central.tokens["Q99"], stop), daemon=True
        )
        attack.start()
        time.sleep(sized(3, 1))  # the attack is on
        try:
            beats, pushes, failed = kiosk_requests(central.url, token)
        finally:
            stop.set()
            attack.join(timeout=90)
    print(
        "bench: under attack "
        + json.dumps({"failed": failed, "samples": 2 * SAMPLES, "held": HOLD}),
        file=sys.stderr,
    )
    for name, attacked, idle in (
        ("heartbeat", beats, idle_beats),
        ("push", pushes, idle_pushes),
    ):
        for label, fraction in (("p50", 0.5), ("p99", 0.99)):
            emit(
                f"central_{name}_under_attack_{label}",
                percentile(attacked, fraction) * 1000,
                "ms",
                percentile(idle, fraction) * 1000,
            )
    emit("central_kiosk_refused_under_attack", failed / (2 * SAMPLES) * 100, "%")


if __name__ == "__main__":
    main()
