"""The background worker that mails the monthly report, one thread per central process
(started beside the alerts' worker by the app's lifespan, in the same style).

Every ``[reports] poll_seconds`` it asks :func:`sync.central.monthly_send.send_due`
whether a month's report is due and not yet sent, or a correction is owed (ratings of a
mailed month that arrived after it, docs/monthly-report.md); the first round runs at start, so a
central that was down on the first working day sends the report it owes as soon as it is
back. The claim in ``scheduled_sends`` makes one process of several send it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sync.central.db import Database
from sync.central.models import utcnow
from sync.central.monthly_send import send_due
from sync.central.polling import PollingWorker
from sync.central.settings import Settings

log = logging.getLogger(__name__)


class MonthlyWorker(PollingWorker):
    thread_name = "monthly-report"
    round_at_start = True

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime] = utcnow):
        super().__init__()
        self.db, self.settings, self._clock = db, settings, clock

    def started(self) -> None:
        recipients = len(self.settings.reports.recipients)
        log.info("monthly report worker started: %d recipient(s)", recipients)

    def interval(self) -> float:
        return self.settings.reports.poll_seconds

    def round(self) -> None:
        # A claim left behind by a round that failed runs out after claim_minutes.
        send_due(self.db, self.settings, self._clock(), self.name)
