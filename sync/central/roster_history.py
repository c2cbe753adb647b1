"""Which department's roster held an officer, and when: what a counter may file for.

The roster import is the one place an officer joins the center or moves to another
department; it records each stay here in the same transaction (:func:`record_moves`).
An officer's first department counts from before the center knew them: the kiosks of
that department may have rated them before the roster reached the center (a kiosk used
on its own roster first), and the counter's own start and the offline limit bound how old
a rating may be anyway (sync.central.filing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from sync.central.models import officers, roster_history

# Codes per lookup: well under any database's limit of parameters in one statement.
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class Stay:
    department: str
    joined_at: datetime | None  # None: since before the center kept the history
    left_at: datetime | None  # None: still there


def departments_of(connection: Connection, codes: Iterable[str]) -> dict[str, str]:
    """The department of each of ``codes`` the center knows (unknown codes are absent),
    looked up a chunk at a time (a parameter list stays within every database's limit)."""
    wanted = sorted(set(codes))
    known: dict[str, str] = {}
    for first in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[first : first + _LOOKUP_CHUNK]
        known.update(
            connection.execute(
                select(officers.c.code, officers.c.department).where(officers.c.code.in_(chunk))
            ).all()
        )
    return known


def record_moves(connection: Connection, departments: Mapping[str, str], now: datetime) -> None:
    """Record the stays that ``departments`` (code -> department) begins: an officer new to
    the center, or one whose department it changes. Called in the import's transaction
    before the officers' rows are written."""
    before = departments_of(connection, departments)
    for code, department in departments.items():
        was = before.get(code)
        if was == department:
            continue
        if was is not None:
            connection.execute(
                update(roster_history)
                .where(roster_history.c.officer == code, roster_history.c.left_at.is_(None))
                .values(left_at=now)
            )
        connection.execute(
            roster_history.insert().values(
                officer=code, department=department, joined_at=None if was is None else now
            )
        )


def stays_of(connection: Connection, codes: Iterable[str]) -> dict[str, list[Stay]]:
    """The stays of each officer of ``codes`` (officers the center never had are absent)."""
    wanted = sorted(set(codes))
    stays: dict[str, list[Stay]] = {}
    for first in range(0, len(wanted), _LOOKUP_CHUNK):
        rows = connection.execute(
            select(
                roster_history.c.officer,
                roster_history.c.department,
                roster_history.c.joined_at,
                roster_history.c.left_at,
            ).where(roster_history.c.officer.in_(wanted[first : first + _LOOKUP_CHUNK]))
        ).all()
        for row in rows:
            stays.setdefault(row.officer, []).append(Stay(*row[1:]))
    return stays
