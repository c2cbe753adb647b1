"""THE write path of a rating, and the rules that decide whether a tap is one.

Every rating of the product, from the touch screen, a USB keypad, a load tool or a test,
is inserted by :class:`RatingWriter`, called by ``Counter.record``, inside one
``BEGIN IMMEDIATE`` transaction. The caller returns only after the commit, so what the
citizen saw acknowledged is on disk.
"""

from __future__ import annotations

import json
import math
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk import clock, staff
from kiosk.config import KioskConfig
from kiosk.errors import RatingRefused
from kiosk.models import PENDING, REJECTED, SENT, CounterSession, Rating, Turn, utcnow
from kiosk.store import connect_raw

MAX_TICKET_LENGTH = 64


@dataclass(frozen=True)
class RatingInfo:
    id: str
    seq: int
    level: int
    created_at: datetime
    held: bool
    ticket: str | None = None
    officer: str = ""  # the officer rated (a phone link made for this rating names them)


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


def in_cooldown(
    config: KioskConfig, last_at: datetime | None, now: datetime, since_last: float | None = None
) -> bool:
    """Whether a tap comes too soon after the last rating.

    ``since_last`` is the monotonic time since it, known when this process recorded it: a
    step of the wall clock must not let a double tap through (a forward step) nor block
    the counter (a backward one). Otherwise (the kiosk restarted) the wall clock decides.
    """
    cooldown = config.rating.cooldown_seconds
    if last_at is None or cooldown <= 0:
        return False
    if since_last is not None:
        return since_last < cooldown
    # A clock set backwards (now < last) must not block the counter for hours.
    return last_at <= now < last_at + timedelta(seconds=cooldown)


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
    staff.close_turns(session, counter_session, now)
    turn = Turn(id=str(uuid.uuid4()), session_id=counter_session.id, ticket=ticket, opened_at=now)
    session.add(turn)
    return TurnInfo(id=turn.id, ticket=ticket)


