"""Whether a rating could be stored now: what ``/healthz`` answers and each batch checks.

A health check that says "ok" while every batch gets 503 (a full disk, a database that
refuses writes) keeps a load balancer sending kiosks to a central that cannot take their
ratings. So ``/healthz`` is 200 only when a write transaction goes through now and, for a
SQLite database, its folder keeps ``[storage] min_free_mb`` free. The answer is kept for
a second, so a flood of health checks costs one write a second, not one each.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from sync.central.db import Database, dialect_insert
from sync.central.models import central_state, utcnow

_PROBE_KEY = "healthz_probe"
_MB = 1024 * 1024


class Readiness:
    def __init__(
        self,
        db: Database,
        min_free_mb: int,
        clock: Callable[[], float] = time.monotonic,
        keep_seconds: float = 1.0,
    ):
        self.db = db
        self.min_free_bytes = min_free_mb * _MB
        self.clock = clock
        self.keep_seconds = keep_seconds
        url = db.engine.url
        file = url.database if url.get_backend_name() == "sqlite" else None
        # An in-memory SQLite database (tests) has no folder to watch.
        self.folder = Path(file).resolve().parent if file and file != ":memory:" else None
        self._disk: tuple[float, str | None] = (float("-inf"), None)
        self._write: tuple[float, str | None] = (float("-inf"), None)

    def disk_problem(self) -> str | None:
        """Why the data folder cannot take ratings now (too little free space), or None."""
        checked, problem = self._disk
        if self.clock() - checked < self.keep_seconds:
            return problem
        problem = None
        if self.folder is not None and self.min_free_bytes:
            try:
                free = shutil.disk_usage(self.folder).free
            except OSError as exc:
                problem = f"data folder {self.folder}: {exc.strerror or exc}"
            else:
                if free < self.min_free_bytes:
                    problem = (
                        f"data folder {self.folder}: {free // _MB} MB free, "
                        f"under [storage] min_free_mb = {self.min_free_bytes // _MB}"
                    )
        self._disk = (self.clock(), problem)
        return problem

    def problem(self) -> str | None:
        """Why a rating could not be stored now, or None. Blocks: call it off the loop."""
        problem = self.disk_problem()
        if problem:
            return problem
        checked, problem = self._write
        if self.clock() - checked < self.keep_seconds:
            return problem
        self._write = (self.clock(), self._write_problem())
        return self._write[1]

    def _write_problem(self) -> str | None:
        try:
            with self.db.write() as connection:
                now = utcnow().isoformat()
                connection.execute(
                    dialect_insert(connection)(central_state)
                    .values(key=_PROBE_KEY, value=now)
                    .on_conflict_do_update(index_elements=["key"], set_={"value": now})
                )
        except SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None) or exc
            return "database: " + (str(orig).strip().splitlines() or [type(exc).__name__])[0]
        return None
