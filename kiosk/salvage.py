"""Reading what can still be read from a damaged or old kiosk database, without changing it.

A database set aside as damaged still holds ratings the center has never seen, usually
nearly all of them: damage tends to hit a few pages. The file is read read-only (no
checkpoint, no recovery written back). Where SQLite reads the whole ratings table, that
is the answer; where it stops at a damaged page, or cannot read the file at all (a
damaged schema or header), every page is read directly (``kiosk.pagescan``) and the rows
that look like ratings are taken, each at its latest readable state.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kiosk import dbproblems, pagescan

RATING_COLUMNS = (
    "seq", "id", "counter_id", "officer_code", "department_code", "session_id", "turn_id",
    "ticket", "level", "reasons", "lang", "created_at", "held", "sync_state", "sync_error",
    "attempts",
)  # fmt: skip
KEYED_TABLES = {
    "counter_sessions": (
        "id", "counter_id", "officer_code", "department_code", "started_at", "ended_at",
        "end_reason", "paused_at",
    ),
    "officers": (
        "code", "full_name", "title", "department_code", "photo", "active", "pin_hash",
        "failed_attempts", "locked_until",
    ),
    "departments": ("code", "name"),
}  # fmt: skip
STATES = ("pending", "rejected", "sent")  # a rating only ever moves right
RatingRow = dict[str, Any]  # a rating's columns by name, as read


def connect_read_only(path: Path, timeout: float = 10.0) -> sqlite3.Connection:
    """A read-only connection: it never checkpoints a WAL into the file or writes to it."""
    uri = f"file:{quote(os.fspath(Path(path).absolute()))}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=timeout)


class Salvage:
    """An old kiosk database, opened read-only and read as far as it can be.

    Raises sqlite3.Error from the constructor or :meth:`ratings` when nothing can be read
    (not a database, no ratings table, or a problem around the file such as permissions).
    """

    def __init__(self, path: Path):
        self.path = path
        self.db = connect_read_only(path)
        self.db.row_factory = sqlite3.Row
        self._pages: list[tuple[int, pagescan.Row]] | None = None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Salvage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def ratings(self) -> tuple[list[RatingRow], bool]:
        """Every readable rating in seq order, and whether SQLite could read them all."""
        columns = ", ".join(RATING_COLUMNS)
        rows: list[RatingRow] = []
        try:
            # NOT INDEXED: a damaged index must not hide rows of a sound table.
            for row in self.db.execute(f"SELECT {columns} FROM ratings NOT INDEXED ORDER BY seq"):
                rows.append(dict(row))
            return rows, True
        except sqlite3.DatabaseError as exc:
            if not dbproblems.is_damage(exc):
                raise
            damage = exc
        # What SQLite read before the damage is the live table: it wins over page images.
        found = {row["id"]: row for row in scanned_ratings(self.path)}
        found.update((row["id"], row) for row in rows)
        if not found:
            raise damage  # no rating anywhere in it: not a kiosk database, as SQLite said
        return sorted(found.values(), key=lambda row: row["seq"]), False

    def find(self, table: str, key: str) -> RatingRow | None:
        """The row of ``table`` (counter_sessions, officers, departments) whose primary key
        is ``key``; from the page images when SQLite cannot read it. None if not found."""
        columns = KEYED_TABLES[table]
        try:
            found = self.db.execute(
                f"SELECT {', '.join(columns)} FROM {table} WHERE {columns[0]} = ?", (key,)
            ).fetchone()
            return dict(found) if found else None
        except sqlite3.DatabaseError as exc:
            if not dbproblems.is_damage(exc):
                raise
        if self._pages is None:
            self._pages = sorted(pagescan.scan(self.path), key=lambda item: item[0])
        for _age, (_rowid, values) in reversed(self._pages):  # the newest image first
            # A table's rows have its number of columns (schema 0003 added one to officers).
            if values[:1] == [key] and len(values) in (len(columns), len(columns) + 1):
                return dict(zip(columns, values, strict=False))
        return None

    def highest_seq(self) -> int:
        """The largest seq this file ever gave out, as far as it can still tell."""
        top = self._top_seq()
        if top is None:
            with contextlib.suppress(sqlite3.Error):
                top = max((row["seq"] for row in self.ratings()[0]), default=0)
        return int(top or 0)

    def _top_seq(self) -> int | None:
        tops = []
        for statement in (
            "SELECT max(seq) FROM ratings",
            # Only from schema 0003 on; older files have no sqlite_sequence.
            "SELECT seq FROM sqlite_sequence WHERE name = 'ratings'",
        ):
            try:
                row = self.db.execute(statement).fetchone()
            except sqlite3.Error:
                continue
            if row is not None and row[0] is not None:
                tops.append(int(row[0]))
        return max(tops) if tops else None


def highest_seq(path: Path) -> int:
    """The largest seq of the kiosk database at ``path``; 0 when nothing can be read."""
    try:
        with Salvage(path) as old:
            return old.highest_seq()
    except sqlite3.Error:
        return 0


def scanned_ratings(path: Path) -> list[RatingRow]:
    """Ratings read from the pages of ``path`` (and its WAL), one per id: the newest page
    image of it, and among images of one age the one furthest on (sent over pending,
    released over held), since stale copies of a page linger in free pages."""
    best: dict[str, tuple[tuple[int, int, int], RatingRow]] = {}
    for age, (rowid, values) in pagescan.scan(path):
        row = _as_rating(rowid, values)
        if row is None:
            continue
        rank = (age, STATES.index(row["sync_state"]), 1 - int(row["held"]))
        if row["id"] not in best or rank > best[row["id"]][0]:
            best[row["id"]] = (rank, row)
    return [row for _rank, row in best.values()]


def _as_rating(rowid: int, values: list[object]) -> RatingRow | None:
    """The row as a rating, if it is one: seq is the rowid (the record keeps NULL for it);
    schema 0003 added one column at the end."""
    if len(values) not in (17, 18) or values[0] is not None:
        return None
    row = dict(zip(RATING_COLUMNS, values, strict=False))
    row["seq"] = rowid
    identity, state = row["id"], row["sync_state"]
    if not (isinstance(identity, str) and len(identity) == 36 and state in STATES):
        return None
    return row
