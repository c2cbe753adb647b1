"""What a disk could hold after a power cut, rebuilt from volatile_disk.c's journal.

The model is the one SQLite's own crash tests use: a write reaches the platter only when
its file is synced afterwards; every write since its file's last sync may or may not have
been written (the drive's cache flushes in any order), each one whole. A cut can fall
between any two records of the journal. Marks (``M`` + id) that the test's child appends
after a rating is acknowledged tell which ratings the citizen was thanked for before the
cut.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "volatile_disk.c"


def build_shim(target_dir: Path) -> Path | None:
    """Compile the LD_PRELOAD shim; None when there is no C compiler here."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    target = target_dir / "volatile_disk.so"
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-O1", "-o", str(target), str(SOURCE), "-ldl", "-lpthread"],
        check=True,
        capture_output=True,
    )
    return target


@dataclass(frozen=True)
class Operation:
    kind: str  # W write, T truncate, S sync, U unlink, M acknowledged mark
    path: str
    offset: int = 0
    data: bytes = b""


def read_journal(journal: Path) -> list[Operation]:
    raw = journal.read_bytes()
    operations, at = [], 0
    while at < len(raw):
        kind = chr(raw[at])
        (length,) = struct.unpack_from("<I", raw, at + 1)
        path = raw[at + 5 : at + 5 + length].decode()
        at += 5 + length
        if kind == "W":
            offset, size = struct.unpack_from("<QQ", raw, at)
            operations.append(Operation(kind, path, offset, raw[at + 16 : at + 16 + size]))
            at += 16 + size
        elif kind == "T":
            (size,) = struct.unpack_from("<Q", raw, at)
            operations.append(Operation(kind, path, size))
            at += 8
        else:
            operations.append(Operation(kind, path))
    return operations


def mark(journal: Path, rating_id: str) -> None:
    """Append an acknowledged mark: one O_APPEND write, so it never splits a record."""
    encoded = rating_id.encode()
    with journal.open("ab", buffering=0) as out:
        out.write(b"M" + struct.pack("<I", len(encoded)) + encoded)


def _apply(files: dict[str, bytearray | None], operation: Operation) -> None:
    content = files.get(operation.path) or bytearray()
    if operation.kind == "W":
        end = operation.offset + len(operation.data)
        if len(content) < operation.offset:
            content.extend(bytes(operation.offset - len(content)))
        content[operation.offset : end] = operation.data
    elif operation.kind == "T":
        del content[operation.offset :]
    files[operation.path] = content


@dataclass
class Cut:
    """The disk after a cut: each file as synced, plus a chosen subset of later writes."""

    files: dict[str, bytearray | None]
    acknowledged: list[str]

    def write_into(self, folder: Path, original: Path) -> None:
        """Lay the files out in ``folder`` under their names relative to ``original``."""
        for path, content in self.files.items():
            if content is None or path.endswith("-shm"):  # shared memory: rebuilt at open
                continue
            target = folder / Path(path).relative_to(original)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bytes(content))


def cuts(
    base: dict[str, bytes],
    operations: list[Operation],
    at: list[int],
    rng: random.Random,
    keep_unsynced: float,
) -> Iterator[Cut]:
    """The disk after a cut before ``operations[i]`` for each i in ``at`` (ascending). Each
    write not yet synced at the cut survives with probability ``keep_unsynced``."""
    durable: dict[str, bytearray | None] = {path: bytearray(data) for path, data in base.items()}
    pending: dict[str, list[Operation]] = {}
    acknowledged: list[str] = []
    wanted = iter(sorted(at))
    next_cut = next(wanted, None)
    for index, operation in enumerate([*operations, None]):
        while next_cut is not None and next_cut == index:
            files = {path: (None if c is None else bytearray(c)) for path, c in durable.items()}
            for waiting in pending.values():
                for write in waiting:
                    if rng.random() < keep_unsynced:
                        _apply(files, write)
            yield Cut(files, list(acknowledged))
            next_cut = next(wanted, None)
        if operation is None:
            break
        if operation.kind == "M":
            acknowledged.append(operation.path)
        elif operation.kind in "WT":
            pending.setdefault(operation.path, []).append(operation)
        elif operation.kind == "S":
            for write in pending.pop(operation.path, []):
                _apply(durable, write)
        elif operation.kind == "U":
            # Treated as immediate: SQLite only deletes a file whose content it no longer needs.
            pending.pop(operation.path, None)
            durable[operation.path] = None


def ratings_on(folder: Path, database_name: str) -> tuple[set[str], str]:
    """The rating ids SQLite recovers from the files in ``folder``, and its integrity check."""
    connection = sqlite3.connect(folder / database_name)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            ids = {row[0] for row in connection.execute("SELECT id FROM ratings")}
        except sqlite3.DatabaseError as exc:
            return set(), f"{check}; {exc}"
        return ids, check
    except sqlite3.DatabaseError as exc:
        return set(), str(exc)
    finally:
        connection.close()
