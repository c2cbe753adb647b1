"""The monthly report by the real central process (``centralctl serve``): its worker
mails the report it owes when it starts, once across restarts, and once between two
centrals on one PostgreSQL database; ``centralctl report send-monthly`` sends it by hand.

The report due now is the month before the current one (or the one before that early in
a month, until the first working day's send hour): ``due_month`` says which, and the
tests put their ratings in it. The central is first started without ``[reports]``, so
that it records nothing before the ratings are in; started again with the recipients, it
is the central that was down on the first working day and comes back.
"""

from __future__ import annotations

import io
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from openpyxl import load_workbook

from sync.central.models import utcnow
from sync.central.working_days import due_month
from sync.protocol import BATCH_PATH
from tests.central.conftest import batch, rating

from .alert_receivers import smtp_server, wait_for
from .conftest import Central, central_database

pytestmark = pytest.mark.slow
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
LEADER = "lanhdao@hcc.example.vn"


def due_period():
    period, _when = due_month(utcnow(), (), 0, ZoneInfo("Asia/Ho_Chi_Minh"))
    return period


def monthly_settings(smtp_port: int) -> dict[str, str]:
    return {
        "CENTRAL__ALERTS__SMTP_HOST": "127.0.0.1",
        "CENTRAL__ALERTS__SMTP_PORT": str(smtp_port),
        "CENTRAL__ALERTS__SMTP_STARTTLS": "false",
        "CENTRAL__ALERTS__FROM": "baocao@hcc.example.vn",
        "CENTRAL__REPORTS__RECIPIENTS": f'["{LEADER}"]',
        "CENTRAL__REPORTS__SEND_HOUR": "0",
        "CENTRAL__REPORTS__POLL_SECONDS": "0.5",
    }


def rate_the_due_month(central: Central) -> int:
    """Ratings on three days of the month now due, through the API; returns how many."""
    first = due_period().date_from
    # The kiosk rated through that month before it was registered here.
    since = datetime.combine(first, datetime.min.time(), ZoneInfo("Asia/Ho_Chi_Minh"))
    token = central.add_counter("Q07", "CA", since=since)
    ratings = [
        rating(level, f"{first.replace(day=day)}T03:00:00Z", seq=n)
        for n, (level, day) in enumerate([(4, 1), (4, 9), (3, 17), (1, 25)], 1)
    ]
    answer = requests.post(
        central.url + BATCH_PATH,
        json=batch("Q07", ratings),
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200 and len(answer.json()["accepted"]) == len(ratings)
    return len(ratings)


def settle(seconds: float = 6) -> None:
    """Time for the workers (polling every 0.5 s) to send anything they would."""
    time.sleep(seconds)


@pytest.mark.parametrize("kind", DATABASES)
def test_a_central_back_after_the_first_working_day_mails_the_report_once(
    kind: str, tmp_path: Path
):
    workdir = tmp_path / "central"
    workdir.mkdir()
    with smtp_server() as (port, smtp), central_database(kind, workdir) as url:
        central = Central.serving(workdir, url)
        try:
            count = rate_the_due_month(central)
            central.stop()  # down on the first working day
            central.env.update(monthly_settings(port))
            central.start()

            [mail] = wait_for(lambda: smtp.mails, what="the monthly report")
            period = due_period()
            assert smtp.envelopes[0] == [LEADER]
            assert f"{period.date_from.month} năm {period.date_from.year}" in mail["Subject"]
            body = mail.get_body(("plain",)).get_content()
            assert f"Toàn Trung tâm: {count} lượt đánh giá, 2 ở mức Rất hài lòng" in body
            [part] = list(mail.iter_attachments())
            assert part.get_filename() == f"satisfaction-report-{period.code}-vi.xlsx"
            sheet = load_workbook(io.BytesIO(part.get_content())).worksheets[0]
            [total] = [
                row for row in sheet.iter_rows(values_only=True) if "Toàn trung tâm" in row[:2]
            ]
            assert total[2] == count  # turns rated, a number

            # Started again, it owes nothing: no second mail.
            central.stop()
            central.start()
            settle()
            assert len(smtp.mails) == 1
        finally:
            central.stop()


@pytest.mark.postgres
def test_two_centrals_on_one_postgresql_database_mail_the_report_once(tmp_path: Path):
    workdir = tmp_path / "central"
    workdir.mkdir()
    with smtp_server() as (port, smtp), central_database("postgresql", workdir) as url:
        central = Central.serving(workdir, url)
        try:
            rate_the_due_month(central)
            central.stop()
            central.env.update(monthly_settings(port))
            central.start()
            central.start()  # a second process on the same database

            wait_for(lambda: smtp.mails, what="the monthly report")
            settle()
            assert len(smtp.mails) == 1
        finally:
            central.stop()


def test_send_monthly_by_hand_a_dry_run_a_test_and_the_months_send(tmp_path: Path):
    workdir = tmp_path / "central"
    workdir.mkdir()
    with smtp_server() as (port, smtp), central_database("sqlite", workdir) as url:
        central = Central.serving(workdir, url)
        try:
            count = rate_the_due_month(central)
            central.stop()
            central.env.update(monthly_settings(port))
            period = due_period().code

            dry = central.ctl("report", "send-monthly", "--month", period, "--dry-run")
            assert dry.returncode == 0, dry.stderr
            assert f"would send the report of {period}" in dry.stdout
            assert f"{count} turns rated) to {LEADER}" in dry.stdout
            assert "dry run: nothing sent" in dry.stdout
            assert smtp.mails == []

            test = central.ctl("report", "send-monthly", "--to", "kythuat@hcc.example.vn")
            assert test.returncode == 0, test.stderr
            assert smtp.envelopes == [["kythuat@hcc.example.vn"]]
            assert "not recorded" in test.stdout

            sent = central.ctl("report", "send-monthly")
            assert sent.returncode == 0, sent.stderr
            assert smtp.envelopes[-1] == [LEADER]
            assert f"recorded as the report of {period}" in sent.stdout

            # The scheduler then owes nothing for that month.
            central.start()
            settle()
            assert len(smtp.mails) == 2

            bad = central.ctl("report", "send-monthly", "--to", "not an address")
            assert bad.returncode == 2 and "--to:" in bad.stderr
        finally:
            central.stop()
