"""One push, roster pull or heartbeat between a kiosk and the central endpoint.

A push takes the next batches of the outbox (``sync.outbox``), POSTs them, and records
the central's answer there. The POST is safe to repeat, since every rating carries its
own id: a response lost after the central committed becomes a "duplicate" on the next
try, never a second rating. Nothing here deletes a rating.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import logging
import platform
import re
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import requests
from pydantic import ValidationError
from sqlalchemy import Row

from kiosk import __version__, roster
from kiosk.bounded_read import TOKEN_BYTES, read_text
from kiosk.config import KioskConfig
from kiosk.models import utcnow
from kiosk.ratings import sync_counts
from kiosk.store import Store
from sync import outbox, protocol
from sync.answers import (
    CentralMisanswered,
    CentralRefused,
    CentralUnavailable,
    SyncProblem,
    parse_model,
    problem_of,
    read_batch_answer,
)
from sync.backoff import Backoff
from sync.outbox import PushResult

log = logging.getLogger(__name__)

__all__ = [
    "CentralMisanswered",
    "CentralRefused",
    "CentralUnavailable",
    "SyncClient",
    "SyncNotConfigured",
    "SyncProblem",
]

# Batches sent at once by one push (see SyncClient.push).
IN_FLIGHT = protocol.MAX_BATCHES_IN_FLIGHT


class SyncNotConfigured(Exception):
    """No central URL or no token: ratings stay local until the kiosk is provisioned."""


def read_token(config: KioskConfig) -> str:
    if not config.central.url:
        raise SyncNotConfigured("no central URL in [central] url (run kioskctl provision)")
    path = config.central.token_file
    try:
        token = read_text(path, TOKEN_BYTES).strip() if path else ""
    except FileNotFoundError:
        token = ""
    except OSError as exc:  # a folder, a device, a file over TOKEN_BYTES
        raise SyncNotConfigured(
            f"counter token file {path} cannot be read ({exc.strerror})"
        ) from None
    if not token:
        raise SyncNotConfigured(f"no counter token in {path} (run kioskctl provision)")
    return token


class SyncClient:
    def __init__(self, config: KioskConfig, store: Store):
        self.config = config
        self.store = store
        self.token = read_token(config)
        self.timeout = (config.central.connect_timeout_seconds, config.central.read_timeout_seconds)
        self.backoff = Backoff(cap=config.central.backoff_cap_seconds)
        self.batch_size = config.central.batch_size
        self._pool = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="sync-push")
        # requests does not promise a Session is safe across threads: one per thread.
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        # Ratings the central failed on when sent alone: set aside until the given
        # monotonic time, so one rating never holds back the ones after it.
        self._resting: dict[str, float] = {}

    def _http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.token}"
            session.headers["User-Agent"] = f"counter-kiosk/{__version__}"
            ca_file = self.config.central.ca_file
            session.verify = str(ca_file) if ca_file else True
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """One request to the central; never follows a redirect (a redirect is an answer
        the technician must see, and a POST turned into a GET by it would say nothing)."""
        url = self.config.central.url + path
        try:
            return self._http().request(
                method, url, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            raise CentralUnavailable(f"central not reached: {_reason(exc)}") from exc

    def get(self, path: str) -> requests.Response:
        """A GET of the central's API (sync.figures_client uses it)."""
        return self._request("GET", path)

    # --- push -----------------------------------------------------------------------

    def push(self, batch_size: int | None = None) -> PushResult:
        """Send the next ``IN_FLIGHT`` batches of the outbox, concurrently.

        Two requests in flight let the kiosk encode and mark one batch while the central
        stores the other, which doubles a backlog's drain rate on loopback. Batches are
        disjoint, and order between them does not matter: the central keys on rating ids.
        Raises a SyncProblem after every batch has been answered or has failed, so what
        was accepted is marked sent either way.
        """
        outbox.release_abandoned_holds(self.store, self.config)
        size = batch_size or self.batch_size
        ratings = outbox.next_batch(self.store, size * IN_FLIGHT, skip=self._resting_ids())
        chunks = [ratings[start : start + size] for start in range(0, len(ratings), size)]
        if len(chunks) > 1:
            futures = [self._pool.submit(self._push_chunk, chunk) for chunk in chunks]
            outcomes = [future.exception() or future.result() for future in futures]
        else:
            outcomes = [self._push_chunk(chunk) for chunk in chunks]
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
        total = functools.reduce(PushResult.plus, outcomes, PushResult())
        if ratings:  # the central answered a batch: that, and only that, is a sync
            outbox.remember(
                self.store, last_sync_at=utcnow().isoformat(), last_sync_error=total.problem
            )
        return dataclasses.replace(total, remaining=outbox.pending(self.store) if ratings else 0)

    def _push_chunk(self, batch: list[Row]) -> PushResult:
        wire, invalid = outbox.encode(batch)
        if invalid:  # never sendable as it is: flag it now, keep it, send the others
            outbox.mark_rejected(self.store, batch, invalid)
        result = self._send(wire) if wire else PushResult()
        return result.plus(PushResult(rejected=len(invalid)))

    def drain(
        self, progress: Callable[[int, int], None] | None = None, give_up_after: float = 60
    ) -> int:
        """Push until the outbox is empty; waits out an unreachable central up to
        ``give_up_after`` seconds in a row without progress. A central that refuses this
        kiosk, or an answer that is not the central's, ends it at once: waiting will not
        fix a URL. Returns what is still pending (ratings set aside included)."""
        total = outbox.pending(self.store)
        done = 0

        def moved_on(result: PushResult) -> None:
            nonlocal done
            done += result.sent + result.duplicate + result.rejected
            if progress:
                progress(done, max(total, done))

        stuck_since = time.monotonic()
        while True:
            try:
                result = self._push_all(moved_on)
            except CentralUnavailable as exc:
                self.note_failure(exc)
                if time.monotonic() - stuck_since > give_up_after:
                    raise
                time.sleep(min(self.backoff.wait_seconds(), 5) or 0.2)
                continue
            moved = result.sent + result.duplicate + result.rejected
            if moved + result.set_aside == 0:
                return outbox.pending(self.store)
            stuck_since = time.monotonic()

    def _push_all(self, on_batch: Callable[[PushResult], None]) -> PushResult:
        """One pass over the whole outbox for a drain: batches read in seq order, and the
        next one read and encoded while ``IN_FLIGHT`` are with the central, so the central
        is never idle waiting for the kiosk (a push reads, then sends, then waits).
        Raises the first failure once every batch sent has been answered, so what was
        accepted is marked sent either way."""
        outbox.release_abandoned_holds(self.store, self.config)
        skip = self._resting_ids()
        waiting: collections.deque[Future[PushResult]] = collections.deque()
        total, failure = PushResult(), None

        def collect() -> None:
            nonlocal total, failure
            try:
                result = waiting.popleft().result()
            except Exception as exc:  # noqa: BLE001 (kept, raised after the others)
                failure = failure or exc
                return
            total = total.plus(result)
            on_batch(result)

        after = 0
        while failure is None:
            batch = outbox.next_batch(self.store, self.batch_size, skip=skip, after_seq=after)
            if not batch:
                break
            after = batch[-1].seq
            waiting.append(self._pool.submit(self._push_chunk, batch))
            if len(waiting) > IN_FLIGHT:  # one ready beside those the central is storing
                collect()
        while waiting:
            collect()
        if total.sent + total.duplicate + total.rejected + total.set_aside:
            outbox.remember(
                self.store, last_sync_at=utcnow().isoformat(), last_sync_error=total.problem
            )
        if failure is not None:
            raise failure
        return total

    def pending(self) -> int:
        return outbox.pending(self.store)

    def note_failure(self, exc: Exception) -> float:
        """Back off after a failed cycle and remember the error for the status screen."""
        retry_after = exc.retry_after if isinstance(exc, SyncProblem) else None
        if isinstance(exc, (CentralRefused, CentralMisanswered)):
            retry_after = max(
                retry_after or 0, 60.0
            )  # a URL or a token will not fix itself in seconds
        delay = self.backoff.failed(retry_after)
        outbox.remember(self.store, last_sync_error=str(exc))
        log.warning("sync failed (%s); next try in %.0f s", exc, delay)
        return delay

    def _send(self, batch: list[tuple[Row, protocol.RatingIn]]) -> PushResult:
        """POST a batch. When the central refuses or fails on the batch as a whole, split it
        until the rating at fault is alone, so the others go in; then reject that rating
        only if the central itself refused it, or set it aside if the central failed."""
        rows = [rating for rating, _item in batch]
        response = self._post_batch([item for _rating, item in batch])
        outcome = read_batch_answer(response, [rating.id for rating in rows])
        if outcome.answer is not None:
            return outbox.mark(self.store, rows, outcome.answer)
        if len(batch) > 1:
            middle = len(batch) // 2
            return self._send(batch[:middle]).plus(self._send(batch[middle:]))
        rating = rows[0]
        if outcome.refused_batch is not None:
            refusal = protocol.RejectedRating(id=rating.id, error=outcome.refused_batch)
            return outbox.mark_rejected(self.store, rows, [refusal])
        if outcome.too_large_for_proxy is not None:
            raise CentralMisanswered(outcome.too_large_for_proxy)
        problem = f"rating {rating.seq} not sent: {outcome.failed}; set aside, tried again later"
        self._set_aside(rating.id)
        outbox.note_attempt(self.store, rating, problem)
        return PushResult(set_aside=1, problem=problem)

    def _set_aside(self, rating_id: str) -> None:
        with self._lock:
            self._resting[rating_id] = time.monotonic() + self.backoff.cap

    def _resting_ids(self) -> set[str]:
        now = time.monotonic()
        with self._lock:
            self._resting = {key: until for key, until in self._resting.items() if until > now}
            return set(self._resting)

    def _post_batch(self, ratings: list[protocol.RatingIn]) -> requests.Response:
        try:
            payload = protocol.BatchRequest(
                schema=protocol.SCHEMA_VERSION,
                counter=self.config.counter.id,
                device=protocol.clean_text(platform.node()),
                app_version=__version__,
                sent_at=utcnow(),
                ratings=ratings,
            )
        except ValidationError as exc:  # the kiosk's own state, never a rating's fault
            raise CentralRefused(
                f"this kiosk cannot send: {protocol.error_text(exc)} "
                "(check the kiosk's clock and its [counter] id)"
            ) from None
        return self._request(
            "POST",
            protocol.BATCH_PATH,
            data=payload.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )

    # --- roster and heartbeat -----------------------------------------------------------

    def pull_roster(self) -> bool:
        """Fetch the roster (ETag); return True when it changed and was applied. The center
        owns a provisioned kiosk's roster: what it lists replaces what the kiosk had."""
        etag = outbox.state(self.store, "roster_etag")
        headers = {"If-None-Match": etag} if etag else {}
        response = self._request(
            "GET", protocol.roster_path(self.config.counter.id), headers=headers
        )
        if response.status_code == 304:
            self._reached()
            return False
        if response.status_code != 200:
            raise problem_of(response, "roster")
        answer = parse_model(response, protocol.RosterResponse, "roster")
        roster.replace_from_center(
            self.store,
            department=roster.DepartmentRecord(answer.department.code, answer.department.name),
            officers=[
                roster.OfficerRecord(
                    code=officer.code,
                    full_name=officer.full_name,
                    title=officer.title,
                    department=officer.department,
                    pin_hash=officer.pin_hash,
                    active=officer.active,
                )
                for officer in answer.officers
            ],
        )
        outbox.remember(self.store, roster_etag=response.headers.get("ETag"))
        self._reached()
        return True

    def heartbeat(self) -> float:
        """Report health; return the measured clock skew (central minus kiosk, seconds)."""
        with self.store.read() as session:
            counts = sync_counts(session)
        body = protocol.HeartbeatRequest(
            pending=counts.pending,
            held=counts.held,
            rejected=counts.rejected,
            app_version=__version__,
            free_disk_bytes=shutil.disk_usage(self.config.storage.data_dir).free,
            last_error=protocol.clean_text(outbox.state(self.store, "last_sync_error") or "")[:2000]
            or None,
            kiosk_time=utcnow(),
        )
        sent = datetime.now(UTC)
        response = self._request(
            "POST",
            protocol.heartbeat_path(self.config.counter.id),
            data=body.model_dump_json(),
            headers={"Content-Type": "application/json"},
        )
        if response.status_code != 200:
            raise problem_of(response, "heartbeat answer")
        answer = parse_model(response, protocol.HeartbeatResponse, "heartbeat answer")
        received = datetime.now(UTC)
        midpoint = sent + (received - sent) / 2
        skew = (answer.server_time - midpoint).total_seconds()
        outbox.remember(self.store, clock_skew_seconds=f"{skew:.3f}")
        self._reached()
        return skew

    def _reached(self) -> None:
        """The central answered as the protocol says: that is a sync, even with nothing to send."""
        outbox.remember(self.store, last_sync_at=utcnow().isoformat())

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


def _reason(exc: requests.RequestException) -> str:
    """What went wrong on the way, in words, without the library's nested reprs."""
    words = next(
        (words for kind, words in _NETWORK_FAILURES if isinstance(exc, kind)), type(exc).__name__
    )
    match = _OS_ERROR.search(str(exc))
    return f"{words} ({match.group(1).strip()})" if match else words


# Most specific first: SSLError and the timeouts are ConnectionErrors too.
_NETWORK_FAILURES = (
    (requests.exceptions.SSLError, "TLS handshake failed (certificate? see [central] ca_file)"),
    (requests.exceptions.ConnectTimeout, "no answer to connect in time"),
    (requests.exceptions.ReadTimeout, "connected, but no answer in time"),
    (requests.exceptions.ProxyError, "the HTTP proxy failed"),
    (requests.exceptions.ConnectionError, "connection failed"),
    (requests.exceptions.InvalidURL, "[central] url is not a valid URL"),
)
_OS_ERROR = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
