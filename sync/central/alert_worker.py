"""The background worker that sends the alerts outbox, one thread per central process.

Every ``poll_seconds`` it looks for departments with alerts waiting on a channel. A
department's channel is due when its oldest waiting alert is ``gather_seconds`` old (a
burst goes out together) and its last message is ``digest_minutes`` old (one bad hour is
one digest, not fifty mails). The process that takes a due (department, channel) does so
with ``UPDATE alert_channels ... WHERE claimed_until is past``, so with several central
processes on one PostgreSQL database exactly one sends it; a process that dies while
sending loses its claim after ``claim_seconds``. The message is sent outside any
transaction; then the deliveries are marked sent, or kept with their attempt count, the
error and the time of the next try (exponential backoff with full jitter). Nothing is
ever dropped: a delivery waits until its channel takes it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from sync.central.alert_send import SENDERS, DeliveryError
from sync.central.alert_words import Names, alert_query, describe
from sync.central.db import Database, dialect_insert
from sync.central.models import alert_channels, alert_deliveries, alerts, utcnow
from sync.central.polling import PollingWorker
from sync.central.settings import Settings

log = logging.getLogger(__name__)

# Most alerts in one message; more wait for the next (a digest of 200 is already long).
DIGEST_LIMIT = 200


class AlertWorker(PollingWorker):
    thread_name = "alert-worker"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        rand: Callable[[float, float], float] = random.uniform,
    ):
        super().__init__()
        self.db, self.settings, self.config = db, settings, settings.alerts
        self._clock, self._rand = clock, rand

    def started(self) -> None:
        log.info("alert worker started: %s", ", ".join(self.config.channels()))

    def interval(self) -> float:
        return self.config.poll_seconds

    def round(self) -> int:
        return self.run_once()

    def run_once(self) -> int:
        """Send what is due now; return the number of messages sent."""
        sent = 0
        for department, channel in self._due_groups():
            if self.stopping:
                break
            if self._claim(department, channel):
                sent += self._send_group(department, channel)
        return sent

    def _due_groups(self) -> list[tuple[str, str]]:
        now = self._clock()
        gathered = now - timedelta(seconds=self.config.gather_seconds)
        with self.db.read() as connection:
            rows = connection.execute(
                select(alert_deliveries.c.department, alert_deliveries.c.channel)
                .where(alert_deliveries.c.sent_at.is_(None))
                .group_by(alert_deliveries.c.department, alert_deliveries.c.channel)
                .having(
                    and_(
                        func.min(alert_deliveries.c.created_at) <= gathered,
                        func.min(alert_deliveries.c.next_attempt_at) <= now,
                    )
                )
            ).all()
        channels = self.config.channels()
        return [(row.department, row.channel) for row in rows if row.channel in channels]

    def _claim(self, department: str, channel: str) -> bool:
        now = self._clock()
        paced = now - timedelta(minutes=self.config.digest_minutes)
        where = (alert_channels.c.department == department, alert_channels.c.channel == channel)
        with self.db.write() as connection:
            connection.execute(
                dialect_insert(connection)(alert_channels)
                .values(department=department, channel=channel)
                .on_conflict_do_nothing()
            )
            taken = connection.execute(
                update(alert_channels)
                .where(
                    *where,
                    or_(
                        alert_channels.c.claimed_until.is_(None),
                        alert_channels.c.claimed_until < now,
                    ),
                    or_(
                        alert_channels.c.last_sent_at.is_(None),
                        alert_channels.c.last_sent_at <= paced,
                    ),
                )
                .values(
                    claimed_by=self.name,
                    claimed_until=now + timedelta(seconds=self.config.claim_seconds),
                )
            )
            return taken.rowcount == 1

    def _send_group(self, department: str, channel: str) -> int:
        now = self._clock()
        with self.db.read() as connection:
            rows = connection.execute(
                alert_query()
                .add_columns(alert_deliveries.c.attempts)
                .join(alert_deliveries, alert_deliveries.c.alert_key == alerts.c.key)
                .where(
                    alert_deliveries.c.department == department,
                    alert_deliveries.c.channel == channel,
                    alert_deliveries.c.sent_at.is_(None),
                    alert_deliveries.c.next_attempt_at <= now,
                )
                .order_by(alerts.c.id)
                .limit(DIGEST_LIMIT)
            ).all()
            names = Names.read(connection, rows)
        if not rows:
            self._finish(department, channel, [])
            return 0
        lang = self.config.language
        views = [describe(row, names, self.settings, lang) for row in rows]
        keys = [row.key for row in rows]
        try:
            SENDERS[channel](self.config, views)
        except DeliveryError as exc:
            attempts = max(row.attempts for row in rows) + 1
            delay = self._delay(attempts, exc.retry_after)
            log.warning(
                "alert %s for %s not sent (%d alerts, attempt %d), next try in %.0f s: %s",
                channel, department, len(keys), attempts, delay, exc,
            )  # fmt: skip
            error = str(exc)[:1000]
            self._finish(department, channel, keys, attempts=attempts, error=error, delay=delay)
            return 0
        log.info("alert %s for %s sent: %d alerts", channel, department, len(keys))
        self._finish(department, channel, keys, sent_at=self._clock())
        return 1

    def _delay(self, attempts: int, retry_after: float | None) -> float:
        # Full jitter (sync/backoff.py explains why); the receiver's Retry-After is a floor.
        cap = self.config.retry_cap_seconds
        delay = self._rand(
            0.0, min(cap, self.config.retry_base_seconds * 2 ** min(attempts - 1, 30))
        )
        return max(delay, min(retry_after, cap)) if retry_after is not None else delay

    def _finish(
        self,
        department: str,
        channel: str,
        keys: list[str],
        *,
        sent_at: datetime | None = None,
        attempts: int = 0,
        error: str | None = None,
        delay: float = 0.0,
    ) -> None:
        """Record the outcome of the deliveries ``keys`` and give the claim back, in one
        transaction: a sent message moves the department's pace on, a failed one does not."""
        if sent_at is not None:
            outcome = {"sent_at": sent_at, "last_error": None}
        else:
            retry_at = self._clock() + timedelta(seconds=delay)
            outcome = {"attempts": attempts, "last_error": error, "next_attempt_at": retry_at}
        released: dict = {"claimed_by": None, "claimed_until": None}
        if sent_at is not None:
            released["last_sent_at"] = sent_at
        with self.db.write() as connection:
            if keys:
                connection.execute(
                    update(alert_deliveries)
                    .where(
                        alert_deliveries.c.alert_key.in_(keys),
                        alert_deliveries.c.channel == channel,
                    )
                    .values(**outcome)
                )
            connection.execute(
                update(alert_channels)
                .where(
                    alert_channels.c.department == department,
                    alert_channels.c.channel == channel,
                    alert_channels.c.claimed_by == self.name,
                )
                .values(**released)
            )
