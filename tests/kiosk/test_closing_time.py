"""Automatic logout: a login never outlives the local day it was made on.

Logged in before the closing time (17:30 here), an officer is logged out at it. Logged in
after it (overtime, an evening session), the officer works the evening and is logged out at
midnight: not at once, and not at 17:30 the next day, with the next morning's ratings filed
under their name. "Day" is the counter's (Asia/Ho_Chi_Minh, UTC+7), whose midnight is
17:00 UTC: the wall clock is injected, so each case runs at the local hour it names.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kiosk import dbtypes, staff
from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter, RatingRefused

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def hanoi(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local instant in Hanoi, in November 2026."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=HANOI)


class WallClock:
    """The wall clock every kiosk module reads (``utcnow``), set by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.now = hanoi(2, 8)
        real = dbtypes.utcnow
        for module in list(sys.modules.values()):
            if getattr(module, "utcnow", None) is real:
                monkeypatch.setattr(module, "utcnow", lambda: self.now.astimezone(UTC))

    def set(self, instant: datetime) -> None:
        self.now = instant


@pytest.fixture
def wall(monkeypatch: pytest.MonkeyPatch) -> WallClock:
    return WallClock(monkeypatch)


@pytest.fixture
def counter(open_counter) -> Counter:
    return open_counter(COUNTER__CLOSING_TIME="17:30:00")


def serving(counter: Counter) -> str | None:
    officer = counter.desk().officer
    return officer.code if officer else None


def refused(counter: Counter) -> str:
    with pytest.raises(RatingRefused) as caught:
        counter.record(4)
    return caught.value.reason


# --- the rule, in one place ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("started", "ends"),
    [
        (hanoi(2, 8), hanoi(2, 17, 30)),
        # 06:00 in Hanoi is 23:00 UTC of the day before: the local day decides.
        (hanoi(2, 6), hanoi(2, 17, 30)),
        (hanoi(2, 0, 30), hanoi(2, 17, 30)),
        (hanoi(2, 17, 29, 59), hanoi(2, 17, 30)),
        # At or after the closing time: the end of that local day, 17:00 UTC.
        (hanoi(2, 17, 30), hanoi(3, 0)),
        (hanoi(2, 19), hanoi(3, 0)),
        (hanoi(2, 23, 59), hanoi(3, 0)),
        # Across a month's end.
        (hanoi(30, 19), datetime(2026, 12, 1, tzinfo=HANOI)),
    ],
    ids=lambda value: f"{value:%d %H:%M:%S}",
)
def test_a_session_ends_at_the_closing_time_of_its_local_day_or_at_midnight_after_it(
    started: datetime, ends: datetime
):
    config = load_config(DEFAULT_CONFIG, environ={"KIOSK__COUNTER__CLOSING_TIME": "17:30:00"})

    assert staff.closing_instant(config, started.astimezone(UTC)) == ends
    assert staff.closing_instant(config, started.astimezone(UTC)).tzinfo == UTC


def test_without_a_closing_time_a_session_never_ends_by_itself():
    config = load_config(DEFAULT_CONFIG, environ={"KIOSK__COUNTER__CLOSING_TIME": '""'})
    assert staff.closing_instant(config, hanoi(2, 19)) is None


# --- the counter, with the clock moving ------------------------------------------------------


def test_an_officer_who_logs_in_after_closing_time_works_the_evening(
    counter: Counter, wall: WallClock
):
    wall.set(hanoi(2, 19))
    counter.login("CB001", "1234")
    assert serving(counter) == "CB001", "not logged out at once"
    counter.record(4)

    wall.set(hanoi(2, 23, 59, 59))
    assert serving(counter) == "CB001"
    counter.record(3)


def test_an_evening_login_ends_at_local_midnight(counter: Counter, wall: WallClock, sql):
    wall.set(hanoi(2, 19))
    counter.login("CB001", "1234")

    wall.set(hanoi(3, 0))  # 17:00 UTC, still the 2nd in UTC
    assert refused(counter) == "no_officer", "the write path applies the same rule"
    assert serving(counter) is None
    ((reason, ended_at),) = sql("SELECT end_reason, ended_at FROM counter_sessions")
    assert reason == "closing_time"
    assert datetime.fromisoformat(ended_at).replace(tzinfo=UTC) == hanoi(3, 0)


def test_an_evening_login_is_not_kept_into_the_next_working_day(counter: Counter, wall: WallClock):
    wall.set(hanoi(2, 19))
    counter.login("CB001", "1234")

    wall.set(hanoi(3, 8))  # the next morning, before that day's closing time
    assert serving(counter) is None
    assert refused(counter) == "no_officer"
    assert counter.status().officer is None


def test_a_morning_login_ends_at_that_days_closing_time(counter: Counter, wall: WallClock, sql):
    # 06:00 in Hanoi is 23:00 UTC on the 1st: a UTC date would pick the wrong closing time.
    wall.set(hanoi(2, 6))
    counter.login("CB001", "1234")

    wall.set(hanoi(2, 17, 29, 59))
    counter.record(4)
    assert serving(counter) == "CB001"

    wall.set(hanoi(2, 17, 30))
    assert refused(counter) == "no_officer"
    assert serving(counter) is None
    ((ended_at,),) = sql("SELECT ended_at FROM counter_sessions")
    assert datetime.fromisoformat(ended_at).replace(tzinfo=UTC) == hanoi(2, 17, 30)


def test_logging_in_again_after_an_automatic_logout_starts_a_new_evening(
    counter: Counter, wall: WallClock, sql
):
    wall.set(hanoi(2, 16))
    counter.login("CB001", "1234")
    wall.set(hanoi(2, 18))  # logged out at 17:30; back for overtime
    assert serving(counter) is None
    counter.login("CB001", "1234")
    wall.set(hanoi(2, 18) + timedelta(hours=3))
    counter.record(4)

    assert sql("SELECT end_reason FROM counter_sessions ORDER BY started_at") == [
        ("closing_time",),
        (None,),
    ]
