"""The dashboard's live alert feed in real headless Chromium: an admin has the dashboard
open, a citizen taps the lowest face at a counter, and the alert appears on top of the
list without the page being reloaded.

With ``DOCS_SCREENSHOTS=docs/screenshots`` the test also saves the page there
(dashboard-alerts-vi.png), the picture the README shows."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.central.settings import Settings

from .conftest import new_page, rating, start_central

pytestmark = pytest.mark.browser


def test_a_new_alert_appears_on_the_open_dashboard_without_a_reload(
    browser, tmp_path: Path, settings_for: Callable[..., Settings]
) -> None:
    central = start_central(settings_for(f"sqlite:///{tmp_path / 'central.db'}"))
    try:
        token = central.add_counter("Q07", "CA", officers=("CB001", "CB002"))
        central.add_admin("admin", "correct horse")
        earlier = rating(1, officer="CB002", seq=1, reasons=["result_late"])
        central.push(token, "Q07", [earlier])

        page = new_page(browser, 1280, 800)
        page.goto(central.url + "/login?lang=vi")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "correct horse")
        page.click("button[type=submit]")
        page.wait_for_selector("#alerts")
        assert page.locator("#alert-list li").count() == 1
        page.wait_for_selector("#alerts-state:has-text('trực tiếp')")
        page.evaluate("window.notReloaded = true")

        low = rating(1, seq=2, reasons=["waiting_time", "attitude"])
        assert central.push(token, "Q07", [low]).json()["accepted"] == [low["id"]]

        page.wait_for_selector("#alert-list li:nth-child(2)", timeout=60_000)
        newest = page.inner_text("#alert-list li:first-child")
        assert "Đánh giá “Không hài lòng” tại quầy Q07, cán bộ Nguyễn Văn A (CB001)" in newest
        assert "lý do: Thời gian chờ lâu và Thái độ phục vụ chưa tốt" in newest
        assert page.evaluate("window.notReloaded") is True
        assert page.locator("#alert-list li").count() == 2

        shot = tmp_path / "dashboard-alerts-vi.png"
        page.locator("#alerts").scroll_into_view_if_needed()
        page.screenshot(path=str(shot))
        if os.environ.get("DOCS_SCREENSHOTS"):
            shutil.copy(shot, Path(os.environ["DOCS_SCREENSHOTS"]) / shot.name)
    finally:
        central.running.stop()
        central.db.close()
