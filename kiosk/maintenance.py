"""Technician work on a kiosk's data: export, online backup.

Used by ``kioskctl``; none of it changes a rating.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from kiosk.config import KioskConfig
from kiosk.models import Rating
from kiosk.store import Store, integrity_problem
from sync.csvsafe import safe_cell

EXPORT_FIELDS = (
    "id", "seq", "created_at", "counter", "officer", "department", "session", "ticket",
    "level", "reasons", "lang", "sync_state", "sync_error",
)  # fmt: skip

Progress = Callable[[int, int], None]


class ProgressLine:
    """Progress on stderr: a live line on a terminal, a line per 10% otherwise."""

    def __init__(self, label: str, stream: TextIO | None = None):
        # The stderr of the moment, not of import time (a caller may have replaced it).
        self.label, self.stream = label, stream or sys.stderr
        self.live = self.stream.isatty()
        self._last_step = -1
        self._last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total <= 0 else int(done * 100 / total)
        if self.live:
            now = time.monotonic()
            if now - self._last_draw > 0.1 or done >= total:
                self._last_draw = now
                end = "\n" if done >= total else ""
                self.stream.write(f"\r{self.label}: {done}/{total} ({percent}%){end}")
                self.stream.flush()
        elif percent // 10 != self._last_step:
            self._last_step = percent // 10
            self.stream.write(f"{self.label}: {done}/{total} ({percent}%)\n")


def day_bounds(
    config: KioskConfig, first: date | None, last: date | None
) -> tuple[datetime | None, datetime | None]:
    """Local days [first, last] as UTC instants [start, end)."""
    tz = config.counter.tz
    start = datetime.combine(first, datetime.min.time(), tz) if first else None
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz) if last else None
    return start, end


def _export_query(query, start: datetime | None, end: datetime | None):
    if start:
        query = query.where(Rating.created_at >= start)
    if end:
        query = query.where(Rating.created_at < end)
    return query


def export_count(store: Store, start: datetime | None, end: datetime | None) -> int:
    with store.read() as session:
        return session.scalar(_export_query(select(func.count(Rating.seq)), start, end)) or 0


def export_rows(
    store: Store, start: datetime | None, end: datetime | None
) -> Iterator[dict[str, object]]:
    query = _export_query(select(Rating).order_by(Rating.seq), start, end)
    with store.read() as session:
        for rating in session.scalars(query.execution_options(yield_per=1000)):
            yield {
                "id": rating.id,
                "seq": rating.seq,
                "created_at": rating.created_at.isoformat().replace("+00:00", "Z"),
                "counter": rating.counter_id,
                "officer": rating.officer_code,
                "department": rating.department_code,
                "session": rating.session_id,
                "ticket": rating.ticket,
                "level": rating.level,
                "reasons": rating.reasons,
                "lang": rating.lang,
                "sync_state": "held" if rating.held else rating.sync_state,
                "sync_error": rating.sync_error,
            }


def write_export(
    rows: Iterator[dict[str, object]],
    fmt: str,
    out: TextIO,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Write ratings as CSV (header row first) or JSON lines; return how many."""
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
        writer.writeheader()

        def write(row: dict[str, object]) -> None:
            cells = {**row, "reasons": ";".join(row["reasons"])}  # type: ignore[arg-type]
            writer.writerow({name: safe_cell(value) for name, value in cells.items()})

    else:

        def write(row: dict[str, object]) -> None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")

    count = 0
    for count, row in enumerate(rows, 1):
        write(row)
        if progress and count % 1000 == 0:
            progress(count, max(total, count))
    if progress:
        progress(count, max(total, count))
    return count


def backup(store: Store, target: Path, progress: Progress | None = None) -> Path:
    """A consistent copy through SQLite's online backup API, safe while the kiosk runs.

    Written to a temporary name first, so a half-made backup never looks like a good one.
    """
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"kiosk-{stamp}.db"
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(store.path, timeout=30)
    destination = sqlite3.connect(partial)
    try:

        def report(_status: int, remaining: int, total: int) -> None:
            if progress:
                progress(total - remaining, total)

        source.backup(destination, pages=1024, progress=report)
        # The copy inherits WAL mode, and opening it then leaves -wal/-shm files beside
        # it (and beside the .partial name): make it one self-contained file.
        destination.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        destination.close()
        partial.unlink(missing_ok=True)  # e.g. a full disk: no half backup left to fill it
        raise
    finally:
        destination.close()
        source.close()
    problem = integrity_problem(partial)
    if problem:
        partial.unlink()
        raise OSError(f"backup failed its integrity check: {problem}")
    partial.replace(target)
    return target
