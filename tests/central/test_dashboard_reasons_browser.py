"""The dashboard's reasons, words and figures in real headless Chromium, in Vietnamese and
English, as a center's admin reads them (data: reasons_data.py, March 2025)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sync.central.settings import Settings
from sync.protocol import heartbeat_path

from .conftest import Central, new_page, rating, start_archive_central
from .reasons_data import MARCH, rate_with_reasons

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def reasons_central(tmp_path: Path, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    central = start_archive_central(settings_for, f"sqlite:///{tmp_path / 'central.db'}")
    rate_with_reasons(central, tmp_path)
    central.add_admin("boss", "correct horse")
    yield central
    central.running.stop()
    central.db.close()


def logged_in(browser: Any, central: Central, lang: str) -> Any:
    page = new_page(browser)
    page.goto(f"{central.url}/login?lang={lang}")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#departments")
    return page


def show_range(page: Any, first: str, last: str) -> None:
    """Type the days into the range form as the admin would, and show them."""
    page.fill("input[name=from]", first)
    page.fill("input[name=to]", last)
    page.click("form.range button[type=submit]")
    page.wait_for_load_state()


def test_the_reasons_view_in_vietnamese(browser: Any, reasons_central: Central) -> None:
    page = logged_in(browser, reasons_central, "vi")
    page.click("#nav-reasons")
    show_range(page, "1/3/2025", "31/3/2025")

    center = page.locator("#reasons-center")
    assert "6 lượt chưa hài lòng" in center.inner_text()
    assert center.locator(".bar-label[data-reason=waiting_time]").inner_text() == (
        "Thời gian chờ lâu"
    )
    assert center.locator(".bar-share[data-reason=waiting_time]").inner_text() == "50,0%"
    assert center.locator(".bar-label[data-reason=other]").inner_text() == "Lý do khác"
    assert center.locator(".bar-share[data-reason='']").inner_text() == "16,7%"
    assert "Không nêu lý do" in center.inner_text()
    ca = page.locator("#reasons-departments tr[data-key=CA]")
    assert ca.locator("td.low").inner_text() == "4"
    assert ca.locator("td[data-reason=waiting_time]").inner_text() == "50,0% (2)"
    cb002 = page.locator("#reasons-officers tr[data-key=CB002]")
    assert "Trần Văn Đức" in cb002.inner_text()
    assert cb002.locator("td[data-reason=other]").inner_text() == "100,0% (1)"
    assert "1/3/2025 – 31/3/2025" in page.inner_text("#range h2")
    assert "mức Bình thường và Không hài lòng" in page.inner_text("#range .note")


def test_the_reasons_view_in_english(browser: Any, reasons_central: Central) -> None:
    page = logged_in(browser, reasons_central, "en")
    page.click("#nav-reasons")
    show_range(page, "3/1/2025", "3/31/2025")

    center = page.locator("#reasons-center")
    assert center.locator(".bar-label[data-reason=waiting_time]").inner_text() == (
        "Long waiting time"
    )
    assert center.locator(".bar-share[data-reason=waiting_time]").inner_text() == "50.0%"
    assert "No reason given" in center.inner_text()
    headers = page.locator("#reasons-departments th").all_inner_texts()
    assert "Result delivered late" in [" ".join(header.split()) for header in headers]


def test_the_overview_shows_the_centers_reasons_and_links_to_the_details(
    browser: Any, reasons_central: Central
) -> None:
    page = logged_in(browser, reasons_central, "vi")
    show_range(page, "1/3/2025", "31/3/2025")

    reasons = page.locator("#reasons")
    assert reasons.locator(".bar-share[data-reason=waiting_time]").inner_text() == "50,0%"
    page.click("#reasons-more")
    page.wait_for_selector("#reasons-officers")
    assert "from=2025-03-01" in page.url and "to=2025-03-31" in page.url


def test_a_backwards_range_is_refused_in_vietnamese(browser: Any, reasons_central: Central) -> None:
    page = logged_in(browser, reasons_central, "vi")
    show_range(page, "5/3/2025", "1/3/2025")
    typed = page.inner_text("[role=alert]")
    page.goto(f"{reasons_central.url}/reasons?lang=vi&from=2025-03-05&to=2025-03-01")
    linked = page.inner_text("[role=alert]")
    page.goto(f"{reasons_central.url}/?lang=vi&from=2025-02-30")
    not_a_day = page.inner_text("[role=alert]")

    expected = (
        "Khoảng thời gian không hợp lệ: Ngày bắt đầu (5/3/2025) muộn hơn ngày kết thúc (1/3/2025)."
    )
    assert typed == linked == expected
    assert "“2025-02-30” không phải là ngày" in not_a_day and "ví dụ 31/3/2025" in not_a_day
    assert "from" not in typed and "after" not in typed


@pytest.fixture
def busy_central(reasons_central: Central) -> Central:
    """Over a thousand ratings in March, and a kiosk that has just said it is well."""
    token = reasons_central.add_counter("Q09", "CA")
    for first in range(0, 1200, 400):
        ratings = [
            rating(4, "2025-03-10T03:00:00Z", "CB001", "CA", seq)
            for seq in range(first + 1, first + 401)
        ]
        assert len(reasons_central.push(token, "Q09", ratings).json()["accepted"]) == 400
    beat = {"kiosk_time": datetime.now(UTC).isoformat().replace("+00:00", "Z"), "pending": 0}
    answer = reasons_central.http.post(
        reasons_central.url + heartbeat_path("Q09"),
        json=beat,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert answer.status_code == 200
    return reasons_central


def test_figures_headers_and_kiosk_states_read_right_in_each_language(
    browser: Any, busy_central: Central
) -> None:
    query = f"from={MARCH['from']}&to={MARCH['to']}"
    vi = logged_in(browser, busy_central, "vi")
    vi.goto(f"{busy_central.url}/?lang=vi&{query}")
    en = logged_in(browser, busy_central, "en")
    en.goto(f"{busy_central.url}/?lang=en&{query}")

    # 1,207 turns: the 7 of the reasons data in March and 1,200 very satisfied ones.
    assert "1.207" in vi.inner_text("#range .figures")
    assert "1,207" in en.inner_text("#range .figures")
    headers = [" ".join(text.split()) for text in vi.locator("#departments th").all_inner_texts()]
    assert len(set(headers)) == len(headers), headers
    assert "Rất hài lòng (lượt)" in headers and "Tỷ lệ rất hài lòng" in headers
    # CA: 1,201 of 1,205 at the top level.
    assert vi.inner_text("#departments tr[data-key=CA] td.top") == "99,7%"
    assert en.inner_text("#departments tr[data-key=CA] td.top") == "99.7%"
    q09 = vi.locator("#kiosks tr[data-counter=Q09]").inner_text()
    assert "Hoạt động tốt" in q09 and "Bình thường" not in q09
    assert "Mất liên lạc" in vi.inner_text("#kiosks tr[data-counter=Q07]")
