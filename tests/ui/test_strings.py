"""Texts the kiosk shows: both languages, NFC (Roboto's precomposed Vietnamese glyphs),
the same {fields} in each; and the entry point imports no Kivy before it sets it up."""

from __future__ import annotations

import string
import subprocess
import sys
import unicodedata
from pathlib import Path

from kiosk.ui.i18n import STRINGS, duration, t

UI = Path(__file__).resolve().parents[2] / "kiosk" / "ui"


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_has_both_languages_with_the_same_fields():
    for key, (vi, en) in STRINGS.items():
        assert vi.strip() and en.strip(), key
        assert fields(vi) == fields(en), key


def test_strings_and_layouts_are_nfc():
    for vi, en in STRINGS.values():
        assert unicodedata.is_normalized("NFC", vi) and unicodedata.is_normalized("NFC", en)
    for kv in UI.rglob("*.kv"):
        assert unicodedata.is_normalized("NFC", kv.read_text(encoding="utf-8")), kv


def test_lockout_time_is_said_in_minutes_and_seconds():
    assert duration(272.2, "vi") == "4 phút 33 giây"
    assert duration(9, "en") == "9 s"
    assert "4 phút" in t("refused_locked", "vi", time=duration(272.2, "vi"))


def test_entry_point_imports_no_kivy_before_setting_it_up():
    code = "import sys, kiosk.ui.app, kiosk.ui.i18n; print('kivy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
