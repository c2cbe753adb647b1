"""Central ingest with 20 kiosks pushing at once over HTTP, beside the same ratings
inserted in-process (no HTTP, no JSON) into the same kind of database.

The central runs as ``centralctl serve`` in its own process on 127.0.0.1 with its default
SQLite file, as a single-machine center would; 20 threads play the kiosks, each sending
its backlog in batches of 500 (the kiosk's default). The baseline is the ingest function
itself on a second database file: the ratio is what HTTP, JSON and validation cost.

The ratings are a center's mix: 2 % at the lowest level (the seed center publishes 95 % at
the highest; 2 % "không hài lòng" is a bad month), the rest spread over the other levels.

Alerts on (``central_ingest_20_kiosks_alerts_on``): the same push into a fresh central
with alerts on as shipped (gathering 20 s, then a digest per department an hour) and a
webhook on 127.0.0.1 taking them; its baseline is the same push with ``[alerts] enabled =
false``. A ratio near 1 is the claim that alerts never slow ingest.

Alert storm (``central_ingest_alert_storm``): the worst case, for the record. A quarter of
the ratings at the lowest level, and the worker told to send as often as it can (no
gathering, no digest pause), so it formats and posts digests of 200 the whole time ingest
runs; its baseline is the same ratings with alerts off.

Each push runs ``ROUNDS`` times, the configurations in turn (so a slow minute of the
machine falls on all of them alike), and the median is the figure.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, median, provision_central, running_central, sized  # noqa: E402

from sync.central.db import open_database  # noqa: E402
from sync.central.ingest import ingest_batch  # noqa: E402
from sync.central.settings import DEFAULT_CONFIG, load_settings  # noqa: E402

KIOSKS = 20
PER_KIOSK = sized(2_000, 60)
BATCH = 500
ROUNDS = sized(3, 1)


def ratings_of(counter: str, lowest_every: int) -> list[dict]:
    """A kiosk's backlog; one rating in ``lowest_every`` at the lowest level."""
    start = datetime.now(UTC) - timedelta(days=3)
    return [
        {
            "id": str(uuid.uuid4()),
            "seq": n + 1,
            "created_at": (start + timedelta(seconds=30 * n)).isoformat().replace("+00:00", "Z"),
            "officer": f"{counter}-1",
            "department": "CA",
            "session": None,
            "ticket": None,
            "level": 1 if n % lowest_every == 0 else 2 + n % 3,
            "reasons": [],
            "lang": "vi",
        }
        for n in range(PER_KIOSK)
    ]


def envelope(counter: str, items: list[dict]) -> bytes:
    body = {
        "schema": 1,
        "counter": counter,
        "sent_at": datetime.now(UTC).isoformat(),
        "ratings": items,
    }
    return json.dumps(body).encode()


class _Sink(BaseHTTPRequestHandler):
    """A chat's incoming webhook that takes every message."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def pushed_rate(
    data_dir: Path, serving: dict[str, str], bodies: list[tuple[str, bytes]], settings: dict
) -> float:
    """Ratings per second the 20 kiosks push into a fresh central with ``settings``."""
    with running_central(data_dir, serving, settings=settings) as central:

        def kiosk(counter: str) -> None:
            with requests.Session() as http:
                for owner, body in bodies:
                    if owner != counter:
                        continue
                    response = http.post(
                        central.url + "/api/v1/ratings:batch",
                        data=body,
                        headers={
                            "Authorization": f"Bearer {central.tokens[counter]}",
                            "Content-Type": "application/json",
                        },
                        timeout=120,
                    )
                    response.raise_for_status()
                    if response.json()["rejected"]:  # the figure would not be of inserts
                        raise SystemExit(f"central rejected: {response.json()['rejected'][0]}")

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=KIOSKS) as pool:
            list(pool.map(kiosk, serving))
        return KIOSKS * PER_KIOSK / (time.perf_counter() - started)


def bodies_of(serving: dict[str, str], lowest_every: int) -> tuple[dict, list]:
    backlog = {counter: ratings_of(counter, lowest_every) for counter in serving}
    bodies = [
        (counter, envelope(counter, items[start : start + BATCH]))
        for counter, items in backlog.items()
        for start in range(0, len(items), BATCH)
    ]
    return backlog, bodies


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="central-bench-"))
    serving = {f"Q{n:02d}": f"Q{n:02d}-1" for n in range(KIOSKS)}
    backlog, bodies = bodies_of(serving, lowest_every=50)
    _storm_backlog, storm_bodies = bodies_of(serving, lowest_every=4)

    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    webhook = {"CENTRAL__ALERTS__WEBHOOK_URL": f"http://127.0.0.1:{sink.server_address[1]}/hook"}
    off = {"CENTRAL__ALERTS__ENABLED": "false"}
    shipped = {"CENTRAL__ALERTS__ENABLED": "true", **webhook}
    storm = {
        **shipped,
        "CENTRAL__ALERTS__GATHER_SECONDS": "0",
        "CENTRAL__ALERTS__DIGEST_MINUTES": "0",  # send as often as it can
    }
    runs: dict[str, list[float]] = {"off": [], "on": [], "storm_off": [], "storm": []}
    try:
        for round_ in range(ROUNDS):
            for name, data, settings in (
                ("off", bodies, off),
                ("on", bodies, shipped),
                ("storm_off", storm_bodies, off),
                ("storm", storm_bodies, storm),
            ):
                folder = work / f"{name}-{round_}"
                runs[name].append(pushed_rate(folder, serving, data, settings))
    finally:
        sink.shutdown()

    # The same roster and counters in a second database of the same kind, fed in-process.
    provision_central(work / "direct", serving)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    settings = load_settings(
        DEFAULT_CONFIG, environ={**env, "CENTRAL__STORAGE__DATA_DIR": str(work / "direct")}
    )
    direct = open_database(settings.database_url)
    started = time.perf_counter()
    for counter, items in backlog.items():
        for start in range(0, len(items), BATCH):
            ingest_batch(
                direct, counter, items[start : start + BATCH], (4, 3, 2, 1), settings.report.tz
            )
    in_process = KIOSKS * PER_KIOSK / (time.perf_counter() - started)
    direct.close()
    print(f"bench: ingest runs (ratings/s): {runs}", file=sys.stderr)
    served = median(runs["off"])
    emit("central_ingest_20_kiosks", served, "ratings/s", in_process)
    emit("central_ingest_20_kiosks_alerts_on", median(runs["on"]), "ratings/s", served)
    emit(
        "central_ingest_alert_storm", median(runs["storm"]), "ratings/s", median(runs["storm_off"])
    )


if __name__ == "__main__":
    main()
