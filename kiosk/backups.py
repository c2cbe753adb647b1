"""The nightly backups of a kiosk's database: where they go and how long they stay.

``maintenance.backup`` makes one consistent copy; this module keeps the folder of them
from filling the disk: copies older than ``[storage] backup_keep_days`` are deleted, but
never the newest one (a kiosk whose clock jumped, or that was off for a month, still
keeps its last good copy), and never a file this module did not name.
"""

from __future__ import annotations

import time
from pathlib import Path

PATTERN = "kiosk-*.db"  # the names maintenance.backup gives a copy in a folder
DAY = 24 * 3600


def prune(folder: Path, keep_days: int, now: float | None = None) -> list[Path]:
    """Delete backups in ``folder`` older than ``keep_days`` days, never the newest one,
    and half-made copies (``.partial``, left by a power cut) older than a day. Returns
    what was deleted."""
    now = time.time() if now is None else now
    copies = sorted(folder.glob(PATTERN), key=lambda path: path.stat().st_mtime)
    old = [path for path in copies[:-1] if now - path.stat().st_mtime > keep_days * DAY]
    old += [path for path in folder.glob(PATTERN + ".partial") if now - path.stat().st_mtime > DAY]
    for path in old:
        path.unlink(missing_ok=True)
    return old
