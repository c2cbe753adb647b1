"""Alerts end to end: the real central (``centralctl serve``, SQLite and PostgreSQL), a
webhook server and an SMTP server (aiosmtpd) on 127.0.0.1, ratings pushed by the real
kiosk client or over the API as a kiosk sends them.

The central promises an alert within a minute; the tests wait up to 90 s (a loaded
machine), with the gathering delay shortened where the test is not about it.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sync.client import SyncClient
from sync.protocol import BATCH_PATH
from tests.central.conftest import batch, rating

from .alert_receivers import Webhook, smtp_server, wait_for
from .conftest import Central, central_database, make_kiosk

pytestmark = pytest.mark.slow
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
OFFICER = "Nguyễn Thị Hồng Nhung"


@contextlib.contextmanager
def alerting_central(
    kind: str, tmp_path: Path, webhook: Webhook | None, smtp_port: int | None, **settings: str
) -> Iterator[Central]:
    """A central process on ``kind`` with its alerts pointed at the test's receivers."""
    workdir = tmp_path / "central"
    workdir.mkdir()
    env = {
        "CENTRAL__ALERTS__GATHER_SECONDS": "1",
        "CENTRAL__ALERTS__DIGEST_MINUTES": "0",
        "CENTRAL__ALERTS__POLL_SECONDS": "0.5",
        "CENTRAL__ALERTS__RETRY_BASE_SECONDS": "1",
    }
    if webhook is not None:
        env["CENTRAL__ALERTS__WEBHOOK_URL"] = webhook.url
    if smtp_port is not None:
        env |= {
            "CENTRAL__ALERTS__SMTP_HOST": "127.0.0.1",
            "CENTRAL__ALERTS__SMTP_PORT": str(smtp_port),
            "CENTRAL__ALERTS__SMTP_STARTTLS": "false",
            "CENTRAL__ALERTS__FROM": "canhbao@hcc.example.vn",
            "CENTRAL__ALERTS__RECIPIENTS": '["lanhdao@hcc.example.vn"]',
            "CENTRAL__ALERTS__DEPARTMENT_RECIPIENTS": '{CA = ["truongphong.ca@hcc.example.vn"]}',
        }
    env |= {f"CENTRAL__ALERTS__{key.upper()}": value for key, value in settings.items()}
    with central_database(kind, workdir) as url:
        central = Central.serving(workdir, url, **env)
        try:
            yield central
        finally:
            central.stop()


