"""The central's words live in the gettext domain ``central`` (one .po per language under
sync/central/locale): every key the Python code and the templates use has a text in both
catalogs, and the real dashboard shows the catalog's words in the reader's language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from babel.messages.pofile import read_po

from kiosk import catalog_tool
from kiosk.catalog_tool import CENTRAL

from .conftest import Central

LANGUAGES = ("vi", "en")


def texts(lang: str) -> dict[str, str]:
    return {m.id: m.string for m in catalog_tool.read(CENTRAL, lang) if m.id}


def test_every_key_used_in_code_and_templates_has_a_text_in_both_catalogs():
    used = {message.id for message in catalog_tool.extract(CENTRAL) if message.id}
    assert {"title", "by_department", "state_ok", "error_from_after_to", "no_reason"} <= used
    assert catalog_tool.problems(CENTRAL) == []  # present, none empty, fuzzy or unused
    for lang in LANGUAGES:
        assert set(texts(lang)) == used
        assert all(text.strip() for text in texts(lang).values())


def test_extraction_reads_the_templates_and_the_python_code():
    where = {m.id: {path for path, _line in m.locations} for m in catalog_tool.extract(CENTRAL)}
    assert "sync/central/templates/base.html" in where["title"]  # _('title')
    assert "sync/central/templates/_macros.html" in where["no_low"]  # inside a macro
    assert "sync/central/phrases.py" in where["state_stale"]  # N_() for a run-time key
    assert "sync/central/reasons_output.py" in where["no_reason"]  # t() in the CSV
    assert "sync/central/dashboard_page.py" in where["bad_range"]


def test_the_catalogs_are_nfc_and_the_vietnamese_shows_the_english():
    for lang in LANGUAGES:
        for key, text in texts(lang).items():
            assert unicodedata.is_normalized("NFC", text), (lang, key)
    vi = {m.id: m for m in catalog_tool.read(CENTRAL, "vi") if m.id}
    assert f"English: {texts('en')['by_officer']}" in vi["by_officer"].auto_comments


def test_a_dashboard_column_and_a_kiosk_state_cannot_be_mistaken():
    vi = texts("vi")
    # A kiosk is not rated: its state must not read like the rating level "Bình thường".
    assert vi["state_ok"] != vi["level_2"]
    assert vi["level_count"] != vi["top_share"]


@pytest.fixture
def logged_in(central: Central) -> Iterator[requests.Session]:
    central.add_admin("boss", "correct horse")
    with requests.Session() as browser:
        answer = browser.post(
            central.url + "/login",
            data={"username": "boss", "password": "correct horse"},
            timeout=60,
        )
        assert answer.ok
        yield browser


def visible(page: str) -> str:
    """The page's text as a reader sees it, without tags, styles or attributes."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


# Headings and labels every dashboard page shows, whatever its figures.
OVERVIEW = ("title", "overview", "last_30_days", "by_department", "by_officer", "kiosks")
REASONS = ("reasons_by_department", "reasons_by_officer", "center", "download_csv")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dashboard_shows_the_catalogs_words_in_the_readers_language(
    central: Central, logged_in: requests.Session, lang: str
):
    other = "en" if lang == "vi" else "vi"
    for path, keys in (("/", OVERVIEW), ("/reasons", REASONS)):
        page = logged_in.get(central.url + path, params={"lang": lang}, timeout=60).text
        shown = visible(page)
        for key in keys:
            assert texts(lang)[key] in shown, (path, key)
            assert texts(other)[key] not in shown, (path, key)
        # No key leaks through as if it were a word (a key has an underscore in it).
        leaked = [key for key in texts(lang) if "_" in key and re.search(rf"\b{key}\b", shown)]
        assert leaked == [], path
        assert f'<html lang="{lang}">' in page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_login_page_and_its_refusal_are_in_the_readers_language(central: Central, lang: str):
    central.add_admin("boss", "correct horse")
    form = requests.get(central.url + "/login", params={"lang": lang}, timeout=60).text
    assert texts(lang)["username"] in visible(form)
    refused = requests.post(
        central.url + "/login",
        data={"username": "boss", "password": "wrong", "lang": lang},
        timeout=60,
    )
    assert refused.status_code == 401
    assert texts(lang)["login_failed"] in visible(refused.text)


def test_a_bad_range_is_refused_in_the_pages_language(
    central: Central, logged_in: requests.Session
):
    page = logged_in.get(
        central.url + "/",
        params={"lang": "vi", "from": "31/12/2025", "to": "1/1/2025"},
        timeout=60,
    ).text
    assert "Khoảng thời gian không hợp lệ: Ngày bắt đầu (31/12/2025) muộn hơn ngày kết thúc" in (
        visible(page)
    )


def test_the_catalog_files_are_where_the_readme_tells_a_translator():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for lang in LANGUAGES:
        path = CENTRAL.po_path(lang)
        assert path.relative_to(CENTRAL.package.parent.parent).as_posix() in readme
        with path.open("rb") as source:
            assert read_po(source).locale.language == lang
