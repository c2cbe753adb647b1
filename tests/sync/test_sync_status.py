"""The status dot and the words beside it say what happened with the central, no more.

Green only after the central itself answered; amber while ratings wait or the network may
come back by itself; red when waiting cannot help (a refused token, an answer that is not
the central's) or the center has been out of reach too long. "Pending" is one number
everywhere: released ratings the center has not confirmed (held-for-reasons apart).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from sync.scheduler import ERROR, OK, PENDING, Syncer

from .conftest import Central, make_kiosk
from .faults import FaultProxy, Reply

pytestmark = pytest.mark.parametrize("central", ["sqlite"], indirect=True)


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connection refused, as with the central down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_an_empty_outbox_with_the_central_down_is_not_green_nor_just_synced(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", closed_port_url(), token)
    syncer = Syncer(counter.config, counter.store)
    try:
        syncer.push_job()  # nothing to send: says nothing about the central
        assert syncer.status().state != OK and syncer.status().last_sync_at is None
        syncer.heartbeat_job()
        status = syncer.status()
    finally:
        syncer.shutdown()
    assert status.state == PENDING, "the first refused connection is amber, not red"
    assert status.last_sync_at is None
    assert "not reached" in (status.last_error or "")
    assert counter.status().last_sync_at is None
    counter.close()


def test_an_outage_longer_than_the_stale_limit_turns_the_dot_red(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    counter = make_kiosk(
        tmp_path, "Q07", closed_port_url(), token, KIOSK__CENTRAL__STALE_AFTER_MINUTES="0.1"
    )
    counter.record(4)
    syncer = Syncer(counter.config, counter.store)
    try:
        syncer.push_job()
        assert syncer.status().state == PENDING, "amber while the outage is short"
        time.sleep(6.5)  # past the stale limit of 6 s
        syncer.client.backoff.succeeded()  # try now, not after the backoff
        syncer.push_job()
        status = syncer.status()
    finally:
        syncer.shutdown()
    assert status.state == ERROR and status.pending == 1
    counter.close()


def test_an_answer_that_is_not_the_centrals_turns_the_dot_red_with_the_reason(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    proxy = FaultProxy(central.url)
    location = "https://central.example.gov.vn/api/v1/counters/Q07/heartbeat"
    proxy.intercept = lambda _m, _p, _b: Reply(301, b"", {"Location": location})
    counter = make_kiosk(tmp_path, "Q07", proxy.url, token)
    syncer = Syncer(counter.config, counter.store)
    try:
        syncer.heartbeat_job()
        status = syncer.status()
    finally:
        syncer.shutdown()
        proxy.close()
    assert status.state == ERROR
    assert "redirect to https://central.example.gov.vn" in (status.last_error or "")
    counter.close()


def test_a_heartbeat_the_central_answers_turns_an_empty_outbox_green(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    syncer = Syncer(counter.config, counter.store)
    try:
        assert syncer.status().state == PENDING, "not green before the central ever answered"
        syncer.heartbeat_job()
        status = syncer.status()
    finally:
        syncer.shutdown()
    assert status.state == OK and status.last_sync_at is not None and status.last_error is None
    assert counter.status().last_sync_at is not None
    counter.close()


def test_pending_counts_released_ratings_and_held_ones_are_counted_apart(
    central: Central, tmp_path: Path
):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", closed_port_url(), token)
    counter.record(4)
    counter.record(3)
    counter.record(1, ask_reasons=True)  # the citizen is still choosing reasons
    syncer = Syncer(counter.config, counter.store)
    try:
        syncer.push_job()
        dot = syncer.status()
    finally:
        syncer.shutdown()
    status = counter.status()
    assert (status.pending, status.held) == (2, 1)
    assert dot.pending == 2
    counter.close()
