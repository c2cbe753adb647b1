"""The roster file: one CSV format and one set of rules for officers, kiosk and center alike.

``kioskctl roster import`` (a kiosk with no central) and ``centralctl officer import``
read the same file with this module, so an officer code, a PIN or a department means the
same on both sides. A leaf module: the central imports it without the kiosk app.

Columns (UTF-8, a header row; Excel's BOM is fine): ``code, full_name, department`` and
``pin`` (4-12 digits) or ``pin_hash`` (``scrypt$...``); optional ``title``,
``department_name`` (creates the department when it is new), ``photo``, ``active``
(yes/no). Codes are case-insensitive: they are stored in their canonical form
(``sync.protocol.canonical_code``). The whole file is checked first; every problem is
reported with its line number, and nothing is imported unless all lines are good.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.bounded_read import ROSTER_BYTES, read_bytes
from kiosk.pins import is_pin_hash
from sync.protocol import canonical_code

REQUIRED = ("code", "full_name", "department")
OPTIONAL = ("title", "pin", "pin_hash", "department_name", "photo", "active")
PIN_LENGTHS = (4, 12)
_CODE = re.compile(r"[A-Z0-9_.-]{1,32}")
_YES, _NO = ("yes", "true", "1", "có"), ("no", "false", "0", "không")


class RosterError(Exception):
    """A roster change was refused; ``problems`` has one line each (CSV: with line numbers)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class OfficerRecord:
    """One officer as a roster states it. ``pin`` is the plain PIN of a file (hashed by
    whoever stores it), ``pin_hash`` a ready hash; neither is kept elsewhere."""

    code: str
    full_name: str
    department: str
    title: str = ""
    pin: str | None = None
    pin_hash: str | None = None
    department_name: str = ""
    photo: str | None = None
    active: bool = True
    line: int = 0


@dataclass(frozen=True)
class DepartmentRecord:
    code: str
    name: str


def code_problem(code: str, what: str = "code") -> str | None:
    """Why ``code`` (already canonical) cannot be a code, or None."""
    if not _CODE.fullmatch(code):
        return f"{what} {code!r}: use 1-32 letters, digits, . _ -"
    return None


def pin_problem(pin: str) -> str | None:
    low, high = PIN_LENGTHS
    if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        return f"a PIN is {low} to {high} digits"
    return None


# More rules of the reader's own (e.g. "this department is unknown here"): problems of a
# well-formed record, reported with its line among the file's other problems.
Check = Callable[[OfficerRecord], list[str]]


def read_roster(path: Path, check: Check | None = None) -> list[OfficerRecord]:
    """The officers of a roster file; raises RosterError naming every bad line."""
    try:
        data = read_bytes(path, ROSTER_BYTES)
    except FileNotFoundError:
        raise RosterError([f"{path}: file not found"]) from None
    except OSError as exc:  # FileTooLarge too
        raise RosterError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError(
            [f"{path}: line {line}: not UTF-8 text (save the file as 'CSV UTF-8')"]
        ) from None
    return parse_roster(text, str(path), check)


def parse_roster(
    text: str, source: str = "roster", check: Check | None = None
) -> list[OfficerRecord]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise RosterError([f"{source}: empty file (expected a header row)"]) from None
    problems = [
        f"{source}: line 1: missing column {name}" for name in REQUIRED if name not in header
    ]
    problems += [
        f"{source}: line 1: unknown column {name!r}"
        for name in header
        if name not in REQUIRED + OPTIONAL
    ]
    if "pin" not in header and "pin_hash" not in header:
        problems.append(f"{source}: line 1: needs a pin or a pin_hash column")
    if problems:
        raise RosterError(problems)
    records: list[OfficerRecord] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                f"{source}: line {line}: {len(cells)} fields, the header has {len(header)}"
            )
            continue
        row = {name: _text(cell) for name, cell in zip(header, cells, strict=True)}
        record, row_problems = _record(row, line)
        if check and not row_problems:
            row_problems = check(record)
        problems += [f"{source}: line {line}: {problem}" for problem in row_problems]
        if record.code in seen:
            problems.append(
                f"{source}: line {line}: code {record.code} is also on line {seen[record.code]}"
            )
        seen.setdefault(record.code, line)
        records.append(record)
    if problems:
        raise RosterError(problems)
    if not records:
        raise RosterError([f"{source}: no officers after the header row"])
    return records


def _text(cell: str) -> str:
    return unicodedata.normalize("NFC", cell).strip()


def _record(row: dict[str, str], line: int) -> tuple[OfficerRecord, list[str]]:
    problems = []
    code = canonical_code(row["code"])
    department = canonical_code(row["department"])
    for value, what in ((code, "code"), (department, "department")):
        problem = code_problem(value, what)
        if problem:
            problems.append(problem)
    if not row["full_name"]:
        problems.append("full_name: must not be empty")
    pin, pin_hash = row.get("pin") or None, row.get("pin_hash") or None
    if pin and is_pin_hash(pin):  # a hash exported into the pin column
        pin, pin_hash = None, pin
    if pin_hash and not is_pin_hash(pin_hash):
        problems.append("pin_hash: not a PIN hash (scrypt$...)")
    if pin and pin_problem(pin):
        problems.append(f"pin: {pin_problem(pin)}")
    active = (row.get("active") or "yes").lower()
    if active not in _YES + _NO:
        problems.append(f"active: yes or no, not {active!r}")
    record = OfficerRecord(
        code=code,
        full_name=row["full_name"],
        department=department,
        title=row.get("title", ""),
        pin=pin,
        pin_hash=pin_hash,
        department_name=row.get("department_name", ""),
        photo=row.get("photo") or None,
        active=active in _YES,
        line=line,
    )
    return record, problems
