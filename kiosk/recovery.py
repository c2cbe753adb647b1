"""Ratings stranded in a set-aside (or any old) database, copied into the live one.

A damaged database is set aside at start and a new one made; the ratings in it that the
center never confirmed would be lost with it. ``recover`` copies them into the live
database: same ids, so the center de-duplicates any it already has; new seqs from the
live database's own sequence, so no seq is handed out twice. It copies each rating once:
run again, it adds nothing. ``stranded`` finds the set-aside files that still hold such
ratings, for ``kioskctl status`` and ``check``.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from kiosk import dbproblems
from kiosk.models import REJECTED, SENT
from kiosk.salvage import RATING_COLUMNS, RatingRow, Salvage
from kiosk.store import Store, StoreError, raise_rating_sequence

SET_ASIDE_GLOB = "*.corrupt-*"
# Copied as they were, except seq (given by the live database) and held (the screen
# that held it is long gone: it is sent without reasons).
COPIED = tuple(name for name in RATING_COLUMNS if name not in ("seq", "held"))


class RecoveryError(Exception):
    """The file cannot be recovered from; the message says why."""


@dataclass(frozen=True)
class Recovered:
    source: Path
    copied: int  # ratings added to the live database, with new seqs
    rejected: int  # of those, ratings the center had rejected (kept flagged, not resent)
    already_here: int  # unconfirmed ratings of the file the live database has already
    other_counter: int  # ratings of another counter: never sent as this counter's
    seqs: tuple[int, int] | None  # first and last new seq
    complete: bool  # False when damaged pages kept some rows from being read


@dataclass(frozen=True)
class Stranded:
    path: Path
    unsent: int


def unconfirmed(path: Path) -> tuple[list[RatingRow], bool]:
    """The ratings of ``path`` the center has not confirmed, and whether all rows were read."""
    with Salvage(path) as old:
        rows, complete = old.ratings()
    return [row for row in rows if row["sync_state"] != SENT], complete


def recover(store: Store, counter_id: str, source: Path) -> Recovered:
    """Copy the unconfirmed ratings of ``source`` into ``store`` (see the module's doc)."""
    if source.resolve() == store.path.resolve():
        raise RecoveryError(f"{source} is the live database: give a set-aside or old copy")
    if not source.is_file():
        raise RecoveryError(f"{source}: no such file")
    try:
        old = Salvage(source)
        try:
            rows, complete = old.ratings()
            return _copy(store, counter_id, old, rows, complete)
        finally:
            old.close()
    except sqlite3.Error as exc:
        if dbproblems.is_environment(exc):
            raise StoreError(dbproblems.explain(exc, source, "read")) from None
        raise RecoveryError(
            f"{source}: not a kiosk database that can be read ({exc}); nothing was copied"
        ) from None


def _copy(
    store: Store, counter_id: str, old: Salvage, rows: list[RatingRow], complete: bool
) -> Recovered:
    sound = [row for row in rows if _sound(row)]
    unsent = [row for row in sound if row["sync_state"] != SENT]
    ours = [row for row in unsent if row["counter_id"] == counter_id]
    with store.write() as session:
        here = _ids_present(session, [row["id"] for row in ours])
        new = [row for row in ours if row["id"] not in here]
        if new:
            # The center has seen the old file's seqs (of the ratings it confirmed): the
            # copies are numbered above them, as well as above the live database's own.
            raise_rating_sequence(session, max(old.highest_seq(), _highest(rows)))
        ends: dict[str, str] = {}
        for row in new:  # a session left open in the old file ends with its last rating
            ends[row["session_id"]] = max(ends.get(row["session_id"], ""), row["created_at"])
        seqs = []
        for row in new:
            _ensure_session(session, old, row, ends[row["session_id"]])
            inserted = session.execute(
                text(
                    f"INSERT INTO ratings ({', '.join(COPIED)}, held)"
                    f" VALUES ({', '.join(':' + name for name in COPIED)}, 0)"
                ),
                {name: row[name] for name in COPIED},
            )
            seqs.append(inserted.lastrowid)
    result = Recovered(
        source=old.path,
        copied=len(new),
        rejected=sum(row["sync_state"] == REJECTED for row in new),
        already_here=len(ours) - len(new),
        other_counter=len(unsent) - len(ours),
        seqs=(seqs[0], seqs[-1]) if seqs else None,
        complete=complete and len(sound) == len(rows),
    )
    if new:
        store.log_event("recovered", f"{len(new)} unconfirmed rating(s) copied from {old.path}")
    return result


def _highest(rows: list[RatingRow]) -> int:
    return max((row["seq"] for row in rows if isinstance(row["seq"], int)), default=0)


def _sound(row: RatingRow) -> bool:
    """A row a damaged page left readable but garbled is not sent as a rating."""
    try:
        datetime.fromisoformat(row["created_at"])
        json.loads(row["reasons"])
    except (TypeError, ValueError):
        return False
    texts = ("id", "counter_id", "officer_code", "department_code", "session_id", "lang")
    return isinstance(row["level"], int) and all(
        isinstance(row[name], str) and row[name] for name in texts
    )


def _ids_present(session: Session, ids: list[str]) -> set[str]:
    present: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        present.update(
            session.execute(
                text(f"SELECT id FROM ratings WHERE id IN ({marks})"),
                {f"i{n}": value for n, value in enumerate(chunk)},
            ).scalars()
        )
    return present


def _ensure_session(session: Session, old: Salvage, rating: RatingRow, last_at: str) -> None:
    """The rating's session (and its officer, department) must exist: foreign keys, and
    the session id goes to the center. Copied from the old file where it can be read."""
    if _exists(session, "counter_sessions", "id", rating["session_id"]):
        return
    found = old.find("counter_sessions", rating["session_id"])
    officer = found["officer_code"] if found else rating["officer_code"]
    department = found["department_code"] if found else rating["department_code"]
    _ensure_officer(session, old, officer, department)
    session.execute(
        text(
            "INSERT INTO counter_sessions (id, counter_id, officer_code, department_code,"
            " started_at, ended_at, end_reason) VALUES (:id, :counter, :officer, :department,"
            " :started, :ended, :reason)"
        ),
        {
            "id": rating["session_id"],
            "counter": found["counter_id"] if found else rating["counter_id"],
            "officer": officer,
            "department": department,
            "started": found["started_at"] if found else rating["created_at"],
            # Never open: the live database has its own officer at the counter.
            "ended": (found and found["ended_at"]) or last_at,
            "reason": (found and found["end_reason"]) or "recovered",
        },
    )


def _ensure_officer(session: Session, old: Salvage, code: str, department: str) -> None:
    if _exists(session, "officers", "code", code):
        return
    found = old.find("officers", code)
    department = found["department_code"] if found else department
    if not _exists(session, "departments", "code", department):
        named = old.find("departments", department)
        session.execute(
            text("INSERT INTO departments (code, name) VALUES (:code, :name)"),
            {"code": department, "name": named["name"] if named else department},
        )
    # Inactive: kept so the ratings keep their links; the roster decides who logs in.
    session.execute(
        text(
            "INSERT INTO officers (code, full_name, title, department_code, photo, active,"
            " pin_hash, failed_attempts) VALUES (:code, :name, :title, :department, :photo, 0,"
            " :pin_hash, 0)"
        ),
        {
            "code": code,
            "name": found["full_name"] if found else code,
            "title": found["title"] if found else "",
            "department": department,
            "photo": found["photo"] if found else None,
            "pin_hash": found["pin_hash"] if found else "!",
        },
    )


def _exists(session: Session, table: str, key: str, value: str) -> bool:
    statement = text(f"SELECT 1 FROM {table} WHERE {key} = :value")
    return session.execute(statement, {"value": value}).first() is not None


def stranded(store: Store, counter_id: str) -> list[Stranded]:
    """Set-aside files beside the live database holding this counter's unconfirmed
    ratings that the live database lacks: what ``recover`` would copy."""
    found = []
    for path in sorted(store.path.parent.glob(store.path.name + SET_ASIDE_GLOB[1:])):
        if path.name.endswith(("-wal", "-shm")):
            continue
        try:
            rows, _complete = unconfirmed(path)
        except (sqlite3.Error, OSError):
            continue  # nothing readable: nothing to recover either
        ids = [row["id"] for row in rows if row["counter_id"] == counter_id and _sound(row)]
        with store.read() as session:
            missing = len(ids) - len(_ids_present(session, ids))
        if missing:
            found.append(Stranded(path, missing))
    return found
