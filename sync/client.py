"""One push, roster pull or heartbeat between a kiosk and the central endpoint.

The outbox is the ratings table: released, pending ratings in ``seq`` order. A push POSTs
one batch and marks each rating from the central's answer: accepted or duplicate -> sent;
rejected -> flagged with the central's error and kept. The POST is safe to repeat, since
every rating carries its own id: a response lost after the central committed becomes a
"duplicate" on the next try, never a second rating. Nothing here deletes a rating.
"""

from __future__ import annotations

import logging
import platform
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests
from pydantic import ValidationError
from sqlalchemy import Row, func, select, update

from kiosk import __version__
from kiosk.config import KioskConfig
from kiosk.models import PENDING, REJECTED, SENT, Department, Officer, Rating, State, utcnow
from kiosk.ratings import release_held
from kiosk.staff import upsert_officer
from kiosk.store import Store
from sync import protocol
from sync.backoff import Backoff, parse_retry_after

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}
# Batches sent at once by one push (see SyncClient.push).
IN_FLIGHT = 2
# What a rating needs on the wire, read from the outbox.
OUTBOX_COLUMNS = (
    Rating.seq,
    Rating.id,
    Rating.created_at,
    Rating.officer_code,
    Rating.department_code,
    Rating.session_id,
    Rating.ticket,
    Rating.level,
    Rating.reasons,
    Rating.lang,
)


class SyncNotConfigured(Exception):
    """No central URL or no token: ratings stay local until the kiosk is provisioned."""


