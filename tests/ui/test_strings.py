"""Texts the kiosk shows: every key in both catalogs, NFC (Roboto's precomposed
Vietnamese glyphs), polite and unambiguous Vietnamese; numbers, times and durations by
locale; and the entry point imports no Kivy before it sets it up."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk import catalog_tool
from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.ui.i18n import LANGUAGES, duration, moment, t

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"
HO_CHI_MINH = ZoneInfo("Asia/Ho_Chi_Minh")


def texts(lang: str) -> dict[str, str]:
    return {m.id: m.string for m in catalog_tool.read(catalog_tool.KIOSK, lang) if m.id}


def test_every_key_used_in_code_and_kv_has_a_text_in_both_catalogs():
    used = {message.id for message in catalog_tool.extract(catalog_tool.KIOSK) if message.id}
    assert {"question", "closed_title", "svc_counter", "refused_wrong_pin"} <= used
    assert (
        catalog_tool.problems(catalog_tool.KIOSK) == []
    )  # used keys present, none empty, fuzzy or unused


def test_extraction_finds_keys_in_kv_files_and_marked_keys_in_python():
    where = {
        m.id: {path for path, _line in m.locations}
        for m in catalog_tool.extract(catalog_tool.KIOSK)
    }
    assert "kiosk/ui/screens/rate.kv" in where["question"]  # app.t('question', app.lang)
    assert "kiosk/ui/screens/service.kv" in where["svc_counter"]  # N_('svc_counter')
    assert "kiosk/ui/screens/pin.py" in where["refused_wrong_pin"]  # N_ in a set


def test_vietnamese_entries_show_the_translator_the_english():
    vi = {m.id: m for m in catalog_tool.read(catalog_tool.KIOSK, "vi") if m.id}
    assert f"English: {texts('en')['question']}" in vi["question"].auto_comments


def test_catalogs_and_layouts_are_nfc():
    for lang in LANGUAGES:
        for key, text in texts(lang).items():
            assert unicodedata.is_normalized("NFC", text), (lang, key)
    for kv in UI.rglob("*.kv"):
        assert unicodedata.is_normalized("NFC", kv.read_text(encoding="utf-8")), kv


def test_the_question_is_a_question_in_vietnamese():
    # "Ông/Bà có ... không?" asks; "Ông/Bà hài lòng ...?" is a statement with a mark.
    assert re.fullmatch(r"Ông/Bà có .+ không\?", t("question", "vi"))
    assert t("question", "en").endswith("?")


def test_closed_and_paused_cannot_be_told_apart_no_more():
    closed, paused = t("closed_title", "vi"), t("paused_title", "vi")
    assert "Quầy" in closed and "không phục vụ" in closed
    assert "Cán bộ" in paused and "nghỉ" in paused and "tạm nghỉ" not in closed


def test_one_action_one_name():
    # The button on the closed screen and the title of the login pad say the same.
    assert t("staff_login", "vi") == "Đăng nhập cán bộ"
    # "Next" on the PIN pad and "Resume" on the paused screen are different words.
    assert t("next", "vi") == "Tiếp theo" and t("resume", "vi") == "Tiếp tục làm việc"
    vi = texts("vi").values()
    assert not any("quẹt" in text for text in vi), "a barcode badge is scanned: quét"
    assert not any("Cán bộ đăng nhập" in text for text in vi)


def test_citizens_are_addressed_as_ong_ba_and_never_told_to_wait_for_their_turn():
    vi = texts("vi")
    for key in ("closed_hint", "waiting_title", "paused_hint", "reasons_title", "thanks_hint"):
        assert "Ông/Bà" in vi[key], key
    # In per-turn mode the waiting citizen is already being served.
    assert "lượt" not in vi["waiting_title"] and "chuẩn bị" in vi["waiting_title"]


def test_the_shipped_reasons_each_name_a_complaint():
    reasons = {r.code: r.label_vi for r in load_config(DEFAULT_CONFIG).rating.reasons}
    assert reasons == {
        "waiting_time": "Thời gian chờ lâu",
        "attitude": "Thái độ phục vụ chưa tốt",
        "guidance": "Hướng dẫn chưa rõ ràng",
        "result_late": "Trả kết quả trễ hẹn",
        "other": "Lý do khác",
    }


def test_lockout_time_is_said_without_zero_padding():
    assert duration(300, "vi") == "5 phút"
    assert duration(269.2, "vi") == "4 phút 30 giây"
    assert duration(45, "vi") == "45 giây"
    assert duration(65, "en") == "1 min 5 s"
    assert duration(9, "en") == "9 s"
    assert "4 phút 30 giây" in t("refused_locked", "vi", time=duration(270, "vi"))


def test_numbers_are_written_as_each_language_writes_them():
    assert "12.345" in t("today_count", "vi", n=12345)
    assert "12,345" in t("today_count", "en", n=12345)


def test_times_are_shown_in_the_counters_time_zone_by_locale():
    utc = datetime(2026, 11, 27, 9, 50, 24, tzinfo=UTC)
    assert moment(utc, "vi", HO_CHI_MINH) == "16:50:24 27 thg 11, 2026"
    english = moment(utc, "en", HO_CHI_MINH)
    assert english.startswith("Nov 27, 2026, 4:50:24") and english.endswith("PM")
    assert "\u202f" not in english  # Roboto has no glyph for the narrow no-break space


def test_a_key_missing_from_the_catalogs_is_logged(caplog):
    assert t("no_such_key_anywhere", "vi") == "no_such_key_anywhere"
    assert "no_such_key_anywhere" in caplog.text  # logged, so a test run notices


def test_entry_point_imports_no_kivy_before_setting_it_up():
    code = "import sys, kiosk.ui.app, kiosk.ui.i18n; print('kivy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
