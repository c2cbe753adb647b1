"""One push, roster pull or heartbeat between a kiosk and the central endpoint.

A push takes the next batches of the outbox (``sync.outbox``), POSTs them, and records
the central's answer there. The POST is safe to repeat, since every rating carries its
own id: a response lost after the central committed becomes a "duplicate" on the next
try, never a second rating. Nothing here deletes a rating.
"""

from __future__ import annotations

import logging
import platform
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import requests
from sqlalchemy import Row, func, select, update

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.models import PENDING, REJECTED, Department, Officer, Rating, State, utcnow
from kiosk.staff import upsert_officer
from kiosk.store import Store
from sync import outbox, protocol
from sync.backoff import Backoff, parse_retry_after
from sync.outbox import PushResult

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
# Batches sent at once by one push (see SyncClient.push).
IN_FLIGHT = 2


class SyncNotConfigured(Exception):
    """No central URL or no token: ratings stay local until the kiosk is provisioned."""


class CentralUnavailable(Exception):
    """The central could not be reached or asked us to wait; try again later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class CentralRefused(Exception):
    """The central refused the kiosk itself (token, counter): retrying will not help."""


def read_token(config: KioskConfig) -> str:
    if not config.central.url:
        raise SyncNotConfigured("no central URL in [central] url (run kioskctl provision)")
    path = config.central.token_file
    try:
        token = path.read_text(encoding="utf-8").strip() if path else ""
    except FileNotFoundError:
        token = ""
    if not token:
        raise SyncNotConfigured(f"no counter token in {path} (run kioskctl provision)")
    return token


class SyncClient:
    def __init__(self, config: KioskConfig, store: Store, http: requests.Session | None = None):
        self.config = config
        self.store = store
        self.token = read_token(config)
        self.http = http or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {self.token}"
        self.http.headers["User-Agent"] = f"counter-kiosk/{__version__}"
        self.http.verify = str(config.central.ca_file) if config.central.ca_file else True
        self.timeout = (config.central.connect_timeout_seconds, config.central.read_timeout_seconds)
        self.backoff = Backoff(cap=config.central.backoff_cap_seconds)
        self.batch_size = config.central.batch_size
        self._pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="sync-push")

    # --- push -----------------------------------------------------------------------

    def push(self, batch_size: int | None = None) -> PushResult:
        """Send the next ``IN_FLIGHT`` batches of the outbox, concurrently.

        Two requests in flight let the kiosk encode and mark one batch while the central
        stores the other, which doubles a backlog's drain rate on loopback. Batches are
        disjoint, and order between them does not matter: the central keys on rating ids.
        Raises CentralUnavailable / CentralRefused after every batch has been answered or
        has failed, so what was accepted is marked sent either way.
        """
        outbox.release_abandoned_holds(self.store, self.config)
        size = batch_size or self.batch_size
        ratings = outbox.next_batch(self.store, size * IN_FLIGHT)
        chunks = [ratings[start : start + size] for start in range(0, len(ratings), size)]
        if len(chunks) > 1:
            futures = [self._pool.submit(self._push_chunk, chunk) for chunk in chunks]
            outcomes = [future.exception() or future.result() for future in futures]
        else:
            outcomes = [self._push_chunk(chunk) for chunk in chunks]
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
        outbox.remember(self.store, last_sync_at=utcnow().isoformat(), last_sync_error=None)
        return PushResult(
            sent=sum(result.sent for result in outcomes),
            duplicate=sum(result.duplicate for result in outcomes),
            rejected=sum(result.rejected for result in outcomes),
            remaining=outbox.pending(self.store) if ratings else 0,
        )

    def _push_chunk(self, batch: list[Row]) -> PushResult:
        wire, invalid = outbox.encode(batch)
        if invalid:  # never sendable as it is: flag it now, keep it, send the others
            outbox.mark(self.store, batch, protocol.BatchResponse(rejected=invalid))
        result = self._send(wire) if wire else PushResult()
        return PushResult(result.sent, result.duplicate, result.rejected + len(invalid))

    def drain(
        self, progress: Callable[[int, int], None] | None = None, give_up_after: float = 60
    ) -> int:
        """Push until the outbox is empty; waits out backoff up to ``give_up_after`` seconds
        in a row without progress. Returns what is still pending."""
        total = outbox.pending(self.store)
        done = 0
        stuck_since = time.monotonic()
        while True:
            try:
                result = self.push()
            except CentralUnavailable as exc:
                self.note_failure(exc)
                if time.monotonic() - stuck_since > give_up_after:
                    raise
                time.sleep(min(self.backoff.wait_seconds(), 5) or 0.2)
                continue
            if result.sent + result.duplicate + result.rejected == 0:
                return result.remaining
            stuck_since = time.monotonic()
            done += result.sent + result.duplicate + result.rejected
            if progress:
                progress(done, max(total, done + result.remaining))

    def pending(self) -> int:
        return outbox.pending(self.store)

    def note_failure(self, exc: Exception) -> float:
        """Back off after a failed cycle and remember the error for the status screen."""
        retry_after = exc.retry_after if isinstance(exc, CentralUnavailable) else None
        if isinstance(exc, CentralRefused):
            retry_after = self.backoff.cap  # a wrong token will not fix itself in seconds
        delay = self.backoff.failed(retry_after)
        outbox.remember(self.store, last_sync_error=str(exc))
        log.warning("sync failed (%s); next try in %.0f s", exc, delay)
        return delay

    def _send(self, batch: list[tuple[Row, protocol.RatingIn]]) -> PushResult:
        """POST a batch; on a 4xx for the whole batch, split it to isolate the bad ratings."""
        response = self._post_batch([item for _rating, item in batch])
        if response.status_code == 200:
            answer = protocol.BatchResponse.model_validate_json(response.content)
            return outbox.mark(self.store, [rating for rating, _item in batch], answer)
        if response.status_code in (401, 403):
            raise CentralRefused(
                f"central refused this counter's token ({response.status_code}): {_detail(response)}"
            )
        if len(batch) == 1:
            error = f"HTTP {response.status_code}: {_detail(response)}"
            rejected = protocol.RejectedRating(id=batch[0][0].id, error=error)
            return outbox.mark(
                self.store, [batch[0][0]], protocol.BatchResponse(rejected=[rejected])
            )
        middle = len(batch) // 2
        first = self._send(batch[:middle])
        second = self._send(batch[middle:])
        return PushResult(
            sent=first.sent + second.sent,
            duplicate=first.duplicate + second.duplicate,
            rejected=first.rejected + second.rejected,
        )

    def _post_batch(self, ratings: list[protocol.RatingIn]) -> requests.Response:
        payload = protocol.BatchRequest(
            schema=protocol.SCHEMA_VERSION,
            counter=self.config.counter.id,
            device=platform.node(),
            app_version=__version__,
            sent_at=utcnow(),
            ratings=ratings,
        )
        try:
            response = self.http.post(
                self.config.central.url + protocol.BATCH_PATH,
                data=payload.model_dump_json(),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise CentralUnavailable(f"central not reached: {type(exc).__name__}: {exc}") from exc
        if response.status_code in RETRYABLE_STATUS:
            raise CentralUnavailable(
                f"central answered {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    # --- roster and heartbeat -----------------------------------------------------------

    def pull_roster(self) -> bool:
        """Fetch the roster (ETag); return True when it changed and was applied."""
        with self.store.read() as session:
            etag_row = session.get(State, "roster_etag")
        headers = {"If-None-Match": etag_row.value} if etag_row and etag_row.value else {}
        url = self.config.central.url + protocol.roster_path(self.config.counter.id)
        response = self._get(url, headers)
        if response.status_code == 304:
            return False
        roster = protocol.RosterResponse.model_validate_json(response.content)
        with self.store.write() as session:
            listed = set()
            for officer in roster.officers:
                listed.add(officer.code)
                upsert_officer(
                    session,
                    code=officer.code,
                    full_name=officer.full_name,
                    title=officer.title,
                    department=officer.department,
                    department_name=roster.department.name
                    if officer.department == roster.department.code
                    else "",
                    pin_hash=officer.pin_hash,
                    active=officer.active,
                )
            if session.get(Department, roster.department.code) is None:
                session.add(Department(code=roster.department.code, name=roster.department.name))
            # Officers no longer listed may not log in; their rows stay for past sessions.
            session.execute(update(Officer).where(Officer.code.not_in(listed)).values(active=False))
            outbox.set_state(session, "roster_etag", response.headers.get("ETag"))
        return True

    def heartbeat(self) -> float:
        """Report health; return the measured clock skew (central minus kiosk, seconds)."""
        with self.store.read() as session:
            counts = dict(
                session.execute(
                    select(Rating.sync_state, func.count()).group_by(Rating.sync_state)
                ).all()
            )
            held = session.scalar(select(func.count()).where(Rating.held.is_(True))) or 0
            error = session.get(State, "last_sync_error")
        body = protocol.HeartbeatRequest(
            pending=counts.get(PENDING, 0),
            held=held,
            rejected=counts.get(REJECTED, 0),
            app_version=__version__,
            free_disk_bytes=shutil.disk_usage(self.config.storage.data_dir).free,
            last_error=error.value if error else None,
            kiosk_time=utcnow(),
        )
        url = self.config.central.url + protocol.heartbeat_path(self.config.counter.id)
        sent = datetime.now(UTC)
        try:
            response = self.http.post(
                url,
                data=body.model_dump_json(),
                headers={"Content-Type": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise CentralUnavailable(f"central not reached: {type(exc).__name__}: {exc}") from exc
        self._check(response)
        answer = protocol.HeartbeatResponse.model_validate_json(response.content)
        received = datetime.now(UTC)
        midpoint = sent + (received - sent) / 2
        skew = (answer.server_time - midpoint).total_seconds()
        outbox.remember(self.store, clock_skew_seconds=f"{skew:.3f}")
        return skew

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response:
        try:
            response = self.http.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise CentralUnavailable(f"central not reached: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 304:
            self._check(response)
        return response

    def _check(self, response: requests.Response) -> None:
        if response.status_code in RETRYABLE_STATUS:
            raise CentralUnavailable(
                f"central answered {response.status_code}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if response.status_code in (401, 403, 404):
            raise CentralRefused(
                f"central refused this counter ({response.status_code}): {_detail(response)}"
            )
        if response.status_code >= 400:
            raise CentralUnavailable(
                f"central answered {response.status_code}: {_detail(response)}"
            )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.http.close()


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    return str(body.get("detail", body))[:300] if isinstance(body, dict) else str(body)[:300]
