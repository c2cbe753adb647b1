"""The officer's own figures: nothing below the minimum, steps of several ratings, the
center's figures added without counting a rating twice."""

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


def test_the_step_survives_a_restart(open_counter, serving: Counter) -> None:
    rate(serving, *[4] * 12)
    assert serving.officer_figures().today.total == 12
    rate(serving, 1)
    serving.close()
    again = open_counter()
    assert again.officer_figures().today.total == 12


def test_no_figures_without_an_officer(counter: Counter) -> None:
    assert counter.officer_figures() is None


def _center_answer(counter: Counter, officer: str, today: int, month: int, asked_at) -> None:
    day = utcnow().astimezone(counter.config.counter.tz).date()
    record = {
        "asked_at": asked_at.isoformat(),
        "officer": officer,
        "day": day.isoformat(),
        "month": day.isoformat()[:7],
        "today": {"total": today, "satisfied": today - 1},
        "this_month": {"total": month, "satisfied": month - 2},
    }
    with counter.store.write() as session:
        session.merge(State(key=CENTER_KEY, value=json.dumps(record), updated_at=utcnow()))


def test_center_figures_are_added_without_counting_a_sent_rating_twice(
    serving: Counter,
) -> None:
    rate(serving, 4, 4, 4)
    with serving.store.write() as session:  # the center had these when it was asked
        session.execute(update(Rating).values(sync_state=SENT, sent_at=utcnow()))
    _center_answer(serving, "CB001", today=20, month=100, asked_at=utcnow())
    rate(serving, 4, 1)  # not sent yet: the kiosk adds them
    figures = serving.officer_figures()
    assert figures.with_center is True
    assert (figures.today.total, figures.today.satisfied) == (22, 20)
    assert (figures.month.total, figures.month.satisfied) == (102, 99)


def test_center_figures_of_another_officer_are_not_used(serving: Counter) -> None:
    rate(serving, *[4] * 10)
    _center_answer(serving, "CB002", today=50, month=50, asked_at=utcnow())
    figures = serving.officer_figures()
    assert figures.with_center is False and figures.today.total == 10
