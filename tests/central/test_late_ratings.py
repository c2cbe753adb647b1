"""Ratings that reach the central after their month's report went out (a kiosk back from a
week offline): stored, counted apart on the report page and in the published files beside
the figures as sent, and mailed once as a correction; a month found empty is sent once its
ratings arrive; ``send-monthly --dry-run`` says what the run then does. The real central
on SQLite and PostgreSQL, its API on 127.0.0.1, a real SMTP server (aiosmtpd).

The clock is the real one: the month is the one due now (as the worker sees it), its
ratings are received when pushed, the report is sent between two pushes.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from openpyxl import load_workbook

from sync.central.db import open_database
from sync.central.models import counters, ratings, scheduled_sends, utcnow
from sync.central.monthly_plan import due_period
from sync.central.monthly_send import send_due
from sync.central.periods import Period
from sync.central.settings import Settings
from sync.protocol import PUBLISHED_PATH
from tests.sync.alert_receivers import smtp_server

from .conftest import Central, rating
from .test_monthly_report import LEADERS, attachment, with_mail
from .test_published import table

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def paper(moment: datetime) -> str:
    """A time as the Vietnamese texts write it: 05:59 ngày 08/12/2026."""
    local = moment.astimezone(HANOI)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def paper_day(moment: datetime) -> str:
    return f"{moment.astimezone(HANOI):%d/%m/%Y}"


class Kiosk:
    """Counter Q01 of department CA, pushing ratings of ``month`` through the API."""

    def __init__(self, central: Central, month: Period):
        self.central, self.month, self.seq = central, month, 0
        self.token = central.add_counter("Q01", "CA")
        with central.db.write() as connection:  # in service since the month began
            start = datetime(month.date_from.year, month.date_from.month, 1, tzinfo=HANOI)
            connection.execute(counters.update().values(created_at=start, files_since=start))

    def push(self, *levels: int) -> None:
        """Ratings of the month's last days, 10:00 in Hanoi, at ``levels``."""
        ratings = []
        for level in levels:
            self.seq += 1
            day = self.month.date_to - timedelta(days=self.seq % 3)
            ratings.append(rating(level, f"{day}T03:00:00Z", seq=self.seq))
        answer = self.central.push(self.token, "Q01", ratings)
        assert answer.status_code == 200 and len(answer.json()["accepted"]) == len(levels)


def report_page(central: Central, period: Period) -> str:
    central.add_admin("admin", "correct horse")
    with requests.Session() as browser:
        login = {"username": "admin", "password": "correct horse", "lang": "vi"}
        assert browser.post(central.url + "/login", data=login, timeout=60).ok
        answer = browser.get(
            central.url + "/report", params={"lang": "vi", "period": period.code}, timeout=60
        )
    assert answer.status_code == 200
    return answer.text


