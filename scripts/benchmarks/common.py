"""Helpers shared by the benchmarks: the run's size (full or quick), percentiles, the
JSON line every figure prints, a logged-in counter, and a real central to push to.

Quick runs: ``scripts/bench --quick`` sets ``BENCH_QUICK=1`` for every benchmark. A
benchmark reads it through ``sized(full, quick)`` for each of its sizes (rounds, backlog,
taps...), so the whole run is a smoke test of well under a minute; its figures are not
the ones docs/performance.md publishes. A new benchmark adopts it with one line, e.g.
``ROUNDS = sized(2000, 100)``.

Baselines: ``emit(..., baseline=...)`` only with a figure measured in the same run, on
the same machine, beside the one it is compared with; never a target. A figure with no
honest baseline passes ``baseline=None`` and its ratio is null.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import requests

QUICK = os.environ.get("BENCH_QUICK", "") == "1"
BIN = Path(sys.executable).parent

T = TypeVar("T")


def sized(full: T, quick: T) -> T:
    """``quick`` in a quick run (BENCH_QUICK=1), ``full`` otherwise."""
    return quick if QUICK else full


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def emit(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    line = {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": ratio,
    }
    print(json.dumps(line), flush=True)


def serving_counter(environ=None, officer: str = "CB001"):
    """A counter as it is when citizens come: ``officer`` on the roster, logged in.
    ``environ`` (KIOSK__* overrides) defaults to the process environment."""
    from kiosk.config import load_config
    from kiosk.counter import Counter
    from kiosk.pins import hash_pin
    from kiosk.roster import upsert_officer

    counter = Counter.open(config=load_config(environ=environ))
    with counter.store.write() as session:
        upsert_officer(
            session,
            code=officer,
            full_name="Nguyễn Thị Hồng Nhung",
            title="Chuyên viên",
            department="CA",
            pin_hash=hash_pin("1234"),
        )
    counter.login(officer, "1234")
    return counter


def roster_file(path: Path, codes: list[str], department: str = "CA") -> Path:
    """A roster file of these officers (PIN 123456), for the center to know them: it refuses
    ratings of officers it never had."""
    lines = ["code,full_name,department,pin"]
    lines += [f"{code},Cán bộ {code},{department},123456" for code in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class Central:
    url: str
    data_dir: Path
    tokens: dict[str, str]  # counter id -> its token
    database_url: str = ""  # empty: SQLite in data_dir

    @property
    def environ(self) -> dict[str, str]:
        """The environment of a ``centralctl`` command on this central's database."""
        return central_environ(self.data_dir, self.database_url)


def central_environ(data_dir: Path, database_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    env["CENTRAL__STORAGE__DATA_DIR"] = str(data_dir)
    if database_url:
        env["CENTRAL__DATABASE__URL"] = database_url
    return env


def provision_central(
    data_dir: Path, counters: dict[str, str], department: str = "CA", database_url: str = ""
) -> dict:
    """A central database with ``department``, the officers and the counters of
    ``counters`` (counter id -> the officer who serves there); returns their tokens."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from sync.central import accounts, roster
    from sync.central.db import open_database
    from sync.central.settings import DEFAULT_CONFIG, load_settings

    settings = load_settings(DEFAULT_CONFIG, environ=central_environ(data_dir, database_url))
    db = open_database(settings.database_url)
    try:
        roster.add_department(db, department, "Công an tỉnh")
        data_dir.mkdir(parents=True, exist_ok=True)
        officers = roster_file(
            data_dir / "officers.csv", sorted(set(counters.values())), department
        )
        roster.import_officers(db, officers, min_pin_digits=settings.roster.min_pin_digits)
        # Registered as rating for a month already: the benchmarks' backlogs are days old,
        # and the central refuses ratings older than their counter (sync.central.filing).
        since = datetime.now(UTC) - timedelta(days=30)
        return {
            counter: accounts.add_counter(db, counter, department, since) for counter in counters
        }
    finally:
        db.close()


@contextlib.contextmanager
def running_central(
    data_dir: Path,
    counters: dict[str, str],
    database_url: str = "",
    settings: dict[str, str] | None = None,
) -> Iterator[Central]:
    """A real ``centralctl serve`` (SQLite in ``data_dir`` unless ``database_url``) on
    127.0.0.1, in its own process as a single-machine center runs it, provisioned as
    provision_central. ``settings``: CENTRAL__* variables for the server, e.g. the
    alerts' webhook."""
    tokens = provision_central(data_dir, counters, database_url=database_url)
    central = Central("", data_dir, tokens, database_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(BIN / "centralctl"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        + ["--log-level", "warning"],
        env={**central.environ, **(settings or {})},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/healthz", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("central did not start") from None
                time.sleep(0.2)
        yield Central(url, data_dir, tokens, database_url)
    finally:
        server.terminate()
        server.wait(timeout=30)


def central_total(central: Central) -> int:
    """Ratings the central counts, from its own report (``centralctl report``)."""
    report = subprocess.run(
        [str(BIN / "centralctl"), "report", "--by", "counter", "--format", "json"],
        env=central.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(report.stdout)["total"]["total"]
