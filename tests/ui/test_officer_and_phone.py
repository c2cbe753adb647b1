"""The officer's own figures on their menu, and the phone link's QR code on the thanks
screen, in the whole real app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter
from sync.phone_link import link_key, verify_code
from tests.ui.conftest import _config_env

pytestmark = pytest.mark.slow  # the whole app, some tens of seconds a test
TOKEN = "t0ken-of-counter-q07"
PHONE_URL = "https://dichvucong.example.vn"


# Long enough to tell from the 3 s of a thanks without a code; the shipped 20 s would
# only make the test wait.
PHONE_LINK_SECONDS = 6


def _phone_on(roster: Callable[..., None], tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    roster(
        logged_in=True,
        RATING__PHONE_LINK="true",
        RATING__PHONE_LINK_URL=PHONE_URL,
        RATING__PHONE_LINK_SECONDS=str(PHONE_LINK_SECONDS),
        CENTRAL__TOKEN_FILE=str(token_file),
    )


def test_thanks_screen_shows_a_qr_code_of_a_signed_one_time_link(
    roster: Callable[..., None], run_ui: Callable[..., dict], tmp_path: Path
) -> None:
    _phone_on(roster, tmp_path)
    seen = run_ui("scenarios_officer:thanks_with_or_without_qr")
    first, second = seen["first"], seen["second"]
    for shown in (first, second):
        assert shown["link"].startswith(PHONE_URL + "/r/")
        assert shown["opacity"] == 1 and shown["box_height"] > 100
        assert shown["qr_size"][0] >= 29  # a real QR symbol with its quiet zone
    assert first["link"] != second["link"]  # one link per rating
    payload = verify_code(first["link"].rsplit("/", 1)[1], link_key(TOKEN))
    assert (payload.counter, payload.officer) == ("Q07", "CB001")
    assert any("Quét mã này" in text for text in first["texts"])
    # The code stays long enough to scan: phone_link_seconds, not the plain thanks' 3 s.
    assert first["seconds_shown"] >= PHONE_LINK_SECONDS - 0.5, first["seconds_shown"]


def test_thanks_screen_shows_no_qr_code_when_phone_link_is_off(
    roster: Callable[..., None], run_ui: Callable[..., dict]
) -> None:
    roster(logged_in=True)
    seen = run_ui("scenarios_officer:thanks_with_or_without_qr")
    for shown in (seen["first"], seen["second"]):
        assert shown["link"] == "" and shown["qr_size"] is None
        assert shown["box_height"] == 0 and shown["opacity"] == 0
    assert not any("Quét mã" in text for text in seen["first"]["texts"])


def test_officer_sees_own_figures_only_on_their_menu_and_not_after_one_more_rating(
    roster: Callable[..., None], run_ui: Callable[..., dict], ui_env: dict[str, str]
) -> None:
    roster(logged_in=True)
    config = load_config(DEFAULT_CONFIG, environ=_config_env(ui_env))
    with Counter.open(config=config) as counter:
        for level in [4] * 9 + [1] * 3:
            counter.record(level)
    seen = run_ui("scenarios_officer:officer_figures_and_citizen_screens")
    # 12 ratings: the first whole steps of them (10, 9 satisfied), never the exact 12.
    assert seen["before"] == [
        "Hôm nay: 10 lượt, 90% hài lòng",
        "Tháng này: 10 lượt, 90% hài lòng",
    ]
    # One citizen rated in between: the figures must not move by that one rating.
    assert seen["after"] == seen["before"]
    assert "Chỉ số liệu tại quầy này" in seen["source"]
    shown_to_citizens = " | ".join(seen["citizen"])
    assert "lượt," not in shown_to_citizens and "90%" not in shown_to_citizens


def test_below_the_minimum_no_figure_is_shown(
    roster: Callable[..., None], run_ui: Callable[..., dict], ui_env: dict[str, str]
) -> None:
    roster(logged_in=True)
    config = load_config(DEFAULT_CONFIG, environ=_config_env(ui_env))
    with Counter.open(config=config) as counter:
        for level in (4, 4, 1):
            counter.record(level)
    texts = run_ui("scenarios_officer:staff_menu_to_render")["texts"]
    assert "Hôm nay: chưa đủ lượt đánh giá để hiển thị" in texts
    assert "Tháng này: chưa đủ lượt đánh giá để hiển thị" in texts
    assert not any("%" in text for text in texts)
