"""Log rate-limiting: the same error over and over is written once per interval, with
the number of repeats left out.

At the file-descriptor limit asyncio's accept loop logs a traceback for every failed
accept(); a flood of bad connections does the same through uvicorn. Unfiltered, that
fills the disk (141 MB in 50 s was seen). A record's identity is its logger, level,
message's start and exception type, so different problems still show at once. Only the
start of the message: asyncio writes each failed callback with its own timer handle
("Exception in callback ..._start_serving(...) handle: <TimerHandle when=2269.14...>"),
so no two lines of one storm are equal in full.

Why the storm at the file limit: asyncio's accept loop (3.11) does not stop at EMFILE;
it tries ``backlog`` times, and every failure schedules another start of serving a second
later, each of which fails again and logs a traceback. [server] backlog bounds the
multiplier; this filter bounds the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

# The loggers that repeat themselves under attack.
NOISY_LOGGERS = (
    "asyncio",
    "uvicorn.error",
    # A connection refused per attempt, a database down or a disk full per request.
    "sync.central.connections",
    "sync.central.api",
    "sync.central.app",
)


class RepeatFilter(logging.Filter):
    def __init__(self, interval_seconds: float, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval = interval_seconds
        self.clock = clock
        self._lock = threading.Lock()
        # identity -> (time last written, repeats left out since)
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        exc_type = record.exc_info[0] if record.exc_info else None
        identity = (record.name, record.levelno, _start(record), exc_type)
        now = self.clock()
        with self._lock:
            last = self._seen.get(identity)
            if last is not None and now - last[0] < self.interval:
                self._seen[identity] = (last[0], last[1] + 1)
                return False
            if len(self._seen) > 1000:  # many different messages: forget the old ones
                self._seen.clear()
            self._seen[identity] = (now, 0)
        if last is not None and last[1]:
            record.msg = f"{record.msg} [{last[1]} more like this in the last {self.interval:g} s]"
        return True


def _start(record: logging.LogRecord) -> str:
    """The part of a message that names the problem, before its changing details."""
    try:
        text = record.getMessage()
    except (TypeError, ValueError):  # a bad %-format: judge by the template
        text = str(record.msg)
    first = text.split("\n", 1)[0]
    for mark in ("(", "<"):
        first = first.split(mark, 1)[0]
    return first[:80]


def install(interval_seconds: float) -> RepeatFilter:
    """Rate-limit the noisy loggers; returns the filter (to remove it again)."""
    repeat = RepeatFilter(interval_seconds)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).addFilter(repeat)
    return repeat


def uninstall(repeat: RepeatFilter) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).removeFilter(repeat)