class CentralUnavailable(Exception):
    """The central could not be reached or asked us to wait; try again later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class CentralRefused(Exception):
    """The central refused the kiosk itself (token, counter): retrying will not help."""


@dataclass(frozen=True)
class PushResult:
    sent: int = 0
    duplicate: int = 0
    rejected: int = 0
    remaining: int = 0


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
        self._release_abandoned_holds()
        size = batch_size or self.batch_size
        ratings = self._next_batch(size * IN_FLIGHT)
        chunks = [ratings[start : start + size] for start in range(0, len(ratings), size)]
        if len(chunks) > 1:
            futures = [self._pool.submit(self._push_chunk, chunk) for chunk in chunks]
            outcomes = [future.exception() or future.result() for future in futures]
        else:
            outcomes = [self._push_chunk(chunk) for chunk in chunks]
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
        self._remember(last_sync_at=utcnow().isoformat(), last_sync_error=None)
        return PushResult(
            sent=sum(result.sent for result in outcomes),
            duplicate=sum(result.duplicate for result in outcomes),
            rejected=sum(result.rejected for result in outcomes),
            remaining=self.pending() if ratings else 0,
        )

    def _push_chunk(self, batch: list[Row]) -> PushResult:
        wire, invalid = encode(batch)
        if invalid:  # never sendable as it is: flag it now, keep it, send the others
            self._mark(batch, protocol.BatchResponse(rejected=invalid))
        result = self._send(wire) if wire else PushResult()
        return PushResult(result.sent, result.duplicate, result.rejected + len(invalid))

    def drain(
        self, progress: Callable[[int, int], None] | None = None, give_up_after: float = 60
    ) -> int:
        """Push until the outbox is empty; waits out backoff up to ``give_up_after`` seconds
        in a row without progress. Returns what is still pending."""
        total = self.pending()
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

    def note_failure(self, exc: Exception) -> float:
        """Back off after a failed cycle and remember the error for the status screen."""
        retry_after = exc.retry_after if isinstance(exc, CentralUnavailable) else None
        if isinstance(exc, CentralRefused):
            retry_after = self.backoff.cap  # a wrong token will not fix itself in seconds
        delay = self.backoff.failed(retry_after)
        self._remember(last_sync_error=str(exc))
        log.warning("sync failed (%s); next try in %.0f s", exc, delay)
        return delay

    def pending(self) -> int:
        with self.store.read() as session:
            return session.scalar(select(func.count()).where(Rating.sync_state == PENDING)) or 0

    def _next_batch(self, limit: int) -> list[Row]:
        """The next released, pending ratings in seq order, as plain rows: the outbox is
        read for every batch of a backlog, and ORM objects cost more than the encoding."""
        with self.store.read() as session:
            return list(
                session.execute(
                    select(*OUTBOX_COLUMNS)
                    .where(Rating.sync_state == PENDING, Rating.held.is_(False))
                    .order_by(Rating.seq)
                    .limit(limit)
                )
            )

    def _send(self, batch: list[tuple[Row, protocol.RatingIn]]) -> PushResult:
        """POST a batch; on a 4xx for the whole batch, split it to isolate the bad ratings."""
        response = self._post_batch([item for _rating, item in batch])
        if response.status_code == 200:
            answer = protocol.BatchResponse.model_validate_json(response.content)
            return self._mark([rating for rating, _item in batch], answer)
        if response.status_code in (401, 403):
            raise CentralRefused(
                f"central refused this counter's token ({response.status_code}): {_detail(response)}"
            )
        if len(batch) == 1:
            error = f"HTTP {response.status_code}: {_detail(response)}"
            rejected = protocol.RejectedRating(id=batch[0][0].id, error=error)
            return self._mark([batch[0][0]], protocol.BatchResponse(rejected=[rejected]))
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

    def _mark(self, batch: list[Row], answer: protocol.BatchResponse) -> PushResult:
        sent_ids = set(answer.accepted)
        duplicate_ids = set(answer.duplicate)
        rejected = {item.id: item.error for item in answer.rejected}
        seq_of = {rating.id: rating.seq for rating in batch}
        ours = set(seq_of)
        now = utcnow()
        # Updated by seq, the integer primary key: cheaper than looking up 500 UUIDs.
        with self.store.write() as session:
            done = (sent_ids | duplicate_ids) & ours
            if done:
                session.execute(
                    update(Rating)
                    .where(Rating.seq.in_([seq_of[i] for i in done]), Rating.sync_state == PENDING)
                    .values(
                        sync_state=SENT, sent_at=now, sync_error=None, attempts=Rating.attempts + 1
                    )
                )
            for rating_id, error in rejected.items():
                if rating_id in ours:
                    session.execute(
                        update(Rating)
                        .where(Rating.seq == seq_of[rating_id])
                        .values(
                            sync_state=REJECTED,
                            sync_error=error[:1000],
                            attempts=Rating.attempts + 1,
                        )
                    )
            unanswered = ours - done - set(rejected)
            if unanswered:  # the central skipped them: try again next time
                session.execute(
                    update(Rating)
                    .where(Rating.seq.in_([seq_of[i] for i in unanswered]))
                    .values(attempts=Rating.attempts + 1)
                )
        if rejected:
            log.warning(
                "central rejected %d rating(s): %s", len(rejected), next(iter(rejected.values()))
            )
        return PushResult(
            sent=len(sent_ids & ours),
            duplicate=len(duplicate_ids & ours),
            rejected=len(set(rejected) & ours),
        )

    def _release_abandoned_holds(self) -> None:
        # The reasons screen releases its rating within reasons_timeout_seconds; one still
        # held well after that was abandoned (screen crashed): send it without reasons.
        limit = utcnow() - timedelta(seconds=self.config.rating.reasons_timeout_seconds + 60)
        with self.store.write() as session:
            release_held(session, older_than=limit)

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
            _set_state(session, "roster_etag", response.headers.get("ETag"))
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
        self._remember(clock_skew_seconds=f"{skew:.3f}")
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

    def _remember(self, **values: str | None) -> None:
        with self.store.write() as session:
            for key, value in values.items():
                _set_state(session, key, value)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.http.close()


def wire_rating(rating: Row) -> protocol.RatingIn:
    return protocol.RatingIn(
        id=rating.id,
        seq=rating.seq,
        created_at=rating.created_at,
        officer=rating.officer_code,
        department=rating.department_code,
        session=rating.session_id,
        ticket=rating.ticket,
        level=rating.level,
        reasons=list(rating.reasons or []),
        lang=rating.lang,
    )


def encode(
    batch: list[Row],
) -> tuple[list[tuple[Row, protocol.RatingIn]], list[protocol.RejectedRating]]:
    """Wire models for a batch, and the ratings that cannot be sent as they are (flagged
    with the field that is wrong, never silently dropped)."""
    wire, invalid = [], []
    for rating in batch:
        try:
            wire.append((rating, wire_rating(rating)))
        except ValidationError as exc:
            error = f"kiosk: {protocol.error_text(exc)}"
            invalid.append(protocol.RejectedRating(id=rating.id, error=error))
    return wire, invalid


def _set_state(session, key: str, value: str | None) -> None:
    row = session.get(State, key)
    if row is None:
        session.add(State(key=key, value=value, updated_at=utcnow()))
    else:
        row.value, row.updated_at = value, utcnow()


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason
    return str(body.get("detail", body))[:300] if isinstance(body, dict) else str(body)[:300]
