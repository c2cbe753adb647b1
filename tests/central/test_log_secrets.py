"""What the central writes to its log holds no secret and no citizen's address: not a
phone link's code (in its path however spelt, or in a query string), not the phone's
address, not a counter's or an admin's token, a session cookie, a password typed at the
login, a provisioning code. ``centralctl serve`` runs in its own process at log level
info, so uvicorn's real access log and the central's own lines are what is read.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sync.central import accounts, roster
from sync.central.db import open_database
from sync.central.errors import LastResort
from sync.central.logsafe import safe_path
from sync.phone_link import link_key, make_code
from sync.protocol import BATCH_PATH, heartbeat_path, roster_path
from sync.provisioning import make_code as provisioning_code

from .conftest import batch, rating
from .served import serving

PHONE = "203.0.113.77"  # the citizen's phone, as the trusted proxy names it
ADMIN_DESK = "198.51.100.5"
PASSWORD, WRONG_PASSWORD = "correct horse battery", "hunter2-wrong-guess"


def center(database_url: str, folder: Path) -> dict[str, str]:
    db = open_database(database_url)
    roster.add_department(db, "CA", "Department CA")
    token = accounts.add_counter(db, "Q07", "CA")
    (folder / "officers.csv").write_text("code,full_name,title,department,pin\nCB001,A,,CA,1234\n")
    roster.import_officers(db, folder / "officers.csv", min_pin_digits=4)
    accounts.set_admin(db, "admin", PASSWORD)
    admin_token = accounts.new_admin_token(db, "admin")
    db.close()
    now = datetime.now(UTC)
    codes = [make_code(link_key(token), "Q07", "CB001", f"T-{n}", now) for n in range(4)]
    return {
        "counter": token,
        "admin": admin_token,
        "provisioning": provisioning_code("http://central.example", "Q07", token).text(),
        **{f"code{n}": code for n, code in enumerate(codes)},
    }


def test_the_log_holds_no_secret_and_no_phone_address(database_url: str, tmp_path: Path) -> None:
    secrets = center(database_url, tmp_path)
    phone = {"X-Forwarded-For": PHONE}
    desk = {"X-Forwarded-For": ADMIN_DESK}
    with serving(database_url, tmp_path) as served, requests.Session() as http:
        url = served.url

        def send(method: str, path: str, **kwargs: Any) -> requests.Response:
            return http.request(method, url + path, allow_redirects=False, timeout=60, **kwargs)

        # The citizen: the page, its faces, the choice, the link spelt in other ways.
        code = secrets["code0"]
        assert send("GET", f"/r/{code}", headers=phone).status_code == 200
        assert send("GET", "/r/face/neutral.png", headers=phone).status_code == 200
        assert send("GET", f"/r/{code}?lang=en", headers=phone).status_code == 200
        chosen = send("POST", f"/r/{code}", headers=phone, data={"level": "4", "lang": "vi"})
        assert chosen.status_code == 200
        for spelt in (
            f"/r/{secrets['code1']}/",
            f"/%72/{secrets['code1']}",
            f"//r/{secrets['code2']}",
            f"/R/{secrets['code2']}",
            f"/r/{secrets['code3']}/x?code={secrets['code3']}",
        ):
            assert send("GET", spelt, headers=phone).status_code < 500
        send("POST", f"/r/{secrets['code2']}", headers=phone, data={"x": "1"})
        send("HEAD", f"/r/{secrets['code3']}", headers=phone)
        # The kiosk's token, right and where no token belongs.
        bearer = {"Authorization": f"Bearer {secrets['counter']}"}
        assert http.post(url + BATCH_PATH, json=batch("Q07", [rating()]), headers=bearer).ok
        send("GET", roster_path("Q07"), headers=bearer)
        send("POST", heartbeat_path("Q07"), headers=bearer, data=b"{")
        send("GET", f"/?token={secrets['counter']}&lang=vi")
        send("GET", f"/login?code={secrets['provisioning'].replace(' ', '+')}")
        # The admin: a wrong password, the right one, the session, its end, the API token.
        login = {"username": "admin", "password": WRONG_PASSWORD}
        assert send("POST", "/login", data=login, headers=desk).status_code == 401
        login["password"] = PASSWORD
        signed_in = send("POST", "/login", data=login, headers=desk)
        assert signed_in.status_code == 303
        cookie = signed_in.cookies["central_session"]
        assert send("GET", "/", headers=desk).status_code == 200
        send("POST", "/logout", headers=desk)
        admin = {"Authorization": f"Bearer {secrets['admin']}"}
        send("GET", f"/api/v1/reports/satisfaction?access_token={secrets['admin']}", headers=admin)
        send("GET", "/api/v1/reports/satisfaction", headers={"Authorization": "Bearer wrong"})
        log = served.log()

    assert '"GET /r/… HTTP/1.1" 200' in log, log  # the access log was written
    assert ADMIN_DESK in log, "an admin's address is logged: the test would see a phone's"
    leaked = {
        name: value
        for name, value in {**secrets, "cookie": cookie, "password": PASSWORD}.items()
        if value in log or value.split()[-1] in log
    }
    assert not leaked, (sorted(leaked), log)
    assert WRONG_PASSWORD not in log
    assert PHONE not in log, log


def test_a_failing_phone_request_is_logged_without_its_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    code = "AWsXOQDfBU-2JtKwAllRUTAxH0NCMDAxH1QtMDAwMd7tt0iJWPeK00rb3w"

    async def broken(_scope: Any, _receive: Any, _send: Any) -> None:
        raise RuntimeError("a bug")

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/r/{code}",
        "query_string": f"lang=vi&code={code}".encode(),
        "headers": [],
    }
    with caplog.at_level(logging.INFO):
        asyncio.run(LastResort(broken)(scope, receive, send))
    assert sent[0]["status"] == 500
    assert "failed: POST '/r/…?lang=vi&code=…'" in caplog.text
    assert code not in caplog.text


def test_only_the_query_parameters_known_to_hold_no_secret_are_written() -> None:
    assert safe_path("/report", "period=2026-10&lang=en") == "/report?period=2026-10&lang=en"
    assert safe_path("/", "token=abc&from=2026-01-01&x") == "/?token=…&from=2026-01-01&x"
    assert safe_path("/r/face/neutral.png") == "/r/face/neutral.png"
    assert safe_path("/r/face/../../abc") == "/r/…"