def published_xlsx(central: Central, admin: str, period: Period) -> requests.Response:
    answer = central.http.get(
        central.url + PUBLISHED_PATH,
        params={"period": period.code, "format": "xlsx"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    return answer


def sheet_texts(data: bytes) -> tuple[int, list[str]]:
    """The whole center's turns in the departments' sheet, and every text in column A."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    turns = table(sheet, 1)["Toàn trung tâm"][2]
    return turns, [str(row[0]) for row in sheet.iter_rows(values_only=True) if row[0]]


def racing(database_url: str, settings: Settings, now: datetime, n: int = 3) -> list[object]:
    """``send_due`` by ``n`` central processes at once, each with its own engine."""
    start = threading.Barrier(n)
    answers: list[object] = []

    def central_process(name: str) -> None:
        db = open_database(database_url, upgrade=False)
        try:
            start.wait(timeout=60)
            answers.append(send_due(db, settings, now, taker=name))
        finally:
            db.close()

    threads = [threading.Thread(target=central_process, args=(f"central-{k}",)) for k in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == n
    return answers


def test_late_ratings_are_shown_apart_and_mailed_once_as_a_correction(
    central: Central, database_url: str, settings_for: Callable[..., Settings]
):
    admin = central.add_admin("reader", "correct horse")
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port, REPORTS__LATE_WAIT_MINUTES="0")
        waiting = with_mail(settings_for, database_url, port, REPORTS__LATE_WAIT_MINUTES="60")
        month = due_period(settings, utcnow())
        kiosk = Kiosk(central, month)
        kiosk.push(4, 4, 4, 1)
        sent_at = utcnow()
        record = send_due(central.db, settings, sent_at)
        assert record is not None and (record.outcome, record.turns) == ("sent", 4)
        assert len(smtp.mails) == 1

        # A kiosk back from a week offline: three ratings of that month, after the mail.
        kiosk.push(4, 1, 1)

        # Stored, never dropped: the figures now hold them.
        days = {"from": str(month.date_from), "to": str(month.date_to)}
        now = central.report(admin, by="department", **days).json()
        assert now["total"]["total"] == 7

        # The report page: the figures as sent, the late ratings counted apart beside them.
        page = report_page(central, month)
        said = page[page.index('id="publication"') :]
        said = said[: said.index("</div>")]
        assert 'id="total-line">4 lượt đánh giá, 3 ở mức Rất hài lòng (75,0%)' in page
        assert f"Số liệu theo báo cáo tháng đã gửi lúc {paper(sent_at)}." in said
        assert (
            f"3 lượt đánh giá đến sau báo cáo ngày {paper_day(sent_at)}; số liệu tính cả các "
            "lượt này: 7 lượt đánh giá, 4 ở mức Rất hài lòng (57,1%); tỷ lệ hài lòng 57,1%; "
            "chỉ số hài lòng (QĐ 766) 57,1%."
        ) in said

        # The API's published report: the same, in the file and in its headers.
        answer = published_xlsx(central, admin, month)
        assert answer.headers["X-Late-Ratings"] == "3"
        turns, texts = sheet_texts(answer.content)
        assert turns == 4
        assert any(text.startswith("3 lượt đánh giá đến sau báo cáo ngày") for text in texts)

        # The scheduler waits until the kiosk's backlog is in: no mail within the hour.
        assert send_due(central.db, waiting, utcnow()) is None
        assert len(smtp.mails) == 1

        # Then three centrals on one database, twice: one correction.
        corrected_at = utcnow()
        answers = racing(database_url, settings, corrected_at)
        assert sorted(answer is not None for answer in answers) == [False, False, True]
        assert send_due(central.db, settings, utcnow()) is None
        assert len(smtp.mails) == 2
        mail = smtp.mails[1]
        assert set(smtp.envelopes[1]) == set(LEADERS)
        assert mail["Subject"].startswith("Đính chính: Báo cáo kết quả đánh giá mức độ hài lòng")
        body = mail.get_body(("plain",)).get_content()
        assert (
            f"3 lượt đánh giá của kỳ báo cáo được gửi về hệ thống sau báo cáo đã gửi lúc "
            f"{paper(sent_at)}"
        ) in body
        assert "Số liệu đã gửi: 4 lượt đánh giá, 3 ở mức Rất hài lòng (75,0%)" in body
        assert "(tính cả các lượt đến sau): 7 lượt đánh giá, 4 ở mức Rất hài lòng" in body
        assert "Chỉ số hài lòng (QĐ 766): 75,0% (đã gửi), 57,1% (đính chính)" in body
        name, data = attachment(mail)
        assert name == f"satisfaction-report-{month.code}-vi-correction-1.xlsx"
        assert sheet_texts(data)[0] == 7

    # After the correction: its figures are those sent, and nothing is late any more.
    page = report_page(central, month)
    assert 'id="total-line">7 lượt đánh giá, 4 ở mức Rất hài lòng (57,1%)' in page
    assert "Số liệu theo bản đính chính đã gửi lúc" in page
    assert (
        f"3 lượt đánh giá đến sau báo cáo ngày {paper_day(sent_at)}." in page
        and "số liệu tính cả các lượt này" not in page
    )
    assert published_xlsx(central, admin, month).headers["X-Late-Ratings"] == "0"


def ctl_mail(port: int, **more: str) -> dict[str, str]:
    """centralctl's environment: the mail server on ``port``, the LEADERS, ``more``."""
    recipients = ", ".join(f'"{address}"' for address in LEADERS)
    return {
        **{f"CENTRAL__REPORTS__{key}": value for key, value in more.items()},
        "CENTRAL__ALERTS__SMTP_HOST": "127.0.0.1",
        "CENTRAL__ALERTS__SMTP_PORT": str(port),
        "CENTRAL__ALERTS__SMTP_STARTTLS": "false",
        "CENTRAL__ALERTS__FROM": "baocao@hcc.example.vn",
        "CENTRAL__REPORTS__RECIPIENTS": f"[{recipients}]",
    }


def test_a_month_found_empty_is_sent_once_its_ratings_arrive_as_the_dry_run_said(
    central: Central, database_url: str, settings_for: Callable[..., Settings]
):
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port, REPORTS__LATE_WAIT_MINUTES="0")
        env = ctl_mail(port, LATE_WAIT_MINUTES="0")
        month = due_period(settings, utcnow())
        kiosk = Kiosk(central, month)
        found_at = utcnow()
        record = send_due(central.db, settings, found_at)
        assert record is not None and record.outcome == "empty" and smtp.mails == []

        kiosk.push(4, 3, 1)  # the kiosks were offline: the month's ratings come now

        page = report_page(central, month)
        assert "sau đó có 3 lượt đánh giá được gửi về, báo cáo sẽ được gửi." in page
        dry = central.ctl("report", "send-monthly", "--month", month.code, "--dry-run", **env)
        assert dry.returncode == 0, dry.stderr
        assert f"would send the report of {month.code}" in dry.stdout
        assert "3 turns rated)" in dry.stdout
        found = found_at.astimezone(HANOI)
        assert (
            f"the scheduler: sends the report of {month.code} (found with no rated turn at "
            f"{found:%H:%M} on {found.day} {found:%b %Y}"
        ) in dry.stdout
        assert "3 ratings of it arrived since" in dry.stdout
        assert smtp.mails == []

        # What the dry run said the scheduler does, it does, once across processes.
        answers = racing(database_url, settings, utcnow())
        assert sorted(answer is not None for answer in answers) == [False, False, True]
        assert send_due(central.db, settings, utcnow()) is None
        [mail] = smtp.mails
        assert mail["Subject"].startswith("Báo cáo kết quả đánh giá mức độ hài lòng")
        body = mail.get_body(("plain",)).get_content()
        assert "Toàn Trung tâm: 3 lượt đánh giá, 1 ở mức Rất hài lòng" in body

        dry = central.ctl("report", "send-monthly", "--month", month.code, "--dry-run", **env)
        assert f"the scheduler: sends nothing of {month.code} now (sent at " in dry.stdout
        assert "no rating of it arrived since" in dry.stdout
        assert len(smtp.mails) == 1


def test_send_monthly_by_hand_sends_the_correction_its_dry_run_announced_once(
    central: Central, database_url: str, settings_for: Callable[..., Settings]
):
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port)  # late_wait_minutes: 60
        month = due_period(settings, utcnow())
        kiosk = Kiosk(central, month)
        kiosk.push(4, 4)
        assert send_due(central.db, settings, utcnow()) is not None
        kiosk.push(1)

        dry = central.ctl(
            "report", "send-monthly", "--month", month.code, "--dry-run", **ctl_mail(port)
        )
        assert dry.returncode == 0, dry.stderr
        assert f"would send correction 1 of the report of {month.code}" in dry.stdout
        assert "3 turns rated)" in dry.stdout
        assert "why: 1 ratings of it arrived after its last mail" in dry.stdout
        assert "the scheduler: sends nothing of" in dry.stdout
        assert "the scheduler sends it from" in dry.stdout
        assert len(smtp.mails) == 1

        sent = central.ctl("report", "send-monthly", "--month", month.code, **ctl_mail(port))
        assert sent.returncode == 0, sent.stderr
        assert f"sent correction 1 of the report of {month.code}" in sent.stdout
        assert f"recorded as correction {month.code}/1" in sent.stdout
        assert smtp.mails[-1]["Subject"].startswith("Đính chính: ")

        # The scheduler, later, owes nothing: the correction was claimed and recorded.
        assert send_due(central.db, settings, utcnow() + timedelta(hours=2)) is None
        assert len(smtp.mails) == 2


