"""The dashboard in real headless Chromium: log in, read a department's rate, get the CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.central.settings import Settings

from .conftest import Central, rating, start_central

pytestmark = pytest.mark.browser


@pytest.fixture
def rated_central(tmp_path: Path, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    central = start_central(settings_for(f"sqlite:///{tmp_path / 'central.db'}"))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    # The kiosk rated yesterday, before it was registered: its counter files from then.
    token = central.add_counter("Q07", "CA", since=yesterday - timedelta(hours=1))
    central.add_admin("admin", "correct horse")
    answer = central.push(token, "Q07", [rating(level, yesterday) for level in (4, 4, 3, 1)])
    assert len(answer.json()["accepted"]) == 4
    yield central
    central.running.stop()
    central.db.close()


def test_admin_logs_in_sees_the_rate_and_downloads_the_csv(
    rated_central: Central, browser_page, tmp_path: Path
) -> None:
    page = browser_page
    page.goto(rated_central.url + "/?lang=en")
    assert "/login" in page.url

    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_selector("#departments")

    rate = page.inner_text("#departments tr[data-key=CA] td.rate")
    assert rate == "75.0%"
    assert "Satisfaction rate" in page.inner_text("#recent")
    assert page.locator("#trend svg").count() == 1
    assert "Q07" in page.inner_text("#kiosks")

    with page.expect_download() as waiting:
        page.click("#csv-department")
    saved = tmp_path / "report.csv"
    waiting.value.save_as(saved)
    table = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert table[0]["department"] == "CA"
    assert table[0]["total"] == "4"
    assert table[0]["satisfaction_percent"] == "75.00"


def test_wrong_password_is_refused_in_vietnamese(rated_central: Central, browser_page) -> None:
    page = browser_page
    page.goto(rated_central.url + "/login?lang=vi")

    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")

    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text("[role=alert]")
    page.goto(rated_central.url + "/")
    assert "/login" in page.url
