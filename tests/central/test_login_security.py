"""Dashboard login against a guesser on the LAN: growing delays per account and per
address (shared by every central process), the same cost for known and unknown users,
OWASP's scrypt cost for passwords, and forged proxy headers that change nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from kiosk.pins import hash_pin
from sync.central.models import admins, login_failures
from sync.central.settings import Settings

from .conftest import Central, start_central

PASSWORD = "correct horse"


def login(
    central: Central, username: str, password: str, lang: str = "vi", **headers: str
) -> requests.Response:
    return requests.post(
        central.url + "/login",
        data={"username": username, "password": password, "lang": lang},
        headers=headers,
        allow_redirects=False,
        timeout=60,
    )


def stored_hash(central: Central, username: str = "admin") -> str:
    with central.db.read() as connection:
        return connection.scalar(
            select(admins.c.password_hash).where(admins.c.username == username)
        )


def delay_of(central: Central, response: requests.Response) -> int:
    """The wait a 429 asks for, checked to be said alike in the header and the words."""
    assert response.status_code == 429, response.text
    seconds = int(response.headers["Retry-After"])
    assert f"{seconds} giây" in response.text or f"{seconds} seconds" in response.text
    return seconds


def stored_delays(central: Central) -> list[float]:
    with central.db.read() as connection:
        rows = connection.execute(select(login_failures)).all()
    return sorted((row.blocked_until - row.last_failure_at).total_seconds() for row in rows)


def time_passes(central: Central, seconds: float) -> None:
    """The throttle's clock moves on: every stored failure and delay is that much older,
    as if the guesser had waited (the central reads them against its own clock)."""
    earlier = timedelta(seconds=seconds)
    with central.db.write() as connection:
        for row in connection.execute(select(login_failures)).all():
            connection.execute(
                update(login_failures)
                .where(login_failures.c.key == row.key)
                .values(
                    last_failure_at=row.last_failure_at - earlier,
                    blocked_until=row.blocked_until - earlier,
                )
            )


def test_wrong_passwords_make_the_next_try_wait_longer_and_say_how_long(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    # 5 s steps instead of the shipped 1 s: a slow machine's lag cannot outlast a delay.
    # The waits themselves pass in the database (time_passes), not in a sleep.
    central = start_central(settings_for(database_url, LOGIN__FIRST_DELAY_SECONDS="5"))
    try:
        central.add_admin("admin", PASSWORD)
        for _ in range(3):  # the first three are free
            assert login(central, "admin", "guess").status_code == 401
        assert stored_delays(central) == [5, 5], "account and address alike"

        refused = login(central, "admin", PASSWORD)  # even the right one waits now
        assert 1 <= delay_of(central, refused) <= 5
        assert "Bạn đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau" in refused.text

        time_passes(central, 5.5)
        assert login(central, "admin", "guess", lang="en").status_code == 401
        assert stored_delays(central) == [10, 10], "the delay doubles"
        refused = login(central, "admin", "guess", lang="en")
        assert 5 < delay_of(central, refused) <= 10
        assert "Too many wrong logins. Please try again in" in refused.text

        time_passes(central, 10.5)
        assert login(central, "admin", PASSWORD).status_code == 303
        assert stored_delays(central) == [], "success starts again"
        assert login(central, "admin", "guess").status_code == 401
    finally:
        central.running.stop()
        central.db.close()


def test_a_long_delay_is_said_in_minutes(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(
        settings_for(
            database_url,
            LOGIN__FREE_ATTEMPTS="1",
            LOGIN__FIRST_DELAY_SECONDS="200",
            LOGIN__MAX_DELAY_SECONDS="300",
        )
    )
    try:
        assert login(central, "admin", "guess").status_code == 401
        refused = login(central, "admin", "guess")
        assert refused.status_code == 429
        assert "Vui lòng thử lại sau 4 phút" in refused.text
        assert stored_delays(central) == [200, 200]
    finally:
        central.running.stop()
        central.db.close()


def test_the_delay_holds_on_every_central_process(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    first = start_central(settings_for(database_url))
    second = start_central(settings_for(database_url))
    try:
        first.add_admin("admin", PASSWORD)
        for _ in range(3):
            assert login(first, "admin", "guess").status_code == 401
        assert login(second, "admin", "guess").status_code == 429
    finally:
        for central in (first, second):
            central.running.stop()
            central.db.close()


def test_many_accounts_from_one_address_are_throttled_by_the_address(central: Central) -> None:
    for name in ("a1", "a2", "a3"):
        assert login(central, name, "guess").status_code == 401
    assert login(central, "someone-else", "guess").status_code == 429


@pytest.mark.parametrize(
    ("trusted", "throttled"),
    [('["10.255.255.1"]', True), ('["127.0.0.1", "::1"]', False)],
    ids=["untrusted-client", "trusted-proxy"],
)
def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    database_url: str, settings_for: Callable[..., Settings], trusted: str, throttled: bool
) -> None:
    central = start_central(settings_for(database_url, SERVER__TRUSTED_PROXIES=trusted))
    try:
        # A different account and a different claimed address each time: only the address
        # that really connected (127.0.0.1) links the guesses, unless a trusted proxy says.
        for n in range(3):
            forged = {"X-Forwarded-For": f"192.0.2.{n + 1}"}
            assert login(central, f"user{n}", "guess", **forged).status_code == 401
        last = login(central, "user9", "guess", **{"X-Forwarded-For": "192.0.2.99"})
        assert last.status_code == (429 if throttled else 401)
    finally:
        central.running.stop()
        central.db.close()


@pytest.mark.usefixtures("shipped_password_cost")
def test_a_known_and_an_unknown_user_take_the_same_time(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(settings_for(database_url, LOGIN__FREE_ATTEMPTS="1000"))
    try:
        central.add_admin("admin", PASSWORD)
        known, unknown = [], []
        for _ in range(5):  # interleaved, so the machine's load falls on both alike
            for name, times in (("admin", known), ("nobody", unknown)):
                started = time.perf_counter()
                assert login(central, name, "guess").status_code == 401
                times.append(time.perf_counter() - started)
        # The quickest of each: a loaded machine only ever adds time, so the minimum is
        # what a login costs (a median of a few tries moved with the load: seen at 1.75).
        ratio = min(unknown) / min(known)
        # On main an unknown user cost two scrypts (ratio ~2); now one each.
        assert 0.6 < ratio < 1.5, (known, unknown)
    finally:
        central.running.stop()
        central.db.close()


@pytest.mark.usefixtures("shipped_password_cost")
def test_passwords_use_owasps_scrypt_cost_and_old_hashes_are_upgraded(central: Central) -> None:
    central.add_admin("admin", PASSWORD)
    assert stored_hash(central).startswith("scrypt$131072$8$1$")

    # An admin whose password was hashed at the PIN cost before this change.
    with central.db.write() as connection:
        connection.execute(
            admins.update()
            .where(admins.c.username == "admin")
            .values(password_hash=hash_pin(PASSWORD))
        )
    assert stored_hash(central).startswith("scrypt$16384$")
    assert login(central, "admin", PASSWORD).status_code == 303
    assert stored_hash(central).startswith("scrypt$131072$8$1$")
    assert login(central, "admin", PASSWORD).status_code == 303
