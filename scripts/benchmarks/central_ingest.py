"""Central ingest with 20 kiosks pushing at once over HTTP, beside the same ratings
inserted in-process (no HTTP, no JSON) into the same kind of database.

The central runs as ``centralctl serve`` in its own process on 127.0.0.1 with its default
SQLite file, as a single-machine center would; 20 threads play the kiosks, each sending
its backlog in batches of 500 (the kiosk's default). The baseline is the ingest function
itself on a second database file: the ratio is what HTTP, JSON and validation cost.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, provision_central, running_central, sized  # noqa: E402

from sync.central.db import open_database  # noqa: E402
from sync.central.ingest import ingest_batch  # noqa: E402
from sync.central.settings import DEFAULT_CONFIG, load_settings  # noqa: E402

KIOSKS = 20
PER_KIOSK = sized(2_000, 250)
BATCH = 500


def ratings_of(counter: str) -> list[dict]:
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
            "level": 1 + n % 4,
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


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="central-bench-"))
    serving = {f"Q{n:02d}": f"Q{n:02d}-1" for n in range(KIOSKS)}
    backlog = {counter: ratings_of(counter) for counter in serving}
    bodies = [
        (counter, envelope(counter, items[start : start + BATCH]))
        for counter, items in backlog.items()
        for start in range(0, len(items), BATCH)
    ]

    with running_central(work / "served", serving) as central:

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
        served = KIOSKS * PER_KIOSK / (time.perf_counter() - started)

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
    emit("central_ingest_20_kiosks", served, "ratings/s", in_process)


if __name__ == "__main__":
    main()
