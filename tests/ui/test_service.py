"""The technician's service screen tells the truth: failures in the kiosk's language, in
the error colour, with the next step (the sync layer's English only as a detail);
"sync now" says how many ratings went; exit and logout ask first."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter
from kiosk.ui import theme
from kiosk.ui.i18n import t

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def closed_port() -> int:
    """A port nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def provision(roster, tmp_path: Path, url: str, token: str = "a-counter-token") -> None:
    """Point the kiosk at ``url`` with its token, officer CB001 logged in; the syncer is
    the real one, but sends only when the service screen asks (UI_SYNC=idle)."""
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    roster(
        logged_in=True,
        CENTRAL__URL=url,
        CENTRAL__TOKEN_FILE=str(token_file),
        CENTRAL__CONNECT_TIMEOUT_SECONDS="2",
        CENTRAL__READ_TIMEOUT_SECONDS="5",
    )


def rate(ui_env: dict[str, str], *levels: int) -> None:
    environ = {name: value for name, value in ui_env.items() if name.startswith("KIOSK__")}
    with Counter.open(config=load_config(DEFAULT_CONFIG, environ=environ)) as counter:
        for level in levels:
            counter.record(level)


def sync_states(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        return [row[0] for row in db.execute("SELECT sync_state FROM ratings ORDER BY seq")]


def test_an_unreachable_central_is_said_in_vietnamese_in_the_error_colour(
    roster, run_ui, ui_env, tmp_path, data_dir
):
    provision(roster, tmp_path, f"http://127.0.0.1:{closed_port()}")
    rate(ui_env, 4)
    ui_env["UI_SYNC"] = "idle"
    seen = run_ui("service_unreachable_central")
    for outcome in (seen["test"], seen["sync"]):
        assert outcome["message"] == t("err_unavailable", "vi")
        assert "Không kết nối được máy chủ trung tâm" in outcome["message"]
        assert outcome["failed"] and outcome["colour"] == list(theme.ALERT)
        # The sync layer's own words stay, small, under the sentence.
        assert outcome["detail"].startswith("central not reached: connection failed")
    assert seen["english"]["message"] == t("err_unavailable", "en")
    assert "connection failed" in seen["info"]["svc_last_error"]
    assert sync_states(data_dir) == ["pending"]  # nothing lost, nothing marked


def test_sync_now_says_how_many_ratings_the_central_took(
    roster, run_ui, ui_env, tmp_path, data_dir, central
):
    token = central.add_counter("Q07", department="CA")
    provision(roster, tmp_path, central.url, token)
    rate(ui_env, 4, 3, 1)
    ui_env["UI_SYNC"] = "idle"
    seen = run_ui("service_sync_now")
    assert seen["before"]["svc_counts"] == "3 chờ gửi · 0 đã gửi · 0 bị từ chối · 0 chờ lý do"
    assert t("sync_progress", "vi", done=0, total=3) in seen["shown"]
    assert seen["outcome"]["message"] == t("sync_sent_all", "vi", sent=3)
    assert seen["outcome"]["message"] == (
        "Đồng bộ xong: đã gửi 3 đánh giá, không còn đánh giá nào chờ gửi."
    )
    assert not seen["outcome"]["failed"]
    assert seen["after"]["svc_counts"] == "0 chờ gửi · 3 đã gửi · 0 bị từ chối · 0 chờ lý do"
    assert seen["after"]["svc_sync_state"] == t("sync_ok", "vi")
    assert sync_states(data_dir) == ["sent"] * 3
    assert len(central.stored_ids()) == 3


def test_exit_and_logout_ask_for_confirmation_first(roster, run_ui):
    roster(logged_in=True)
    seen = run_ui("service_asks_before_exit_and_logout")
    assert seen["exit_asked"] == {
        "exits": [],
        "asking": "exit",
        "q": t("confirm_exit", "vi"),
    }
    assert seen["exit_declined"] == {"exits": [], "asking": ""}
    assert seen["logout_asked"] == {
        "officer": "CB001",  # still logged in while asked
        "q": "Đăng xuất cán bộ Nguyễn Thị Hồng Nhung (CB001)? Quầy sẽ ngừng nhận đánh giá.",
    }
    assert seen["logged_out"] == {
        "officer": None,
        "message": t("logged_out", "vi"),
        "button_disabled": True,
    }
    assert seen["exit_confirmed"] == ["exit"]


def test_every_screen_shows_catalog_texts_in_both_languages(roster, run_ui):
    roster(logged_in=True)
    seen = run_ui("every_screen_in_both_languages")
    assert seen["missing"] == []
    vi, en = set(seen["texts"]["vi"]), set(seen["texts"]["en"])
    assert t("question", "vi") in vi and t("question", "en") in en
    assert t("confirm_exit", "vi") in vi and t("confirm_logout_yes", "en") in en
    # No English on the Vietnamese screens, but for names of things.
    english_only = {text for text in en - vi if text.isascii() and " " in text}
    assert not english_only & vi
    for text in vi:
        assert "Staff" not in text and "Officer" not in text and "Sync" not in text, text


def test_the_last_sync_failure_is_said_in_the_kiosks_language_by_its_kind():
    from kiosk.ui.i18n import t
    from kiosk.ui.screens.service import _last_error
    from sync.answers import CentralUnavailable
    from sync.scheduler import ERROR, SyncStatus

    failure = CentralUnavailable("central not reached: connection failed (Connection refused)")
    shown = _last_error(SyncStatus(ERROR, failure=failure), "stored English text", "vi")
    assert shown.startswith(t("err_unavailable", "vi"))
    assert "Connection refused" in shown, "the technician's detail follows"
