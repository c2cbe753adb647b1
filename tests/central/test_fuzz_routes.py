"""Every route of the central, found by walking the app (a new route is covered without a
word here), the dashboard's HTML pages and the phone page included, gets hostile requests:
out-of-range periods and days, huge and odd path parameters, 51 form fields, a multipart
body with files, JSON where a form is read and a form where JSON is, wrong methods, no
credentials and garbage ones. On SQLite and PostgreSQL, against ``centralctl serve`` in
its own process: no answer is a 5xx, no line of its log is a traceback, and every HTML
answer forbids framing under a Content-Security-Policy.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from starlette.routing import Route

from sync.central import accounts, roster
from sync.central.app import create_app
from sync.central.db import Database, open_database
from sync.central.settings import DEFAULT_CONFIG, load_settings
from sync.phone_link import link_key, make_code

from .conftest import TEST_PIN_MINIMUM
from .served import serving

pytestmark = pytest.mark.slow

COUNTER, OFFICER = "Q07", "CB001"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
ODD_PARAMETERS = (
    "x" * 3000,
    "%00",
    "%ff%fe",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded
    "..",
    "%2e%2e%2f%2e%2e",
    "Đăng nhập",
    "-1",
    "9" * 400,
    "<script>",
)
HOSTILE_QUERIES = (
    "period=9999",
    "period=0000",
    "period=9999-Q4",
    "period=9999-12",
    "period=2026-13",
    "period=2026-Q0",
    "period=" + "9" * 5000,
    "from=0001-01-01",
    "to=9999-12-31",
    "from=0001-01-01&to=9999-12-31",
    "from=9999-12-31&to=0001-01-01",
    "period=2026&from=2026-01-01",
    "from=31/12/9999&to=01/01/0001&lang=vi",
    "by=" + "x" * 3000 + "&for=%00&channel=%ff&format=%ED%A0%80",
    "by=reason&for=nobody&format=pdf",
    "format=xlsx&lang=zz&period=1999",
    "&".join(f"a{n}=1" for n in range(1000)),
    "lang=" + "é" * 500,
)
MANY_FIELDS = "&".join(f"f{n}={n}" for n in range(51))


def walk(app) -> Iterator[tuple[str, set[str]]]:
    """Every (path template, methods) the app routes, however its routers are nested."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            for context in contexts():
                yield context.path, set(context.methods)
        elif isinstance(route, Route):
            yield route.path, set(route.methods or ())


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: values.get(match.group(1), "x"), template)


def bodies() -> list[tuple[str, dict[str, str], bytes]]:
    """(what it is, headers, body) of each hostile body."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    boundary = "hostile-boundary"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"; filename="{n}.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + b"\0" * 2000
        + b"\r\n"
        for n in range(60)
    )
    multipart = parts + f"--{boundary}--\r\n".encode()
    return [
        ("51 form fields", form, MANY_FIELDS.encode()),
        ("5000 form fields", form, "&".join(["a=1"] * 5000).encode()),
        ("a big form", form, b"password=" + b"x" * 200_000),
        (
            "multipart with files",
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
            multipart,
        ),
        ("multipart without boundary", {"Content-Type": "multipart/form-data"}, b"--x--"),
        ("JSON garbage", {"Content-Type": "application/json"}, b'{"level": [[[[' * 200),
        ("bytes", {"Content-Type": "application/octet-stream"}, bytes(range(256)) * 4),
        ("nothing", {}, b""),
    ]


def prepare(db: Database, folder: Path) -> dict[str, str]:
    """A center with one counter, officer and admin; returns credentials and a valid code."""
    roster.add_department(db, "CA", "Department CA")
    counter_token = accounts.add_counter(db, COUNTER, "CA")
    csv_path = folder / "officers.csv"
    csv_path.write_text(f"code,full_name,title,department,pin\n{OFFICER},A,,CA,1234\n")
    roster.import_officers(db, csv_path, min_pin_digits=4)
    accounts.set_admin(db, "admin", "correct horse")
    code = make_code(link_key(counter_token), COUNTER, OFFICER, "T-0001", datetime.now(UTC))
    return {
        "counter": counter_token,
        "admin": accounts.new_admin_token(db, "admin"),
        "code": code,
    }


def test_every_route_answers_hostile_requests_without_5xx_or_traceback(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        DEFAULT_CONFIG,
        environ={
            "CENTRAL__DATABASE__URL": database_url,
            "CENTRAL__STORAGE__DATA_DIR": str(tmp_path),
            **TEST_PIN_MINIMUM,
        },
    )
    db = open_database(database_url)
    app = create_app(settings, db)
    app.state.hash_pool.close()
    routes = sorted(walk(app))
    templates = {path for path, _methods in routes}
    # The walk reached the pages, the phone page and the API, not only the OpenAPI's.
    assert {"/", "/login", "/logout", "/report", "/r/{code}", "/api/v1/ratings:batch"} <= templates
    secrets = prepare(db, tmp_path)
    db.close()
    good = {"counter": COUNTER, "officer": OFFICER, "code": secrets["code"], "name": "neutral"}
    answered: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)
    unframed: list[str] = []
    with (
        serving(database_url, tmp_path, LOGIN__FREE_ATTEMPTS="3") as served,
        requests.Session() as http,
    ):

        def send(method: str, template: str, path: str, **kwargs) -> None:
            kwargs.setdefault("timeout", 60)
            response = http.request(
                method, served.url + path, stream=True, allow_redirects=False, **kwargs
            )
            status = response.status_code
            content_type = response.headers.get("content-type", "")
            response.close()  # the alert stream never ends on its own
            answered[(method, template)][status] += 1
            assert status < 500, f"{method} {path[:200]} ({kwargs.get('headers')}): {status}"
            if content_type.startswith("text/html"):
                policy = response.headers.get("content-security-policy", "")
                if "frame-ancestors 'none'" not in policy or not response.headers.get(
                    "x-frame-options"
                ):
                    unframed.append(f"{method} {template}")

        # First the two that open doors (a counter's, an admin's), then those that do not.
        def credentials() -> list[dict[str, str]]:
            return [
                {"Authorization": f"Bearer {secrets['counter']}"},
                {"Authorization": f"Bearer {secrets['admin']}"},
                {},
                {"Authorization": "Bearer " + "g" * 300},
                {"Authorization": "Basic %%%"},
                {"Cookie": "central_session=" + "x" * 500},
            ]

        for template, methods in routes:
            path = fill(template, good)
            for method in METHODS:
                for headers in credentials():
                    send(method, template, path, headers=headers)
            for best in credentials()[:2]:
                for name in re.findall(r"\{(\w+)\}", template):
                    for odd in ODD_PARAMETERS:
                        send("GET", template, fill(template, {**good, name: odd}), headers=best)
                for query, method in itertools.product(HOSTILE_QUERIES, sorted(methods)):
                    send(method, template, f"{path}?{query}", headers=best)
                for method in methods - {"GET", "HEAD"}:
                    for _what, headers, body in bodies():
                        send(method, template, path, headers={**best, **headers}, data=body)
        log = served.log()
    assert not unframed, sorted(set(unframed))
    # The requests got past the door: each route answered some of them with a 2xx.
    unanswered = [
        route
        for route in {(m, t) for t, methods in routes for m in methods if m == "GET"}
        if not any(200 <= status < 300 for status in answered[route])
    ]
    assert not unanswered, unanswered
    assert "Traceback" not in log, log[log.find("Traceback") - 2000 :][:6000]
    assert " failed: " not in log and "ERROR" not in log, log[-4000:]
