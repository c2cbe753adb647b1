"""Steps of the wall clock (NTP at boot, a technician, a 2 s correction) change no duration:
cooldowns, ratings waiting for reasons and lockouts are timed on the monotonic clock.
Stored times stay UTC wall-clock instants."""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

import sync.outbox
from kiosk import dbtypes
from kiosk.counter import Counter, LoginRefused, RatingRefused

HOUR = 3600


class Clocks:
    """Steps the wall clock every kiosk module reads (``utcnow``) and, separately, the
    monotonic clock (``time.monotonic``): each moves only when the test says so."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.wall = timedelta(0)
        self.monotonic = 0.0
        real_utcnow, real_monotonic = dbtypes.utcnow, time.monotonic
        for module in list(sys.modules.values()):
            if getattr(module, "utcnow", None) is real_utcnow:
                monkeypatch.setattr(module, "utcnow", lambda: real_utcnow() + self.wall)
        monkeypatch.setattr(time, "monotonic", lambda: real_monotonic() + self.monotonic)

    def step_wall(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)

    def step_monotonic(self, seconds: float) -> None:
        self.monotonic += seconds


@pytest.fixture
def clocks(monkeypatch: pytest.MonkeyPatch) -> Clocks:
    return Clocks(monkeypatch)


def refusal(call, *args, **kwargs) -> str:
    with pytest.raises((RatingRefused, LoginRefused)) as caught:
        call(*args, **kwargs)
    return caught.value.reason


# --- cooldown -------------------------------------------------------------------------------


def test_a_forward_wall_clock_step_does_not_let_a_double_tap_through_the_cooldown(
    open_counter, clocks: Clocks, sql
):
    counter = open_counter(RATING__COOLDOWN_SECONDS="60")
    counter.login("CB001", "1234")
    counter.record(4)

    clocks.step_wall(+90)  # NTP corrects a slow clock between the two taps

    assert refusal(counter.record, 4) == "cooldown"
    assert sql("SELECT count(*) FROM ratings") == [(1,)]


def test_the_cooldown_ends_when_its_time_has_passed_even_if_the_wall_clock_stood_still(
    open_counter, clocks: Clocks
):
    counter = open_counter(RATING__COOLDOWN_SECONDS="60")
    counter.login("CB001", "1234")
    counter.record(4)

    clocks.step_monotonic(61)

    assert counter.record(3).level == 3


def test_a_backward_wall_clock_step_does_not_stretch_the_cooldown(open_counter, clocks: Clocks):
    counter = open_counter(RATING__COOLDOWN_SECONDS="60")
    counter.login("CB001", "1234")
    counter.record(4)

    clocks.step_wall(-2 * HOUR)
    clocks.step_monotonic(61)

    assert counter.record(3).level == 3


# --- ratings waiting for reasons ------------------------------------------------------------


def release_as_the_syncer_does(counter: Counter) -> None:
    sync.outbox.release_abandoned_holds(counter.store, counter.config)


def test_a_forward_wall_clock_step_on_the_reasons_screen_keeps_the_citizens_reasons(
    serving: Counter, open_counter, clocks: Clocks, sql
):
    rating = serving.record(1, ask_reasons=True)

    clocks.step_wall(+HOUR)
    release_as_the_syncer_does(serving)  # the syncer's push, in the kiosk process
    open_counter().close()  # and `kioskctl status`, in another

    serving.add_reasons(rating.id, ["waiting_time"])
    assert sql("SELECT held, reasons FROM ratings") == [(0, '["waiting_time"]')]


def test_a_backward_wall_clock_step_does_not_hold_a_rating_for_hours(
    serving: Counter, clocks: Clocks, sql
):
    rating = serving.record(1, ask_reasons=True)

    clocks.step_wall(-3 * HOUR)
    clocks.step_monotonic(serving.config.rating.reasons_timeout_seconds + 61)
    release_as_the_syncer_does(serving)

    assert sql("SELECT id, held FROM ratings") == [(rating.id, 0)]


def test_a_held_rating_is_released_once_its_wait_is_over_on_the_monotonic_clock(
    serving: Counter, clocks: Clocks, sql
):
    serving.record(1, ask_reasons=True)
    release_as_the_syncer_does(serving)
    assert sql("SELECT held FROM ratings") == [(1,)]

    clocks.step_monotonic(serving.config.rating.reasons_timeout_seconds + 61)
    release_as_the_syncer_does(serving)

    assert sql("SELECT held FROM ratings") == [(0,)]


def set_held(db: Path, **columns: object) -> None:
    connection = sqlite3.connect(db)
    with connection:
        for name, value in columns.items():
            connection.execute(f"UPDATE ratings SET {name} = ?", (value,))
    connection.close()


def test_a_rating_held_before_a_reboot_is_released_at_the_next_start(
    open_counter, data_dir: Path, sql
):
    counter = open_counter()
    counter.login("CB001", "1234")
    counter.record(1, ask_reasons=True)
    counter.close()
    set_held(data_dir / "kiosk.db", held_at_mono="an-earlier-boot 1234.5")

    open_counter()  # a moment later on the wall clock, but its reasons screen is gone

    assert sql("SELECT held FROM ratings") == [(0,)]


@pytest.mark.parametrize(("stamped", "still_held"), [(0, 1), (+3 * HOUR, 0), (-3 * HOUR, 0)])
def test_a_held_rating_without_a_mark_is_timed_by_the_wall_clock_in_either_direction(
    open_counter, data_dir: Path, sql, stamped: int, still_held: int
):
    """Ratings held by a release that made no marks: a clock set back three hours since
    must not hold one for three hours."""
    counter = open_counter()
    counter.login("CB001", "1234")
    rating = counter.record(1, ask_reasons=True)
    counter.close()
    created = rating.created_at + timedelta(seconds=stamped)
    set_held(
        data_dir / "kiosk.db",
        held_at_mono=None,
        created_at=created.replace(tzinfo=None).isoformat(sep=" "),
    )

    open_counter()

    assert sql("SELECT held FROM ratings") == [(still_held,)]


# --- lockout --------------------------------------------------------------------------------


@pytest.fixture
def locked_out(open_counter) -> Counter:
    counter = open_counter(STAFF__LOCKOUT_ATTEMPTS="2", STAFF__LOCKOUT_MINUTES="5")
    refusal(counter.login, "CB001", "9999")
    assert refusal(counter.login, "CB001", "9999") == "locked"
    return counter


def test_a_forward_wall_clock_step_does_not_lift_a_lockout(locked_out: Counter, clocks: Clocks):
    clocks.step_wall(+24 * HOUR)

    with pytest.raises(LoginRefused) as caught:
        locked_out.login("CB001", "1234")
    assert caught.value.reason == "locked"
    assert 0 < caught.value.retry_after <= 300


def test_a_backward_wall_clock_step_does_not_stretch_a_lockout(locked_out: Counter, clocks: Clocks):
    clocks.step_wall(-24 * HOUR)
    with pytest.raises(LoginRefused) as caught:
        locked_out.login("CB001", "1234")
    assert caught.value.retry_after <= 300, "never longer than the lockout itself"

    clocks.step_monotonic(301)

    assert locked_out.login("CB001", "1234").code == "CB001"


def test_a_lock_from_before_a_reboot_still_holds_but_no_longer_than_a_lockout(
    locked_out: Counter, data_dir: Path
):
    connection = sqlite3.connect(data_dir / "kiosk.db")
    with connection:  # the clock was a day ahead before the reboot
        connection.execute(
            "UPDATE officers SET locked_until_mono = 'an-earlier-boot 99.0',"
            " locked_until = datetime(locked_until, '+1 day') WHERE code = 'CB001'"
        )
    connection.close()

    with pytest.raises(LoginRefused) as caught:
        locked_out.login("CB001", "1234")
    assert caught.value.reason == "locked"
    assert caught.value.retry_after <= 300
