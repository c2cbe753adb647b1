"""The central is the authority on what it stores: who a rating is about, and where it counts.

A rating is filed under the department the center's roster gives its officer, whatever
department the kiosk claims (a stale kiosk roster, or a token of one department trying to
fill another's figures). A rating for an officer the center never had is refused, for that
rating alone: the kiosk keeps it flagged until someone adds the officer or looks into it.
Codes arrive canonical (sync.protocol.canonical_code), the form the roster stores them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select

from sync.central.db import Database
from sync.central.models import officers
from sync.protocol import RatingIn, RejectedRating, code_problem

# Codes per lookup: well under any database's limit of parameters in one statement.
_LOOKUP_CHUNK = 500


def roster_departments(db: Database, codes: Iterable[str]) -> dict[str, str]:
    """The department of each officer code the center knows (unknown codes are absent)."""
    # Only codes the protocol accepts reach the database (a NUL would fail on PostgreSQL).
    wanted = sorted({code for code in codes if code_problem(code) is None})
    known: dict[str, str] = {}
    with db.read() as connection:
        for first in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[first : first + _LOOKUP_CHUNK]
            known.update(
                connection.execute(
                    select(officers.c.code, officers.c.department).where(officers.c.code.in_(chunk))
                ).all()
            )
    return known


def file_under_roster(
    db: Database, batch: Sequence[RatingIn]
) -> tuple[list[RatingIn], list[RejectedRating]]:
    """(the ratings as the center files them, the ratings refused for an unknown officer)."""
    departments = roster_departments(db, (rating.officer for rating in batch))
    filed: list[RatingIn] = []
    refused: list[RejectedRating] = []
    for rating in batch:
        department = departments.get(rating.officer)
        if department is None:
            error = f"officer: {rating.officer} is not on the center's roster"
            refused.append(RejectedRating(id=rating.id, error=error))
        elif rating.department == department:
            filed.append(rating)
        else:
            filed.append(rating.model_copy(update={"department": department}))
    return filed, refused
