"""Past its capacity the central answers at once, in the protocol's own words: 503 or 429
with Retry-After and the central's marker, so kiosks back off and keep their ratings. One
address cannot take every connection, one client cannot take every worker, idle
connections make room for kiosks, and /healthz says 200 only when a rating could be
stored now."""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from sync.central.bodies import parse_batch
from sync.central.errors import ApiError
from sync.central.settings import Settings
from sync.protocol import BATCH_PATH, MAX_BATCHES_IN_FLIGHT, PROTOCOL_HEADER, heartbeat_path

from .conftest import Central, rating, start_central

ATTACKER = "127.0.0.2"  # another machine on the LAN, as loopback lets a test be one


@contextmanager
def running(settings: Settings) -> Iterator[Central]:
    central = start_central(settings)
    try:
        yield central
    finally:
        central.running.stop()
        central.http.close()
        central.db.close()


def connect(central: Central, source: str = "127.0.0.1") -> socket.socket:
    host, port = central.url.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.settimeout(30)
    sock.bind((source, 0))
    sock.connect((host, int(port)))
    return sock


def answer_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def heartbeat(central: Central, token: str, counter: str = "Q07") -> requests.Response:
    body = {"pending": 0, "app_version": "test", "kiosk_time": "2026-12-08T00:00:00Z"}
    return requests.post(
        central.url + heartbeat_path(counter),
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def stalled(
    central: Central, token: str, source: str = "127.0.0.1", path: str = BATCH_PATH
) -> socket.socket:
    """A request whose body never comes: it is in the central, waiting, until the body
    time-out. What a slow client, or an attacker, keeps inside."""
    sock = connect(central, source)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{".encode()
    )
    return sock


def stalled_batch(central: Central, token: str, source: str = "127.0.0.1") -> socket.socket:
    return stalled(central, token, source)


def assert_protocol_refusal(answer: requests.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.headers[PROTOCOL_HEADER] == "1"
    assert "try again" in answer.json()["detail"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Admission is the HTTP layer's, before any database: SQLite is enough here (the
    health check below runs on both)."""
    return f"sqlite:///{tmp_path / 'central.db'}"


def test_a_busy_central_answers_503_with_retry_after_at_once(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(
        database_url, SERVER__MAX_REQUESTS_IN_FLIGHT="3", SERVER__BODY_TIMEOUT_SECONDS="20"
    )
    with running(settings) as central:
        tokens = [central.add_counter(f"Q0{n}", "CA") for n in range(1, 5)]
        held = [stalled_batch(central, token) for token in tokens[:3]]
        try:
            time.sleep(0.5)
            assert_protocol_refusal(heartbeat(central, tokens[3], "Q04"), 503)
        finally:
            for sock in held:
                sock.close()
        # Room again once they are gone: the kiosk's next try goes through.
        deadline = time.monotonic() + 20
        while heartbeat(central, tokens[3], "Q04").status_code != 200:
            assert time.monotonic() < deadline, "the central stayed busy after the load left"
            time.sleep(0.2)


def test_one_token_cannot_take_the_central_from_the_other_kiosks(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(database_url, SERVER__BODY_TIMEOUT_SECONDS="20")
    with running(settings) as central:
        stolen = central.add_counter("Q01", "CA")
        other = central.add_counter("Q07", "CA")
        per_client = settings.server.max_requests_per_client
        beat = heartbeat_path("Q01")
        held = [stalled(central, stolen, f"127.0.0.{2 + n}", beat) for n in range(per_client)]
        try:
            time.sleep(0.5)
            assert_protocol_refusal(heartbeat(central, stolen, "Q01"), 429)
            assert heartbeat(central, other).status_code == 200
        finally:
            for sock in held:
                sock.close()


def test_one_address_cannot_hold_every_connection(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(
        database_url,
        SERVER__TRUSTED_PROXIES="[]",
        SERVER__MAX_CONNECTIONS_PER_ADDRESS="5",
        SERVER__LIMIT_CONCURRENCY="1000",
    )
    with running(settings) as central:
        token = central.add_counter("Q07", "CA")
        held = [connect(central, ATTACKER) for _ in range(5)]
        try:
            extra = connect(central, ATTACKER)
            head = answer_head(extra)
            extra.close()
            assert head.startswith(b"HTTP/1.1 503"), head[:200]
            assert b"retry-after: " in head.lower() and b"kiosk-protocol: 1" in head.lower()
            # The kiosks, from their own addresses, are served as ever.
            assert heartbeat(central, token).status_code == 200
        finally:
            for sock in held:
                sock.close()


def test_idle_connections_make_room_for_a_kiosk(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(database_url, SERVER__LIMIT_CONCURRENCY="10")
    with running(settings) as central:
        token = central.add_counter("Q07", "CA")
        held = [connect(central, ATTACKER) for _ in range(12)]
        try:
            time.sleep(0.5)
            assert heartbeat(central, token).status_code == 200
            closed = 0
            for sock in held:
                sock.settimeout(0.2)
                try:
                    closed += sock.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    closed += 0
            assert closed >= 2, "no idle connection was closed to make room"
        finally:
            for sock in held:
                sock.close()


def test_a_batch_of_too_many_ratings_is_refused_before_any_is_validated() -> None:
    """650,000 empty ratings took seven CPU-seconds of validation before the 413."""
    envelope = (
        '{"schema":1,"counter":"Q01","device":"d","app_version":"1",'
        '"sent_at":"2026-12-08T00:00:00Z","ratings":['
    )
    for item, count in [("{}", 650_000), ("1", 950_000), ('{"id":"x"}', 501), ("[]", 20_000)]:
        body = (envelope + ",".join([item] * count) + "]}").encode()
        started = time.thread_time()
        with pytest.raises(ApiError) as refused:
            parse_batch(body, 500)
        assert refused.value.status == 413
        assert "in one batch" in refused.value.message
        assert "at most 500" in refused.value.message or "more than 500" in refused.value.message
        # CPU time of this thread: the machine's load does not count (was 7 s).
        assert time.thread_time() - started < 0.5


def test_a_full_batch_is_still_taken(central: Central) -> None:
    token = central.add_counter("Q07", "CA")
    answer = central.push(token, "Q07", [rating(seq=n + 1) for n in range(500)])
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["accepted"]) == 500


# The health check, on both databases.


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central.db'}"
    return request.getfixturevalue("postgres_url")


def test_health_is_503_while_no_rating_could_be_stored(
    any_database: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(any_database)
    with running(settings) as central:
        token = central.add_counter("Q07", "CA")
        assert requests.get(central.url + "/healthz", timeout=30).status_code == 200
        if central.db.dialect == "sqlite":
            # The disk as good as full: more free space asked for than any disk has.
            central.running.server.config.app.state.readiness.min_free_bytes = 2**62
        else:
            with central.db.write() as connection:
                name = connection.scalar(text("SELECT current_database()"))
            read_only(settings.database_url, name, True)
            central.db.engine.dispose()  # new connections take the setting
        try:
            time.sleep(1.2)  # the last answer is kept for a second
            health = requests.get(central.url + "/healthz", timeout=60)
            assert health.status_code == 503, health.text
            assert health.headers["Retry-After"]
            answer = central.push(token, "Q07", [rating()])
            assert answer.status_code == 503, answer.text
            assert answer.headers[PROTOCOL_HEADER] == "1" and answer.headers["Retry-After"]
        finally:
            if central.db.dialect == "postgresql":
                read_only(settings.database_url, name, False)


def read_only(url: str, database: str, on: bool) -> None:
    """Make PostgreSQL refuse (or take again) writes in ``database``, as a server in
    recovery or out of disk does; said from another database, which stays writable."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        value = "on" if on else "off"
        connection.execute(
            text(f'ALTER DATABASE "{database}" SET default_transaction_read_only = {value}')
        )
    admin.dispose()


def test_a_login_flood_from_one_machine_is_refused_in_its_language(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    with running(settings_for(database_url, LOGIN__FREE_ATTEMPTS="10000")) as central:
        host, port = central.url.removeprefix("http://").split(":")

        def login(n: int) -> tuple[int, str, str]:
            connection = http.client.HTTPConnection(
                host, int(port), timeout=120, source_address=(ATTACKER, 0)
            )
            try:
                connection.request(
                    "POST",
                    "/login",
                    body=f"username=x&password=guess+{n}&lang=vi",
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept-Language": "vi",
                    },
                )
                answer = connection.getresponse()
                return answer.status, answer.getheader("Retry-After") or "", answer.read().decode()
            finally:
                connection.close()

        with ThreadPoolExecutor(30) as flood:
            answers = list(flood.map(login, range(30)))
    refused = [answer for answer in answers if answer[0] == 429]
    assert refused, [answer[0] for answer in answers]
    status, retry_after, body = refused[0]
    assert "Vui lòng thử lại sau" in json.loads(body)["detail"]
    assert int(retry_after) >= 1


def test_a_counter_sends_no_more_batches_at_once_than_a_kiosk_from_wherever_its_token_comes(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(database_url, SERVER__BODY_TIMEOUT_SECONDS="20")
    with running(settings) as central:
        stolen = central.add_counter("Q01", "CA")
        other = central.add_counter("Q07", "CA")
        held = [stalled_batch(central, stolen, ATTACKER) for _ in range(MAX_BATCHES_IN_FLIGHT)]
        try:
            time.sleep(0.5)
            # The same token from another machine: still the one counter.
            sock = stalled_batch(central, stolen, "127.0.0.3")
            head = answer_head(sock)
            sock.close()
            assert head.startswith(b"HTTP/1.1 429"), head[:200]
            assert b"retry-after" in head.lower() and b"kiosk-protocol: 1" in head.lower()
            answer = central.push(other, "Q07", [rating()])
            assert answer.status_code == 200, answer.text
        finally:
            for sock in held:
                sock.close()
