"""Two central processes on one PostgreSQL database, the way a center grows past one
machine behind a load balancer: kiosks push the same batches to both at once, and every
rating is still stored, counted and acknowledged as accepted exactly once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from sync.central.models import daily_counts, ratings
from sync.central.settings import Settings
from sync.protocol import BATCH_PATH

from .conftest import batch, rating, start_central

COUNTERS = ("Q01", "Q02", "Q03")
RATINGS_PER_COUNTER = 300
BATCH_SIZE = 50


@pytest.mark.postgres
def test_two_instances_count_every_rating_exactly_once(
    postgres_url: str, settings_for: Callable[..., Settings]
) -> None:
    # One counter's batches race here as no kiosk sends them (eight at once): admission
    # would refuse most (test_load_shedding); this test is about the database's race.
    caps = {"SERVER__MAX_REQUESTS_PER_CLIENT": "100"}
    first = start_central(settings_for(postgres_url, **caps))
    second = start_central(settings_for(postgres_url, **caps))
    try:
        tokens = {
            counter: first.add_counter(counter, "CA", officers=(f"{counter}-CB",))
            for counter in COUNTERS
        }
        outbox = {
            counter: [
                rating(level=1 + n % 4, seq=n + 1, officer=f"{counter}-CB")
                for n in range(RATINGS_PER_COUNTER)
            ]
            for counter in COUNTERS
        }
        jobs = []
        for counter, items in outbox.items():
            for start in range(0, len(items), BATCH_SIZE):
                body = batch(counter, items[start : start + BATCH_SIZE])
                # The same batch to both instances (a retry racing the lost original), twice.
                jobs += [(url, counter, body) for url in (first.url, second.url) * 2]

        def push(job: tuple[str, str, dict]) -> dict:
            url, counter, body = job
            with requests.Session() as http:
                while True:
                    response = http.post(
                        url + BATCH_PATH,
                        json=body,
                        headers={"Authorization": f"Bearer {tokens[counter]}"},
                        timeout=120,
                    )
                    # More of one counter's batches at once than a kiosk sends: come back,
                    # as a kiosk would (sooner than its Retry-After: a test's patience).
                    if response.status_code != 429:
                        break
                    time.sleep(0.05)
            assert response.status_code == 200, response.text
            return response.json()

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(push, jobs))

        with first.db.read() as connection:
            stored = connection.scalar(select(func.count()).select_from(ratings))
            counted = connection.scalar(select(func.sum(daily_counts.c.count)))
    finally:
        first.running.stop()
        second.running.stop()
        first.db.close()
        second.db.close()

    total = len(COUNTERS) * RATINGS_PER_COUNTER
    accepted = Counter(rating_id for answer in answers for rating_id in answer["accepted"])
    assert stored == total
    assert counted == total
    assert len(accepted) == total and set(accepted.values()) == {1}
    assert all(not answer["rejected"] for answer in answers)


@pytest.mark.postgres
def test_two_instances_starting_at_once_on_a_new_database_both_come_up(
    postgres_url: str, settings_for: Callable[..., Settings]
) -> None:
    from sqlalchemy import text

    from sync.central.db import open_database

    db = open_database(postgres_url, upgrade=False)
    with db.write() as connection:  # back to an empty database, as on the first day
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.close()
    settings = settings_for(postgres_url)
    with ThreadPoolExecutor(max_workers=2) as pool:
        starting = [pool.submit(start_central, settings) for _ in range(2)]
    started = [future.result() for future in starting if future.exception() is None]
    try:
        assert len(started) == 2, [future.exception() for future in starting]
        answers = [requests.get(central.url + "/healthz", timeout=30) for central in started]
    finally:
        for central in started:
            central.running.stop()
            central.db.close()

    assert [answer.status_code for answer in answers] == [200, 200]
