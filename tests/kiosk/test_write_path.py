"""The one write path of a rating (Counter.record) and every rule that guards it."""

from __future__ import annotations

import time
from datetime import UTC

import pytest

from kiosk.counter import Counter, RatingRefused


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises(RatingRefused) as caught:
        call(*args, **kwargs)
    assert str(caught.value), "a refusal carries words a screen can show"
    return caught.value.reason


def test_rating_is_stored_with_officer_counter_and_session(serving: Counter, sql):
    rating = serving.record(4, lang="en")

    (row,) = sql(
        "SELECT id, counter_id, officer_code, department_code, level, lang, held, sync_state,"
        " session_id FROM ratings"
    )
    assert row[:8] == (rating.id, "Q07", "CB001", "CA", 4, "en", 0, "pending")
    (session_id,) = sql("SELECT id FROM counter_sessions WHERE ended_at IS NULL")[0]
    assert row[8] == session_id
    assert rating.created_at.tzinfo == UTC
    assert serving.status().today_by_level == {4: 1, 3: 0, 2: 0, 1: 0}
    assert serving.status().pending == 1


def test_ratings_get_increasing_sequence_numbers(serving: Counter):
    seqs = [serving.record(level).seq for level in (4, 3, 2, 1)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4


def test_tap_with_no_officer_logged_in_is_refused_and_not_stored(counter: Counter, sql):
    assert refusal(counter.record, 4) == "no_officer"
    assert sql("SELECT count(*) FROM ratings") == [(0,)]


def test_tap_after_logout_is_refused(serving: Counter, sql):
    serving.record(4)
    serving.logout()
    assert refusal(serving.record, 3) == "no_officer"
    assert sql("SELECT level FROM ratings") == [(4,)]


@pytest.mark.parametrize("level", [0, 5, -1, 99])
def test_level_that_is_not_configured_is_refused(serving: Counter, sql, level: int):
    assert refusal(serving.record, level) == "unknown_level"
    assert sql("SELECT count(*) FROM ratings") == [(0,)]


def test_reason_that_is_not_configured_is_refused(serving: Counter, sql):
    assert refusal(serving.record, 1, ["attitude", "bribe"]) == "unknown_reason"
    assert sql("SELECT count(*) FROM ratings") == [(0,)]


def test_configured_reasons_are_stored_once_each_in_order(serving: Counter, sql):
    serving.record(1, ["waiting_time", "attitude", "waiting_time"])
    assert sql("SELECT reasons FROM ratings") == [('["waiting_time", "attitude"]',)]


# --- cooldown -----------------------------------------------------------------------------


def test_second_tap_within_cooldown_is_not_stored_but_counted(open_counter, sql):
    counter = open_counter(RATING__COOLDOWN_SECONDS="60")
    counter.login("CB001", "1234")
    first = counter.record(4)

    assert refusal(counter.record, 1) == "cooldown"
    assert refusal(counter.record, 4) == "cooldown"

    assert sql("SELECT id FROM ratings") == [(first.id,)]
    status = counter.status()
    assert status.ignored_today == 2
    assert status.today_total == 1


def test_cooldown_holds_across_a_restart(open_counter, sql):
    counter = open_counter(RATING__COOLDOWN_SECONDS="60")
    counter.login("CB001", "1234")
    counter.record(4)
    counter.close()

    restarted = open_counter(RATING__COOLDOWN_SECONDS="60")
    assert refusal(restarted.record, 4) == "cooldown"
    assert sql("SELECT count(*) FROM ratings") == [(1,)]


def test_tap_after_the_cooldown_is_stored(open_counter, sql):
    counter = open_counter(RATING__COOLDOWN_SECONDS="0.2")
    counter.login("CB001", "1234")
    counter.record(4)
    time.sleep(0.4)  # only a lower bound matters: a slow machine just waits longer
    counter.record(3)
    assert sql("SELECT level FROM ratings ORDER BY seq") == [(4,), (3,)]
    assert counter.status().ignored_today == 0


def test_refused_taps_other_than_cooldown_are_not_counted_as_ignored(serving: Counter):
    refusal(serving.record, 9)
    refusal(serving.record, 1, ["nonsense"])
    assert serving.status().ignored_today == 0


# --- per_turn mode ------------------------------------------------------------------------


@pytest.fixture
def per_turn(open_counter) -> Counter:
    counter = open_counter(RATING__MODE='"per_turn"')
    counter.login("CB001", "1234")
    return counter


def test_per_turn_tap_without_an_open_turn_is_refused(per_turn: Counter, sql):
    assert refusal(per_turn.record, 4) == "no_turn"
    assert sql("SELECT count(*) FROM ratings") == [(0,)]
    assert per_turn.status().turn_open is False


def test_per_turn_accepts_exactly_one_rating_per_turn(per_turn: Counter, sql):
    turn = per_turn.open_turn()
    assert per_turn.status().turn_open is True
    per_turn.record(4)

    assert refusal(per_turn.record, 1) == "no_turn"
    assert per_turn.status().turn_open is False
    assert sql("SELECT level, turn_id FROM ratings") == [(4, turn.id)]

    per_turn.open_turn()
    per_turn.record(2)
    assert sql("SELECT level FROM ratings ORDER BY seq") == [(4,), (2,)]


def test_per_turn_stores_the_ticket_with_the_rating(per_turn: Counter, sql):
    per_turn.open_turn(ticket="  HS-000.123/2025  ")
    rating = per_turn.record(3)
    assert rating.ticket == "HS-000.123/2025"
    assert sql("SELECT ticket FROM ratings") == [("HS-000.123/2025",)]


def test_per_turn_new_turn_replaces_an_unrated_one(per_turn: Counter, sql):
    per_turn.open_turn(ticket="A001")
    per_turn.open_turn(ticket="A002")  # the first citizen left without rating
    per_turn.record(4)
    assert refusal(per_turn.record, 4) == "no_turn"
    assert sql("SELECT ticket FROM ratings") == [("A002",)]


def test_per_turn_logout_closes_the_open_turn(per_turn: Counter, sql):
    per_turn.open_turn()
    per_turn.logout()
    per_turn.login("CB001", "1234")
    assert refusal(per_turn.record, 4) == "no_turn"


def test_turn_cannot_be_opened_with_nobody_logged_in(open_counter):
    counter = open_counter(RATING__MODE='"per_turn"')
    assert refusal(counter.open_turn) == "no_officer"


def test_ticket_that_is_too_long_or_unprintable_is_refused(per_turn: Counter):
    assert refusal(per_turn.open_turn, "X" * 65) == "bad_ticket"
    assert refusal(per_turn.open_turn, "A001\x1b[2J") == "bad_ticket"


# --- open mode with a scanned ticket ------------------------------------------------------


def test_open_mode_rates_without_a_turn(serving: Counter, sql):
    serving.record(4)
    serving.record(4)
    assert sql("SELECT count(*), count(ticket), count(turn_id) FROM ratings") == [(2, 0, 0)]


def test_open_mode_attaches_a_scanned_ticket_to_the_next_rating_only(serving: Counter, sql):
    serving.open_turn(ticket="Q-0042")
    serving.record(3)
    serving.record(4)
    assert sql("SELECT level, ticket FROM ratings ORDER BY seq") == [(3, "Q-0042"), (4, None)]


# --- reasons asked after the tap ----------------------------------------------------------


def test_rating_waiting_for_reasons_is_stored_but_held_from_sync(serving: Counter, sql):
    rating = serving.record(1, ask_reasons=True)

    assert rating.held is True
    assert sql("SELECT id, held, reasons FROM ratings") == [(rating.id, 1, "[]")]
    status = serving.status()
    assert (status.held, status.pending) == (1, 0)
    assert status.today_by_level[1] == 1


def test_add_reasons_stores_them_and_releases_the_rating(serving: Counter, sql):
    rating = serving.record(2, ask_reasons=True)
    serving.add_reasons(rating.id, ["guidance", "other"])

    assert sql("SELECT held, reasons FROM ratings") == [(0, '["guidance", "other"]')]
    status = serving.status()
    assert (status.held, status.pending) == (0, 1)


def test_skipping_the_reasons_releases_the_rating_without_reasons(serving: Counter, sql):
    rating = serving.record(1, ask_reasons=True)
    serving.add_reasons(rating.id, [])
    assert sql("SELECT held, reasons FROM ratings") == [(0, "[]")]


def test_add_reasons_on_a_final_rating_is_refused(serving: Counter, sql):
    final = serving.record(1, ["attitude"])
    assert refusal(serving.add_reasons, final.id, ["waiting_time"]) == "not_held"

    released = serving.record(1, ask_reasons=True)
    serving.add_reasons(released.id, ["other"])
    assert refusal(serving.add_reasons, released.id, ["attitude"]) == "not_held"

    assert sql("SELECT reasons FROM ratings ORDER BY seq") == [('["attitude"]',), ('["other"]',)]


def test_add_reasons_with_an_unknown_reason_is_refused_and_rating_stays_held(serving: Counter, sql):
    rating = serving.record(1, ask_reasons=True)
    assert refusal(serving.add_reasons, rating.id, ["bogus"]) == "unknown_reason"
    assert sql("SELECT held, reasons FROM ratings") == [(1, "[]")]


def test_add_reasons_to_an_unknown_rating_is_refused(serving: Counter):
    assert refusal(serving.add_reasons, "no-such-id", []) == "unknown_rating"


def test_held_rating_left_by_a_crash_is_released_at_next_start(open_counter, sql):
    counter = open_counter(RATING__REASONS_TIMEOUT_SECONDS="0.2")
    counter.login("CB001", "1234")
    rating = counter.record(1, ask_reasons=True)
    # The process dies on the reasons screen: nobody calls add_reasons.
    counter.close()
    time.sleep(0.4)  # longer than any reasons screen waits

    restarted = open_counter(RATING__REASONS_TIMEOUT_SECONDS="0.2")
    assert sql("SELECT id, held, reasons FROM ratings") == [(rating.id, 0, "[]")]
    assert restarted.status().pending == 1
    assert refusal(restarted.add_reasons, rating.id, ["attitude"]) == "not_held"


def test_kioskctl_opening_the_counter_does_not_take_the_rating_off_a_live_reasons_screen(
    open_counter, sql
):
    kiosk = open_counter()
    kiosk.login("CB001", "1234")
    rating = kiosk.record(1, ask_reasons=True)

    # Meanwhile the technician runs `kioskctl status`: a second Counter on the same file.
    technician = open_counter()
    assert technician.status().held == 1
    technician.close()

    kiosk.add_reasons(rating.id, ["waiting_time"])
    assert sql("SELECT held, reasons FROM ratings") == [(0, '["waiting_time"]')]
