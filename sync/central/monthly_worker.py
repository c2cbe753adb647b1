"""The background worker that mails the monthly report, one thread per central process
(started beside the alerts' worker by the app's lifespan, in the same style).

Every ``[reports] poll_seconds`` it asks :func:`sync.central.monthly_send.send_due`
whether a month's report is due and not yet sent; the first round runs at start, so a
central that was down on the first working day sends the report it owes as soon as it is
back. The claim in ``scheduled_sends`` makes one process of several send it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sync.central.db import Database
from sync.central.models import utcnow
from sync.central.monthly_send import process_name, send_due
from sync.central.settings import Settings

log = logging.getLogger(__name__)


class MonthlyWorker:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime] = utcnow):
        self.db, self.settings, self._clock = db, settings, clock
        self.name = f"{process_name()}:{id(self):x}"[:64]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="monthly-report", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        reports = self.settings.reports
        log.info("monthly report worker started: %d recipient(s)", len(reports.recipients))
        while True:
            try:
                send_due(self.db, self.settings, self._clock(), self.name)
            except Exception:
                # A database that is down now may be back at the next round; a claim left
                # behind runs out after claim_minutes.
                log.exception("monthly report round failed; trying again")
            if self._stop.wait(reports.poll_seconds):
                return
