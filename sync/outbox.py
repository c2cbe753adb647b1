"""The kiosk side of sync: the outbox in the local database.

The outbox is the ratings table: released, pending ratings in ``seq`` order, read as
plain rows (a backlog is read batch after batch, and ORM objects cost more than the
encoding). What the central answers is recorded here; nothing here deletes a rating.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Row, select, update

from kiosk.config import KioskConfig
from kiosk.models import PENDING, REJECTED, SENT, Rating, State, utcnow
from kiosk.ratings import release_held, sync_counts
from kiosk.store import Store
from sync import protocol

log = logging.getLogger(__name__)

# What a rating needs on the wire, read from the outbox.
OUTBOX_COLUMNS = (
    Rating.seq,
    Rating.id,
    Rating.created_at,
    Rating.officer_code,
    Rating.department_code,
    Rating.session_id,
    Rating.ticket,
    Rating.level,
    Rating.reasons,
    Rating.lang,
)


@dataclass(frozen=True)
class PushResult:
    sent: int = 0
    duplicate: int = 0
    rejected: int = 0
    set_aside: int = 0  # the central failed on them alone: kept pending, tried later
    remaining: int = 0
    problem: str | None = None  # why some were set aside, for the status screen

    def plus(self, other: PushResult) -> PushResult:
        return PushResult(
            sent=self.sent + other.sent,
            duplicate=self.duplicate + other.duplicate,
            rejected=self.rejected + other.rejected,
            set_aside=self.set_aside + other.set_aside,
            problem=self.problem or other.problem,
        )


def pending(store: Store) -> int:
    """Released ratings the central has not confirmed yet (not those waiting for reasons)."""
    with store.read() as session:
        return sync_counts(session).pending


def next_batch(
    store: Store, limit: int, skip: Collection[str] = (), after_seq: int = 0
) -> list[Row]:
    """The next released, pending ratings in seq order, as plain rows: the outbox is
    read for every batch of a backlog, and ORM objects cost more than the encoding.
    ``skip``: ids set aside for now (the central failed on them alone); ``after_seq``:
    only ratings after this one (those before it are already on their way)."""
    query = select(*OUTBOX_COLUMNS).where(
        Rating.sync_state == PENDING, Rating.held.is_(False), Rating.seq > after_seq
    )
    if skip:
        query = query.where(Rating.id.not_in(list(skip)))
    with store.read() as session:
        return list(session.execute(query.order_by(Rating.seq).limit(limit)))


def wire_rating(rating: Row) -> protocol.RatingIn:
    return protocol.RatingIn(
        id=rating.id,
        seq=rating.seq,
        created_at=rating.created_at,
        officer=rating.officer_code,
        department=rating.department_code,
        session=rating.session_id,
        ticket=rating.ticket,
        level=rating.level,
        reasons=list(rating.reasons or []),
        lang=rating.lang,
    )


def encode(
    batch: list[Row],
) -> tuple[list[tuple[Row, protocol.RatingIn]], list[protocol.RejectedRating]]:
    """Wire models for a batch, and the ratings that cannot be sent as they are (flagged
    with the field that is wrong, never silently dropped)."""
    wire, invalid = [], []
    for rating in batch:
        try:
            wire.append((rating, wire_rating(rating)))
        except ValidationError as exc:
            error = f"kiosk: {protocol.error_text(exc)}"
            invalid.append(protocol.RejectedRating(id=rating.id, error=error))
    return wire, invalid


def mark(store: Store, batch: list[Row], answer: protocol.BatchResponse) -> PushResult:
    """Record the central's answer (sync.answers checked that it lists each rating of
    ``batch`` once): accepted or duplicate -> sent; rejected -> flagged and kept."""
    sent_ids = set(answer.accepted)
    duplicate_ids = set(answer.duplicate)
    rejected = {item.id: item.error for item in answer.rejected}
    seq_of = {rating.id: rating.seq for rating in batch}
    ours = set(seq_of)
    now = utcnow()
    # Updated by seq, the integer primary key: cheaper than looking up 500 UUIDs.
    with store.write() as session:
        done = (sent_ids | duplicate_ids) & ours
        if done:
            session.execute(
                update(Rating)
                .where(Rating.seq.in_([seq_of[i] for i in done]), Rating.sync_state == PENDING)
                .values(sync_state=SENT, sent_at=now, sync_error=None, attempts=Rating.attempts + 1)
            )
        flagged = 0
        for rating_id, error in rejected.items():
            if rating_id in ours and rating_id not in done:
                flagged += session.execute(
                    update(Rating)
                    # Only a pending rating can be rejected: one the central confirmed
                    # stays confirmed, whatever a later answer says.
                    .where(Rating.seq == seq_of[rating_id], Rating.sync_state == PENDING)
                    .values(
                        sync_state=REJECTED,
                        sync_error=error[:1000],
                        attempts=Rating.attempts + 1,
                    )
                ).rowcount
    if flagged:
        log.warning("%d rating(s) rejected: %s", flagged, next(iter(rejected.values())))
    return PushResult(
        sent=len(sent_ids & ours), duplicate=len(duplicate_ids & ours), rejected=flagged
    )


def mark_rejected(
    store: Store, batch: list[Row], rejected: list[protocol.RejectedRating]
) -> PushResult:
    """Flag ratings refused for good (by the central itself, or unsendable as stored)."""
    return mark(store, batch, protocol.BatchResponse(rejected=rejected))


def note_attempt(store: Store, rating: Row, problem: str) -> None:
    """A try that settled nothing: the rating stays pending, the problem is kept with it."""
    with store.write() as session:
        session.execute(
            update(Rating)
            .where(Rating.seq == rating.seq, Rating.sync_state == PENDING)
            .values(sync_error=problem[:1000], attempts=Rating.attempts + 1)
        )


def release_abandoned_holds(store: Store, config: KioskConfig) -> None:
    # The reasons screen releases its rating within reasons_timeout_seconds; one still
    # held well after that was abandoned (screen crashed): send it without reasons.
    after = config.rating.reasons_timeout_seconds + 60
    with store.write() as session:
        release_held(session, after_seconds=after)


def remember(store: Store, **values: str | None) -> None:
    """Keep small sync facts (last sync, last error, roster ETag) in the state table."""
    with store.write() as session:
        for key, value in values.items():
            set_state(session, key, value)


def state(store: Store, key: str) -> str | None:
    with store.read() as session:
        row = session.get(State, key)
        return row.value if row else None


def set_state(session, key: str, value: str | None) -> None:
    row = session.get(State, key)
    if row is None:
        session.add(State(key=key, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()
