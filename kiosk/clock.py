"""How long something took: durations on the monotonic clock, not the wall clock.

Stored times (``created_at``, ``locked_until``) are UTC wall-clock instants, because they
are facts for people and reports. But the wall clock is stepped: by NTP at boot on a
kiosk whose RTC battery died, by a technician, by a two-second correction. A duration
measured between two wall-clock readings is wrong by the whole step: a cooldown lets a
double tap through, a held rating is released under the citizen's finger or kept for
hours, a lockout lasts a day. So every "has it been N seconds" decision reads
``time.monotonic()``.

On Linux that is CLOCK_MONOTONIC, one clock shared by every process of one boot. A *mark*
is a monotonic reading written down with the boot it belongs to, as text, so another
process (``kioskctl``, the kiosk after a restart) can measure from it too. A mark of
another boot says nothing (callers then fall back to the wall clock, bounded by the
longest the duration may be).
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def monotonic() -> float:
    # Looked up at call time, so a test that moves time.monotonic moves every decision.
    return time.monotonic()


@functools.cache
def boot_id() -> str | None:
    """This boot's id; None where the system does not say (then marks are not made)."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def mark(after: float = 0.0) -> str | None:
    """Now plus ``after`` seconds on the monotonic clock, readable by any process of this boot."""
    boot = boot_id()
    if boot is None:
        return None
    return f"{boot} {monotonic() + after:.6f}"


def seconds_until(marked: str | None) -> float | None:
    """Seconds from now to ``marked`` (negative once it has passed); None when the mark is
    missing, malformed, or from another boot: then only the wall clock can say."""
    if not marked:
        return None
    boot, _, reading = marked.partition(" ")
    if boot != boot_id():
        return None
    try:
        return float(reading) - monotonic()
    except ValueError:
        return None


def seconds_since(marked: str | None) -> float | None:
    until = seconds_until(marked)
    return None if until is None else -until
