"""Property tests of the wire models and the endpoints that use them: whatever JSON arrives
(any nesting, strings with NUL or lone surrogates, huge integers, dates from year 1 to 9999),
the models either accept something storable or say which field is wrong, and the central
answers a well-formed 2xx or 4xx, never 5xx, and stores only what is true."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from sync import protocol
from sync.central.models import officers, ratings
from sync.protocol import (
    BATCH_PATH,
    INT64_MAX,
    BatchEnvelope,
    BatchResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    RatingIn,
    heartbeat_path,
)

from .conftest import Central

pytestmark = pytest.mark.slow

PROPERTIES = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Every code point, lone surrogates included (Hypothesis leaves them out by default).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
ODD_TEXT = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "CB\x00001", " ", "", "=1+1", "\u200b", "ß" * 20, "x" * 70]
)
EDGE_INTS = st.sampled_from([0, -1, 2**31 - 1, 2**31, INT64_MAX, 2**63, 2**64, -(2**63) - 1])
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))])
ANY_TIME = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=ZONES
).map(lambda moment: moment.isoformat())
RECENT = st.integers(0, 86_400 * 300).map(
    lambda seconds: (datetime.now(UTC) - timedelta(seconds=seconds)).isoformat()
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | EDGE_INTS
    | st.floats()
    | ANY_TEXT
    | ODD_TEXT
    | ANY_TIME
)
ANY_JSON = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


# Short strings from the characters that break things, to meet them often.
HOSTILE_TEXT = st.text(
    st.sampled_from(["\x00", "\ud800", "\udc00", "a", "=", " ", "\u200b"]), min_size=1
)
ODD = st.one_of(HOSTILE_TEXT, HOSTILE_TEXT, ODD_TEXT, EDGE_INTS, ANY_TIME, LEAVES, ANY_JSON)

GOOD_RATING = {
    "id": st.uuids().map(str),
    "seq": st.integers(1, 10**6),
    "created_at": RECENT,
    "officer": st.sampled_from(["CB001", "cb001", " Cb002 ", "XYZ"]),
    "department": st.sampled_from(["CA", "dl", "NOWHERE"]),
    "session": st.none() | st.uuids().map(str),
    "ticket": st.none() | st.sampled_from(["A-015", "Số 12"]),
    "level": st.sampled_from([1, 2, 3, 4]),
    "reasons": st.lists(st.sampled_from(["waiting_time", "attitude"]), max_size=3),
    "lang": st.sampled_from(["vi", "en"]),
}
GOOD_ENVELOPE = {
    "schema": st.just(1),
    "counter": st.sampled_from(["Q07", "q07", "Q08"]),
    "device": st.just("kiosk-q07"),
    "app_version": st.just("0.1.0"),
    "sent_at": st.just(datetime.now(UTC).isoformat()),
}
GOOD_HEARTBEAT = {
    "pending": st.integers(0, 1000),
    "held": st.integers(0, 10),
    "rejected": st.integers(0, 10),
    "app_version": st.just("0.2.0"),
    "free_disk_bytes": st.integers(0, 10**12),
    "last_error": st.none() | st.just("central not reached"),
    "kiosk_time": RECENT,
}


def spoiled(draw: st.DrawFn, good: dict[str, st.SearchStrategy[Any]]) -> Any:
    """A plausible object, as often as not with some fields odd or missing; now and then
    no object at all."""
    if draw(st.integers(0, 19)) == 0:
        return draw(ANY_JSON)
    value = {name: draw(strategy) for name, strategy in good.items()}
    if draw(st.booleans()):
        return value
    for name in good:
        fate = draw(st.integers(0, 7))  # three in eight odd, one in eight missing
        if fate in (1, 2, 3):
            value[name] = draw(ODD)
        elif fate == 0:
            del value[name]
    return value


@st.composite
def wire_ratings(draw: st.DrawFn) -> Any:
    return spoiled(draw, GOOD_RATING)


@st.composite
def batch_bodies(draw: st.DrawFn) -> Any:
    body = spoiled(draw, GOOD_ENVELOPE)
    if isinstance(body, dict) and draw(st.integers(0, 9)):
        body["ratings"] = draw(st.lists(wire_ratings(), min_size=1, max_size=6))
    elif isinstance(body, dict):
        body["ratings"] = draw(ODD)
    return body


@st.composite
def heartbeats(draw: st.DrawFn) -> Any:
    return spoiled(draw, GOOD_HEARTBEAT)


def storable(text: str) -> bool:
    return protocol.text_problem(text) is None


def assert_storable(rating: RatingIn) -> None:
    for code in (rating.officer, rating.department):
        assert code == protocol.canonical_code(code) and code.isprintable() and " " not in code
        assert 1 <= len(code) <= protocol.CODE_MAX
    assert 1 <= rating.seq <= INT64_MAX
    latest = datetime.now(UTC) + protocol.FUTURE_LEEWAY
    assert protocol.EARLIEST_TIME <= rating.created_at <= latest
    texts = [rating.lang, *rating.reasons, rating.session or "", rating.ticket or ""]
    assert all(storable(text) for text in texts)


@PROPERTIES
@given(wire_ratings())
def test_a_rating_is_either_storable_or_refused_naming_a_field(raw: Any) -> None:
    try:
        rating = protocol.validate_rating(raw)
    except ValueError as exc:
        assert str(exc).split(":")[0].split(".")[0] in {*GOOD_RATING, "rating"}
        assert storable(str(exc).encode("utf-8", "backslashreplace").decode())
        label = protocol.rating_label(raw, 3)
        assert label.isprintable() and label.encode("utf-8")
        return
    assert_storable(rating)


@PROPERTIES
@given(heartbeats())
def test_a_heartbeat_is_either_storable_or_refused(raw: Any) -> None:
    try:
        beat = HeartbeatRequest.model_validate(raw)
    except ValidationError:
        return
    for count in (beat.pending, beat.held, beat.rejected):
        assert 0 <= count < 2**31
    assert beat.free_disk_bytes is None or 0 <= beat.free_disk_bytes <= INT64_MAX
    assert storable(beat.app_version) and storable(beat.last_error or "")


@PROPERTIES
@given(batch_bodies())
def test_an_envelope_is_either_sound_or_refused(raw: Any) -> None:
    try:
        envelope = BatchEnvelope.model_validate(raw)
    except ValidationError as exc:
        assert protocol.error_text(exc)
        return
    assert envelope.counter == protocol.canonical_code(envelope.counter)
    assert storable(envelope.device) and storable(envelope.app_version)


@pytest.fixture(scope="module")
def q07(shared_central: Central) -> str:
    return shared_central.add_counter("Q07", "CA", officers=("CB001", "CB002"))


def send(central: Central, path: str, token: str, body: Any) -> Any:
    return central.http.post(
        central.url + path,
        data=json.dumps(body).encode(),  # ASCII, so a lone surrogate travels as \ud800
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )


@PROPERTIES
@given(body=batch_bodies())
def test_any_batch_gets_a_well_formed_answer_and_stores_only_the_truth(
    shared_central: Central, q07: str, body: Any
) -> None:
    response = send(shared_central, BATCH_PATH, q07, body)

    assert response.status_code in (200, 403, 413, 422), response.text[:300]
    if response.status_code != 200:
        assert isinstance(response.json()["detail"], str)
        return
    answer = BatchResponse.model_validate_json(response.content)
    sent = body["ratings"]
    assert len(answer.accepted) + len(answer.duplicate) + len(answer.rejected) == len(sent)
    with shared_central.db.read() as connection:
        roster = dict(connection.execute(select(officers.c.code, officers.c.department)).all())
        stored = connection.execute(
            select(ratings.c.officer, ratings.c.department, ratings.c.counter).where(
                ratings.c.id.in_(answer.accepted)
            )
        ).all()
    assert len(stored) == len(answer.accepted)
    for officer, department, counter in stored:
        assert roster[officer] == department and counter == "Q07"


@PROPERTIES
@given(body=heartbeats())
def test_any_heartbeat_gets_a_well_formed_answer(
    shared_central: Central, q07: str, body: Any
) -> None:
    response = send(shared_central, heartbeat_path("Q07"), q07, body)

    assert response.status_code in (200, 422), response.text[:300]
    if response.status_code == 200:
        HeartbeatResponse.model_validate_json(response.content)
    else:
        assert isinstance(response.json()["detail"], str)
