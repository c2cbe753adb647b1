"""Log rate-limiting: the same error over and over is written once per interval, with
the number of repeats left out.

At the file-descriptor limit asyncio's accept loop logs a traceback for every failed
accept(); a flood of bad connections does the same through uvicorn. Unfiltered, that
fills the disk (141 MB in 50 s was seen). A record's identity is its logger, level,
message template and exception type, so different problems still show at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

# The loggers that repeat themselves under attack.
NOISY_LOGGERS = ("asyncio", "uvicorn.error")


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
        identity = (record.name, record.levelno, str(record.msg), exc_type)
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


def install(interval_seconds: float) -> RepeatFilter:
    """Rate-limit the noisy loggers; returns the filter (to remove it again)."""
    repeat = RepeatFilter(interval_seconds)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).addFilter(repeat)
    return repeat


def uninstall(repeat: RepeatFilter) -> None:
    for name in NOISY_LOGGERS:
        logging.getLogger(name).removeFilter(repeat)
