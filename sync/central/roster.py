"""Departments and officers at the central: what kiosks download as their roster.

Officers come from a CSV (UTF-8, a header row): ``code,full_name,title,department,pin``
and optionally ``photo`` and ``department_name``. The whole file is checked first and
every problem reported with its line number; nothing is written unless all lines are good.
PINs are stored only as scrypt hashes in the kiosk's format (see auth.scrypt_hash).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from sync.central.auth import scrypt_hash
from sync.central.db import Database, dialect_insert
from sync.central.models import departments, officers, utcnow
from sync.protocol import canonical_code

REQUIRED = ("code", "full_name", "title", "department", "pin")
OPTIONAL = ("photo", "department_name")
CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
PIN = re.compile(r"^[0-9]{4,12}$")


class RosterError(Exception):
    """The roster change cannot be made; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    departments_added: int


def add_department(db: Database, code: str, name: str) -> bool:
    """Add, or rename when it exists; True when it is new. The code is stored canonical."""
    code = canonical_code(code)
    if not CODE.match(code):
        raise RosterError([f"department code {code!r}: use 1-32 letters, digits, . _ -"])
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


def import_officers(db: Database, path: Path) -> ImportResult:
    """Add or update every officer of the CSV, all or nothing."""
    rows = _read_csv(path)
    for _line, row in rows:
        # Stored canonical, as kiosks send them: cb001 and CB001 are one officer.
        row["code"], row["department"] = (
            canonical_code(row["code"]),
            canonical_code(row["department"]),
        )
    with db.read() as connection:
        known_departments = set(connection.scalars(select(departments.c.code)))
        known_officers = set(connection.scalars(select(officers.c.code)))
    problems: list[str] = []
    new_departments: dict[str, str] = {}
    seen: dict[str, int] = {}
    for line, row in rows:
        where = f"{path}: line {line}"
        code, department = row["code"], row["department"]
        if not CODE.match(code):
            problems.append(f"{where}: code {code!r}: use 1-32 letters, digits, . _ -")
        elif code in seen:
            problems.append(f"{where}: code {code} is also on line {seen[code]}")
        seen.setdefault(code, line)
        if not row["full_name"]:
            problems.append(f"{where}: full_name: must not be empty")
        if not CODE.match(department):
            problems.append(f"{where}: department {department!r}: use 1-32 letters, digits, . _ -")
        elif department not in known_departments:
            if row.get("department_name"):
                new_departments.setdefault(department, row["department_name"])
            else:
                problems.append(
                    f"{where}: department {department} is unknown: add it with "
                    "`centralctl department add` or fill the department_name column"
                )
        pin = row["pin"]
        if not pin and code not in known_officers:
            problems.append(f"{where}: pin: needed for a new officer")
        elif pin and not (PIN.match(pin) or pin.startswith("scrypt$")):
            problems.append(f"{where}: pin: use 4-12 digits")
    if problems:
        raise RosterError(problems)
    now = utcnow()
    values = []
    for _line, row in rows:
        value = {
            "code": row["code"],
            "full_name": row["full_name"],
            "title": row["title"],
            "department": row["department"],
            "photo_url": row.get("photo") or None,
            "active": True,
            "updated_at": now,
        }
        if row["pin"]:
            value["pin_hash"] = (
                row["pin"] if row["pin"].startswith("scrypt$") else scrypt_hash(row["pin"])
            )
        values.append(value)
    with db.write() as connection:
        for code, name in new_departments.items():
            connection.execute(departments.insert().values(code=code, name=name))
        insert = dialect_insert(connection)
        for value in values:
            statement = insert(officers).values(**value)
            updates = {key: statement.excluded[key] for key in value if key != "code"}
            connection.execute(
                statement.on_conflict_do_update(index_elements=["code"], set_=updates)
            )
    updated = sum(1 for value in values if value["code"] in known_officers)
    return ImportResult(
        added=len(values) - updated, updated=updated, departments_added=len(new_departments)
    )


def _read_csv(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError([f"{path}: file not found"]) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RosterError(
            [f"{path}: line {line}: not UTF-8 text (save the file as UTF-8)"]
        ) from None
    except OSError as exc:
        raise RosterError([f"{path}: cannot be read ({exc.strerror})"]) from None
    reader = csv.reader(text.splitlines())
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise RosterError([f"{path}: empty file (expected a header row)"]) from None
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        problems = [f"{path}: line 1: missing column {name}" for name in missing]
        problems += [f"{path}: line 1: unknown column {name!r}" for name in unknown]
        raise RosterError(problems)
    rows, problems = [], []
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"{path}: line {line}: {len(cells)} fields, header has {len(header)}")
            continue
        rows.append((line, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}))
    if problems:
        raise RosterError(problems)
    if not rows:
        raise RosterError([f"{path}: no officers after the header row"])
    return rows
