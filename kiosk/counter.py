"""`Counter`: the one object the UI, `kioskctl`, load tools and tests act on a counter through.

It owns the configuration and the local store, and turns the rules of ``staff`` and
``ratings`` into the few verbs a counter has: log in, open a turn, record, add reasons,
pause, resume, log out, report status. Methods are safe to call from several threads;
they serialise on one lock, since a counter has one citizen at a time anyway.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from kiosk import dbproblems, ratings, staff, technician
from kiosk.config import KioskConfig, load_config
from kiosk.errors import LoginRefused, RatingNotStored, RatingRefused
from kiosk.models import (
    CounterSession,
    Event,
    Officer,
    Rating,
    State,
    Tally,
    utcnow,
)
from kiosk.officer_figures import OfficerFigures, officer_figures
from kiosk.ratings import RatingInfo, TurnInfo
from kiosk.staff import OfficerInfo
from kiosk.store import Store, open_store
from sync.protocol import canonical_code

__all__ = [
    "Desk",
    "Counter",
    "CounterStatus",
    "LoginRefused",
    "RatingRefused",
    "OfficerInfo",
    "RatingInfo",
    "TurnInfo",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Desk:
    """Who is at the counter now: what the kiosk needs to pick its resting screen."""

    officer: OfficerInfo | None
    paused: bool
    turn_open: bool


@dataclass(frozen=True)
class CounterStatus:
    counter_id: str
    counter_name: str
    department_name: str
    officer: OfficerInfo | None
    paused: bool
    turn_open: bool
    mode: str
    today_by_level: dict[int, int]
    today_total: int
    pending: int
    held: int
    sent: int
    rejected: int
    last_sync_at: datetime | None
    last_sync_error: str | None
    ignored_today: int
    events: list[str] = field(default_factory=list)
    # Why the center rejected ratings: (its words, how many), the most frequent first.
    rejected_why: list[tuple[str, int]] = field(default_factory=list)


class Counter:
    def __init__(self, config: KioskConfig, store: Store):
        self.config = config
        self.store = store
        self._lock = threading.RLock()
        self._writer = ratings.RatingWriter(store.path, config)
        # Called (from the caller's thread) after each committed rating; the syncer
        # hooks its "push now" here. Never blocks: the hook only schedules work.
        self.on_rating_committed: list = []
        # Why the last tap could not be stored (None once a tap is stored again).
        self.storage_problem: str | None = None
        self._release_abandoned_holds()

    def _release_abandoned_holds(self) -> None:
        # Only holds older than any reasons screen waits: a younger one may be on the
        # screen of the kiosk process while this Counter is `kioskctl status`. Looked for
        # before a write transaction is opened: `kioskctl status` must work, and write
        # nothing, while another process holds the write lock or the disk is full.
        wait = self.config.rating.reasons_timeout_seconds
        with self.store.read() as session:
            if not ratings.release_held(session, after_seconds=wait, dry_run=True):
                return
        with self.store.write() as session:
            released = ratings.release_held(session, after_seconds=wait)
        log.info("released %d rating(s) left waiting for reasons by the last run", released)

    @classmethod
    def open(
        cls,
        config_path: str | os.PathLike[str] | None = None,
        *,
        config: KioskConfig | None = None,
        create: bool = True,
    ) -> Counter:
        """Load the config (``--config`` / KIOSK_CONFIG / config/kiosk.toml) and open the store;
        ``create=False`` refuses to make a database that is not there (``NoDatabase``)."""
        config = config or load_config(config_path)
        return cls(config, open_store(config.db_path, create=create))

    # --- staff ----------------------------------------------------------------------

    def login(self, code: str, pin: str) -> OfficerInfo:
        """Log an officer in; a previous officer's session is closed ("replaced")."""
        with self._lock:
            now = utcnow()
            self._apply_closing_time(now)
            officer = staff.check_pin(self.store, self.config, code, pin, now)
            with self.store.write() as session:
                current = self._current_session(session, now)
                if current is not None and current.officer_code == officer.code:
                    current.paused_at = None  # the same officer again: carry on
                else:
                    if current is not None:
                        staff.end_session(session, current, "replaced", now)
                    session.add(
                        CounterSession(
                            id=staff.new_session_id(),
                            counter_id=self.config.counter.id,
                            officer_code=officer.code,
                            department_code=officer.department_code,
                            started_at=now,
                        )
                    )
                return staff.officer_info(session, officer, self.config.config_path.parent)

    def logout(self, reason: str = "logout") -> None:
        with self._lock, self.store.write() as session:
            now = utcnow()
            current = self._current_session(session, now)
            if current is not None:
                staff.end_session(session, current, reason, now)

    def pause(self) -> None:
        with self._lock, self.store.write() as session:
            current = self._require_session(session, utcnow())
            current.paused_at = current.paused_at or utcnow()

    def resume(self, pin: str) -> OfficerInfo:
        """Only the officer who paused the counter resumes it, with their own PIN."""
        with self._lock:
            with self.store.read() as session:
                current = self._require_session(session, utcnow())
            return self.login(current.officer_code, pin)

    def resume_with_badge(self, code: str) -> OfficerInfo:
        """The officer who paused the counter resumes it with their own badge."""
        with self._lock:
            with self.store.read() as session:
                current = self._require_session(session, utcnow())
            if current.officer_code != canonical_code(code):
                raise LoginRefused("not_serving", "only the officer who paused may resume")
            with self.store.write() as session:
                current = self._require_session(session, utcnow())
                current.paused_at = None
                officer = session.get(Officer, current.officer_code)
                return staff.officer_info(session, officer, self.config.config_path.parent)

    def roster_officer(self, code: str) -> OfficerInfo | None:
        """The active officer with this code (any case), or None: is a scan a badge?"""
        with self.store.read() as session:
            officer = session.get(Officer, canonical_code(code))
            if officer is None or not officer.active:
                return None
            return staff.officer_info(session, officer, self.config.config_path.parent)

    def verify_technician_pin(self, pin: str) -> bool:
        """True for the technician PIN, False for a wrong one; raises LoginRefused
        ("locked", retry_after) while wrong PINs make the check wait (as an officer's,
        and kept in the database as theirs is), and ("demo_pin") for the demo's PIN
        outside the demo (kiosk.technician)."""
        with self._lock:
            return technician.verify(self.store, self.config, pin, utcnow())

    # --- ratings --------------------------------------------------------------------

    def open_turn(self, ticket: str | None = None) -> TurnInfo:
        """Let the next citizen rate once (per_turn); a ticket code is stored with the rating."""
        with self._lock:
            ticket = ratings.clean_ticket(ticket)
            with self.store.write() as session:
                current = self._rating_session(session, utcnow())
                return ratings.start_turn(session, current, ticket, utcnow())

    def close_turn(self) -> None:
        """Close an open turn nobody rated (its citizen left), so its ticket goes to no one."""
        with self._lock, self.store.write() as session:
            current = self._current_session(session, utcnow())
            if current is not None:
                staff.close_turns(session, current, utcnow())

    def record(
        self,
        level: int,
        reasons: Sequence[str] = (),
        *,
        ask_reasons: bool = False,
        lang: str = "vi",
    ) -> RatingInfo:
        """Store one rating; returns after COMMIT. ``ask_reasons`` holds it from sync
        until :meth:`add_reasons` (or a timeout, or the next start) releases it."""
        with self._lock:
            ratings.check_tap(self.config, level, reasons)
            try:
                rating = self._writer.insert(
                    level=level,
                    reasons=reasons,
                    hold_for_reasons=ask_reasons,
                    lang=lang,
                    now=utcnow(),
                )
            except sqlite3.Error as exc:
                raise self._not_stored(exc, "store a rating in") from exc
            self.storage_problem = None
        for hook in self.on_rating_committed:
            hook()
        return rating

    def add_reasons(self, rating_id: str, reasons: Sequence[str]) -> None:
        """Reasons chosen after the tap (empty: skipped); the rating is then final. When
        they cannot be stored the rating stays as tapped (it is released without reasons
        later) and RatingNotStored says why."""
        with self._lock:
            ratings.check_reasons(self.config, reasons)
            try:
                with self.store.write() as session:
                    ratings.set_reasons(session, rating_id, reasons)
            except (sqlite3.Error, DBAPIError) as exc:
                raise self._not_stored(exc, "store the reasons in") from exc
        for hook in self.on_rating_committed:
            hook()

    def _not_stored(self, exc: BaseException, doing: str) -> RatingNotStored:
        """Remember and log why the database refused a citizen's tap: the service screen
        and the journal show it to the technician until a tap is stored again."""
        cause = dbproblems.explain(exc, self.config.db_path, doing)
        self.storage_problem = cause
        log.error("a tap was not stored: %s", cause)
        return RatingNotStored(cause)

    # --- status ---------------------------------------------------------------------

    def desk(self) -> Desk:
        """Who is at the counter now. Cheap whatever the history: the kiosk asks after every
        citizen which resting screen to show, so this must not count ratings."""
        with self._lock:
            now = utcnow()
            self._apply_closing_time(now)
            with self.store.read() as session:
                current = self._current_session(session, now)
                if current is None:
                    return Desk(officer=None, paused=False, turn_open=False)
                officer = staff.officer_info(
                    session,
                    session.get(Officer, current.officer_code),
                    self.config.config_path.parent,
                )
                return Desk(
                    officer=officer,
                    paused=current.paused_at is not None,
                    turn_open=ratings.open_turn_for(session, current) is not None,
                )

    def officer(self) -> OfficerInfo | None:
        return self.desk().officer

    def status(self) -> CounterStatus:
        """Everything a technician asks about; counts over all stored ratings, so it costs
        more as the history grows (tens of ms at 200,000): not for every tap."""
        with self._lock:
            desk = self.desk()
            now = utcnow()
            with self.store.read() as session:
                midnight = datetime.combine(
                    now.astimezone(self.config.counter.tz).date(),
                    datetime.min.time(),
                    self.config.counter.tz,
                )
                by_level = dict(
                    session.execute(
                        select(Rating.level, func.count())
                        .where(Rating.created_at >= midnight)
                        .group_by(Rating.level)
                    ).all()
                )
                counts = ratings.sync_counts(session)
                why = ratings.rejected_why(session) if counts.rejected else []
                ignored = (
                    session.scalar(
                        select(Tally.value).where(
                            Tally.day == self._local_day(now), Tally.name == "ignored_cooldown"
                        )
                    )
                    or 0
                )
                state = {row.key: row for row in session.scalars(select(State))}
                events = [
                    f"{event.at:%Y-%m-%d %H:%M:%S}Z {event.kind}: {event.detail}"
                    for event in session.scalars(select(Event).order_by(Event.id.desc()).limit(5))
                ]
            last_sync = state.get("last_sync_at")
            return CounterStatus(
                counter_id=self.config.counter.id,
                counter_name=self.config.counter.name,
                department_name=self.config.counter.department_name
                or self.config.counter.department,
                officer=desk.officer,
                paused=desk.paused,
                turn_open=desk.turn_open,
                mode=self.config.rating.mode,
                today_by_level={
                    level.value: by_level.get(level.value, 0) for level in self.config.rating.levels
                },
                today_total=sum(by_level.values()),
                pending=counts.pending,
                held=counts.held,
                sent=counts.sent,
                rejected=counts.rejected,
                last_sync_at=datetime.fromisoformat(last_sync.value)
                if last_sync and last_sync.value
                else None,
                last_sync_error=state["last_sync_error"].value
                if "last_sync_error" in state
                else None,
                ignored_today=ignored,
                events=events,
                rejected_why=why,
            )

    def officer_figures(self) -> OfficerFigures | None:
        """The figures the officer now logged in may see on their menu (see
        kiosk.officer_figures); None when nobody is logged in."""
        with self._lock:
            officer = self.desk().officer
            if officer is None:
                return None
            with self.store.read() as session:
                return officer_figures(session, self.config, officer.code)

    def close(self) -> None:
        self._writer.close()
        self.store.close()

    def __enter__(self) -> Counter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- internals ------------------------------------------------------------------

    def _current_session(self, session, now: datetime) -> CounterSession | None:
        current = staff.open_session(session)
        if current is None:
            return None
        closing = staff.closing_instant(self.config, current.started_at)
        if closing is not None and now >= closing:
            return None  # past closing time: logged out (written by _apply_closing_time)
        return current

    def _apply_closing_time(self, now: datetime) -> None:
        with self.store.read() as session:
            current = staff.open_session(session)
            closing = staff.closing_instant(self.config, current.started_at) if current else None
        if closing is not None and now >= closing:
            with self.store.write() as session:
                current = staff.open_session(session)
                if current is not None:
                    staff.end_session(session, current, "closing_time", closing)

    def _require_session(self, session, now: datetime) -> CounterSession:
        current = self._current_session(session, now)
        if current is None:
            raise RatingRefused("no_officer", "no officer is logged in at this counter")
        return current

    def _rating_session(self, session, now: datetime) -> CounterSession:
        current = self._require_session(session, now)
        if current.paused_at is not None:
            raise RatingRefused("paused", "the counter is paused")
        return current

    def _local_day(self, now: datetime) -> str:
        return now.astimezone(self.config.counter.tz).date().isoformat()
