"""The dashboard's report page in real headless Chromium: choose a period, read the
center's line, download the XLSX and the PDF of that very period."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from sync.central.settings import Settings

from .conftest import Central, new_page, start_archive_central
from .published_data import seed_october

pytestmark = pytest.mark.browser


@pytest.fixture
def october(tmp_path: Path, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    central = start_archive_central(settings_for, f"sqlite:///{tmp_path / 'central.db'}")
    seed_october(central, tmp_path)
    central.add_admin("admin", "correct horse")
    yield central
    central.running.stop()
    central.db.close()


def log_in(page, central: Central, lang: str) -> None:
    page.goto(f"{central.url}/login?lang={lang}")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#departments")


def test_the_report_of_a_range_reads_and_downloads_as_the_api_says(
    october: Central, browser, tmp_path: Path
) -> None:
    page = new_page(browser)
    log_in(page, october, "vi")
    page.click("#nav-report")
    page.fill("input[name=from]", "1/10/2026")
    page.fill("input[name=to]", "31/10/2026")
    page.click("form.range button[type=submit]")

    page.wait_for_selector("#published-departments")
    assert page.inner_text("#total-line") == "62 lượt đánh giá, 50 ở mức Rất hài lòng (80,6%)"
    ca = page.locator("#published-departments tr[data-key=CA] td")
    assert ca.last.inner_text() == "96,9%"  # Decision 766: 31 of 32 not "Không hài lòng"
    assert page.locator("figure.chart svg").count() == 3
    ranks = page.locator("#published-officers tbody tr td.rank").all_inner_texts()
    assert ranks == ["1", "2", "2", "4", "–"]

    with page.expect_download() as waiting:
        page.click("#download-xlsx")
    saved = tmp_path / "report.xlsx"
    waiting.value.save_as(saved)
    sheet = load_workbook(saved).worksheets[0]
    assert sheet.cell(3, 1).value == "Từ ngày 1/10/2026 đến ngày 31/10/2026"
    assert sheet.cell(4, 1).value == "62 lượt đánh giá, 50 ở mức Rất hài lòng (80,6%)"

    with page.expect_download() as waiting:
        page.click("#download-pdf")
    assert waiting.value.suggested_filename == ("satisfaction-report-2026-10-01_2026-10-31-vi.pdf")
    pdf = tmp_path / "report.pdf"
    waiting.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_last_month_preset_is_the_calendar_month_before_this_one(
    october: Central, browser
) -> None:
    page = new_page(browser)
    log_in(page, october, "en")
    page.goto(f"{october.url}/report?lang=en")

    page.click("#presets >> text=Last month")

    page.wait_for_selector("#published")
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()  # the center's today
    last_month = today.replace(day=1) - timedelta(days=1)
    assert page.inner_text(".period") == f"{last_month:%B %Y}"
    assert page.get_attribute("#download-xlsx", "href").endswith(
        f"period={last_month:%Y-%m}&format=xlsx"
    )
    book = io.BytesIO(
        page.request.get(october.url + page.get_attribute("#download-xlsx", "href")).body()
    )
    assert load_workbook(book).worksheets[0].cell(3, 1).value == f"{last_month:%B %Y}"
