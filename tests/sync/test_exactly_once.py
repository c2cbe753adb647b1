"""Every rating reaches the center exactly once, whatever the network does in between.

Real kiosks (SQLite files) push to the real central (a ``centralctl serve`` process)
through a proxy that injects the faults of a real network: the center down then up, 500s,
timeouts, connection resets, a response lost after the center committed, 429 with
Retry-After, and a malformed rating inside a batch.
"""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kiosk.models import PENDING, REJECTED, SENT, Rating
from sync.client import CentralRefused, CentralUnavailable, SyncClient

from .conftest import Central, make_kiosk
from .faults import HANG, LOSE_RESPONSE, PASS, RESET, FaultProxy, status

pytestmark = pytest.mark.slow


def push_until_drained(clients: list[SyncClient], deadline_seconds: float = 240) -> None:
    """Push from every kiosk, riding out failures, until no kiosk has anything pending."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if all(client.pending() == 0 for client in clients):
            return
        for client in clients:
            if not client.backoff.ready():
                continue
            try:
                client.push()
                client.backoff.succeeded()
            except (CentralUnavailable, CentralRefused) as exc:
                client.note_failure(exc)
        time.sleep(0.05)
    pytest.fail(f"not drained in {deadline_seconds} s: {[c.pending() for c in clients]} pending")


def recorded_ids(counter) -> set[str]:
    with counter.store.read() as session:
        return set(session.scalars(select(Rating.id)))


def states(counter) -> dict[str, int]:
    with counter.store.read() as session:
        rows = session.execute(select(Rating.sync_state, func.count()).group_by(Rating.sync_state))
        return dict(rows.all())


def test_thousands_of_ratings_from_several_counters_arrive_exactly_once_through_faults(
    central: Central, tmp_path: Path
):
    proxy = FaultProxy(central.url, hang_seconds=0.5)  # a hang, then a reset: no answer
    counters = []
    try:
        for number in (1, 2, 3):
            counter_id = f"Q{number:02d}"
            token = central.add_counter(counter_id)
            counter = make_kiosk(
                tmp_path, counter_id, proxy.url, token, KIOSK__CENTRAL__BATCH_SIZE="100"
            )
            counters.append(counter)
            for index in range(700):
                counter.record(4 - index % 4)
        clients = [SyncClient(counter.config, counter.store) for counter in counters]
        for client in clients:
            # Quicker retries: what the faults do to the ratings is this test's business,
            # the waits between tries are tests/sync/test_backoff.py's.
            client.backoff.base = 0.1

        # A realistic bad day: the center is down for a while, then flaky.
        proxy.down = True
        for client in clients:
            with pytest.raises(CentralUnavailable):
                client.push()
        proxy.down = False
        rng = random.Random(7)
        faults = [RESET, LOSE_RESPONSE, HANG, status(500), status(503), status(429, 1), PASS, PASS]
        proxy.plan.extend(rng.choice(faults) for _ in range(60))
        push_until_drained(clients)
    finally:
        proxy.close()

    every_id = set().union(*(recorded_ids(counter) for counter in counters))
    stored = central.stored_ids()
    assert len(stored) == len(set(stored)) == len(every_id) == 2100
    assert set(stored) == every_id
    # The report counts each rating once too (its rollup is fed only by new inserts).
    assert sum(row["total"] for row in central.report("counter")) == 2100
    for counter in counters:
        assert states(counter) == {SENT: 700}
    assert proxy.seen[LOSE_RESPONSE] >= 1 and proxy.seen[RESET] >= 1 and proxy.seen["status"] >= 1
    for client in clients:
        client.close()
    for counter in counters:
        counter.close()


def test_a_response_lost_after_the_center_committed_is_resent_and_answered_duplicate(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    for level in (4, 3, 2, 1, 4):
        counter.record(level)
    client = SyncClient(counter.config, counter.store)
    proxy.plan.append(LOSE_RESPONSE)
    try:
        with pytest.raises(CentralUnavailable):
            client.push()
        assert len(central.stored_ids()) == 5, "the center committed the batch"
        assert states(counter) == {PENDING: 5}, "the kiosk never heard back"
        result = client.push()
    finally:
        proxy.close()
    assert (result.sent, result.duplicate) == (0, 5)
    assert states(counter) == {SENT: 5}
    assert len(central.stored_ids()) == 5
    counter.close()


def test_429_retry_after_makes_the_kiosk_wait_at_least_that_long(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    counter = make_kiosk(
        tmp_path, "Q07", proxy.url, token, KIOSK__CENTRAL__BACKOFF_CAP_SECONDS="60"
    )
    counter.record(4)
    client = SyncClient(counter.config, counter.store)
    proxy.plan.append(status(429, 30))
    try:
        with pytest.raises(CentralUnavailable) as refusal:
            client.push()
        assert refusal.value.retry_after == 30
        client.note_failure(refusal.value)
        assert not client.backoff.ready()
        assert 25 <= client.backoff.wait_seconds() <= 30
    finally:
        proxy.close()
    counter.close()


def test_a_rating_the_center_rejects_is_flagged_and_kept_while_the_rest_of_its_batch_is_sent(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    ids = [counter.record(level).id for level in (4, 4, 3, 2)]
    with counter.store.write() as session:
        session.get(Rating, 2).level = 9  # well-formed, but not a level of this center
        session.get(Rating, 3).officer_code = "X" * 40  # malformed: never sendable
    client = SyncClient(counter.config, counter.store)
    result = client.push()
    assert (result.sent, result.rejected) == (2, 2)
    with counter.store.read() as session:
        by_center, by_kiosk = session.get(Rating, 2), session.get(Rating, 3)
        assert by_center.sync_state == REJECTED and "level" in by_center.sync_error
        assert by_kiosk.sync_state == REJECTED and "officer" in by_kiosk.sync_error
    assert set(central.stored_ids()) == {ids[0], ids[3]}
    assert counter.status().rejected == 2
    assert client.push().sent == 0, "rejected ratings are not sent again and again"
    counter.close()


def test_a_token_of_another_counter_cannot_push_ratings(central: Central, tmp_path: Path):
    token_q07 = central.add_counter("Q07")
    central.add_counter("Q08")
    impostor = make_kiosk(tmp_path, "Q08", central.url, token_q07)
    impostor.record(1)
    client = SyncClient(impostor.config, impostor.store)
    with pytest.raises(CentralRefused, match="403"):
        client.push()
    assert central.stored_ids() == []
    assert states(impostor) == {PENDING: 1}, "kept for when the right token is provisioned"
    impostor.close()


def test_two_central_instances_on_one_database_count_each_rating_once(
    central: Central, tmp_path: Path
):
    """A center grown past one machine: kiosks push to two instances behind a balancer,
    and a batch retried on the other instance races the first one."""
    if central.database_url.startswith("sqlite"):
        pytest.skip(
            "two instances share a PostgreSQL database; the SQLite central is single-machine"
        )
    second_url = central.start()
    counters, clients = [], []
    for number in range(1, 5):
        counter_id = f"Q{number:02d}"
        token = central.add_counter(counter_id)
        counter = make_kiosk(
            tmp_path, counter_id, central.url, token, KIOSK__CENTRAL__BATCH_SIZE="50"
        )
        for index in range(300):
            counter.record(4 - index % 3)
        counters.append(counter)
        first = SyncClient(counter.config, counter.store)
        other_config = counter.config.model_copy(
            update={"central": counter.config.central.model_copy(update={"url": second_url})}
        )
        second = SyncClient(other_config, counter.store)
        clients += [first, second]

    errors: list[BaseException] = []

    def run(client: SyncClient) -> None:
        try:
            push_until_drained([client], deadline_seconds=240)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    stored = central.stored_ids()
    assert len(stored) == len(set(stored)) == 1200
    assert sum(row["total"] for row in central.report("counter")) == 1200
    for counter in counters:
        assert states(counter) == {SENT: 300}
        counter.close()
