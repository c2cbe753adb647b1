"""THE write path of a rating, and the rules that decide whether a tap is one.

Every rating of the product, from the touch screen, a USB keypad, a load tool or a test,
is inserted by :func:`insert_rating`, called by ``Counter.record`` inside one
``BEGIN IMMEDIATE`` transaction. The caller returns only after the commit, so what the
citizen saw acknowledged is on disk.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kiosk.config import KioskConfig
from kiosk.errors import RatingRefused
from kiosk.models import PENDING, CounterSession, Rating, Tally, Turn

MAX_TICKET_LENGTH = 64


@dataclass(frozen=True)
class RatingInfo:
    id: str
    seq: int
    level: int
    created_at: datetime
    held: bool
    ticket: str | None = None


@dataclass(frozen=True)
class TurnInfo:
    id: str
    ticket: str | None


def check_tap(config: KioskConfig, level: int, reasons: Sequence[str]) -> None:
    """Rules that need no database: the level and the reasons must be configured ones."""
    if config.rating.level(level) is None:
        values = [lv.value for lv in config.rating.levels]
        raise RatingRefused("unknown_level", f"level {level!r} is not one of {values}")
    check_reasons(config, reasons)


def check_reasons(config: KioskConfig, reasons: Sequence[str]) -> None:
    known = {reason.code for reason in config.rating.reasons}
    unknown = [reason for reason in reasons if reason not in known]
    if unknown:
        raise RatingRefused("unknown_reason", f"reasons {unknown} are not configured")


def in_cooldown(config: KioskConfig, last_at: datetime | None, now: datetime) -> bool:
    cooldown = config.rating.cooldown_seconds
    # A clock set backwards (now < last) must not block the counter for hours.
    return (
        last_at is not None
        and cooldown > 0
        and last_at <= now < last_at + timedelta(seconds=cooldown)
    )


def count_tally(session: Session, day: str, name: str) -> None:
    statement = sqlite_insert(Tally).values(day=day, name=name, value=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[Tally.day, Tally.name], set_={"value": Tally.value + 1}
        )
    )


def open_turn_for(session: Session, counter_session: CounterSession) -> Turn | None:
    return session.scalars(
        select(Turn)
        .where(Turn.session_id == counter_session.id, Turn.closed_at.is_(None))
        .order_by(Turn.opened_at.desc())
    ).first()


def clean_ticket(ticket: str | None) -> str | None:
    """A scanned dossier or queue-ticket code: NFC, printable, at most 64 characters."""
    if ticket is None:
        return None
    ticket = unicodedata.normalize("NFC", ticket).strip()
    if not ticket:
        return None
    if len(ticket) > MAX_TICKET_LENGTH or not ticket.isprintable():
        raise RatingRefused(
            "bad_ticket", f"ticket code must be printable, at most {MAX_TICKET_LENGTH} characters"
        )
    return ticket


def start_turn(
    session: Session, counter_session: CounterSession, ticket: str | None, now: datetime
) -> TurnInfo:
    """Open a turn; an earlier turn nobody rated is closed (that citizen left)."""
    session.execute(
        update(Turn)
        .where(Turn.session_id == counter_session.id, Turn.closed_at.is_(None))
        .values(closed_at=now)
    )
    turn = Turn(id=str(uuid.uuid4()), session_id=counter_session.id, ticket=ticket, opened_at=now)
    session.add(turn)
    return TurnInfo(id=turn.id, ticket=ticket)


def insert_rating(
    session: Session,
    config: KioskConfig,
    counter_session: CounterSession,
    *,
    level: int,
    reasons: Sequence[str],
    hold_for_reasons: bool,
    lang: str,
    now: datetime,
) -> Rating:
    """Insert one rating for the officer of ``counter_session``; the caller commits.

    In per_turn mode the open turn is required and closed by this rating; in open mode
    an open turn (a scanned ticket) is optional and attaches its ticket to the rating.
    """
    turn = open_turn_for(session, counter_session)
    if turn is None and config.rating.mode == "per_turn":
        raise RatingRefused("no_turn", "no service turn is open: the officer opens one first")
    if turn is not None:
        turn.closed_at = now
    rating = Rating(
        id=str(uuid.uuid4()),
        counter_id=config.counter.id,
        officer_code=counter_session.officer_code,
        department_code=counter_session.department_code,
        session_id=counter_session.id,
        turn_id=turn.id if turn else None,
        ticket=turn.ticket if turn else None,
        level=level,
        reasons=list(dict.fromkeys(reasons)),
        lang=lang,
        created_at=now,
        held=hold_for_reasons,
        sync_state=PENDING,
        attempts=0,
    )
    session.add(rating)
    session.flush()  # assigns seq
    return rating


def set_reasons(session: Session, rating_id: str, reasons: Sequence[str]) -> Rating:
    """Add the reasons chosen after the tap and release the rating for sync."""
    rating = session.scalars(select(Rating).where(Rating.id == rating_id)).first()
    if rating is None:
        raise RatingRefused("unknown_rating", f"no rating {rating_id}")
    if not rating.held:
        raise RatingRefused(
            "not_held", "this rating is final already; reasons can no longer be added"
        )
    rating.reasons = list(dict.fromkeys(reasons))
    rating.held = False
    return rating


def release_held(session: Session, older_than: datetime | None = None) -> int:
    """Release ratings still waiting for reasons (after a crash, or a reasons screen that
    never finished), so they are sent without reasons rather than never."""
    statement = update(Rating).where(Rating.held.is_(True))
    if older_than is not None:
        statement = statement.where(Rating.created_at < older_than)
    return session.execute(statement.values(held=False)).rowcount


def rating_info(rating: Rating) -> RatingInfo:
    return RatingInfo(
        id=rating.id,
        seq=rating.seq,
        level=rating.level,
        created_at=rating.created_at,
        held=rating.held,
        ticket=rating.ticket,
    )
