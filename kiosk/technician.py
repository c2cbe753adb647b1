"""The technician PIN, which opens the service screen (and from there re-points the kiosk
at another central): its check, its lockout, and whether it is still one anyone can read.

The lockout is kept in the database (``lockouts``), as an officer's is in ``officers``:
a restart, a kill -9 or the watchdog's restart gives a guesser no new tries. A guess
claims its attempt in a write transaction before its PIN is verified (scrypt is slow), so
parallel guessers share the tries. Outside the demo (``[service] demo``), a PIN the
product prints (``kiosk.shipped_secrets``) is refused even when the hash is of it: the
screen says so, and ``kioskctl check`` fails until the technician sets their own.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import DBAPIError

from kiosk import clock, staff
from kiosk.config import KioskConfig
from kiosk.errors import LoginRefused
from kiosk.models import Lockout
from kiosk.pins import verify_pin
from kiosk.shipped_secrets import is_known_pin, known_pin_of
from kiosk.store import Store

log = logging.getLogger(__name__)

NAME = "technician"
ENV_HASH = "KIOSK__SERVICE__TECHNICIAN_PIN_HASH"


@dataclass(frozen=True)
class TechnicianLock:
    failed_attempts: int  # wrong technician PINs in a row
    locked_for: float  # seconds the service screen's PIN pad still waits (0: none)


def verify(store: Store, config: KioskConfig, pin: str, now: datetime) -> bool:
    """True for the technician PIN, False for a wrong one. Raises LoginRefused "locked"
    (with retry_after) while wrong PINs make it wait, and "demo_pin" for a PIN anyone can
    read (the demo's 2468) outside the demo: that try counts as a wrong one."""
    try:
        wait = _claim_attempt(store, config, now)
        stored = True
    except (sqlite3.Error, DBAPIError) as exc:
        # A full or read-only disk is when the technician most needs the service screen:
        # the tries are then counted in this process, as before they were kept on disk.
        log.warning("technician PIN tries counted in memory: %s", exc)
        wait, stored = _in_memory(store).claim(config), False
    correct = verify_pin(pin, config.service.technician_pin_hash)
    if correct and is_known_pin(pin) and not config.service.demo:
        log.warning("the technician PIN is one anyone can read: refused (%s)", fix(config))
        raise LoginRefused(
            "demo_pin", f"the technician PIN is the demo's, refused outside the demo: {fix(config)}"
        )
    if correct:
        _in_memory(store).failed_attempts = 0
        if stored:
            with store.write() as session:
                lock = session.get(Lockout, NAME)
                if lock is not None:
                    lock.failed_attempts = 0
                    lock.locked_until = lock.locked_until_mono = None
        return True
    if wait:
        raise LoginRefused("locked", "technician PIN: wait", retry_after=wait)
    return False


def _claim_attempt(store: Store, config: KioskConfig, now: datetime) -> float:
    """Count one try before it is verified; the wait it starts if wrong (0: none)."""
    with store.write() as session:
        lock = session.get(Lockout, NAME)
        if lock is None:
            lock = Lockout(name=NAME, failed_attempts=0)
            session.add(lock)
        left = staff.lock_left_of(config, lock.locked_until, lock.locked_until_mono, now)
        if left > 0:
            raise LoginRefused("locked", "technician PIN: wait", retry_after=left)
        lock.failed_attempts = (lock.failed_attempts or 0) + 1
        wait = staff.wait_after(config, lock.failed_attempts)
        if wait:
            lock.locked_until = now + timedelta(seconds=wait)
            lock.locked_until_mono = clock.mark(wait)
        return wait


class _MemoryLock:
    """The tries of one database's technician PIN while that database cannot be written."""

    def __init__(self) -> None:
        self.failed_attempts = 0
        self.locked_until = 0.0  # on clock.monotonic()

    def claim(self, config: KioskConfig) -> float:
        left = self.locked_until - clock.monotonic()
        if left > 0:
            raise LoginRefused("locked", "technician PIN: wait", retry_after=left)
        self.failed_attempts += 1
        wait = staff.wait_after(config, self.failed_attempts)
        if wait:
            self.locked_until = clock.monotonic() + wait
        return wait


_MEMORY: dict[str, _MemoryLock] = {}


def _in_memory(store: Store) -> _MemoryLock:
    return _MEMORY.setdefault(str(store.path), _MemoryLock())


def lock_state(store: Store, config: KioskConfig, now: datetime) -> TechnicianLock:
    with store.read() as session:
        lock = session.get(Lockout, NAME)
        if lock is None:
            return TechnicianLock(0, 0.0)
        left = staff.lock_left_of(config, lock.locked_until, lock.locked_until_mono, now)
        return TechnicianLock(lock.failed_attempts or 0, left)


def shipped_pin(config: KioskConfig) -> str | None:
    """The PIN anyone can read that the configured hash is of (e.g. the demo's 2468),
    else None. Slow (a scrypt per known PIN), once per process and hash."""
    return known_pin_of(config.service.technician_pin_hash)


def fix(config: KioskConfig) -> str:
    """What the technician does about a technician PIN anyone can read, and where."""
    if os.environ.get(ENV_HASH):
        where = f"the variable {ENV_HASH} (it overrides {config.config_path})"
    else:
        where = f"[service] technician_pin_hash of {config.config_path}"
    return f"make your own with `kioskctl hash-pin` and put the hash in {where}"
