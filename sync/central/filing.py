"""The central is the authority on what it stores: who a rating is about, where it counts,
and whether its counter could have made it.

A counter files ratings only for the officers its department's roster held when the
rating was made (sync.central.roster_history; an officer who moved since is still taken
for the stay at this department, ``[roster] moved_grace_hours`` past the move), at a time
plausible for it: not before the counter was registered (``counters.files_since``), not
older than ``[limits] offline_days``, not ahead of the central's clock by more than the
kiosk's clock was at its last heartbeat (believed up to a day) plus ``[limits]
clock_margin_seconds``; and with reasons only among the center's ``[[report.reasons]]``.
Whatever the kiosk claims as department, the rating is filed under its counter's.

Anything else is refused for that rating alone, with the field named: the kiosk keeps it
flagged and says why (``kioskctl status``). Codes arrive canonical
(sync.protocol.canonical_code), the form the roster stores them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from sync.central.db import Database
from sync.central.models import counters
from sync.central.roster_history import Stay, departments_of, stays_of
from sync.central.settings import DEFAULT_REASONS, Settings
from sync.protocol import RatingIn, RejectedRating, code_problem

# How far ahead a kiosk's clock is believed to be, whatever its heartbeat says: a token
# that reports a clock a year ahead must not open the months to come.
SKEW_BELIEVED = timedelta(days=1)


@dataclass(frozen=True)
class FilingRules:
    """What the center takes from a counter, from its settings (:meth:`of`)."""

    reasons: frozenset[str] = frozenset(reason.code for reason in DEFAULT_REASONS)
    offline: timedelta = timedelta(days=62)
    margin: timedelta = timedelta(seconds=300)
    moved_grace: timedelta = timedelta(hours=12)

    @classmethod
    def of(cls, settings: Settings) -> FilingRules:
        return cls(
            reasons=frozenset(reason.code for reason in settings.report.reasons),
            offline=timedelta(days=settings.limits.offline_days),
            margin=timedelta(seconds=settings.limits.clock_margin_seconds),
            moved_grace=timedelta(hours=settings.roster.moved_grace_hours),
        )

    def reasons_problem(self, reasons: Sequence[str]) -> str | None:
        unknown = [code for code in reasons if code not in self.reasons]
        if not unknown:
            return None
        return (
            f"reasons: {unknown[0]!r} is not one of the center's reasons "
            f"{sorted(self.reasons)} ([[report.reasons]])"
        )

    def held(self, stays: Sequence[Stay], department: str, at: datetime) -> bool:
        """Whether ``department``'s roster held the officer of ``stays`` at ``at``."""
        return any(
            stay.department == department
            and (stay.joined_at is None or at >= stay.joined_at - self.margin)
            and (stay.left_at is None or at < stay.left_at + self.moved_grace + self.margin)
            for stay in stays
        )


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


@dataclass(frozen=True)
class _Counter:
    id: str
    department: str
    files_since: datetime | None
    skew_seconds: float | None

    def time_problem(self, at: datetime, rules: FilingRules, now: datetime) -> str | None:
        """Why a rating of this counter cannot bear the time ``at``, or None."""
        # Central minus kiosk: a kiosk ahead has a negative skew.
        ahead = timedelta(seconds=max(0.0, -(self.skew_seconds or 0.0)))
        if at > now + rules.margin + min(ahead, SKEW_BELIEVED):
            return (
                f"created_at: {_time(at)} is ahead of the central's clock ({_time(now)}): "
                "the kiosk's clock is wrong"
            )
        if at < now - rules.offline:
            return (
                f"created_at: {_time(at)} is older than the {rules.offline.days} days a kiosk "
                "may stay offline ([limits] offline_days)"
            )
        if self.files_since is not None and at < self.files_since - rules.margin:
            return (
                f"created_at: {_time(at)} is before counter {self.id} was registered "
                f"({_time(self.files_since)})"
            )
        return None


def _counter(connection: Connection, counter: str) -> _Counter:
    row = connection.execute(
        select(
            counters.c.id,
            counters.c.department,
            counters.c.files_since,
            counters.c.clock_skew_seconds,
        ).where(counters.c.id == counter)
    ).one()
    return _Counter(*row)


def _roster_problem(
    counter: _Counter, officer: str, stays: list[Stay] | None, at: datetime, rules: FilingRules
) -> str | None:
    if not stays:
        return f"officer: {officer} is not on the center's roster"
    if rules.held(stays, counter.department, at):
        return None
    return (
        f"officer: {officer} was not on the roster of counter {counter.id} "
        f"(department {counter.department}) at {_time(at)}"
    )


def file_batch(
    db: Database, counter: str, batch: Sequence[RatingIn], rules: FilingRules, now: datetime
) -> tuple[list[RatingIn], list[RejectedRating]]:
    """(the ratings as the center files them, the ratings it refuses and why)."""
    with db.read() as connection:
        desk = _counter(connection, counter)
        # Only codes the protocol accepts reach the database (a NUL would fail on PostgreSQL).
        codes = {rating.officer for rating in batch if code_problem(rating.officer) is None}
        stays = stays_of(connection, codes)
    filed: list[RatingIn] = []
    refused: list[RejectedRating] = []
    for rating in batch:
        problem = (
            rules.reasons_problem(rating.reasons)
            or desk.time_problem(rating.created_at, rules, now)
            or _roster_problem(
                desk, rating.officer, stays.get(rating.officer), rating.created_at, rules
            )
        )
        if problem:
            refused.append(RejectedRating(id=rating.id, error=problem))
        elif rating.department == desk.department:
            filed.append(rating)
        else:
            filed.append(rating.model_copy(update={"department": desk.department}))
    return filed, refused


def roster_problem(
    db: Database, counter: str, officer: str, at: datetime, rules: FilingRules | None = None
) -> str | None:
    """Why ``counter`` could not have rated ``officer`` at ``at`` (its roster did not hold
    them then), or None: the check of a phone link's officer."""
    if code_problem(officer) is not None:
        return f"officer: {officer!r} is not a code"
    with db.read() as connection:
        desk = _counter(connection, counter)
        stays = stays_of(connection, [officer])
    return _roster_problem(desk, officer, stays.get(officer), at, rules or FilingRules())


def roster_departments(db: Database, codes: Iterable[str]) -> dict[str, str]:
    """The department of each officer code the center knows (unknown codes are absent)."""
    with db.read() as connection:
        return departments_of(connection, (code for code in codes if code_problem(code) is None))


def file_under_roster(
    db: Database, batch: Sequence[RatingIn]
) -> tuple[list[RatingIn], list[RejectedRating]]:
    """(the ratings filed under their officers' departments now, the ratings refused for an
    unknown officer): a phone rating, whose link's officer was checked when it was opened
    (:func:`roster_problem`)."""
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
