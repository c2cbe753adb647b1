"""A department report over 10 million ratings (target: under 1,000 ms), beside the same
report over one day.

Reports read only the ``daily_counts`` rollup that ingest maintains, so the benchmark
fills that table with what a year of 10,000,000 ratings leaves in it (365 days x 20
counters x 3 officers per counter x 4 levels, counts summing to exactly 10,000,000) rather
than spending an hour inserting rating rows no report reads. Default SQLite settings.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, median  # noqa: E402

from sync.central.db import open_database  # noqa: E402
from sync.central.models import daily_counts, departments  # noqa: E402
from sync.central.reports import satisfaction_report  # noqa: E402
from sync.central.settings import DEFAULT_CONFIG, load_settings  # noqa: E402

TOTAL = 10_000_000
DAYS, COUNTERS, OFFICERS, LEVELS = 365, 20, 3, (4, 3, 2, 1)
ROUNDS = 5


def rollup_rows(first_day: date) -> list[dict]:
    random.seed(7)
    keys = [
        (first_day + timedelta(days=d), f"Q{c:02d}", f"Q{c:02d}-{o}", f"D{c % 8}", level)
        for d in range(DAYS)
        for c in range(COUNTERS)
        for o in range(OFFICERS)
        for level in LEVELS
    ]
    weights = {4: 0.9, 3: 0.06, 2: 0.03, 1: 0.01}
    raw = [weights[key[4]] * random.uniform(0.5, 1.5) for key in keys]
    scale = TOTAL / sum(raw)
    counts = [int(value * scale) for value in raw]
    counts[0] += TOTAL - sum(counts)
    names = ("day", "counter", "officer", "department", "level")
    return [
        dict(zip(names, key, strict=True), count=n) for key, n in zip(keys, counts, strict=True)
    ]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="central-report-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    env["CENTRAL__STORAGE__DATA_DIR"] = str(work)
    settings = load_settings(DEFAULT_CONFIG, environ=env)
    db = open_database(settings.database_url)
    first = date(2025, 1, 1)
    rows = rollup_rows(first)
    with db.write() as connection:
        connection.execute(
            departments.insert(), [{"code": f"D{n}", "name": f"Dept {n}"} for n in range(8)]
        )
        connection.execute(daily_counts.insert(), rows)
    last = first + timedelta(days=DAYS - 1)

    def timed(start: date, end: date) -> tuple[float, int]:
        began = time.perf_counter()
        report = satisfaction_report(db, settings.report, "department", start, end)
        return (time.perf_counter() - began) * 1000, report.overall.total if report.overall else 0

    year, one_day = [], []
    for _ in range(ROUNDS):
        elapsed, counted = timed(first, last)
        assert counted == TOTAL, counted
        year.append(elapsed)
        one_day.append(timed(last, last)[0])
    db.close()
    emit("central_report_department_10M", median(year), "ms", median(one_day))


if __name__ == "__main__":
    main()
