"""A page of another site can change nothing on the dashboard (no logout, no login as
someone else) and cannot frame it; the dashboard's own pages, forms and script work under
their Content-Security-Policy. On the real central, SQLite and PostgreSQL, and in Chromium.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests

from sync.phone_link import link_key, make_code

from .conftest import Central, new_page

PASSWORD = "correct horse"
EVIL = "http://evil.example"


def logged_in(central: Central) -> requests.Session:
    central.add_admin("admin", PASSWORD)
    session = requests.Session()
    answer = session.post(
        central.url + "/login",
        data={"username": "admin", "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303
    return session


def still_in(central: Central, session: requests.Session) -> bool:
    return session.get(central.url + "/", allow_redirects=False, timeout=30).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Referer": EVIL + "/page.html"},
        {"Sec-Fetch-Site": "cross-site", "Origin": EVIL},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "http://127.0.0.1.evil.example"},
    ],
    ids=["origin", "null-origin", "referer", "fetch-cross-site", "fetch-same-site", "lookalike"],
)
def test_a_logout_sent_from_another_site_is_refused(
    central: Central, headers: dict[str, str]
) -> None:
    session = logged_in(central)
    answer = session.post(central.url + "/logout", headers=headers, allow_redirects=False)
    assert answer.status_code == 403
    assert "another site" in answer.json()["detail"]
    assert still_in(central, session)


def test_a_login_sent_from_another_site_is_refused(central: Central) -> None:
    central.add_admin("admin", PASSWORD)
    answer = requests.post(
        central.url + "/login",
        data={"username": "admin", "password": PASSWORD},
        headers={"Origin": EVIL},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


def test_the_dashboards_own_forms_and_kiosks_still_work(central: Central) -> None:
    session = logged_in(central)
    own = {"Origin": central.url, "Sec-Fetch-Site": "same-origin"}
    answer = session.post(central.url + "/logout", headers=own, allow_redirects=False)
    assert answer.status_code == 303
    assert not still_in(central, session)
    # An older phone's own form: Origin "null" (the page's no-referrer), no Sec-Fetch-Site.
    token = central.add_counter("Q07", "CA")
    code = make_code(link_key(token), "Q07", "CB001", "T-1", datetime.now(UTC))
    phone = requests.post(
        f"{central.url}/r/{code}", data={"level": "4"}, headers={"Origin": "null"}, timeout=30
    )
    assert phone.status_code == 200


@pytest.fixture
def attacker_site() -> Iterator[dict[str, str]]:
    """A page on another port of the same host (the same site, so SameSite=Lax sends the
    cookie) that posts a form to ``target["url"]``/logout as soon as it loads; its own
    address is ``target["self"]``."""
    target: dict[str, str] = {}

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                f'<form id="f" method="post" action="{target["url"]}/logout"></form>'
                '<script>document.getElementById("f").submit()</script>'
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target["self"] = f"http://127.0.0.1:{server.server_port}/"
    yield target
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_in_a_browser_a_page_of_another_site_cannot_log_the_admin_out(
    central: Central, browser, attacker_site: dict[str, str]
) -> None:
    central.add_admin("admin", PASSWORD)
    page = new_page(browser)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.goto(central.url + "/login?lang=en")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#departments")
    # The page's own script ran under its policy: it opened the live alert feed.
    page.wait_for_function("document.getElementById('alerts-state').textContent !== ''")
    for path in ("/reasons?lang=en", "/report?lang=en"):
        page.goto(central.url + path)
    assert not [text for text in problems if "Content Security Policy" in text], problems

    attacker_site["url"] = central.url
    with page.expect_response(lambda answer: answer.url.endswith("/logout")) as sent:
        page.goto(attacker_site["self"])
    assert sent.value.status == 403
    page.goto(central.url + "/?lang=en")
    assert page.locator("#departments").count() == 1, "the admin is still logged in"
