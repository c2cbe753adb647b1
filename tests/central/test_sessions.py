"""Dashboard sessions the server can end: a stolen or left-behind cookie stops working at
logout, at a new password and when the admin is removed (with their API token); the
cookie's Secure flag does not depend on a proxy's headers."""

from __future__ import annotations

from collections.abc import Callable

import requests

from sync.central import accounts
from sync.central.settings import Settings

from .conftest import Central, start_central

PASSWORD = "correct horse"


def logged_in(central: Central, username: str = "admin") -> requests.Session:
    browser = requests.Session()
    answer = browser.post(
        central.url + "/login",
        data={"username": username, "password": PASSWORD},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 303, answer.text
    return browser


def sees_dashboard(central: Central, cookie: str) -> bool:
    answer = requests.get(
        central.url + "/",
        cookies={"central_session": cookie},
        allow_redirects=False,
        timeout=60,
    )
    return answer.status_code == 200


def reads_report(central: Central, cookie: str) -> bool:
    answer = requests.get(
        central.url + "/api/v1/reports/satisfaction",
        cookies={"central_session": cookie},
        timeout=60,
    )
    return answer.status_code == 200


def test_a_cookie_kept_after_logout_opens_nothing(central: Central) -> None:
    central.add_admin("admin", PASSWORD)
    browser = logged_in(central)
    stolen = browser.cookies["central_session"]
    assert sees_dashboard(central, stolen) and reads_report(central, stolen)

    browser.post(central.url + "/logout", allow_redirects=False, timeout=60)
    assert not sees_dashboard(central, stolen)
    assert not reads_report(central, stolen)


def test_a_new_password_ends_every_session_and_the_api_token(central: Central) -> None:
    token = central.add_admin("admin", PASSWORD)
    first, second = logged_in(central), logged_in(central)
    cookies = [browser.cookies["central_session"] for browser in (first, second)]
    assert central.report(token).status_code == 200

    accounts.set_admin(central.db, "admin", "another long password")
    assert not any(sees_dashboard(central, cookie) for cookie in cookies)
    assert central.report(token).status_code == 401


def test_removing_an_admin_ends_their_sessions_and_token(central: Central) -> None:
    central.add_admin("other", PASSWORD)
    token = central.add_admin("admin", PASSWORD)
    cookie = logged_in(central).cookies["central_session"]
    kept = logged_in(central, "other").cookies["central_session"]

    removed = central.ctl("admin", "remove", "admin")
    assert removed.returncode == 0, removed.stderr
    assert not sees_dashboard(central, cookie)
    assert central.report(token).status_code == 401
    assert sees_dashboard(central, kept), "only that admin is out"

    again = central.ctl("admin", "remove", "admin")
    assert again.returncode == 1 and "admin admin is unknown" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_forged_or_resigned_cookie_opens_nothing(central: Central) -> None:
    central.add_admin("admin", PASSWORD)
    cookie = logged_in(central).cookies["central_session"]
    value, _, signature = cookie.rpartition(".")
    assert not sees_dashboard(central, f"{value}.{signature[::-1]}")
    assert not sees_dashboard(central, "admin.9999999999.x")  # the old hand-made format


def set_cookie_header(central: Central, host: str) -> str:
    answer = requests.post(
        central.url + "/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"Host": host},
        allow_redirects=False,
        timeout=60,
    )
    assert answer.status_code == 303, answer.text
    return answer.headers["set-cookie"]


def test_the_cookie_is_secure_unless_the_host_is_loopback(central: Central) -> None:
    central.add_admin("admin", PASSWORD)
    assert "Secure" in set_cookie_header(central, "central.example.org")
    # No X-Forwarded-Proto needed: the flag no longer trusts the proxy to say "https".
    assert "Secure" in set_cookie_header(central, "192.168.1.10:8080")
    assert "Secure" not in set_cookie_header(central, "127.0.0.1:8080")
    assert "Secure" not in set_cookie_header(central, "localhost")


def test_secure_cookies_can_be_forced_on(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(settings_for(database_url, SERVER__SECURE_COOKIES="true"))
    try:
        central.add_admin("admin", PASSWORD)
        assert "Secure" in set_cookie_header(central, "127.0.0.1")
    finally:
        central.running.stop()
        central.db.close()
