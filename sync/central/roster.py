"""Departments and officers at the central: what kiosks download as their roster.

Officers come from the one roster file format (``kiosk.roster_file``: the same columns,
codes and PIN rules as ``kioskctl roster import``). PINs are stored only as scrypt hashes
in the kiosk's format (see auth.scrypt_hash). Codes are stored in their canonical form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from kiosk.roster_file import OfficerRecord, RosterError, code_problem, pin_problem, read_roster
from sync.central.auth import scrypt_hash
from sync.central.db import Database, dialect_insert
from sync.central.models import departments, officers, utcnow
from sync.central.roster_history import record_moves
from sync.protocol import canonical_code

__all__ = [
    "ImportResult",
    "OfficerLine",
    "RosterError",
    "add_department",
    "import_officers",
    "list_departments",
    "list_officers",
    "pin_strength",
    "set_pin",
]


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    departments_added: int


def add_department(db: Database, code: str, name: str) -> bool:
    """Add, or rename when it exists; True when it is new."""
    code = canonical_code(code)
    problem = code_problem(code, "department code")
    if problem:
        raise RosterError([problem])
    if not name.strip():
        raise RosterError(["department name: must not be empty"])
    with db.write() as connection:
        exists = connection.scalar(select(departments.c.code).where(departments.c.code == code))
        if exists:
            connection.execute(
                departments.update().where(departments.c.code == code).values(name=name.strip())
            )
        else:
            connection.execute(departments.insert().values(code=code, name=name.strip()))
    return not exists


def list_departments(db: Database) -> list[tuple[str, str, int]]:
    """(code, name, officers) of every department."""
    with db.read() as connection:
        counts = dict(
            connection.execute(
                select(officers.c.department, func.count()).group_by(officers.c.department)
            ).all()
        )
        rows = connection.execute(select(departments).order_by(departments.c.code)).all()
    return [(row.code, row.name, counts.get(row.code, 0)) for row in rows]


def short_pin_problem(pin: str, min_pin_digits: int) -> str | None:
    """Why ``pin`` is too short for the center, else None."""
    if len(pin) >= min_pin_digits:
        return None
    return (
        f"pin: {len(pin)} digits is too short, the center needs at least {min_pin_digits} "
        "([roster] min_pin_digits): every kiosk of the department holds the PIN hashes, "
        "and a short PIN is found from them in minutes"
    )


def import_officers(db: Database, path: Path, *, min_pin_digits: int) -> ImportResult:
    """Add or update every officer of the roster file, all or nothing (kiosk.roster_file).

    A PIN shorter than ``min_pin_digits`` refuses the file. A ready ``pin_hash`` cannot be
    measured: its officer is listed with a PIN of unknown length (:func:`list_officers`)."""
    with db.read() as connection:
        known_departments = set(connection.scalars(select(departments.c.code)))
        known_officers = set(connection.scalars(select(officers.c.code)))
    new_departments: dict[str, str] = {}

    def check(record: OfficerRecord) -> list[str]:
        problems = []
        if record.department not in known_departments:
            if record.department_name:
                new_departments.setdefault(record.department, record.department_name)
            else:
                problems.append(
                    f"department {record.department} is unknown: add it with "
                    "`centralctl department add` or fill the department_name column"
                )
        if not (record.pin or record.pin_hash) and record.code not in known_officers:
            problems.append(f"pin: needed for the new officer {record.code}")
        short = short_pin_problem(record.pin, min_pin_digits) if record.pin else None
        if short:
            problems.append(short)
        return problems

    records = read_roster(path, check)
    now = utcnow()
    values = []
    for record in records:
        value = {
            "code": record.code,
            "full_name": record.full_name,
            "title": record.title,
            "department": record.department,
            "photo_url": record.photo,
            "active": record.active,
            "updated_at": now,
        }
        if record.pin_hash or record.pin:
            value["pin_hash"] = record.pin_hash or scrypt_hash(record.pin or "")
            value["pin_digits"] = len(record.pin) if record.pin else None
        values.append(value)
    with db.write() as connection:
        for code, name in new_departments.items():
            connection.execute(departments.insert().values(code=code, name=name))
        # Who a counter may file for, and since when (sync.central.filing): read in this
        # transaction, before the officers' rows change.
        record_moves(connection, {value["code"]: value["department"] for value in values}, now)
        insert = dialect_insert(connection)
        for value in values:
            if "pin_hash" not in value:  # an officer the center has: keep the PIN
                connection.execute(
                    officers.update().where(officers.c.code == value["code"]).values(**value)
                )
                continue
            statement = insert(officers).values(**value)
            updates = {key: statement.excluded[key] for key in value if key != "code"}
            connection.execute(
                statement.on_conflict_do_update(index_elements=["code"], set_=updates)
            )
    updated = sum(1 for value in values if value["code"] in known_officers)
    return ImportResult(
        added=len(values) - updated, updated=updated, departments_added=len(new_departments)
    )


def set_pin(db: Database, code: str, pin: str, *, min_pin_digits: int) -> None:
    """A new PIN for one officer; kiosks get it with their next roster download."""
    code = canonical_code(code)
    problem = pin_problem(pin) or short_pin_problem(pin, min_pin_digits)
    if problem:
        raise RosterError([problem if problem.startswith("pin") else f"pin: {problem}"])
    with db.write() as connection:
        done = connection.execute(
            officers.update()
            .where(officers.c.code == code)
            .values(pin_hash=scrypt_hash(pin), pin_digits=len(pin), updated_at=utcnow())
        )
        if done.rowcount == 0:
            raise RosterError([f"officer {code} is unknown (see `centralctl officer list`)"])


@dataclass(frozen=True)
class OfficerLine:
    code: str
    full_name: str
    department: str
    active: bool
    pin_digits: int | None  # None: set as a ready hash, or before lengths were kept


def list_officers(db: Database) -> list[OfficerLine]:
    with db.read() as connection:
        rows = connection.execute(
            select(
                officers.c.code,
                officers.c.full_name,
                officers.c.department,
                officers.c.active,
                officers.c.pin_digits,
            ).order_by(officers.c.department, officers.c.code)
        ).all()
    return [OfficerLine(*row) for row in rows]


def pin_strength(line: OfficerLine, min_pin_digits: int) -> str:
    """ "ok", "weak (4 digits)" or "unknown length" against the center's minimum."""
    if line.pin_digits is None:
        return "unknown length"
    if line.pin_digits < min_pin_digits:
        return f"weak ({line.pin_digits} digits)"
    return "ok"