def test_a_trickle_of_late_ratings_holds_the_correction_back_no_longer_than_the_wait(
    central: Central, database_url: str, settings_for: Callable[..., Settings]
):
    with smtp_server() as (port, smtp):
        settings = with_mail(settings_for, database_url, port)  # late_wait_minutes: 60
        month = due_period(settings, utcnow())
        kiosk = Kiosk(central, month)
        kiosk.push(4, 4)
        sent_at = utcnow()
        assert send_due(central.db, settings, sent_at) is not None
        kiosk.push(1)
        with central.db.write() as connection:  # that one arrived 50 minutes ago
            connection.execute(
                ratings.update()
                .where(ratings.c.received_at > sent_at)
                .values(received_at=utcnow() - timedelta(minutes=50))
            )
        sent_at_was = sent_at - timedelta(hours=1)  # and the report an hour before
        with central.db.write() as connection:
            connection.execute(scheduled_sends.update().values(sent_at=sent_at_was))

        # One more rating now, and one every few minutes, as a token's owner could send:
        # the correction still goes an hour after the first late one, with all of them.
        for _ in range(3):
            kiosk.push(1)
        assert send_due(central.db, settings, utcnow()) is None
        record = send_due(central.db, settings, utcnow() + timedelta(minutes=11))
        assert record is not None and record.period == f"{month.code}/1"
        assert record.turns == 6
        assert send_due(central.db, settings, utcnow() + timedelta(minutes=12)) is None
        assert len(smtp.mails) == 2
