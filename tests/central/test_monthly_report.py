"""The monthly report mailed on the first working day: ``send_due`` (what the central's
worker calls each round) given the moment it runs, against the real central's database
(SQLite and PostgreSQL), with a real SMTP server (aiosmtpd) on 127.0.0.1 taking the mail.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook

from sync.central.db import open_database
from sync.central.models import scheduled_sends
from sync.central.monthly_send import KIND, send_due
from sync.central.settings import Settings
from sync.central.working_days import first_working_day
from tests.sync.alert_receivers import smtp_server

from .conftest import Central, rating
from .published_data import seed_october
from .test_published import figures, table


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
LEADERS = ("lanhdao@hcc.example.vn", "vanphong@hcc.example.vn")
OCTOBER_TOTAL = "62 lượt đánh giá, 50 ở mức Rất hài lòng (80,6%)"


def hanoi(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given as the center's clock shows it, in UTC as the central keeps it."""
    return datetime(year, month, day, hour, minute, tzinfo=HANOI).astimezone(UTC)


def with_mail(
    settings_for: Callable[..., Settings], database_url: str, smtp_port: int, **more: str
) -> Settings:
    """The shipped settings, the monthly report to LEADERS by the SMTP server on smtp_port."""
    recipients = ", ".join(f'"{address}"' for address in LEADERS)
    return settings_for(
        database_url,
        ALERTS__SMTP_HOST="127.0.0.1",
        ALERTS__SMTP_PORT=str(smtp_port),
        ALERTS__SMTP_STARTTLS="false",
        ALERTS__FROM="baocao@hcc.example.vn",
        REPORTS__RECIPIENTS=f"[{recipients}]",
        **more,
    )


def attachment(mail) -> tuple[str, bytes]:
    [part] = list(mail.iter_attachments())
    return part.get_filename(), part.get_content()


def push_december(central: Central) -> None:
    """Three ratings in December 2026, none in November (days already past when this was
    written: the central refuses ratings from the future)."""
    token = central.add_counter("Q01", "CA")
    moments = ["2026-12-01T03:00:00Z", "2026-12-02T03:00:00Z", "2026-12-03T03:00:00Z"]
    ratings = [rating(4, moment, seq=n) for n, moment in enumerate(moments, 1)]
    assert central.push(token, "Q01", ratings).status_code == 200


@pytest.mark.parametrize(
    ("year", "month", "holidays", "first"),
    [
        (2026, 11, (), 2),  # the 1st is a Sunday
        (2026, 8, (), 3),  # a Saturday
        (2026, 12, (), 1),  # a Tuesday
        (2027, 1, ("2027-01-01",), 4),  # New Year's Day, a Friday, then the weekend
        (2027, 5, ("2027-05-01", "2027-05-03"), 4),  # Labour Day, a holiday moved to Monday
    ],
)
def test_the_first_working_day_skips_weekends_and_the_listed_holidays(
    year: int, month: int, holidays: tuple[str, ...], first: int
):
    days = {datetime.fromisoformat(day).date() for day in holidays}
    assert first_working_day(year, month, days).day == first


def test_the_month_goes_out_once_on_its_first_working_day_with_the_apis_figures(
    central: Central, database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
):
    admin = seed_october(central, tmp_path)
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port)

        # Monday 2 November 2026, 07:00 in Hanoi: the first working day, at the send hour.
        record = send_due(central.db, settings, hanoi(2026, 11, 2, 7))

        assert record is not None and record.outcome == "sent"
        assert (record.period, record.turns, record.recipients) == ("2026-10", 62, LEADERS)
        [mail] = smtp.mails
        assert set(smtp.envelopes[0]) == set(LEADERS)
        assert mail["From"] == "baocao@hcc.example.vn"
        assert mail["Subject"] == (
            "Báo cáo kết quả đánh giá mức độ hài lòng – Tháng 10 năm 2026 – "
            "Trung tâm Phục vụ hành chính công"
        )
        body = mail.get_body(("plain",)).get_content()
        assert "Kỳ báo cáo: Tháng 10 năm 2026 (từ 1/10/2026 đến 31/10/2026)" in body
        assert f"Toàn Trung tâm: {OCTOBER_TOTAL}" in body

        name, data = attachment(mail)
        assert name == "satisfaction-report-2026-10-vi.xlsx"
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        api = central.report(admin, by="department", **{"from": "2026-10-01", "to": "2026-10-31"})
        answer = api.json()
        assert (answer["total"]["total"], answer["total"]["counts"]["4"]) == (62, 50)
        width = 1 + len(answer["levels"]) + 3
        total_row = table(sheet, 1)["Toàn trung tâm"]
        assert total_row[2 : 2 + width] == figures(answer["total"], answer["levels"])
        assert sheet.cell(4, 1).value == OCTOBER_TOTAL

        # Later rounds that day and that month, as the worker polls: nothing more.
        for later in (hanoi(2026, 11, 2, 7, 1), hanoi(2026, 11, 30, 16)):
            assert send_due(central.db, settings, later) is None
        assert len(smtp.mails) == 1

    # The dashboard's report page says when it went out and to whom.
    central.add_admin("admin", "correct horse")
    with requests.Session() as browser:
        login = {"username": "admin", "password": "correct horse", "lang": "vi"}
        assert browser.post(central.url + "/login", data=login, timeout=60).ok
        page = browser.get(central.url + "/report", params={"lang": "vi"}, timeout=60).text
    said = page[page.index('id="monthly-mail"') :]
    said = said[: said.index("</p>")]
    assert "Báo cáo tháng gần nhất (Tháng 10 năm 2026) đã được gửi qua thư điện tử lúc" in said
    assert "2/11/2026" in said and ", ".join(LEADERS) in said


