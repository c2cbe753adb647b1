"""The phone page in a real browser at a phone's size: the citizen taps a face and sends,
with no script, no cookie and nothing fetched from another site; screenshots for docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sync.phone_link import link_key, make_link
from tests.central.conftest import Central

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.browser
def test_a_citizen_rates_on_a_phone_browser(central: Central, browser_page: Any) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    link = make_link(
        central.url,
        link_key(token),
        counter="Q07",
        officer="CB001",
        ticket="HS-2025-000123",
        issued_at=datetime.now(UTC),
    )
    requested: list[str] = []
    browser_page.on("request", lambda request: requested.append(request.url))
    browser_page.goto(link)
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(SHOTS / "phone-rate-vi.png"), full_page=True)
    browser_page.get_by_text("Không hài lòng").click()
    browser_page.get_by_text("Trả kết quả trễ hẹn").click()
    browser_page.get_by_role("button", name="Gửi đánh giá").click()
    browser_page.wait_for_selector("text=Cảm ơn Ông/Bà đã đánh giá!")
    browser_page.screenshot(path=str(SHOTS / "phone-thanks-vi.png"))
    browser_page.goto(link + "?lang=en")
    assert "already been used" in browser_page.content()
    browser_page.screenshot(path=str(SHOTS / "phone-used-en.png"))
    assert all(url.startswith(central.url) for url in requested)
    assert browser_page.context.cookies() == []
