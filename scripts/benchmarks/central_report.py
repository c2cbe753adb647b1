"""A department report over a year of 10 million ratings, and over its last day, each
beside the one SQL query that report needs, run through the same engine in the same run.

Reports read only the ``daily_counts`` rollup that ingest maintains, so the benchmark
fills that table with what a year of 10,000,000 ratings leaves in it (365 days x 20
counters x 3 officers per counter x 4 levels, counts summing to exactly 10,000,000) rather
than spending an hour inserting rating rows no report reads. Default SQLite settings.

The baseline is ``reports.tally_query`` (SELECT group, level, sum(count) ... GROUP BY on
the rollup) executed alone and fetched; the figure is the whole ``satisfaction_report``
(that query, the names of the groups, the rows and totals in Python). Report and query
take turns in every round, so the machine's noise falls on both alike. The ratio is what
the report adds to its SQL.
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
from common import emit, median, sized  # noqa: E402

from sync.central.db import open_database  # noqa: E402
from sync.central.models import daily_counts, departments  # noqa: E402
from sync.central.reports import satisfaction_report, tally_query  # noqa: E402
from sync.central.settings import DEFAULT_CONFIG, load_settings  # noqa: E402

DAYS = sized(365, 30)
TOTAL = 10_000_000 * DAYS // 365
COUNTERS, OFFICERS, LEVELS = 20, 3, (4, 3, 2, 1)
ROUNDS = sized(7, 3)


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

    def report_ms(start: date, end: date) -> tuple[float, int]:
        began = time.perf_counter()
        report = satisfaction_report(db, settings.report, "department", start, end)
        return (time.perf_counter() - began) * 1000, report.overall.total if report.overall else 0

    def query_ms(start: date, end: date) -> tuple[float, int]:
        began = time.perf_counter()
        with db.read() as connection:
            tallies = connection.execute(tally_query("department", start, end)).all()
        return (time.perf_counter() - began) * 1000, sum(int(row[2]) for row in tallies)

    timings: dict[str, list[float]] = {"year": [], "year_sql": [], "day": [], "day_sql": []}
    for _ in range(ROUNDS):
        for name, timed, start in (
            ("year", report_ms, first),
            ("year_sql", query_ms, first),
            ("day", report_ms, last),
            ("day_sql", query_ms, last),
        ):
            elapsed, counted = timed(start, last)
            if start == first and counted != TOTAL:
                raise SystemExit(f"{name}: counted {counted} ratings, expected {TOTAL}")
            timings[name].append(elapsed)
    db.close()
    emit("central_report_department_year", *_vs(timings, "year"))
    emit("central_report_department_one_day", *_vs(timings, "day"))


def _vs(timings: dict[str, list[float]], name: str) -> tuple[float, str, float]:
    return median(timings[name]), "ms", median(timings[name + "_sql"])


if __name__ == "__main__":
    main()