def sql_time(moment: datetime) -> str:
    """A UTC instant in the text form SQLAlchemy's DateTime uses on SQLite, so rows written
    here read back through the ORM like any other."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def from_sql_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class RatingWriter:
    """Inserts ratings: the only code that does.

    A citizen's tap is the hot path of the product, so it runs on its own plain sqlite3
    connection with four small indexed statements in one ``BEGIN IMMEDIATE`` transaction,
    instead of an ORM unit of work (which costs several times the commit itself). Every
    rule is checked inside that transaction against what is on disk, so another process
    (``kioskctl logout``) is seen at once. Not thread-safe: ``Counter`` serialises calls.
    """

    def __init__(self, path: Path, config: KioskConfig):
        self._db = connect_raw(path)
        self._config = config
        # (seq, monotonic time) of the last rating this writer stored: the cooldown after
        # it is measured on the monotonic clock (see in_cooldown).
        self._last: tuple[int, float] | None = None

    def insert(
        self,
        *,
        level: int,
        reasons: Sequence[str],
        hold_for_reasons: bool,
        lang: str,
        now: datetime,
    ) -> RatingInfo:
        db = self._db
        tapped = clock.monotonic()
        db.execute("BEGIN IMMEDIATE")
        try:
            session = db.execute(
                "SELECT id, officer_code, department_code, started_at, paused_at"
                " FROM counter_sessions WHERE ended_at IS NULL LIMIT 1"
            ).fetchone()
            closing = session and staff.closing_instant(self._config, from_sql_time(session[3]))
            if session is None or (closing is not None and now >= closing):
                raise RatingRefused("no_officer", "no officer is logged in at this counter")
            if session[4] is not None:
                raise RatingRefused("paused", "the counter is paused")
            last = db.execute(
                "SELECT seq, created_at FROM ratings ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            since = None
            if last is not None and self._last is not None and self._last[0] == last[0]:
                since = tapped - self._last[1]
            if in_cooldown(self._config, last and from_sql_time(last[1]), now, since):
                db.execute(
                    "INSERT INTO tallies (day, name, value) VALUES (?, 'ignored_cooldown', 1)"
                    " ON CONFLICT (day, name) DO UPDATE SET value = value + 1",
                    (now.astimezone(self._config.counter.tz).date().isoformat(),),
                )
                db.execute("COMMIT")
                raise RatingRefused("cooldown", "a rating was just recorded; wait a moment")
            turn = db.execute(
                "SELECT id, ticket FROM turns WHERE session_id = ? AND closed_at IS NULL"
                " ORDER BY opened_at DESC LIMIT 1",
                (session[0],),
            ).fetchone()
            if turn is None and self._config.rating.mode == "per_turn":
                raise RatingRefused(
                    "no_turn", "no service turn is open: the officer opens one first"
                )
            rating_id, created = str(uuid.uuid4()), sql_time(now)
            seq = db.execute(
                "INSERT INTO ratings (id, counter_id, officer_code, department_code, session_id,"
                " turn_id, ticket, level, reasons, lang, created_at, held, held_at_mono,"
                " sync_state, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    rating_id,
                    self._config.counter.id,
                    session[1],
                    session[2],
                    session[0],
                    turn[0] if turn else None,
                    turn[1] if turn else None,
                    level,
                    json.dumps(list(dict.fromkeys(reasons)), ensure_ascii=False),
                    lang,
                    created,
                    int(hold_for_reasons),
                    clock.mark() if hold_for_reasons else None,
                    PENDING,
                ),
            ).lastrowid
            if turn is not None:
                db.execute("UPDATE turns SET closed_at = ? WHERE id = ?", (created, turn[0]))
            db.execute("COMMIT")
            self._last = (seq, tapped)
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return RatingInfo(
            id=rating_id,
            seq=seq,
            level=level,
            created_at=from_sql_time(created),
            held=hold_for_reasons,
            ticket=turn[1] if turn else None,
            officer=session[1],
        )

    def close(self) -> None:
        self._db.close()


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


def held_waited(created_at: datetime, held_at_mono: str | None, now: datetime) -> float:
    """Seconds a rating has been waiting for reasons.

    Read on the monotonic clock from its mark. A mark of an earlier boot: the screen that
    held it went with that boot, so it has waited long enough. No mark (stored before
    marks, or no boot id): the wall clock, in either direction, so a clock set back
    holds it at most as long as a clock that kept time.
    """
    waited = clock.seconds_since(held_at_mono)
    if waited is not None:
        return waited
    if held_at_mono and clock.boot_id() is not None:
        return math.inf
    return abs((now - created_at).total_seconds())


def release_held(
    session: Session,
    older_than: datetime | None = None,
    *,
    after_seconds: float | None = None,
    dry_run: bool = False,
) -> int:
    """Release ratings still waiting for reasons after ``after_seconds`` (None: all), so a
    crash or a reasons screen that never finished sends them without reasons, never not.

    ``older_than`` (a wall-clock instant) is the older way to say it, kept for callers
    that compute ``utcnow() - timeout``: it is turned back into that duration, and the
    wait is still measured on the monotonic clock (see held_waited). ``dry_run`` only
    counts them, so a reader need not take the write lock when there is nothing to do.
    """
    now = utcnow()
    if after_seconds is None and older_than is not None:
        after_seconds = max(0.0, (now - older_than).total_seconds())
    # A held rating is always pending: saying so lets SQLite use the outbox index
    # instead of scanning every rating ever stored (this runs before every push).
    held = session.execute(
        select(Rating.seq, Rating.created_at, Rating.held_at_mono).where(
            Rating.sync_state == PENDING, Rating.held.is_(True)
        )
    ).all()
    due = [
        row.seq
        for row in held
        if after_seconds is None
        or held_waited(row.created_at, row.held_at_mono, now) >= after_seconds
    ]
    if not due or dry_run:
        return len(due)
    return session.execute(update(Rating).where(Rating.seq.in_(due)).values(held=False)).rowcount


@dataclass(frozen=True)
class SyncCounts:
    """Where the ratings stand with the center; the one meaning of each word, used by the
    status screen, ``kioskctl``, the heartbeat and the syncer alike."""

    pending: int  # released and not yet confirmed by the center: what sync still has to do
    held: int  # committed, waiting for the citizen's reasons; not sendable yet
    sent: int  # confirmed by the center (accepted or already there)
    rejected: int  # refused by the center itself; kept and flagged


def rejected_why(session: Session, limit: int = 3) -> list[tuple[str, int]]:
    """The center's most frequent reasons for the ratings it rejected, with how many each:
    what ``kioskctl status`` tells the technician (the ratings stay, flagged)."""
    why = func.coalesce(Rating.sync_error, "")
    rows = session.execute(
        select(why, func.count())
        .where(Rating.sync_state == REJECTED)
        .group_by(why)
        .order_by(func.count().desc(), why)
        .limit(limit)
    ).all()
    return [(error, count) for error, count in rows]


def sync_counts(session: Session) -> SyncCounts:
    rows = session.execute(
        select(Rating.sync_state, Rating.held, func.count()).group_by(
            Rating.sync_state, Rating.held
        )
    ).all()
    counts = {(state, bool(held)): count for state, held, count in rows}
    return SyncCounts(
        pending=counts.get((PENDING, False), 0),
        held=sum(count for (state, held), count in counts.items() if held and state == PENDING),
        sent=sum(count for (state, _held), count in counts.items() if state == SENT),
        rejected=sum(count for (state, _held), count in counts.items() if state == REJECTED),
    )