def post(central: Central, token: str, body: dict) -> dict:
    answer = requests.post(
        central.url + BATCH_PATH,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def settle(seconds: float = 3) -> None:
    """Time for the worker (polling every 0.5 s, gathering 1 s) to send anything it would:
    twice its cycle. A loaded machine can only make this miss a wrong mail, never invent one."""
    time.sleep(seconds)


@pytest.mark.parametrize("kind", DATABASES)
def test_an_unhappy_citizen_reaches_the_chat_and_the_mail_once(kind: str, tmp_path: Path):
    with (
        Webhook().running() as webhook,
        smtp_server() as (smtp_port, smtp),
        alerting_central(kind, tmp_path, webhook, smtp_port) as central,
    ):
        token = central.add_counter("Q07", "CA")
        kiosk = make_kiosk(tmp_path, "Q07", central.url, token)
        kiosk.record(4)  # a happy citizen alerts no one
        kiosk.record(1, reasons=("waiting_time", "attitude"))
        assert SyncClient(kiosk.config, kiosk.store).push().sent == 2

        alert = wait_for(webhook.delivered, what="the webhook")[0]
        mail = wait_for(lambda: smtp.mails, what="the mail")[0]

        # The chat shows the text; a program reads the fields.
        assert alert["kind"] == "alert"
        [fields] = alert["alerts"]
        assert fields["counter"] == "Q07"
        assert (fields["officer"], fields["officer_name"]) == ("CB001", OFFICER)
        assert (fields["level"], fields["level_words"]) == (1, "Không hài lòng")
        assert fields["reasons"] == ["Thời gian chờ lâu", "Thái độ phục vụ chưa tốt"]
        for words in ("Q07", f"{OFFICER} (CB001)", "Không hài lòng", "Thời gian chờ lâu"):
            assert words in alert["text"]
        assert fields["time"] in alert["text"]  # local time, as Vietnamese writes it

        assert mail["Subject"].startswith("[Cảnh báo] Đánh giá “Không hài lòng” tại quầy Q07")
        assert mail["From"] == "canhbao@hcc.example.vn"
        assert set(smtp.envelopes[0]) == {
            "lanhdao@hcc.example.vn",
            "truongphong.ca@hcc.example.vn",
        }
        body = mail.get_content()
        assert f"Cán bộ: {OFFICER} (CB001)" in body
        assert "Lý do: Thời gian chờ lâu, Thái độ phục vụ chưa tốt" in body
        assert f"Thời gian: {fields['time']}" in body

        # The same rating again (a batch resent after a lost answer) alerts no one.
        resent = rating(1, seq=99, reasons=["other"])
        first = post(central, token, batch("Q07", [resent]))
        assert first["accepted"] == [resent["id"]]
        wait_for(lambda: len(webhook.delivered()) == 2, what="the second rating's webhook")
        again = post(central, token, batch("Q07", [resent]))
        assert again["duplicate"] == [resent["id"]]

        # A restart sends nothing already sent.
        central.stop()
        central.start()
        settle()
        assert len(webhook.delivered()) == 2
        assert len(smtp.mails) == 2
        keys = [body["alerts"][0]["key"] for body in webhook.delivered()]
        assert len(set(keys)) == 2


@pytest.mark.parametrize("kind", DATABASES)
def test_a_webhook_that_fails_is_tried_again_until_it_takes_the_alert(kind: str, tmp_path: Path):
    with (
        Webhook(statuses=[500, 503]).running() as webhook,
        alerting_central(kind, tmp_path, webhook, None) as central,
    ):
        token = central.add_counter("Q07", "CA")
        low = rating(1)
        assert post(central, token, batch("Q07", [low]))["accepted"] == [low["id"]]

        [delivered] = wait_for(webhook.delivered, what="the retried webhook")
        assert webhook.answered == [500, 503, 200]
        assert delivered["alerts"][0]["key"] == f"rating:{low['id']}"
        # The same alert each time, and nothing more once it was taken.
        assert {body["alerts"][0]["key"] for body in webhook.bodies} == {f"rating:{low['id']}"}
        settle()
        assert webhook.answered == [500, 503, 200]


@pytest.mark.parametrize("kind", DATABASES)
def test_ten_low_ratings_in_a_minute_are_one_digest_mail(kind: str, tmp_path: Path):
    with (
        smtp_server() as (smtp_port, smtp),
        alerting_central(
            kind, tmp_path, None, smtp_port, gather_seconds="6", digest_minutes="60"
        ) as central,
    ):
        token = central.add_counter("Q07", "CA")
        ten = [rating(1, seq=n) for n in range(1, 11)]
        for one in ten:  # one batch each, as a kiosk syncing after every tap
            assert post(central, token, batch("Q07", [one]))["accepted"] == [one["id"]]

        [mail] = wait_for(lambda: smtp.mails, what="the digest")
        assert mail["Subject"].startswith("[Cảnh báo] Phòng CA: 10 cảnh báo từ ")
        body = mail.get_content()
        assert [f"{n}. Đánh giá" in body for n in range(1, 11)] == [True] * 10

        # The next low rating in the hour waits for the next digest: no mail now, though
        # its own gathering time (6 s) is over.
        post(central, token, batch("Q07", [rating(1, seq=11)]))
        settle(6 + 3)
        assert len(smtp.mails) == 1


def test_an_admin_sees_the_alert_on_the_live_stream(tmp_path: Path):
    with alerting_central("sqlite", tmp_path, None, None) as central:
        token = central.add_counter("Q07", "CA")
        done = central.ctl("admin", "add", "admin", stdin="correct horse\n")
        assert done.returncode == 0, done.stderr
        stream_url = central.url + "/alerts/stream?lang=en"
        assert requests.get(stream_url, timeout=30).status_code == 401

        with requests.Session() as browser:
            login = {"username": "admin", "password": "correct horse", "lang": "en"}
            assert browser.post(central.url + "/login", data=login, timeout=30).ok
            with browser.get(stream_url, stream=True, timeout=60) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                low = rating(1, reasons=["guidance"])
                post(central, token, batch("Q07", [low]))
                event = _next_alert(stream.iter_lines(decode_unicode=True))

        assert event["key"] == f"rating:{low['id']}"
        assert event["title"] == (
            f"“Dissatisfied” rating at counter Q07, officer {OFFICER} (CB001); "
            "reasons: Unclear guidance"
        )


def _next_alert(lines: Iterator[str]) -> dict:
    kind = None
    for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind == "alert":
            return json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended without an alert")
