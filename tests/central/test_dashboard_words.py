"""Whatever the dashboard tells its reader is in the reader's language: kiosk problems,
and even a failure nobody foresaw."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sync.central import dashboard
from sync.protocol import heartbeat_path

from .conftest import Central


def dashboard_user(central: Central, lang: str) -> requests.Session:
    central.add_admin("boss", "correct horse")
    browser = requests.Session()
    browser.headers["Accept-Language"] = f"{lang};q=0.9"
    browser.post(
        central.url + "/login",
        data={"username": "boss", "password": "correct horse"},
        timeout=60,
    )
    return browser


def test_a_kiosks_problems_are_said_in_vietnamese(central: Central) -> None:
    token = central.add_counter("Q07")
    behind = datetime.now(UTC) - timedelta(seconds=1500)
    central.http.post(
        central.url + heartbeat_path("Q07"),
        json={
            "kiosk_time": behind.isoformat().replace("+00:00", "Z"),
            "pending": 1234,
            "rejected": 2,
        },
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    with dashboard_user(central, "vi") as browser:
        page = browser.get(central.url + "/", timeout=60).text

    assert "Cần kiểm tra" in page
    # 1,500 seconds behind, and the moments the request took: grouped the Vietnamese way.
    assert re.search(r"đồng hồ lệch \+1\.5\d\d giây", page)
    assert "1.234" in page and "2 lượt bị từ chối" in page
    assert "rejected" not in page and "clock off" not in page


def test_a_failure_nobody_foresaw_is_told_to_a_dashboard_user_in_vietnamese(
    central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(dashboard, "kiosk_health", broken)
    with dashboard_user(central, "vi") as browser:
        answer = browser.get(central.url + "/", timeout=60)

    assert answer.status_code == 500
    request_id = answer.json()["request_id"]
    assert answer.json()["detail"] == (
        f"Lỗi hệ thống; mã yêu cầu {request_id}. Hãy báo mã này cho kỹ thuật."
    )
    assert "secret internals" not in answer.text
