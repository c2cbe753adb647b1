"""The kiosk as a citizen, an officer and a technician use it: real widgets, real touch
and key events, a real SQLite file; each scenario runs in its own process."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def ratings(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        rows = db.execute(
            "SELECT level, reasons, held, lang, ticket, officer_code FROM ratings ORDER BY seq"
        ).fetchall()
    return [
        (level, json.loads(reasons or "[]"), bool(held), lang, ticket, officer)
        for level, reasons, held, lang, ticket, officer in rows
    ]


def test_officer_logs_in_and_a_citizen_rates_with_reasons(roster, run_ui, data_dir):
    roster()
    seen = run_ui("closed_login_rate_reasons_thanks")
    assert seen["screens"] == ["closed", "pin", "rate", "reasons", "thanks", "rate"]
    assert ratings(data_dir) == [(1, ["waiting_time", "attitude"], False, "vi", None, "CB001")]
    # The thanks screen is the same for every level: no face, no label of a level.
    assert "Cảm ơn Ông/Bà!" in seen["thanks_text"]
    assert not any("hài lòng" in text.lower() for text in seen["thanks_text"])


def test_wrong_pins_lock_the_login_and_say_for_how_long(roster, run_ui, data_dir):
    roster(STAFF__LOCKOUT_ATTEMPTS="2", STAFF__LOCKOUT_FIRST_SECONDS="120")
    seen = run_ui("badge_scan_lockout")
    assert seen["code"] == "CB001"  # the badge filled the code in
    assert seen["refused_close"] is True and seen["screen"] == "pin"
    first, second, locked = seen["messages"]
    assert "Mã PIN không đúng" in first and "Còn 1 lần thử" in first
    assert "tạm khóa" in second and "phút" in second
    assert "tạm khóa" in locked  # even the right PIN waits for the lock to end
    assert "Try again in" in seen["english"]
    assert ratings(data_dir) == []


def test_a_pin_typed_while_the_kiosk_stalled_still_logs_in(roster, run_ui):
    """Under load a person's digits reach the kiosk together, like a scanner's; on the PIN
    pad, digits that are no badge of the roster are the PIN (not a new officer code)."""
    roster()
    seen = run_ui("pin_typed_during_a_stall")
    assert seen["officer"] == "CB001"
    assert seen["screen"] != "pin"


def test_second_tap_within_cooldown_is_not_stored(roster, run_ui, data_dir, ui_env):
    roster(logged_in=True, RATING__COOLDOWN_SECONDS="120")
    seen = run_ui("cooldown_second_tap")
    assert seen["screen"] == "rate"
    assert [row[0] for row in ratings(data_dir)] == [4]


def test_rating_is_stored_at_the_first_tap_even_if_the_app_is_killed(roster, start_ui, data_dir):
    roster(logged_in=True)
    child = start_ui("tap_then_hang")
    deadline = time.monotonic() + 300
    for line in child.stdout:
        if line.startswith("TAPPED") or time.monotonic() > deadline:
            break
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert [row[0] for row in ratings(data_dir)] == [4]


def test_language_toggle_switches_texts_and_resets_for_the_next_citizen(roster, run_ui, data_dir):
    roster(logged_in=True)
    seen = run_ui("language_toggle")
    assert seen["english"]["question"] == "Are you satisfied with the officer who served you?"
    assert seen["english"]["faces"] == ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied"]
    assert seen["english"]["thanks"] == "Thank you!"
    assert seen["back"] == "Ông/Bà có hài lòng với cán bộ phục vụ không?"
    assert ratings(data_dir) == [
        (4, [], False, "en", None, "CB001"),
        (1, [], False, "vi", None, "CB001"),  # key 4 = 4th face; Skip released it
    ]


def test_service_screen_refuses_a_wrong_technician_pin(roster, run_ui):
    roster(logged_in=True)
    seen = run_ui("service_wrong_pin")
    assert seen["short"] == "rate"
    assert seen["mode"] == "service"
    assert seen["refused"] == {"screen": "pin", "message": "Mã PIN kỹ thuật viên không đúng."}
    assert seen["info"]["svc_central"] == "chưa cấu hình: chạy lệnh kioskctl provision"
    assert seen["info"]["svc_officer"] == "Nguyễn Thị Hồng Nhung (CB001)"


def test_per_turn_faces_wait_for_the_turn_key_or_a_ticket(roster, run_ui, data_dir):
    roster(logged_in=True, RATING__MODE='"per_turn"')
    seen = run_ui("per_turn")
    assert seen["still"] == "waiting"
    assert [(row[0], row[4]) for row in ratings(data_dir)] == [(3, None), (4, "HS-0042")]


def test_officer_pauses_and_resumes_with_the_pin(roster, run_ui, data_dir):
    roster(logged_in=True)
    seen = run_ui("staff_pause_resume")
    assert seen == {"paused": "paused", "screen": "rate"}


def test_scans_on_the_rate_screen_are_never_ratings(roster, run_ui, data_dir):
    """A badge or a ticket scanner types like a keyboard: CB002 + Enter must not rate the
    face 2, a ticket must not rate either; only a lone key from the number pad rates."""
    roster(logged_in=True)
    seen = run_ui("scans_on_the_rate_screen")
    assert seen["handover"] == {"mode": "login", "code": "CB002", "field": "pin"}
    assert seen["after_ticket"] == "rate" and seen["after_digit_scan"] == "rate"
    assert seen["own_badge"] == "staff", "the officer's own badge opens the menu, no PIN"
    assert seen["lone_key"] == "thanks"
    # Exactly one rating: the lone key's (the second face, level 3), with the ticket.
    assert [(row[0], row[4], row[5]) for row in ratings(data_dir)] == [(3, "A-0153", "CB001")]


def test_a_double_tap_on_a_low_face_ticks_no_reason(roster, run_ui, data_dir):
    # Portrait 1080x1920: the lowest face lies where the reason "other" appears next.
    roster(logged_in=True)
    seen = run_ui("double_tap_on_a_low_face", size="1080x1920")
    assert seen["screen"] == "reasons"
    assert seen["chosen"] == [], "the second tap of a double tap landed on a reason"
    assert ratings(data_dir) == [(1, [], False, "vi", None, "CB001")]


def test_a_citizen_guessing_pins_cannot_lock_the_officer_out_of_the_counter(
    roster, run_ui, data_dir
):
    roster(logged_in=True)
    seen = run_ui("citizen_guesses_pins_then_the_officer_scans")
    assert seen["after_guesses"], "five wrong PINs make the login wait"
    assert seen["badge"] == "staff", "the officer's badge opens the menu despite the wait"
    assert seen["resumed"] == "rate", "and resumes the paused counter"
    with sqlite3.connect(data_dir / "kiosk.db") as db:
        sessions = db.execute("SELECT officer_code, ended_at FROM counter_sessions").fetchall()
    assert sessions == [("CB001", None)], "one session throughout: nobody was logged out"


def test_the_next_citizen_finds_the_kiosk_reset_after_the_last_one_walked_away(
    roster, run_ui, data_dir
):
    roster(logged_in=True, UI__IDLE_SECONDS="1.5")
    seen = run_ui("a_citizen_walks_away_half_way")
    assert seen["english"] != seen["after_idle"] and seen["lang"] == "vi"
    assert ratings(data_dir) == [(4, [], False, "vi", None, "CB001")], "no inherited ticket"
