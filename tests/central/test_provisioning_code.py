"""The provisioning code (sync.provisioning): what a badge scanner types comes back as the
same url, counter and token, whatever the keyboard's case; anything else is refused
with what is wrong."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.provisioning import (
    DAMAGED,
    FOREIGN,
    NEWER,
    ProvisioningCode,
    ProvisioningCodeError,
    looks_like_code,
    make_code,
    parse_code,
)

hosts = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z]{2,6}){0,2}(:[0-9]{1,5})?\Z")
paths = st.from_regex(r"\A(/[A-Za-z0-9._~-]{1,12}){0,3}\Z")
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    hosts,
    paths,
)
counters = st.from_regex(r"\A[A-Z0-9_-]{1,16}\Z")
tokens = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=200)


@given(urls, counters, tokens)
def test_any_valid_code_comes_back_as_it_was_made(url: str, counter: str, token: str):
    code = ProvisioningCode(url, counter, token)
    assert parse_code(code.text()) == code


@given(urls, counters, tokens)
def test_the_code_is_capitals_digits_and_one_space_and_reads_with_caps_lock_on(
    url: str, counter: str, token: str
):
    text = ProvisioningCode(url, counter, token).text()
    # What every keyboard layout types the same, and QR's compact alphanumeric mode.
    assert re.fullmatch(r"KIOSK1 [A-Z2-7]+", text)
    assert parse_code(text.lower()) == parse_code(text)
    assert parse_code(f"  {text}\r\n") == parse_code(text)
    assert looks_like_code(text.lower())


def test_make_code_takes_the_counter_in_any_case_and_drops_a_trailing_slash():
    code = make_code("https://kiosk.center.example/", " q07 ", "tok")
    assert (code.url, code.counter, code.token) == ("https://kiosk.center.example", "Q07", "tok")


def test_the_token_never_shows_in_a_log_line():
    code = make_code("https://c.example", "Q07", "s3cret-token-value")
    assert "s3cret" not in repr(code) and "s3cret" not in str(code)


@pytest.mark.parametrize(
    ("text", "kind", "says"),
    [
        ("CB001", FOREIGN, "not a kiosk provisioning code"),
        ("https://example.com/", FOREIGN, "does not start with KIOSK1"),
        ("KIOSK2 ABCDEF", NEWER, "version 2"),
        ("KIOSK1 !!!!", DAMAGED, "damaged or cut short"),
        ("KIOSK1 ", DAMAGED, "damaged or cut short"),
    ],
)
def test_what_is_not_a_usable_code_is_refused_saying_what_is_wrong(text, kind, says):
    with pytest.raises(ProvisioningCodeError) as caught:
        parse_code(text)
    assert caught.value.kind == kind and says in str(caught.value)


def test_a_code_cut_short_by_the_scanner_is_refused_as_damaged():
    text = make_code("https://kiosk.center.example", "Q07", "x" * 43).text()
    for cut in (len(text) - 1, len(text) - 9, 12):
        with pytest.raises(ProvisioningCodeError) as caught:
            parse_code(text[:cut])
        assert caught.value.kind == DAMAGED


def test_a_code_with_a_bad_field_names_the_field():
    import base64

    def coded(payload: str) -> str:
        return "KIOSK1 " + base64.b32encode(payload.encode()).decode().rstrip("=")

    for payload, says in [
        ('{"url":"ftp://x","counter":"Q1","token":"t"}', "url"),
        ('{"url":"http://x","counter":"Q 1","token":"t"}', "counter"),
        ('{"url":"http://x","counter":"Q1","token":"a b"}', "token"),
        ('{"url":"http://x","counter":"Q1"}', "no token"),
        ("[1, 2]", "no url, counter and token"),
    ]:
        with pytest.raises(ProvisioningCodeError) as caught:
            parse_code(coded(payload))
        assert says in str(caught.value), payload


def test_the_usb_sticks_file_is_found_where_sticks_are_mounted(tmp_path):
    from kiosk.ui.provision_actions import NoProvisioningFile, find_on_media
    from sync.provisioning import FILE_NAME, file_text, read_code_file

    media = str(tmp_path / "media" / "*" / "*")
    with pytest.raises(NoProvisioningFile):
        find_on_media([media])
    stick = tmp_path / "media" / "kiosk" / "USB DISK"
    stick.mkdir(parents=True)
    code = make_code("https://c.example", "Q07", "tok")
    (stick / FILE_NAME).write_text(file_text(code))
    found = find_on_media([media])
    assert found == stick / FILE_NAME
    assert read_code_file(found) == code, "the file's comment lines are skipped"
