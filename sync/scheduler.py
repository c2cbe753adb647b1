"""Background sync for a running kiosk: APScheduler jobs for push, roster pull, heartbeat.

One ``BackgroundScheduler`` thread pool runs the jobs; each job has ``max_instances=1``
and ``coalesce=True``, so a slow central never piles up overlapping pushes. A new rating
asks for a push at once (:meth:`Syncer.push_now`), which only reschedules the job: the
caller, usually the UI thread, never waits on the network. Listeners hear about every
change of :class:`SyncStatus`; the UI hands them to ``Clock.schedule_once``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from kiosk.config import KioskConfig
from kiosk.store import Store
from sync.client import CentralRefused, CentralUnavailable, SyncClient, SyncNotConfigured

log = logging.getLogger(__name__)

# Colours of the status dot: all sent / pending or retrying / errors or unreachable.
NOT_CONFIGURED, OK, PENDING, ERROR = "not_configured", "ok", "pending", "error"


@dataclass(frozen=True)
class SyncStatus:
    state: str
    pending: int = 0
    last_sync_at: datetime | None = None
    last_error: str | None = None
    next_try_in: float = 0.0


Listener = Callable[[SyncStatus], None]


class Syncer:
    def __init__(self, config: KioskConfig, store: Store, client: SyncClient | None = None):
        self.config = config
        self.store = store
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        try:
            self.client = client or SyncClient(config, store)
            self._status = SyncStatus(PENDING)
        except SyncNotConfigured as exc:
            self.client = None
            self._status = SyncStatus(NOT_CONFIGURED, last_error=str(exc))
        self._last_success: datetime | None = None
        self._started = datetime.now(UTC)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 30},
            timezone=UTC,
        )

    @property
    def configured(self) -> bool:
        return self.client is not None

    def start(self) -> None:
        if self.client is None:
            log.info("sync not configured: %s", self._status.last_error)
            return
        central = self.config.central
        now = datetime.now(UTC)
        jobs = (  # id, job, interval, first run after start
            ("push", self.push_job, central.push_interval_seconds, 0),
            ("roster", self.roster_job, central.roster_interval_seconds, 0),
            ("heartbeat", self.heartbeat_job, central.heartbeat_interval_seconds, 2),
        )
        for job_id, job, seconds, delay in jobs:
            self.scheduler.add_job(
                job,
                "interval",
                seconds=seconds,
                id=job_id,
                next_run_time=now + timedelta(seconds=delay),
            )
        self.scheduler.start()

    def push_now(self) -> None:
        """Run the push job as soon as the pool is free (e.g. after a new rating)."""
        if self.client is None or not self.scheduler.running:
            return
        try:
            self.scheduler.modify_job("push", next_run_time=datetime.now(UTC))
        except Exception:  # shutting down: the next start sends it
            log.debug("push_now ignored", exc_info=True)

    def test_connection(self) -> str:
        """Reach the central now (a heartbeat); blocks: call it off the UI thread."""
        if self.client is None:
            raise CentralRefused(self._status.last_error or "sync not configured")
        skew = self.client.heartbeat()
        return f"central reached; clock difference {skew:+.1f} s"

    def reload_roster(self) -> str:
        """Pull the roster now; blocks: call it off the UI thread."""
        if self.client is None:
            raise CentralRefused(self._status.last_error or "sync not configured")
        changed = self.client.pull_roster()
        return "roster updated" if changed else "roster unchanged"

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if self.client is not None:
            self.client.close()

    # --- status ---------------------------------------------------------------------

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)
        listener(self.status())

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:
                log.exception("sync status listener failed")

    # --- jobs -----------------------------------------------------------------------

    def push_job(self) -> None:
        client = self.client
        assert client is not None
        if not client.backoff.ready():
            return
        try:
            while True:  # drain: one batch per request, until nothing is left
                result = client.push()
                if result.remaining == 0 or (result.sent + result.duplicate + result.rejected) == 0:
                    break
        except (CentralUnavailable, CentralRefused) as exc:
            client.note_failure(exc)
            self._publish(self._status_after_failure(str(exc), client.backoff.wait_seconds()))
            return
        except Exception as exc:  # a bug must not stop the scheduler: log, show, retry later
            log.exception("push failed")
            client.note_failure(exc)
            self._publish(
                self._status_after_failure(
                    f"{type(exc).__name__}: {exc}", client.backoff.wait_seconds()
                )
            )
            return
        client.backoff.succeeded()
        self._last_success = datetime.now(UTC)
        pending = client.pending()
        self._publish(
            SyncStatus(
                OK if pending == 0 else PENDING, pending=pending, last_sync_at=self._last_success
            )
        )

    def roster_job(self) -> None:
        self._quiet(self.client.pull_roster, "roster pull")  # type: ignore[union-attr]

    def heartbeat_job(self) -> None:
        self._quiet(self.client.heartbeat, "heartbeat")  # type: ignore[union-attr]

    def _quiet(self, job: Callable[[], object], name: str) -> None:
        try:
            job()
        except (CentralUnavailable, CentralRefused) as exc:
            log.warning("%s failed: %s", name, exc)
        except Exception:
            log.exception("%s failed", name)

    def _status_after_failure(self, error: str, next_try_in: float) -> SyncStatus:
        stale = timedelta(minutes=self.config.central.stale_after_minutes)
        last = self._last_success
        unreachable_long = datetime.now(UTC) - (last or self._started) > stale
        pending = self.client.pending() if self.client else 0
        # Amber while retrying within the allowed time; red once the center has been
        # out of reach too long (or refuses us), so the technician is called.
        state = ERROR if unreachable_long or "refused" in error else PENDING
        return SyncStatus(
            state, pending=pending, last_sync_at=last, last_error=error, next_try_in=next_try_in
        )
