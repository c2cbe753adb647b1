"""Rows read straight from the pages of a SQLite file that SQLite itself refuses to read.

When damage hits the schema (``sqlite_master`` grows beyond page 1 once the schema has
been rebuilt) or the file header, SQLite can read nothing at all, although nearly every
page still holds its rows intact. This reads the file as the documented format lays it
out (https://www.sqlite.org/fileformat2.html): every table b-tree leaf page, and every
page image in the WAL beside it, yields (rowid, values) for each cell it can parse.
Cells that spill onto overflow pages are skipped (a kiosk's rows never do). What the
rows belong to is the caller's business: there is no schema to say.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

MAGIC = b"SQLite format 3\x00"
TABLE_LEAF = 0x0D
WAL_HEADER, FRAME_HEADER = 32, 24
# Rows of a file whose header is gone are looked for with SQLite's default page size.
DEFAULT_PAGE_SIZE = 4096

Row = tuple[int, list[object]]


def scan(path: Path) -> Iterator[tuple[int, Row]]:
    """(age, (rowid, values)) for every parseable row of every table in ``path`` and its
    WAL. A larger age is a newer page image (WAL frames are newer than the file and than
    earlier frames); images of one age cannot be ordered."""
    data = path.read_bytes()
    page_size, reserved = _page_format(data)
    for number in range(len(data) // page_size):
        page = data[number * page_size : (number + 1) * page_size]
        for row in _leaf_rows(page, 100 if number == 0 else 0, page_size - reserved):
            yield 0, row
    wal = Path(f"{path}-wal")
    if not wal.exists():
        return
    log = wal.read_bytes()
    if len(log) >= WAL_HEADER:
        page_size = struct.unpack(">I", log[8:12])[0] or page_size
    frame = WAL_HEADER
    age = 1
    while frame + FRAME_HEADER + page_size <= len(log):
        number = struct.unpack(">I", log[frame : frame + 4])[0]
        page = log[frame + FRAME_HEADER : frame + FRAME_HEADER + page_size]
        for row in _leaf_rows(page, 100 if number == 1 else 0, page_size - reserved):
            yield age, row
        frame += FRAME_HEADER + page_size
        age += 1


def _page_format(data: bytes) -> tuple[int, int]:
    if data.startswith(MAGIC) and len(data) >= 100:
        size = struct.unpack(">H", data[16:18])[0]
        size = 65536 if size == 1 else size
        if size >= 512 and size & (size - 1) == 0:
            return size, data[20]
    return DEFAULT_PAGE_SIZE, 0


def _leaf_rows(page: bytes, start: int, usable: int) -> Iterator[Row]:
    if len(page) < start + 8 or page[start] != TABLE_LEAF:
        return
    cells = struct.unpack(">H", page[start + 3 : start + 5])[0]
    max_local = usable - 35  # larger payloads continue on overflow pages
    for index in range(cells):
        pointer_at = start + 8 + 2 * index
        if pointer_at + 2 > len(page):
            return
        offset = struct.unpack(">H", page[pointer_at : pointer_at + 2])[0]
        try:
            size, offset = _varint(page, offset)
            rowid, offset = _varint(page, offset)
            if size > max_local or offset + size > len(page):
                continue
            yield _signed(rowid), _record(page[offset : offset + size])
        except (IndexError, ValueError, UnicodeDecodeError, struct.error):
            continue  # a damaged cell: the next one may be sound


def _record(payload: bytes) -> list[object]:
    header_size, offset = _varint(payload, 0)
    if header_size > len(payload):
        raise ValueError("record header runs past the cell")
    types = []
    while offset < header_size:
        serial, offset = _varint(payload, offset)
        types.append(serial)
    values: list[object] = []
    at = header_size
    for serial in types:
        value, at = _value(payload, at, serial)
        values.append(value)
    if at != len(payload):
        raise ValueError("record length does not match its header")
    return values


_INT_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def _value(payload: bytes, at: int, serial: int) -> tuple[object, int]:
    if serial == 0:
        return None, at
    if serial in _INT_SIZES:
        size = _INT_SIZES[serial]
        if at + size > len(payload):
            raise ValueError("integer runs past the record")
        return int.from_bytes(payload[at : at + size], "big", signed=True), at + size
    if serial == 7:
        return struct.unpack(">d", payload[at : at + 8])[0], at + 8
    if serial in (8, 9):
        return serial - 8, at
    if serial >= 12:
        size = (serial - 12) // 2
        if at + size > len(payload):
            raise ValueError("text runs past the record")
        raw = payload[at : at + size]
        return (raw.decode("utf-8") if serial % 2 else raw), at + size
    raise ValueError(f"reserved serial type {serial}")


def _varint(data: bytes, offset: int) -> tuple[int, int]:
    value = 0
    for index in range(9):
        byte = data[offset + index]
        if index == 8:
            return (value << 8) | byte, offset + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, offset + index + 1
    raise ValueError("unreachable")


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value
