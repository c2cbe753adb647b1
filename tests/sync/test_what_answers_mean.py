"""Only the central itself rejects a rating; whatever else answers keeps every rating pending.

A real kiosk pushes to the real central through a stand-in for what sits between them in
a real center: a reverse proxy redirecting to HTTPS, nginx's own 404/405/413 pages, a
captive portal's 200, a body cut short. None of them may flag a rating; each must be
reported in words a technician can act on, by ``kioskctl sync`` without a traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.models import PENDING, REJECTED, SENT, Rating
from sync import outbox, protocol
from sync.client import (
    CentralMisanswered,
    CentralRefused,
    CentralUnavailable,
    SyncClient,
    SyncProblem,
)
from tests import in_process

from .conftest import Central, kiosk_env, make_kiosk
from .faults import FaultProxy, Reply
from .test_exactly_once import states

pytestmark = pytest.mark.slow

MARK = {protocol.PROTOCOL_HEADER: str(protocol.SCHEMA_VERSION)}
NGINX_PAGE = b"<html><head><title>{0}</title></head><body><center><h1>{0}</h1></center><hr><center>nginx</center></body></html>"


def nginx(status: int, title: str) -> Reply:
    return Reply(status, NGINX_PAGE.replace(b"{0}", title.encode()), {"Content-Type": "text/html"})


# What a proxy, a portal or a wrong URL answers by itself: never the central's word.
NOT_THE_CENTRAL = {
    "redirect to https": Reply(
        301,
        b"",
        {"Location": "https://central.example.gov.vn/api/v1/ratings:batch"},
    ),
    "nginx 404": nginx(404, "404 Not Found"),
    "nginx 405": nginx(405, "405 Not Allowed"),
    "nginx 413 to every size": nginx(413, "413 Request Entity Too Large"),
    "nginx 400": nginx(400, "400 Bad Request"),
    "415": Reply(415, b"Unsupported Media Type", {"Content-Type": "text/plain"}),
    "a WAF's 403 page": nginx(403, "403 Forbidden"),
    "captive portal 200": Reply(
        200,
        b"<!doctype html><html><body>Please log in to the Wi-Fi</body></html>",
        {"Content-Type": "text/html; charset=utf-8"},
    ),
    "200 plain text": Reply(200, b"OK", {"Content-Type": "text/plain"}),
    "200 empty json": Reply(200, b"{}", {"Content-Type": "application/json"}),
    "200 json for other ratings": Reply(
        200,
        json.dumps({"accepted": ["00000000-0000-4000-8000-000000000000"]}).encode(),
        {"Content-Type": "application/json"},
    ),
    "200 cut short": Reply(
        200, b'{"accepted": [', {"Content-Type": "application/json"}, declared=4000
    ),
    "another FastAPI app's 422": Reply(
        422, b'{"detail": "Unprocessable"}', {"Content-Type": "application/json"}
    ),
}


def answer_everything_with(reply: Reply):
    return lambda _method, _path, _body: reply


# Where only a stand-in answers, the central's database makes no difference: those tests
# run on SQLite alone. Where the central itself answers, they run on both databases.
stand_in_only = pytest.mark.parametrize("central", ["sqlite"], indirect=True)


@stand_in_only
@pytest.mark.parametrize("name", NOT_THE_CENTRAL)
def test_an_answer_that_is_not_the_centrals_keeps_every_rating_pending(
    central: Central, tmp_path: Path, name: str
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    proxy.intercept = answer_everything_with(NOT_THE_CENTRAL[name])
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    for level in (4, 3, 2, 1, 4, 4):
        counter.record(level)
    client = SyncClient(counter.config, counter.store)
    try:
        with pytest.raises(SyncProblem) as caught:
            client.push()
    finally:
        client.close()
        proxy.close()
    assert states(counter) == {PENDING: 6}, "nothing but the central may settle a rating"
    assert central.stored_ids() == []
    message = str(caught.value)
    assert "Traceback" not in message and len(message) < 600
    counter.close()


@stand_in_only
def test_a_redirect_names_the_url_to_provision_with(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    proxy.intercept = answer_everything_with(NOT_THE_CENTRAL["redirect to https"])
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    counter.record(4)
    client = SyncClient(counter.config, counter.store)
    try:
        with pytest.raises(CentralMisanswered) as caught:
            client.push()
    finally:
        client.close()
        proxy.close()
    assert "redirect to https://central.example.gov.vn" in str(caught.value)
    assert "kioskctl provision --central https://central.example.gov.vn" in str(caught.value)
    counter.close()


@stand_in_only
@pytest.mark.parametrize(
    "name", ["redirect to https", "captive portal 200", "nginx 404", "200 cut short"]
)
def test_kioskctl_sync_says_what_answered_and_exits_non_zero_without_a_traceback(
    central: Central, tmp_path: Path, name: str
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    proxy.intercept = answer_everything_with(NOT_THE_CENTRAL[name])
    env = {name: value for name, value in os.environ.items() if not name.startswith("KIOSK")}
    env.update(kiosk_env(tmp_path, "Q07", proxy.url, token))
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    counter.record(4)
    counter.close()
    try:
        result = in_process.kioskctl("sync", "--give-up-after", "1", env=env)
    finally:
        proxy.close()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert "0 sent, 1 pending" in result.stdout


def test_a_rating_the_central_fails_on_is_set_aside_and_the_others_flow(
    central: Central, tmp_path: Path
):
    """A central bug triggered by one rating (as a NUL did on PostgreSQL) answers 500 for
    any batch holding it: the kiosk splits until it is alone, keeps it pending, and the
    ratings after it, and those recorded later, still reach the center."""
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    ids = [counter.record(4 - index % 4).id for index in range(40)]
    poison = ids[0]  # the lowest seq: first in every batch

    def fail_on_poison(_method: str, _path: str, body: bytes) -> Reply | None:
        if poison.encode() in body:
            return Reply(500, b'{"detail": "internal error, request id 7f3a"}', MARK)
        return None

    proxy.intercept = fail_on_poison
    client = SyncClient(counter.config, counter.store)
    try:
        result = client.push()
        assert (result.sent, result.set_aside) == (39, 1)
        later = counter.record(3).id
        assert client.push().sent == 1, "a later rating is not held back by the one set aside"
    finally:
        client.close()
        proxy.close()
    assert set(central.stored_ids()) == set(ids[1:]) | {later}
    with counter.store.read() as session:
        kept = session.scalars(select(Rating).where(Rating.id == poison)).one()
        assert kept.sync_state == PENDING and "500" in (kept.sync_error or "")
    assert REJECTED not in states(counter)
    counter.close()


def test_a_batch_the_central_refuses_is_split_and_only_the_named_rating_is_rejected(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    ids = [counter.record(4).id for _ in range(9)]
    bad = ids[4]

    def refuse_batches_with_bad(_method: str, _path: str, body: bytes) -> Reply | None:
        if bad.encode() in body:
            detail = {"detail": "ratings.0.session: must not contain NUL"}  # names the rating
            return Reply(
                422, json.dumps(detail).encode(), {**MARK, "Content-Type": "application/json"}
            )
        return None

    proxy.intercept = refuse_batches_with_bad
    client = SyncClient(counter.config, counter.store)
    try:
        result = client.push()
    finally:
        client.close()
        proxy.close()
    assert (result.sent, result.rejected) == (8, 1)
    with counter.store.read() as session:
        rejected = session.scalars(select(Rating).where(Rating.id == bad)).one()
    assert rejected.sync_state == REJECTED and "NUL" in rejected.sync_error
    assert states(counter) == {SENT: 8, REJECTED: 1}
    counter.close()


def test_a_proxy_body_limit_splits_batches_until_they_pass(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    for index in range(60):
        counter.record(4 - index % 4)
    too_large = nginx(413, "413 Request Entity Too Large")
    proxy.intercept = lambda _m, _p, body: too_large if len(body) > 4000 else None
    client = SyncClient(counter.config, counter.store)
    try:
        client.push()
    finally:
        client.close()
        proxy.close()
    assert states(counter) == {SENT: 60}
    assert len(central.stored_ids()) == 60


def test_a_confirmed_rating_stays_confirmed_whatever_a_later_answer_says(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    rating_id = counter.record(4).id
    row = outbox.next_batch(counter.store, 10)
    outbox.mark(counter.store, row, protocol.BatchResponse(accepted=[rating_id]))
    later = protocol.BatchResponse(rejected=[protocol.RejectedRating(id=rating_id, error="late")])
    assert outbox.mark(counter.store, row, later).rejected == 0
    assert states(counter) == {SENT: 1}
    counter.close()


@stand_in_only
def test_the_heartbeat_and_roster_read_a_portal_page_as_not_the_central(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    proxy.intercept = answer_everything_with(NOT_THE_CENTRAL["captive portal 200"])
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    client = SyncClient(counter.config, counter.store)
    try:
        with pytest.raises(CentralMisanswered, match="HTML page"):
            client.heartbeat()
        with pytest.raises(CentralMisanswered, match="HTML page"):
            client.pull_roster()
        proxy.intercept = None
        proxy.down = True
        with pytest.raises(CentralUnavailable, match="not reached"):
            client.heartbeat()
    finally:
        client.close()
        proxy.close()
    counter.close()


@stand_in_only
def test_a_refused_envelope_flags_no_rating_and_says_to_check_the_kiosk(
    central: Central, tmp_path: Path
):
    """A kiosk clock a year ahead makes the central refuse every batch's ``sent_at``: no
    rating is at fault, so none is flagged, and the technician is told where to look."""
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    detail = {"detail": "sent_at: is more than 366 days ahead of the central's clock"}
    proxy.intercept = answer_everything_with(
        Reply(422, json.dumps(detail).encode(), {**MARK, "Content-Type": "application/json"})
    )
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    for level in (4, 3, 1):
        counter.record(level)
    client = SyncClient(counter.config, counter.store)
    try:
        with pytest.raises(CentralRefused, match="kiosk's clock"):
            client.push()
    finally:
        client.close()
        proxy.close()
    assert states(counter) == {PENDING: 3}
    assert proxy.seen["intercepted"] == 1, "refused once, not split rating by rating"
    counter.close()
