"""The one way an officer's own figures are stepped, at the center and on a kiosk alone.

A figure is a pure function of the ratings in the order they arrived: the total is the
count floored to a multiple of ``step``, and the satisfied count is that of the same first
ratings (the snapshot taken when the total reached that multiple), never the exact count of
now. So every look at the same moment shows the same figure, whoever asks, and between two
looks a figure changes only when a whole step of new ratings came, by what that step of
ratings held together: never what one citizen chose. Nothing is shown below ``min_count``.

The month is the days before today stepped, plus today stepped: one set of steps for
today's ratings, whichever period is looked at, so the day and the month never offset each
other's steps (two overlapping steps would tell the ratings between their ends apart).

No FastAPI, no Kivy: both ends import this.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stepped:
    total: int
    satisfied: int


def step_levels(levels: Sequence[int], satisfied_levels: Collection[int], step: int) -> Stepped:
    """``levels`` in the order they arrived, stepped: the first whole steps of them."""
    shown = len(levels) // step * step
    return Stepped(shown, sum(1 for level in levels[:shown] if level in satisfied_levels))


def day_and_month(
    before_today: Sequence[int],
    today: Sequence[int],
    satisfied_levels: Collection[int],
    min_count: int,
    step: int,
) -> tuple[Stepped | None, Stepped | None]:
    """Today's figure and this month's (None: fewer than ``min_count`` to show), from the
    levels of this month's days before today and of today, each in the order they arrived."""
    day = step_levels(today, satisfied_levels, step)
    earlier = step_levels(before_today, satisfied_levels, step)
    month = Stepped(earlier.total + day.total, earlier.satisfied + day.satisfied)
    return _enough(day, min_count), _enough(month, min_count)


def _enough(figure: Stepped, min_count: int) -> Stepped | None:
    return figure if figure.total >= min_count and figure.total > 0 else None
