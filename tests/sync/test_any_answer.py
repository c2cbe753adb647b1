"""Property: whatever answers the kiosk, no rating leaves ``pending`` except through a
well-formed protocol answer of the central.

A real kiosk (SQLite file) pushes over HTTP to a stand-in server on 127.0.0.1 that plays
an answer drawn by hypothesis: any status, with or without the central's mark, with HTML,
random bytes, any JSON, or batch answers built from the very ratings sent (complete or
not, repeated ids, foreign ids).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from kiosk.models import PENDING, REJECTED, SENT, Rating
from sync import protocol
from sync.client import SyncClient, SyncProblem

from .conftest import make_kiosk
from .faults import FaultProxy, Reply

STATUSES = [200, 201, 204, 301, 302, 307, 308, 400, 401, 403, 404, 405, 408, 413, 415, 422]
STATUSES += [429, 500, 502, 503, 504]
MARK = {protocol.PROTOCOL_HEADER: str(protocol.SCHEMA_VERSION)}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def batch_answers(ids: list[str]) -> st.SearchStrategy[bytes]:
    """Batch answers about the ratings sent: sometimes complete and exact, often not."""
    other = "00000000-0000-4000-8000-000000000000"
    listed = st.lists(st.sampled_from([*ids, other]), max_size=len(ids) + 2)
    where = st.sampled_from(["accepted", "duplicate", "rejected"])

    def build(pairs: list[tuple[str, str]]) -> bytes:
        body: dict[str, list] = {"accepted": [], "duplicate": [], "rejected": []}
        for rating_id, kind in pairs:
            item = {"id": rating_id, "error": "no"} if kind == "rejected" else rating_id
            body[kind].append(item)
        return json.dumps(body).encode()

    exact = st.permutations(ids).flatmap(
        lambda order: st.lists(where, min_size=len(order), max_size=len(order)).map(
            lambda kinds: list(zip(order, kinds, strict=True))
        )
    )
    return (
        exact
        | listed.flatmap(
            lambda chosen: st.lists(where, min_size=len(chosen), max_size=len(chosen)).map(
                lambda kinds: list(zip(chosen, kinds, strict=True))
            )
        )
    ).map(build)


def bodies(ids: list[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.just(b""),
        st.just(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        st.binary(max_size=200),
        json_values.map(lambda value: json.dumps(value).encode()),
        batch_answers(ids),
        st.builds(  # the protocol's own error bodies, naming a rating's field or another
            lambda field, words: json.dumps({"detail": f"{field}: {words}"}).encode(),
            st.sampled_from(["ratings.0.officer", "ratings", "sent_at", "counter", "body"]),
            st.text(max_size=20),
        ),
    )


def replies(ids: list[str]) -> st.SearchStrategy[Reply]:
    content_types = st.sampled_from(["application/json", "text/html", "text/plain", ""])
    return st.builds(
        lambda status, marked, body, kind, location: Reply(
            status,
            body,
            {
                **(MARK if marked else {}),
                **({"Content-Type": kind} if kind else {}),
                **({"Location": location} if 300 <= status < 400 else {}),
            },
        ),
        st.sampled_from(STATUSES),
        st.booleans(),
        bodies(ids),
        content_types,
        st.sampled_from(["https://central.example/api/v1/ratings:batch", "/login", ""]),
    )


def is_protocol_answer(reply: Reply, ids: list[str]) -> bool:
    if reply.status != 200:
        return False
    try:
        answer = protocol.BatchResponse.model_validate_json(reply.body)
    except ValueError:
        return False
    listed = [*answer.accepted, *answer.duplicate, *(item.id for item in answer.rejected)]
    return sorted(listed) == sorted(ids)


def is_protocol_error(reply: Reply) -> bool:
    """The central's own refusal: marked, with a JSON ``{"detail": "..."}``."""
    try:
        body = json.loads(reply.body)
    except ValueError:
        return False
    marked = reply.headers.get(protocol.PROTOCOL_HEADER) == str(protocol.SCHEMA_VERSION)
    return (
        marked
        and isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and bool(body["detail"])
    )


def detail_of(reply: Reply) -> str:
    return json.loads(reply.body)["detail"]


@pytest.fixture
def kiosk(tmp_path: Path):
    proxy = FaultProxy("http://127.0.0.1:9")  # never forwards: every answer is played
    counter = make_kiosk(tmp_path, "Q07", proxy.url, "token-of-q07")
    ids = [counter.record(4 - index % 4).id for index in range(5)]
    client = SyncClient(counter.config, counter.store)
    yield counter, client, proxy, ids
    client.close()
    counter.close()
    proxy.close()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_rating_leaves_pending_but_through_the_centrals_own_answer(kiosk, data):
    counter, client, proxy, ids = kiosk
    with counter.store.write() as session:  # every example starts from five pending ratings
        session.execute(update(Rating).values(sync_state=PENDING, sync_error=None))
    client._resting.clear()
    reply = data.draw(replies(ids), label="reply")
    proxy.intercept = lambda _method, _path, _body: reply

    with contextlib.suppress(SyncProblem):
        client.push()

    with counter.store.read() as session:
        query = select(Rating.sync_state, func.count()).group_by(Rating.sync_state)
        states = dict(session.execute(query).all())
    if is_protocol_answer(reply, ids):
        assert sum(states.values()) == 5
    elif is_protocol_error(reply) and (
        reply.status == 413 or (reply.status == 422 and detail_of(reply).startswith("ratings"))
    ):
        # The central itself refused each rating, alone (the batch was split down to one).
        assert states == {REJECTED: 5}
    else:
        assert states == {PENDING: 5}, f"{reply.status} {reply.headers} {reply.body[:80]!r}"
    assert SENT not in states or is_protocol_answer(reply, ids)
