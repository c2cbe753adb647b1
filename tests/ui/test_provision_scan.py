"""A technician provisions a kiosk with no keyboard: the counter's badge scanner types the
printed provisioning code at the service screen, and the kiosk points itself at the
center and pulls its roster. The same code scanned where citizens rate does nothing; a
foreign, damaged or refused code (scanned, or from a USB stick) says so in the kiosk's
language and changes nothing."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG
from kiosk.ui import theme
from kiosk.ui.i18n import t
from sync.provisioning import FILE_NAME, file_text, make_code

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def officers(data_dir: Path) -> dict[str, bool]:
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        return {
            code: bool(active) for code, active in db.execute("SELECT code, active FROM officers")
        }


def ratings(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        return db.execute("SELECT count(*) FROM ratings").fetchone()[0]


def test_a_scanned_code_provisions_the_kiosk_at_the_service_screen_only(
    roster, run_ui, ui_env, tmp_path, data_dir, central
):
    config = tmp_path / "etc" / "kiosk.toml"
    config.parent.mkdir()
    shutil.copy(DEFAULT_CONFIG, config)
    ui_env["KIOSK_CONFIG"] = str(config)
    del ui_env["KIOSK__CENTRAL__URL"]  # what the code writes must not be overridden
    ui_env["KIOSK__CENTRAL__TOKEN_FILE"] = str(data_dir / "token")
    roster(logged_in=True)  # a kiosk used alone so far: CB001 and CB002, CB001 serving
    before = config.read_text(encoding="utf-8")

    token = central.add_counter("Q21")  # the center's roster of CA: CB001 only
    good = make_code(central.url, "Q21", token).text()
    ui_env["UI_PROVISION"] = json.dumps(
        {"good": good, "foreign": "HTTPS://EXAMPLE.COM/PROMO", "damaged": good[:-12]}
    )
    stick = tmp_path / "media" / "KIOSK-USB"
    stick.mkdir(parents=True)
    (stick / FILE_NAME).write_text(file_text(make_code(central.url, "Q21", "not-the-token")))
    ui_env["UI_MEDIA"] = str(tmp_path / "media" / "*")
    seen = run_ui("provision_by_scan")

    assert seen["on_rate"] == {"screen": "rate", "exits": []}, "no rating, no provisioning"
    for name, key in (("foreign", "prov_foreign"), ("damaged", "prov_damaged")):
        assert seen[name]["message"] == t(key, "vi")
        assert seen[name]["failed"] and seen[name]["colour"] == list(theme.ALERT)
    refused = seen["refused"]
    assert refused["shown"][0] == t("prov_reading", "vi")
    assert t("prov_connecting", "vi", url=central.url, counter="Q21") in refused["shown"]
    assert refused["message"] == t("prov_refused", "vi", counter="Q21", url=central.url)
    assert "Cấu hình cũ được giữ nguyên" in refused["message"]
    assert refused["failed"]
    assert "restored" in refused["detail"]

    good_run = seen["good"]
    assert t("prov_connecting", "vi", url=central.url, counter="Q21") in good_run["shown"]
    assert t("prov_roster", "vi", counter="Q21", url=central.url) in good_run["shown"]
    assert good_run["message"] == t("prov_done", "vi", counter="Q21", officers=1, seconds=8)
    assert not good_run["failed"]
    assert good_run["exits"] == [], "the result is shown before the kiosk restarts"
    assert seen["restarted"] == ["exit"]

    text = config.read_text(encoding="utf-8")
    assert text != before and 'id = "Q21"' in text and f'url = "{central.url}"' in text
    token_file = data_dir / "token"
    assert token_file.read_text() == token + "\n" and token_file.stat().st_mode & 0o777 == 0o600
    assert officers(data_dir) == {"CB001": True, "CB002": False}, "the center's roster arrived"
    assert ratings(data_dir) == 0
    log = (data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert token not in log and good not in log and good.lower() not in log
    assert "provisioning code scanned on screen rate: ignored" in log
