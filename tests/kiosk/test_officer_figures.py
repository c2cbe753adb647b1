"""The officer's own figures on a kiosk: the center's stepped answer shown as it came (the
kiosk adds nothing of its own); without it, this counter's ratings stepped the same pure
way: nothing below the minimum, steps of several ratings, no memory of earlier looks."""

from __future__ import annotations

import json

from sqlalchemy import update

from kiosk.counter import Counter
from kiosk.models import SENT, Rating, State, utcnow
from kiosk.officer_figures import CENTER_KEY


def rate(counter: Counter, *levels: int) -> None:
    for level in levels:
        counter.record(level)


def test_nothing_is_shown_below_the_minimum_count(serving: Counter) -> None:
    rate(serving, *[4] * 9)
    figures = serving.officer_figures()
    assert figures is not None and figures.today is None and figures.month is None
    rate(serving, 1)
    figures = serving.officer_figures()
    assert (figures.today.total, figures.today.satisfied) == (10, 9)
    assert figures.with_center is False


def test_figures_move_only_by_a_step_of_several_ratings(serving: Counter) -> None:
    rate(serving, *[4] * 10)
    assert serving.officer_figures().today.total == 10
    for _ in range(4):  # each citizen's rating, the officer looking after each one
        rate(serving, 1)
        shown = serving.officer_figures().today
        assert (shown.total, shown.satisfied) == (10, 10)
    rate(serving, 1)
    shown = serving.officer_figures().today
    assert (shown.total, shown.satisfied) == (15, 10)


def test_the_figure_is_the_same_whoever_looked_before_and_after_a_restart(
    open_counter, serving: Counter
) -> None:
    rate(serving, *[4] * 10, 1, 1)
    # 12 ratings: the first whole steps (10) and what those 10 were, never the 12.
    shown = serving.officer_figures().today
    assert (shown.total, shown.satisfied) == (10, 10)
    rate(serving, 4)
    serving.close()
    again = open_counter().officer_figures().today
    assert (again.total, again.satisfied) == (10, 10)


def test_a_satisfied_rating_inside_a_step_does_not_move_the_satisfied_count(
    serving: Counter,
) -> None:
    rate(serving, *[1] * 10)
    looks = []
    for _ in range(4):  # satisfied citizens: the exact rate would climb with each one
        rate(serving, 4)
        shown = serving.officer_figures().today
        looks.append((shown.total, shown.satisfied))
    assert looks == [(10, 0)] * 4


def test_no_figures_without_an_officer(counter: Counter) -> None:
    assert counter.officer_figures() is None


def _center_answer(
    counter: Counter, officer: str, today: int, month: int, asked_at, step: int | None = 5
) -> None:
    day = utcnow().astimezone(counter.config.counter.tz).date()
    record = {
        "asked_at": asked_at.isoformat(),
        "officer": officer,
        "day": day.isoformat(),
        "month": day.isoformat()[:7],
        "today": {"total": today, "satisfied": today - 1},
        "this_month": {"total": month, "satisfied": month - 2},
        "min_count": 10,
        "step": step,
    }
    with counter.store.write() as session:
        session.merge(State(key=CENTER_KEY, value=json.dumps(record), updated_at=utcnow()))


def test_center_figures_are_shown_as_they_came_without_the_kiosks_own(
    serving: Counter,
) -> None:
    rate(serving, 4, 4, 4)
    with serving.store.write() as session:  # the center had these when it was asked
        session.execute(update(Rating).values(sync_state=SENT, sent_at=utcnow()))
    _center_answer(serving, "CB001", today=20, month=100, asked_at=utcnow())
    rate(serving, 4, 1)  # not sent yet: adding them would tell this kiosk from another
    figures = serving.officer_figures()
    assert figures.with_center is True
    assert (figures.today.total, figures.today.satisfied) == (20, 19)
    assert (figures.month.total, figures.month.satisfied) == (100, 98)


def test_an_older_centrals_exact_counts_are_not_shown(serving: Counter) -> None:
    rate(serving, *[4] * 10)
    _center_answer(serving, "CB001", today=23, month=23, asked_at=utcnow(), step=None)
    figures = serving.officer_figures()
    assert figures.with_center is False and figures.today.total == 10


def test_center_figures_of_another_officer_are_not_used(serving: Counter) -> None:
    rate(serving, *[4] * 10)
    _center_answer(serving, "CB002", today=50, month=50, asked_at=utcnow())
    figures = serving.officer_figures()
    assert figures.with_center is False and figures.today.total == 10
