"""Why the local database cannot be used, in words a technician can act on.

SQLite says little about what went wrong around a file: a folder the kiosk user may not
write, a read-only mount and a missing permission all come out as "unable to open
database file" or "attempt to write a readonly database"; a full disk is often a "disk
I/O error". Only damage (SQLITE_CORRUPT, SQLITE_NOTADB) means the file itself is bad and
may be set aside: for anything else, setting it aside would mend nothing and strand the
ratings in it. This module tells the two apart and, for the rest, looks at the file and
its folder to name the cause and the next step. It changes nothing.
"""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import sqlite3
import stat
from pathlib import Path

CORRUPT, NOTADB = 11, 26
PERM, BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, AUTH = 3, 5, 6, 8, 10, 13, 14, 23
# Codes that are about the file's surroundings (locks, permissions, mounts, space).
ENVIRONMENT = {PERM, BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, AUTH}
# Less free space than this, when SQLite fails to write, is taken for a full disk.
NEARLY_FULL = 1024 * 1024


def sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of an error (SQLAlchemy's wrapper or the driver's)."""
    exc = getattr(exc, "orig", None) or exc
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def is_damage(exc: BaseException) -> bool:
    """The file is not a sound database: the only reason to set it aside."""
    return sqlite_code(exc) in (CORRUPT, NOTADB)


def is_environment(exc: BaseException) -> bool:
    """A problem around the database (lock, permission, mount, space), or an OS error."""
    inner = getattr(exc, "orig", None) or exc
    return sqlite_code(exc) in ENVIRONMENT or (
        isinstance(inner, OSError) and not isinstance(inner, sqlite3.Error)
    )


def explain(exc: BaseException, path: Path, doing: str | None = None) -> str:
    """One line: ``cannot <doing> <file>: <cause>: <next step>``. Never raises: it runs
    while an error is being reported, where a second one would become a traceback."""
    inner = getattr(exc, "orig", None) or exc
    if isinstance(inner, OSError) and inner.filename:
        path = Path(os.fsdecode(inner.filename))
    try:
        cause = _cause(inner, path)
    except Exception:  # looking around failed too: SQLite's or the OS's own words
        cause = str(inner)
    if doing is None:
        writing = cause.startswith(WRITE_CAUSES)
        doing = "write to" if writing else "use"
    return f"cannot {doing} {path}: {cause}"


def _cause(exc: BaseException, path: Path) -> str:
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return disk_full(path.parent)
        if exc.errno == errno.EROFS:
            return read_only(path.parent)
        if exc.errno in (errno.EACCES, errno.EPERM):
            return surroundings(path) or f"permission denied: {RUN_AS_KIOSK_USER}"
        return exc.strerror or str(exc)
    code = sqlite_code(exc)
    if code in (BUSY, LOCKED):
        return (
            "database is locked by another process (another kioskctl, a backup, a second"
            f" kiosk): try again when it has finished; `fuser -v {path}` shows who holds it"
        )
    if code in (CORRUPT, NOTADB):
        return f"database is damaged ({exc}): run `kioskctl check`, which sets it aside"
    if code == FULL:
        return disk_full(path.parent)
    found = surroundings(path)
    if found:
        return found
    if code == IOERR:
        return f"{exc}: check the disk (`dmesg`), then run `kioskctl check`"
    return f"{exc}: run `kioskctl check`"


RUN_AS_KIOSK_USER = "run as the kiosk user or fix the owner"
WRITE_CAUSES = ("database or disk is full", "read-only file system")


def surroundings(path: Path) -> str | None:
    """What around ``path`` (mount, folder, the file and its WAL) keeps SQLite out, if any."""
    folder = path.parent
    # From the root down: the first folder this user may not enter is the answer.
    for above in (*reversed(folder.parents), folder):
        if not os.path.isdir(above):
            if _read_only_mount(above.parent):
                return read_only(above.parent)
            return f"folder {above} does not exist: run `kioskctl init`"
        if not os.access(above, os.X_OK, effective_ids=_EFFECTIVE):
            return (
                f"permission denied on folder {above} ({_owner_mode(above)}): {RUN_AS_KIOSK_USER}"
            )
    if _read_only_mount(folder):
        return read_only(folder)
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if file.exists() and not _can_open(file):
            return f"permission denied ({_owner_mode(file)}): {RUN_AS_KIOSK_USER}"
    # SQLite makes the -wal and -shm files beside the database: the folder must be writable.
    if not os.access(folder, os.W_OK, effective_ids=_EFFECTIVE):
        return (
            f"permission denied: folder {folder} is not writable ({_owner_mode(folder)}):"
            f" {RUN_AS_KIOSK_USER}"
        )
    if shutil.disk_usage(folder).free < NEARLY_FULL:
        return disk_full(folder)
    return None


def disk_full(folder: Path) -> str:
    # SQLite's own words, which a technician may look up; "disk is full" either way.
    return (
        f"database or disk is full ({_free(folder)} free in {folder}): free some space (old"
        " backups, logs; `kioskctl prune --sent-before DATE` deletes ratings the center"
        " confirmed)"
    )


def read_only(folder: Path) -> str:
    return (
        f"read-only file system ({folder}): remount it read-write, or set [storage] data_dir"
        " to a writable folder"
    )


_EFFECTIVE = os.access in os.supports_effective_ids


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _can_open(file: Path) -> bool:
    # Opening for reading and writing, without writing, is the test SQLite will make.
    try:
        os.close(os.open(file, os.O_RDWR))
    except PermissionError:
        return False
    except OSError:
        return True  # another cause (e.g. read-only mount), reported elsewhere
    return True


def _owner_mode(path: Path) -> str:
    info = path.stat()
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    return f"owner {owner}, mode {stat.S_IMODE(info.st_mode):04o}"


def _free(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "no space"
    return f"{free // 1024} KB" if free < 10 * 1024 * 1024 else f"{free // 1024 // 1024} MB"
