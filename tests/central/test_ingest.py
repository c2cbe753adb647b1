"""POST /api/v1/ratings:batch against the real central: exactly once, bad ratings alone,
tokens bound to their counter, limits."""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlalchemy import func, select

from sync.central.models import counters, daily_counts, ratings
from sync.central.settings import Settings
from sync.protocol import BATCH_PATH, BatchResponse

from .conftest import Central, batch, rating, start_central


def stored(central: Central) -> tuple[int, int]:
    """(ratings stored, ratings counted in the rollup): always equal."""
    with central.db.read() as connection:
        rows = connection.scalar(select(func.count()).select_from(ratings))
        counted = connection.scalar(select(func.coalesce(func.sum(daily_counts.c.count), 0)))
    return rows, int(counted)


def test_new_ratings_are_accepted_and_stored_once(central: Central) -> None:
    token = central.add_counter("Q07")
    sent = [rating(level=level, seq=n + 1) for n, level in enumerate([4, 4, 3, 1])]

    response = central.push(token, "Q07", sent)

    assert response.status_code == 200
    answer = BatchResponse.model_validate_json(response.content)
    assert answer.accepted == [item["id"] for item in sent]
    assert answer.duplicate == [] and answer.rejected == []
    assert stored(central) == (4, 4)


def test_a_repeated_batch_changes_nothing(central: Central) -> None:
    token = central.add_counter("Q07")
    sent = [rating(seq=n + 1) for n in range(5)]
    central.push(token, "Q07", sent)

    again = central.push(token, "Q07", sent)

    assert again.status_code == 200
    answer = again.json()
    assert answer["accepted"] == []
    assert sorted(answer["duplicate"]) == sorted(item["id"] for item in sent)
    assert stored(central) == (5, 5)


def test_a_batch_overlapping_an_earlier_one_adds_only_the_new_ratings(central: Central) -> None:
    token = central.add_counter("Q07")
    first = [rating(seq=n + 1) for n in range(3)]
    central.push(token, "Q07", first)
    fresh = rating(seq=4)

    answer = central.push(token, "Q07", [*first[1:], fresh]).json()

    assert answer["accepted"] == [fresh["id"]]
    assert sorted(answer["duplicate"]) == sorted(item["id"] for item in first[1:])
    assert stored(central) == (4, 4)


def test_the_same_id_twice_in_one_batch_is_stored_once(central: Central) -> None:
    token = central.add_counter("Q07")
    one = rating()

    answer = central.push(token, "Q07", [one, one]).json()

    assert answer == {"accepted": [one["id"]], "duplicate": [one["id"]], "rejected": []}
    assert stored(central) == (1, 1)


def test_one_malformed_rating_is_rejected_alone_with_the_field_named(central: Central) -> None:
    token = central.add_counter("Q07")
    good = [rating(seq=1), rating(seq=3)]
    bad_level = rating(seq=2, level="very")
    bad_time = rating(seq=4, created_at="2025-03-01T10:00:00")  # no zone: ambiguous
    unknown_level = rating(seq=5, level=7)

    answer = central.push(token, "Q07", [good[0], bad_level, good[1], bad_time, unknown_level])

    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == [item["id"] for item in good]
    errors = {item["id"]: item["error"] for item in body["rejected"]}
    assert errors[bad_level["id"]].startswith("level:")
    assert errors[bad_time["id"]].startswith("created_at:")
    assert "7 is not one of the levels" in errors[unknown_level["id"]]
    assert stored(central) == (2, 2)


def test_a_rating_without_a_usable_id_is_answered_by_its_position(central: Central) -> None:
    token = central.add_counter("Q07")
    no_id = rating()
    del no_id["id"]

    body = central.push(token, "Q07", [rating(), no_id, "not an object"]).json()

    assert [item["id"] for item in body["rejected"]] == ["#1", "#2"]
    assert body["rejected"][0]["error"].startswith("id:")


def test_a_newer_kiosk_with_unknown_fields_is_accepted(central: Central) -> None:
    token = central.add_counter("Q07")
    newer = rating(mood_photo="later", seq=1)

    response = central.push(token, "Q07", [newer], schema=2, battery=0.8)

    assert response.status_code == 200
    assert response.json()["accepted"] == [newer["id"]]


def test_unknown_or_missing_token_is_401(central: Central) -> None:
    central.add_counter("Q07")

    wrong = central.push("not-a-token", "Q07", [rating()])
    missing = requests.post(central.url + BATCH_PATH, json=batch("Q07", [rating()]), timeout=30)

    assert wrong.status_code == 401 and missing.status_code == 401
    assert wrong.headers["WWW-Authenticate"] == "Bearer"
    assert stored(central) == (0, 0)


def test_a_token_of_another_counter_is_403(central: Central) -> None:
    token_q07 = central.add_counter("Q07")
    central.add_counter("Q08")

    response = central.push(token_q07, "Q08", [rating()])

    assert response.status_code == 403
    assert "Q07" in response.json()["detail"] and "Q08" in response.json()["detail"]
    assert stored(central) == (0, 0)


def test_a_malformed_envelope_is_422_naming_the_field(central: Central) -> None:
    token = central.add_counter("Q07")
    body = batch("Q07", [rating()])
    del body["sent_at"]
    body["schema"] = 0

    response = central.http.post(
        central.url + BATCH_PATH,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    not_json = central.http.post(
        central.url + BATCH_PATH,
        data=b"{oops",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "schema:" in detail and "sent_at:" in detail
    assert not_json.status_code == 422 and "JSON" in not_json.json()["detail"]


def test_too_many_ratings_or_too_large_a_body_is_413(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(
        settings_for(database_url, LIMITS__MAX_BATCH="3", LIMITS__MAX_BODY_BYTES="5000")
    )
    try:
        token = central.add_counter("Q07")
        too_many = central.push(token, "Q07", [rating(seq=n + 1) for n in range(4)])
        too_large = central.push(token, "Q07", [rating(ticket="x" * 6000)])
        fine = central.push(token, "Q07", [rating(seq=n + 1) for n in range(3)])
    finally:
        central.running.stop()
        central.db.close()

    assert too_many.status_code == 413 and "at most 3" in too_many.json()["detail"]
    assert too_large.status_code == 413
    assert fine.status_code == 200 and len(fine.json()["accepted"]) == 3


def test_a_batch_marks_when_the_counter_last_sent(central: Central) -> None:
    token = central.add_counter("Q07")

    central.push(token, "Q07", [])

    with central.db.read() as connection:
        assert connection.scalar(select(counters.c.last_batch_at)) is not None
