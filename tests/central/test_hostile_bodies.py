"""Whatever a kiosk, a proxy or an attacker sends, the central answers 2xx or 4xx, never 5xx.

A bad request gets a 4xx whose ``detail`` names the field; a bad rating is rejected alone,
naming its field, while the rest of its batch is stored. Each class is tried with several
members (NUL, lone surrogates, huge integers, dates near year 1 and 9999, deep nesting), on
SQLite and on PostgreSQL (which refuses NUL in text and checks BIGINT/INTEGER ranges).
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import requests

from sync.central import api
from sync.protocol import BATCH_PATH, REPORT_PATH, BatchResponse, heartbeat_path, roster_path

from .conftest import Central, batch, rating

pytestmark = pytest.mark.slow


class Raw:
    """JSON text sent as it is: what Python's json will not write (huge numbers, depth)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Raw({self.text[:12]}...{len(self.text)})"


HUGE = Raw("1" + "0" * 5000)
NEGATIVE_HUGE = Raw("-" + "9" * 5000)
DEEP = Raw("[" * 5000 + "]" * 5000)
NESTED_300 = Raw("[" * 300 + "]" * 300)  # deeper than pydantic-core parses, not json.loads


def encode(value: Any) -> bytes:
    raws: dict[str, str] = {}

    def mark(item: Any) -> Any:
        if isinstance(item, Raw):
            key = f"@@raw-{len(raws)}@@"
            raws[key] = item.text
            return key
        if isinstance(item, dict):
            return {key: mark(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [mark(inner) for inner in item]
        return item

    text = json.dumps(mark(value))  # ASCII: a lone surrogate goes out as \ud800
    for key, raw in raws.items():
        text = text.replace(f'"{key}"', raw)
    return text.encode()


def post(central: Central, path: str, token: str, body: Any) -> requests.Response:
    data = body if isinstance(body, bytes) else encode(body)
    return central.http.post(
        central.url + path,
        data=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )


def names(text: str, field: str) -> bool:
    """Whether an error text speaks of ``field`` (``field: ...`` or ``field.0: ...``)."""
    return re.search(rf"(^|; ){re.escape(field)}[.:]", text) is not None


def assert_refused_naming(response: requests.Response, field: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    detail = response.json()["detail"]
    assert isinstance(detail, str) and names(detail, field), detail


def case_id(value: Any) -> str:
    return ascii(value)[:32]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# A whole day: the same test id in every pytest worker (xdist compares collections).
NEXT_YEARS = iso(
    (datetime.now(UTC) + timedelta(days=800)).replace(hour=0, minute=0, second=0, microsecond=0)
)
YEAR_1 = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "0001-01-01T23:59:59-14:00"]
YEAR_9999 = ["9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59-01:00", "9999-12-31T00:00+14:00"]
BAD_TIMES = [*YEAR_1, *YEAR_9999, "1999-12-31T23:59:59Z", NEXT_YEARS, "2025-02-30T00:00:00Z"]
BAD_TIMES += [1e20, -1e20, 0, 1, HUGE, "\x00", "\ud800", "2025-03-01T02:03:04\x00Z"]
BAD_CODES = ["\x00", "CB\x00001", "\ud800", "CB\ud800", "CB 001", "CB\t001", "CB\n001"]
BAD_CODES += ["\u200b", "CB\u200b001", "\u00a0", " ", "", "X" * 33, 5, None, ["CB001"]]
BAD_TOKENS = ["\x00", "a\x00b", "\ud800", "a b", "x" * 65, 5]

RATING_CASES = [
    *[("seq", value) for value in (2**63, 2**64, 10**30, HUGE, NEGATIVE_HUGE, 0, -1, 1.5)],
    *[("seq", value) for value in (1e300, Raw("1e999"), Raw("NaN"), Raw("-Infinity"), "x")],
    *[("created_at", value) for value in BAD_TIMES],
    *[("officer", value) for value in BAD_CODES],
    *[("department", value) for value in ["\x00", "\ud800", "C A", "", None, "D" * 33]],
    *[("session", value) for value in BAD_TOKENS],
    *[("ticket", value) for value in ["\x00", "A-\x00015", "\ud800", "x" * 65, 15]],
    *[("lang", value) for value in ["\x00", "\ud800", "", "x" * 9, "v i"]],
    *[("reasons", value) for value in (["\x00"], ["\ud800"], ["waiting time"], [""], [1])],
    *[("reasons", value) for value in (["w\x00"], [HUGE], [NESTED_300], ["r"] * 17, "other")],
    *[("level", value) for value in (0, 11, 7, 2**63, HUGE, "x", None, Raw("NaN"))],
]


@pytest.fixture(scope="module")
def q07(shared_central: Central) -> str:
    """The token of counter Q07 of department CA, where CB001 and CB002 serve."""
    return shared_central.add_counter("Q07", "CA", officers=("CB001", "CB002"))


@pytest.mark.parametrize(("field", "value"), RATING_CASES, ids=case_id)
def test_a_bad_value_in_a_rating_is_rejected_alone_naming_its_field(
    shared_central: Central, q07: str, field: str, value: Any
) -> None:
    good = [rating(seq=1), rating(seq=3, officer="CB002")]
    bad = {**rating(seq=2), field: value}

    response = post(shared_central, BATCH_PATH, q07, batch("Q07", [good[0], bad, good[1]]))

    assert response.status_code == 200, response.text[:300]
    answer = BatchResponse.model_validate_json(response.content)
    assert answer.accepted == [good[0]["id"], good[1]["id"]]
    assert [item.id for item in answer.rejected] == [bad["id"]]
    assert names(answer.rejected[0].error, field), answer.rejected[0].error


@pytest.mark.parametrize("value", ["\ud800", "\x00", "x\ud800" * 40, 10**40, HUGE, None])
def test_a_rating_whose_id_cannot_be_echoed_is_answered_by_its_position(
    shared_central: Central, q07: str, value: Any
) -> None:
    good = rating()

    response = post(shared_central, BATCH_PATH, q07, batch("Q07", [good, rating(id=value)]))

    assert response.status_code == 200, response.text[:300]
    answer = BatchResponse.model_validate_json(response.content)
    assert answer.accepted == [good["id"]]
    assert [(item.id, names(item.error, "id")) for item in answer.rejected] == [("#1", True)]


def test_the_largest_values_the_columns_hold_are_stored(shared_central: Central, q07: str) -> None:
    edge = rating(seq=2**63 - 1, ticket="Số 0015 " + "ễ" * 50, session="s" * 64)

    answer = post(shared_central, BATCH_PATH, q07, batch("Q07", [edge])).json()

    assert answer["accepted"] == [edge["id"]]


ENVELOPE_CASES = [
    *[("counter", value) for value in ["\x00", "Q\x0007", "\ud800", "Q 07", "", 7, "Q" * 17]],
    *[("device", value) for value in ["\x00", "kiosk\x00", "\ud800", "d" * 201, 5]],
    *[("app_version", value) for value in ["\x00", "\ud800", "v" * 65]],
    *[("sent_at", value) for value in [*YEAR_1, *YEAR_9999, "1999-12-31T23:59:59Z", NEXT_YEARS]],
    *[("sent_at", value) for value in ["2025-03-01T02:03:04", 1e300, HUGE, None]],
    *[("schema", value) for value in [0, -1, 2**63, HUGE, Raw("1e999"), "one"]],
    *[("ratings", value) for value in ["x", {"id": 1}, HUGE, None]],
]


@pytest.mark.parametrize(("field", "value"), ENVELOPE_CASES, ids=case_id)
def test_a_bad_envelope_is_422_naming_its_field(
    shared_central: Central, q07: str, field: str, value: Any
) -> None:
    body = {**batch("Q07", [rating()]), field: value}

    assert_refused_naming(post(shared_central, BATCH_PATH, q07, body), field)


BODY_CASES = [
    DEEP,
    Raw('{"schema": 1, "ratings": ' + "[" * 5000 + "]" * 5000 + "}"),
    Raw('{"a": ' * 5000 + "1" + "}" * 5000),
    HUGE,
    [],
    None,
    "ratings",
    Raw("NaN"),
]
BYTES_CASES = [
    b"",
    b"{oops",
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",
    b'{"schema": 1, "counter": "\xed\xa0\x80"}',
]


@pytest.mark.parametrize("body", BODY_CASES + BYTES_CASES, ids=case_id)
def test_a_body_that_is_no_json_object_is_422_naming_the_body(
    shared_central: Central, q07: str, body: Any
) -> None:
    for path in (BATCH_PATH, heartbeat_path("Q07")):
        response = post(shared_central, path, q07, body)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
        assert isinstance(response.json()["detail"], str)


def beat(**changes: Any) -> dict[str, Any]:
    value = {
        "pending": 3,
        "held": 0,
        "rejected": 0,
        "app_version": "0.2.0",
        "free_disk_bytes": 10**9,
        "last_error": None,
        "kiosk_time": iso(datetime.now(UTC)),
    }
    value.update(changes)
    return value


COUNTS = [-1, 2**31, 2**63, 10**30, HUGE, NEGATIVE_HUGE, 1.5, 1e300, Raw("NaN"), "many"]
HEARTBEAT_CASES = [
    *[(field, value) for field in ("pending", "held", "rejected") for value in COUNTS],
    *[("free_disk_bytes", value) for value in [-1, 2**63, 2**64, HUGE, Raw("1e999")]],
    *[("app_version", value) for value in ["\x00", "0.2\x00", "\ud800", "v" * 65]],
    *[("last_error", value) for value in ["\x00", "timeout\x00", "\ud800", "e" * 2001, 5]],
    *[("kiosk_time", value) for value in [*YEAR_1, *YEAR_9999, "1969-12-31T23:59:59Z"]],
    *[("kiosk_time", value) for value in [NEXT_YEARS, "2025-03-01T02:03:04", HUGE, None]],
]


@pytest.mark.parametrize(("field", "value"), HEARTBEAT_CASES, ids=case_id)
def test_a_bad_heartbeat_is_422_naming_its_field(
    shared_central: Central, q07: str, field: str, value: Any
) -> None:
    response = post(shared_central, heartbeat_path("Q07"), q07, beat(**{field: value}))

    assert_refused_naming(response, field)


def test_a_heartbeat_at_the_edges_of_its_columns_is_stored(
    shared_central: Central, q07: str
) -> None:
    edges = beat(
        pending=2**31 - 1,
        held=2**31 - 1,
        rejected=2**31 - 1,
        free_disk_bytes=2**63 - 1,
        last_error="Không kết nối được\n" + "ễ" * 1900,
        # A kiosk whose clock battery died: its skew is reported, not refused.
        kiosk_time="1970-01-01T00:10:00Z",
    )

    response = post(shared_central, heartbeat_path("Q07"), q07, edges)

    assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def admin(shared_central: Central) -> str:
    return shared_central.add_admin("boss", "correct horse")


REPORT_CASES = [
    ({"to": "0001-01-01"}, "to"),
    ({"from": "9999-12-31"}, "from"),
    ({"from": "0001-01-01", "to": "0001-01-01"}, "to"),
    ({"to": "9999-12-31"}, "to"),
    ({"from": "1999-12-31"}, "from"),
    ({"to": "2101-01-01"}, "to"),
    ({"from": "\x00"}, "from"),
    ({"to": "2025-01-01\x00"}, "to"),
    ({"from": "9" * 5000}, "from"),
    ({"by": "\x00"}, "by"),
    ({"by": "officer%ED%A0%80"}, "by"),
    ({"format": "\x00"}, "format"),
]


@pytest.mark.parametrize(("params", "field"), REPORT_CASES, ids=case_id)
def test_bad_report_parameters_are_422_naming_them(
    shared_central: Central, admin: str, params: dict[str, str], field: str
) -> None:
    # Sent as written: %ED%A0%80 is what a lone surrogate would be, were it UTF-8.
    query = "&".join(f"{name}={quote(value, safe='%')}" for name, value in params.items())
    response = shared_central.http.get(
        f"{shared_central.url}{REPORT_PATH}?{query}",
        headers={"Authorization": f"Bearer {admin}"},
        timeout=60,
    )

    assert_refused_naming(response, field)


def test_a_report_over_the_whole_window_is_answered(shared_central: Central, admin: str) -> None:
    for output in ("json", "csv"):
        response = shared_central.report(
            admin, by="day", format=output, **{"from": "2000-01-01", "to": "2100-12-31"}
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01", "to=9999-12-31", "from=9999-12-31&to=9999-12-31", "to=0001-01-01"],
)
def test_the_dashboard_shows_a_bad_range_as_an_error_not_a_failure(
    shared_central: Central, admin: str, query: str
) -> None:
    with requests.Session() as browser:
        browser.post(
            shared_central.url + "/login",
            data={"username": "boss", "password": "correct horse"},
            timeout=60,
        )
        response = browser.get(f"{shared_central.url}/?lang=en&{query}", timeout=60)

    assert response.status_code == 200 and "/login" not in response.url


@pytest.mark.parametrize("cookie", [b"a.1.\xe9", b"\xe9.9999999999.\xe9\xe9", b"..", b"a.b.c.d"])
def test_a_forged_session_cookie_is_no_login(
    shared_central: Central, admin: str, cookie: bytes
) -> None:
    host, port = shared_central.url.removeprefix("http://").split(":")
    answers = []
    for path in (b"/", REPORT_PATH.encode()):
        request = b"GET %s HTTP/1.1\r\nHost: central\r\nCookie: central_session=%s\r\n" % (
            path,
            cookie,
        )
        # Raw bytes: an HTTP client would not send a cookie that is not ASCII.
        with socket.create_connection((host, int(port)), timeout=60) as connection:
            connection.sendall(request + b"Connection: close\r\n\r\n")
            answers.append(connection.makefile("rb").readline())

    assert answers[0].startswith(b"HTTP/1.1 303"), answers
    assert answers[1].startswith(b"HTTP/1.1 401"), answers


@pytest.mark.parametrize(
    "form",
    [
        b"username=%00&password=correct+horse",
        b"username=boss%00&password=correct+horse",
        b"username=boss&password=%ED%A0%80",
        b"username=%ED%A0%80&password=%00",
        b"username=" + b"%00" * 5000 + b"&password=x",
    ],
    ids=case_id,
)
def test_a_login_with_unstorable_characters_is_refused_like_a_wrong_password(
    shared_central: Central, admin: str, form: bytes
) -> None:
    response = requests.post(
        shared_central.url + "/login",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=60,
    )

    assert response.status_code == 401


@pytest.mark.parametrize("counter", ["%00", "Q07%00", "%ED%A0%80", "Q08", "q07x"])
def test_a_path_naming_another_counter_is_403(
    shared_central: Central, q07: str, counter: str
) -> None:
    headers = {"Authorization": f"Bearer {q07}"}
    url = f"{shared_central.url}{roster_path(counter)}"

    assert shared_central.http.get(url, headers=headers, timeout=60).status_code == 403


def test_a_failure_nobody_foresaw_is_a_logged_500_with_a_request_id(
    shared_central: Central, q07: str, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "load_roster", broken)
    response = shared_central.http.get(
        shared_central.url + roster_path("Q07"),
        headers={"Authorization": f"Bearer {q07}"},
        timeout=60,
    )

    assert response.status_code == 500
    request_id = response.json()["request_id"]
    assert request_id in response.json()["detail"]
    assert response.headers["X-Request-ID"] == request_id
    assert "secret internals" not in response.text and "Traceback" not in response.text
    logged = [record for record in caplog.records if request_id in record.getMessage()]
    assert logged and "secret internals" in str(logged[0].exc_info[1])
