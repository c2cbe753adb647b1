"""Who may log in at this counter: the kiosk's one place that writes officers.

A kiosk with no central keeps its own roster (``kioskctl roster import``, ``kioskctl
officer ...``). A provisioned kiosk takes its roster from the center, which owns it: a
pull replaces what the kiosk had, so local changes there are refused with
:class:`CenterOwnsRoster` instead of being undone silently at the next pull. Codes are
stored in their canonical form (``sync.protocol.canonical_code``), so ``cb101`` imported
at the center is the officer ``CB101`` who logs in here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from sqlalchemy import update
from sqlalchemy.orm import Session

from kiosk.config import KioskConfig
from kiosk.models import Department, Officer
from kiosk.pins import hash_pin
from kiosk.roster_file import DepartmentRecord, OfficerRecord, RosterError, pin_problem
from kiosk.store import Store
from sync.protocol import canonical_code

__all__ = [
    "CenterOwnsRoster",
    "DepartmentRecord",
    "OfficerRecord",
    "RosterError",
    "check_local_changes_allowed",
    "deactivate",
    "import_records",
    "replace_from_center",
    "set_pin",
    "upsert_officer",
]


class CenterOwnsRoster(RosterError):
    """A local roster change on a kiosk whose roster comes from the center."""


def check_local_changes_allowed(config: KioskConfig) -> None:
    if config.central.url:
        raise CenterOwnsRoster(
            [
                f"this kiosk takes its officers from the center ({config.central.url}); "
                "change them there (centralctl officer import FILE), then reload the roster "
                "on the service screen, or wait for the next pull"
            ]
        )


def upsert_officer(
    session: Session,
    *,
    code: str,
    full_name: str,
    department: str,
    title: str = "",
    pin_hash: str,
    department_name: str = "",
    photo: str | None = None,
    active: bool = True,
) -> Officer:
    """Add or update one officer in an open write session (lockout state is kept)."""
    code, department = canonical_code(code), canonical_code(department)
    existing_department = session.get(Department, department)
    if existing_department is None:
        session.add(Department(code=department, name=department_name or department))
    elif department_name:
        existing_department.name = department_name
    officer = session.get(Officer, code)
    if officer is None:
        officer = Officer(code=code, failed_attempts=0)
        session.add(officer)
    officer.full_name = unicodedata.normalize("NFC", full_name.strip())
    officer.title = unicodedata.normalize("NFC", title.strip())
    officer.department_code = department
    officer.pin_hash = pin_hash
    officer.photo = photo or None
    officer.active = active
    session.flush()
    return officer


def import_records(
    store: Store,
    records: Sequence[OfficerRecord],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Every officer of a roster file, in one transaction: a failure imports nothing."""
    with store.write() as session:
        missing = [
            f"line {record.line}: pin: needed for the new officer {record.code}"
            for record in records
            if not (record.pin or record.pin_hash) and session.get(Officer, record.code) is None
        ]
        if missing:
            raise RosterError(missing)
        for number, record in enumerate(records, 1):
            officer = session.get(Officer, record.code)
            pin_hash = record.pin_hash or (hash_pin(record.pin) if record.pin else None)
            upsert_officer(
                session,
                code=record.code,
                full_name=record.full_name,
                title=record.title,
                department=record.department,
                department_name=record.department_name,
                pin_hash=pin_hash or officer.pin_hash,
                photo=record.photo,
                active=record.active,
            )
            if progress:
                progress(number, len(records))
    return len(records)


def replace_from_center(
    store: Store, department: DepartmentRecord, officers: Sequence[OfficerRecord]
) -> None:
    """The center's roster for this counter becomes the kiosk's: listed officers are added
    or updated, the others may no longer log in (their rows stay, for past sessions)."""
    listed = set()
    with store.write() as session:
        home = canonical_code(department.code)
        for record in officers:
            code = canonical_code(record.code)
            listed.add(code)
            upsert_officer(
                session,
                code=code,
                full_name=record.full_name,
                title=record.title,
                department=record.department,
                department_name=department.name
                if canonical_code(record.department) == home
                else "",
                pin_hash=record.pin_hash or "",
                active=record.active,
            )
        if session.get(Department, home) is None:
            session.add(Department(code=home, name=department.name))
        session.execute(update(Officer).where(Officer.code.not_in(listed)).values(active=False))


def set_pin(store: Store, code: str, pin: str) -> str:
    """A new PIN for an officer (lifts a lockout); returns the officer's code."""
    problem = pin_problem(pin)
    if problem:
        raise RosterError([problem])
    with store.write() as session:
        officer = _officer(session, code)
        officer.pin_hash, officer.failed_attempts = hash_pin(pin), 0
        officer.locked_until = officer.locked_until_mono = None  # a new PIN lifts a lockout
        return officer.code


def deactivate(store: Store, code: str) -> str:
    with store.write() as session:
        officer = _officer(session, code)
        officer.active = False
        return officer.code


def _officer(session: Session, code: str) -> Officer:
    officer = session.get(Officer, canonical_code(code))
    if officer is None:
        raise RosterError([f"no officer with code {canonical_code(code)}"])
    return officer
