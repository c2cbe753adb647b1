"""Connections that cost the central nothing for long: a slow-loris trickling headers, an
idle connection, a body that never comes, more connections than the limit. The kiosks'
API answers throughout."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from sync.central.settings import Settings
from sync.protocol import BATCH_PATH

from .conftest import Central, rating, start_central

HEADER_TIMEOUT = 3


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Connections are the HTTP server's business, before any database is asked: one
    database (SQLite) is enough here, where the rest of tests/central runs on both."""
    return f"sqlite:///{tmp_path / 'central.db'}"


@pytest.fixture
def strict_central(database_url: str, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    central = start_central(
        settings_for(
            database_url,
            SERVER__HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
            SERVER__KEEP_ALIVE_SECONDS="2",
            SERVER__BODY_TIMEOUT_SECONDS="2",
        )
    )
    yield central
    central.running.stop()
    central.db.close()


def connect(central: Central) -> socket.socket:
    host, port = central.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes ``sock`` within ``within`` seconds (EOF or reset)."""
    sock.settimeout(within)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_a_slow_loris_is_cut_off_while_kiosks_are_served(strict_central: Central) -> None:
    central = strict_central
    token = central.add_counter("Q07", "CA")
    slow = [connect(central) for _ in range(200)]
    stop = threading.Event()

    def trickle() -> None:
        for sock in slow:
            with contextlib.suppress(OSError):
                sock.sendall(b"POST " + BATCH_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n")
        while not stop.is_set():  # one header byte per connection every half second
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X")
            stop.wait(0.5)

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(1)
        for seq in range(1, 4):
            started = time.perf_counter()
            assert central.push(token, "Q07", [rating(seq=seq)]).status_code == 200
            assert requests.get(central.url + "/healthz", timeout=30).status_code == 200
            assert time.perf_counter() - started < 2
        # On main they stayed open for ever: every byte restarted nothing, nothing timed out.
        deadline = time.monotonic() + HEADER_TIMEOUT + 20
        still_open = list(slow)
        while still_open and time.monotonic() < deadline:
            still_open = [sock for sock in still_open if not closed_by_server(sock, 0.05)]
        assert not still_open, f"{len(still_open)} of 200 slow connections are still open"
    finally:
        stop.set()
        trickler.join()
        for sock in slow:
            sock.close()


def test_a_connection_that_never_sends_is_closed(strict_central: Central) -> None:
    with connect(strict_central) as sock:
        assert closed_by_server(sock, HEADER_TIMEOUT + 15)


def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive(
    strict_central: Central,
) -> None:
    with connect(strict_central) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        assert closed_by_server(sock, 2 + 15)


def test_a_request_after_keep_alive_must_send_its_headers_in_time(
    strict_central: Central,
) -> None:
    with connect(strict_central) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(4096)
        sock.sendall(b"G")  # one byte: uvicorn's keep-alive timer is cancelled by it
        assert closed_by_server(sock, HEADER_TIMEOUT + 15)


def test_a_body_that_does_not_come_is_answered_408(strict_central: Central) -> None:
    central = strict_central
    token = central.add_counter("Q07", "CA")
    with connect(central) as sock:
        sock.sendall(
            f"POST {BATCH_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"schema"'.encode()
        )
        sock.settimeout(30)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_connections_beyond_the_limit_all_busy_are_answered_the_protocols_503(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    """Idle connections are closed to make room (test_load_shedding); when every one is
    serving a request, a new one is refused in words a kiosk reads as "come back"."""
    central = start_central(
        settings_for(
            database_url, SERVER__LIMIT_CONCURRENCY="10", SERVER__BODY_TIMEOUT_SECONDS="20"
        )
    )
    tokens = [central.add_counter(f"Q{n:02}", "CA") for n in range(10)]
    held = []
    try:
        for token in tokens:
            sock = connect(central)
            sock.sendall(
                f"POST {BATCH_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode()
            )
            held.append(sock)
        time.sleep(0.5)
        answer = requests.get(central.url + "/healthz", timeout=30)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] and answer.headers["Kiosk-Protocol"] == "1"
    finally:
        for sock in held:
            sock.close()
        central.running.stop()
        central.db.close()
