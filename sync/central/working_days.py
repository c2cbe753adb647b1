"""When the monthly report is due: the first working day of a month (Monday to Friday, not
a listed holiday) at the send hour, in the center's time zone.

``due_month(now)`` answers which month's report should have gone out by ``now``: the
month before the current one once this month's first working day has reached the send
hour, else the month before that (its report was due last month). A central that was
down on the day therefore still finds the report it owes when it comes back.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sync.central.periods import Period, parse

# A month always has a working day in its first weeks; more holidays than this in a row
# is a mistake in the settings, not a calendar.
_LONGEST_BREAK = 31


class NoWorkingDay(ValueError):
    """The holidays leave no working day at the start of the month."""


def first_working_day(year: int, month: int, holidays: Collection[date]) -> date:
    day = date(year, month, 1)
    for _ in range(_LONGEST_BREAK):
        if day.weekday() < 5 and day not in holidays:
            return day
        day += timedelta(days=1)
    raise NoWorkingDay(f"no working day from {year}-{month:02d}-01 on for {_LONGEST_BREAK} days")


def due_at(
    year: int, month: int, holidays: Collection[date], send_hour: int, tz: ZoneInfo
) -> datetime:
    """The moment (UTC) the report of the month before ``year-month`` is due."""
    day = first_working_day(year, month, holidays)
    return datetime.combine(day, time(send_hour), tzinfo=tz).astimezone(UTC)


def due_month(
    now: datetime, holidays: Collection[date], send_hour: int, tz: ZoneInfo
) -> tuple[Period, datetime]:
    """The latest month whose report is due at ``now`` (UTC), and when it fell due."""
    local = now.astimezone(tz)
    this_month = date(local.year, local.month, 1)
    when = due_at(local.year, local.month, holidays, send_hour, tz)
    if now < when:
        # This month's report day has not come yet: last month's was the latest due.
        this_month = (this_month - timedelta(days=1)).replace(day=1)
        when = due_at(this_month.year, this_month.month, holidays, send_hour, tz)
    reported = this_month - timedelta(days=1)
    return parse("month", f"{reported:%Y-%m}"), when
