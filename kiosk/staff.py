"""Officers at the counter: roster, PIN checks with lockout, login sessions.

The lockout lives in the officers table, so a restart does not give a guesser new tries.
A guess claims its attempt in a write transaction *before* its PIN is verified (scrypt is
slow on purpose, and is run outside the transaction): parallel guessers, from several
processes, get at most ``lockout_attempts`` guesses between them before the waits of
:func:`wait_after` begin, not one each while the first is still being verified. How long a lock has left is measured on the monotonic
clock (``kiosk.clock``), so a step of the wall clock neither lifts it nor stretches it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk import clock
from kiosk.config import KioskConfig
from kiosk.errors import LoginRefused
from kiosk.models import CounterSession, Department, Officer, Turn
from kiosk.pins import verify_pin
from kiosk.store import Store
from sync.protocol import canonical_code


@dataclass(frozen=True)
class OfficerInfo:
    code: str
    full_name: str
    title: str
    department_code: str
    department_name: str
    photo: Path | None
    active: bool = True

    @property
    def initials(self) -> str:
        """Vietnamese names put the given name last: "Nguyễn Thị Hồng Nhung" -> "HN"."""
        words = self.full_name.split()
        picked = words[-2:] if len(words) >= 2 else words
        return "".join(word[0] for word in picked).upper()


def normalise_code(code: str) -> str:
    return canonical_code(code)


def officer_info(session: Session, officer: Officer, base: Path) -> OfficerInfo:
    department = session.get(Department, officer.department_code)
    photo = (base / officer.photo).resolve() if officer.photo else None
    return OfficerInfo(
        code=officer.code,
        full_name=officer.full_name,
        title=officer.title,
        department_code=officer.department_code,
        department_name=department.name if department else officer.department_code,
        photo=photo,
        active=officer.active,
    )


# --- login sessions -----------------------------------------------------------------


def open_session(session: Session) -> CounterSession | None:
    return session.scalars(select(CounterSession).where(CounterSession.ended_at.is_(None))).first()


def end_session(session: Session, counter_session: CounterSession, reason: str, now: datetime):
    counter_session.ended_at = now
    counter_session.end_reason = reason
    counter_session.paused_at = None
    close_turns(session, counter_session, now)


def close_turns(session: Session, counter_session: CounterSession, now: datetime) -> None:
    """Close the session's open turns nobody rated (their citizen left)."""
    session.execute(
        update(Turn)
        .where(Turn.session_id == counter_session.id, Turn.closed_at.is_(None))
        .values(closed_at=now)
    )


def check_pin(store: Store, config: KioskConfig, code: str, pin: str, now: datetime) -> Officer:
    """Verify an officer's PIN with lockout; return the officer or raise LoginRefused."""
    code = normalise_code(code)
    if not code or not pin:
        raise LoginRefused("empty", "enter the officer code and the PIN")
    pin_hash, attempt, wait = _claim_attempt(store, config, code, now)
    correct = verify_pin(pin, pin_hash)
    with store.write() as session:
        officer = session.get(Officer, code)
        assert officer is not None
        if correct:
            officer.failed_attempts = 0
            officer.locked_until = officer.locked_until_mono = None
            return officer
    # The attempt was counted when it was claimed: a wrong PIN changes nothing more.
    if wait:
        raise _locked(wait)
    left = config.staff.lockout_attempts - attempt
    raise LoginRefused("wrong_pin", f"wrong PIN; {left} tries left", attempts_left=left)


def wait_after(config: KioskConfig, attempt: int) -> float:
    """Seconds the login waits after the ``attempt``-th wrong PIN in a row: none for the
    first ``lockout_attempts - 1``, then ``lockout_first_seconds``, doubling with every
    further one up to ``lockout_minutes``. A thief gets a handful of guesses an hour; an
    officer who mistypes waits seconds, never a flat lock on their own counter."""
    over = attempt - config.staff.lockout_attempts
    if over < 0:
        return 0.0
    cap = config.staff.lockout_minutes * 60
    return min(cap, config.staff.lockout_first_seconds * 2 ** min(over, 32))


def _claim_attempt(
    store: Store, config: KioskConfig, code: str, now: datetime
) -> tuple[str, int, float]:
    """Count one guess before it is verified, in one write transaction, so no two guesses
    take the same place: (PIN hash, which attempt this is, the wait it starts if wrong)."""
    with store.write() as session:
        officer = session.get(Officer, code)
        if officer is None:
            raise LoginRefused("unknown_officer", f"no officer with code {code} on this counter")
        if not officer.active:
            raise LoginRefused("inactive", f"officer {code} is deactivated")
        left = lock_left(config, officer, now)
        if left > 0:
            raise _locked(left)
        officer.failed_attempts = attempt = officer.failed_attempts + 1
        wait = wait_after(config, attempt)
        if wait:
            # Waiting from now, while this guess is being verified: a right PIN lifts it.
            officer.locked_until = now + timedelta(seconds=wait)
            officer.locked_until_mono = clock.mark(wait)
        return officer.pin_hash, attempt, wait


def lock_left(config: KioskConfig, officer: Officer, now: datetime) -> float:
    """Seconds the officer's login stays locked (0: not locked).

    Measured on the monotonic clock from the lock's mark. Without one from this boot (a
    reboot, or a lock set before marks), the wall clock decides, but never for longer than
    a lock lasts: a clock set back a day must not lock an officer out for a day.
    """
    return lock_left_of(config, officer.locked_until, officer.locked_until_mono, now)


def lock_left_of(
    config: KioskConfig, locked_until: datetime | None, mono: str | None, now: datetime
) -> float:
    """:func:`lock_left` of any lock stored as a wall-clock instant and a clock mark (an
    officer's, the technician PIN's)."""
    if locked_until is None:
        return 0.0
    left = clock.seconds_until(mono)
    if left is None:
        left = (locked_until - now).total_seconds()
    return max(0.0, min(left, config.staff.lockout_minutes * 60))


def _locked(wait: float) -> LoginRefused:
    return LoginRefused(
        "locked", f"too many wrong PINs; try again in {wait:.0f} s", retry_after=wait
    )


def closing_instant(config: KioskConfig, started_at: datetime) -> datetime | None:
    """When a session started at ``started_at`` ends by itself (aware, UTC); None: never.

    A session never outlives the local day (the counter's time zone) it started on. Started
    before that day's closing time, it ends at the closing time. Started after it (overtime,
    an evening session), it ends at midnight: the officer works the evening, and neither is
    logged out at once nor left logged in overnight until the next day's closing time, with
    the next morning's ratings filed under their name.
    """
    closing = config.counter.closing_time
    if closing is None:
        return None
    tz = config.counter.tz
    local_start = started_at.astimezone(tz)
    end = datetime.combine(local_start.date(), closing, tzinfo=tz)
    if end <= local_start:
        end = datetime.combine(local_start.date() + timedelta(days=1), time(0), tzinfo=tz)
    return end.astimezone(UTC)


def new_session_id() -> str:
    return str(uuid.uuid4())
