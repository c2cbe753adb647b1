"""Every text that leaves the central is escaped for where it goes (sync.central.outgoing).

Hostile words are put in every field of kiosk or admin origin that reaches an output (an
officer's name, a department's name, a reason's words, the center's name; codes and
reasons are bounded by the protocol and the center's settings), then each output is read
as its receiver reads it: the alert webhook as a chat, the alert and monthly mails as a
mail program, the CSV reports and the XLSX as a spreadsheet, the HTML and the PDF's HTML
as a browser."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sync.central import roster
from sync.central.alert_send import wire_bytes
from sync.central.monthly_mail import monthly_mail
from sync.central.periods import day_range
from sync.central.published import published_report
from sync.central.published_file import published_bytes
from sync.central.published_html import print_html
from sync.central.settings import Settings
from sync.csvsafe import FORMULA_STARTS
from tests.sync.alert_receivers import Webhook, smtp_server, wait_for

from .conftest import Central, rating, start_central

HOSTILE = (
    '=HYPERLINK("http://ev.il","Bấm") <!channel> @here [Đăng nhập lại](http://ev.il/a) '
    "<http://ev.il/a|Đăng_nhập_lại> <script>alert(1)</script> &amp;\r\nBcc: victim@ev.il\x0b"
)
# A TOML basic string holding HOSTILE (JSON's escapes are TOML's).
HOSTILE_TOML = json.dumps(HOSTILE)
REASONS = f'[{{code = "attitude", vi = {HOSTILE_TOML}, en = {HOSTILE_TOML}}}]'


@pytest.fixture
def hostile(
    database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
) -> Iterator[tuple[Central, Webhook, object]]:
    """A central whose roster, settings and one low rating carry HOSTILE everywhere, with
    its alerts going to a webhook and a mail server of the test."""
    with Webhook().running() as hook, smtp_server() as (port, smtp):
        settings = settings_for(
            database_url,
            REPORT__CENTER_NAME=HOSTILE_TOML,
            REPORT__REASONS=REASONS,
            ALERTS__WEBHOOK_URL=hook.url,
            ALERTS__SMTP_HOST="127.0.0.1",
            ALERTS__SMTP_PORT=str(port),
            ALERTS__SMTP_STARTTLS="false",
            ALERTS__FROM="canhbao@hcc.example.vn",
            ALERTS__RECIPIENTS='["lanhdao@hcc.example.vn"]',
            ALERTS__GATHER_SECONDS="0",
            ALERTS__DIGEST_MINUTES="0",
            ALERTS__POLL_SECONDS="0.2",
        )
        central = start_central(settings)
        try:
            roster.add_department(central.db, "CA", HOSTILE)
            officers = tmp_path / "officers.csv"
            with officers.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["code", "full_name", "title", "department", "pin"])
                writer.writerow(["CB001", HOSTILE, HOSTILE, "CA", "1234"])
            roster.import_officers(central.db, officers, min_pin_digits=4)
            token = central.add_counter("Q01", "CA", officers=())
            low = rating(1, reasons=["attitude"])
            assert central.push(token, "Q01", [low]).json()["accepted"] == [low["id"]]
            wait_for(lambda: hook.delivered() and smtp.mails, what="the alert's messages")
            yield central, hook, smtp
        finally:
            central.running.stop()
            central.db.close()


def test_the_alert_webhook_text_calls_nobody_and_hides_no_link(hostile) -> None:
    _central, hook, _smtp = hostile
    [body] = hook.delivered()
    text = body["text"]

    assert "<" not in text and ">" not in text  # no <!channel>, no <url|words>
    assert "&lt;!channel&gt;" in text and "&lt;http://ev.il/a|Đăng_nhập_lại&gt;" in text
    assert "&amp;amp;" in text  # the name's own "&amp;" stays those five characters
    assert "@here" not in text and "](" not in text
    assert "@\u2060here" in text and "[Đăng nhập lại]\u2060(http://ev.il/a)" in text


def test_the_alert_mail_has_only_its_own_headers(hostile) -> None:
    _central, _hook, smtp = hostile
    [mail] = smtp.mails

    assert "\n" not in mail["Subject"] and "\r" not in mail["Subject"]
    assert mail.get_all("Bcc") is None
    assert "Bcc: victim@ev.il" in mail["Subject"]  # kept as words, on the one line


def test_the_monthly_mail_has_only_its_own_headers(hostile) -> None:
    central, _hook, _smtp = hostile
    today = datetime.now(UTC).astimezone(central.settings.report.tz).date()
    report = published_report(central.db, central.settings.report, day_range(today, today))

    mail = monthly_mail(report, "vi", "baocao@hcc.example.vn", ["lanhdao@hcc.example.vn"])
    read = message_from_bytes(wire_bytes(mail.message), policy=policy.default)

    assert read.get_all("Bcc") is None
    assert "\n" not in read["Subject"] and "Bcc: victim@ev.il" in read["Subject"]
    assert list(read["To"].addresses)[0].addr_spec == "lanhdao@hcc.example.vn"


def test_no_csv_cell_can_run_as_a_formula(hostile) -> None:
    central, _hook, _smtp = hostile
    admin = central.add_admin()
    today = datetime.now(UTC).date()
    span = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}

    for by in ("department", "officer", "counter", "reason"):
        answer = central.report(admin, by=by, format="csv", **span)
        assert answer.status_code == 200, answer.text
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        cells = [cell for row in rows for cell in row]
        assert any("<!channel> @here" in cell for cell in cells) or by == "counter"
        assert not any(cell.lstrip(" ").startswith(FORMULA_STARTS) for cell in cells), by


def test_the_published_xlsx_holds_words_not_formulas_and_its_html_no_markup(hostile) -> None:
    central, _hook, _smtp = hostile
    today = datetime.now(UTC).astimezone(central.settings.report.tz).date()
    report = published_report(central.db, central.settings.report, day_range(today, today))

    book = load_workbook(io.BytesIO(published_bytes(report, "xlsx", "vi")))
    page = print_html(report, "vi")

    texts = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]
    assert any(cell.value.startswith("=HYPERLINK") for cell in texts)
    assert all(cell.data_type == "s" for cell in texts)  # none is a formula ("f")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="http://ev.il' not in page


def test_the_dashboard_pages_show_the_names_as_words(hostile) -> None:
    central, _hook, _smtp = hostile
    central.add_admin("boss", "correct horse")
    central.http.post(
        central.url + "/login", data={"username": "boss", "password": "correct horse"}
    )
    today = datetime.now(UTC).astimezone(central.settings.report.tz).date()

    for path in ("/", f"/report?period={today:%Y-%m}"):
        page = central.http.get(central.url + path, timeout=60)
        assert page.status_code == 200, path
        assert "<script>alert(1)" not in page.text, path
