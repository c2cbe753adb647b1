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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from kiosk.config import KioskConfig
from kiosk.store import Store
from sync.client import (
    CentralUnavailable,
    SyncClient,
    SyncNotConfigured,
    SyncProblem,
)
from sync.figures_client import fetch_officer_figures

log = logging.getLogger(__name__)
T = TypeVar("T")

# Colours of the status dot: all sent / pending or retrying / errors or unreachable.
NOT_CONFIGURED, OK, PENDING, ERROR = "not_configured", "ok", "pending", "error"


@dataclass(frozen=True)
class SyncStatus:
    state: str
    pending: int = 0
    last_sync_at: datetime | None = None
    last_error: str | None = None
    next_try_in: float = 0.0
    # The failure itself: screens say what it means by its type, never by its text.
    failure: Exception | None = None


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
        # What the last exchange with the central was: the dot follows what happened.
        self._last_success: datetime | None = None  # wall clock, for "last sync" shown
        self._reached_at = time.monotonic()  # monotonic: a clock step is no outage
        self._failure: Exception | None = None
        self._problem: str | None = None  # a rating set aside by the last push
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
        skew = self._exchange(self._client().heartbeat)
        return f"central reached; clock difference {skew:+.1f} s"

    def reload_roster(self) -> str:
        """Pull the roster now; blocks: call it off the UI thread."""
        changed = self._exchange(self._client().pull_roster)
        return "roster updated" if changed else "roster unchanged"

    def _client(self) -> SyncClient:
        if self.client is None:
            raise SyncNotConfigured(self._status.last_error or "sync not configured")
        return self.client

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
        problem = None
        try:
            while True:  # drain: one batch per request, until nothing is left
                result = client.push()
                problem = problem or result.problem
                moved = result.sent + result.duplicate + result.rejected + result.set_aside
                if result.remaining == 0 or moved == 0:
                    break
        except Exception as exc:  # a bug must not stop the scheduler either: show, retry
            if not isinstance(exc, SyncProblem):
                log.exception("push failed")
            client.note_failure(exc)
            self._failed(exc)
            return
        client.backoff.succeeded()
        if moved or result.remaining or problem:  # the central answered a batch
            self._problem = problem
            self._succeeded()
        else:
            self._publish(self._current())

    def roster_job(self) -> None:
        self._quietly(self._client().pull_roster, "roster pull")

    def heartbeat_job(self) -> None:
        self._quietly(self._client().heartbeat, "heartbeat")
        # The officer menu's figures from the center ride along: as often, never waited for.
        self._quietly(lambda: fetch_officer_figures(self._client()), "officer figures")

    def _quietly(self, job: Callable[[], object], name: str) -> None:
        try:
            self._exchange(job)
        except SyncProblem as exc:
            log.warning("%s failed: %s", name, exc)
        except Exception:
            log.exception("%s failed", name)

    def _exchange(self, job: Callable[[], T]) -> T:
        """Run one exchange with the central and let its outcome set the dot."""
        try:
            value = job()
        except Exception as exc:
            self._failed(exc)
            raise
        self._succeeded()
        return value

    def _succeeded(self) -> None:
        with self._lock:
            self._failure = None
            self._last_success = datetime.now(UTC)
            self._reached_at = time.monotonic()
        self._publish(self._current())

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            self._failure = exc
        self._publish(self._current())

    def _current(self) -> SyncStatus:
        """The dot, from what happened: the central answered, or not, and how."""
        client = self.client
        pending = client.pending() if client else 0
        with self._lock:
            failure, last, problem = self._failure, self._last_success, self._problem
            unreachable_for = time.monotonic() - self._reached_at
        if failure is None:
            state = PENDING if (pending or problem or last is None) else OK
            return SyncStatus(state, pending=pending, last_sync_at=last, last_error=problem)
        stale = self.config.central.stale_after_minutes * 60
        # Red when waiting cannot help (a refused token, an answer that is not the
        # central's, a bug) or the center has been out of reach too long; amber while
        # the network may still come back by itself.
        waiting_helps = isinstance(failure, CentralUnavailable)
        state = PENDING if waiting_helps and unreachable_for <= stale else ERROR
        message = str(failure) if isinstance(failure, SyncProblem) else _bug(failure)
        next_try = client.backoff.wait_seconds() if client else 0.0
        return SyncStatus(
            state,
            pending=pending,
            last_sync_at=last,
            last_error=message,
            next_try_in=next_try,
            failure=failure,
        )


def _bug(exc: Exception) -> str:
    return f"unexpected error ({type(exc).__name__}: {exc}); see the kiosk's log"
