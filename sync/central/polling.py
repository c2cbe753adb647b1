"""A background thread that runs one round of work every few seconds, for the central's
workers (alerts, the monthly report): one thread per central process, started and stopped
by the app's lifespan.

A round that fails is logged and tried again at the next one: the database that is down
now may be back then, and a worker that died would silently stop sending.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

log = logging.getLogger(__name__)


def process_name(prefix: str = "") -> str:
    """This process, as a claim in the database names its taker (host and pid)."""
    return f"{prefix}{socket.gethostname()}:{os.getpid()}"[:64]


class PollingWorker:
    """Subclasses set ``thread_name`` and write :meth:`round` and :meth:`interval`."""

    thread_name = "worker"
    # The first round at start (a report owed while the central was down goes out at
    # once) or only after the first interval.
    round_at_start = False

    def __init__(self) -> None:
        # Unique per worker object, so two workers in one process never share a claim.
        self.name = f"{process_name()}:{id(self):x}"[:64]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def round(self) -> object:
        raise NotImplementedError

    def interval(self) -> float:
        raise NotImplementedError

    def started(self) -> None:
        """Called once in the thread before the first round (a log line, say)."""

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self.started()
        if not self.round_at_start and self._stop.wait(self.interval()):
            return
        while True:
            try:
                self.round()
            except Exception:
                log.exception("%s round failed; trying again", self.thread_name)
            if self._stop.wait(self.interval()):
                return