@pytest.mark.parametrize(
    ("holidays", "sent_on"),
    [("[]", (2027, 1, 1)), ('["2027-01-01"]', (2027, 1, 4))],
    ids=["no-holiday", "new-year-holiday"],
)
def test_a_holiday_on_the_first_moves_the_send_to_the_next_working_day(
    central: Central,
    database_url: str,
    settings_for: Callable[..., Settings],
    holidays: str,
    sent_on: tuple[int, int, int],
):
    push_december(central)
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port, REPORTS__HOLIDAYS=holidays)
        # Rounds from New Year's Eve on: each of them is a round of the worker on one day.
        rounds = [
            hanoi(2026, 12, 31, 16),
            hanoi(2027, 1, 1, 6, 59),
            hanoi(2027, 1, 1, 7),
            hanoi(2027, 1, 2, 9),
            hanoi(2027, 1, 4, 6, 59),
            hanoi(2027, 1, 4, 7),
            hanoi(2027, 1, 5, 7),
        ]
        sent_at = []
        for moment in rounds:
            before = len(smtp.mails)
            send_due(central.db, settings, moment)
            if len(smtp.mails) > before:
                sent_at.append(moment)

        # November had no rating: it is recorded as having nothing to send, and no mail.
        assert sent_at == [hanoi(*sent_on, 7)]
        [mail] = smtp.mails
        assert "Tháng 12 năm 2026" in mail["Subject"]
        assert "3 lượt đánh giá, 3 ở mức Rất hài lòng (100,0%)" in mail.get_body().get_content()
    with central.db.read() as connection:
        outcomes = dict(
            connection.execute(
                scheduled_sends.select()
                .with_only_columns(scheduled_sends.c.period, scheduled_sends.c.outcome)
                .where(scheduled_sends.c.kind == KIND)
            ).all()
        )
    assert outcomes == {"2026-11": "empty", "2026-12": "sent"}


def test_two_centrals_racing_on_one_database_send_one_mail(
    central: Central, database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
):
    seed_october(central, tmp_path)
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port)
        now = hanoi(2026, 11, 2, 7, 30)
        start = threading.Barrier(3)
        answers: dict[str, object] = {}

        def central_process(name: str) -> None:
            db = open_database(database_url, upgrade=False)  # its own engine, as a process
            try:
                start.wait(timeout=60)
                answers[name] = send_due(db, settings, now, taker=name)
            finally:
                db.close()

        threads = [
            threading.Thread(target=central_process, args=(f"central-{n}",)) for n in range(3)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)

        assert len(answers) == 3
        assert sorted(answer is not None for answer in answers.values()) == [False, False, True]
        assert len(smtp.mails) == 1


def test_a_central_that_died_while_sending_is_taken_over_after_claim_minutes(
    central: Central, database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
):
    seed_october(central, tmp_path)
    taken = hanoi(2026, 11, 2, 7)
    with central.db.write() as connection:
        # What a central leaves when it dies after taking the report, before marking it sent.
        connection.execute(
            scheduled_sends.insert().values(
                kind=KIND,
                period="2026-10",
                claimed_by="dead-central:4242",
                claimed_at=taken,
                claimed_until=taken + timedelta(minutes=30),
                attempts=1,
            )
        )
    with smtp_server() as (port, smtp):
        settings = with_mail(
            settings_for, database_url, port, REPORTS__CLAIM_MINUTES="30", REPORTS__LANGUAGE="en"
        )

        assert send_due(central.db, settings, taken + timedelta(minutes=29)) is None
        assert smtp.mails == []

        record = send_due(central.db, settings, taken + timedelta(minutes=31))

        assert record is not None and record.outcome == "sent" and record.attempts == 2
        [mail] = smtp.mails
        assert mail["Subject"].startswith("Citizen and business satisfaction report – October")
        assert attachment(mail)[0] == "satisfaction-report-2026-10-en.xlsx"
        assert send_due(central.db, settings, taken + timedelta(hours=3)) is None
        assert len(smtp.mails) == 1


def test_a_mail_server_that_is_down_is_tried_again_after_retry_minutes(
    central: Central, database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
):
    seed_october(central, tmp_path)
    first = hanoi(2026, 11, 2, 7)
    with smtp_server() as (port, smtp):
        pass  # a port where no mail server listens any more
    down = with_mail(settings_for, database_url, port, REPORTS__RETRY_MINUTES="10")

    record = send_due(central.db, down, first)

    assert record is not None and record.outcome is None and record.sent_at is None
    assert record.last_error and "e-mail" in record.last_error
    with smtp_server() as (port, smtp):
        up = with_mail(settings_for, database_url, port, REPORTS__RETRY_MINUTES="10")
        assert send_due(central.db, up, first + timedelta(minutes=9)) is None
        assert smtp.mails == []

        record = send_due(central.db, up, first + timedelta(minutes=11))

        assert record is not None and record.outcome == "sent" and record.last_error is None
        assert len(smtp.mails) == 1
