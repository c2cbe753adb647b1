"""A turn counts once: the citizen's later rating from the phone is of the result, a stage of
its own, shown beside the counter's and never added into its turns or Decision 766's index;
one phone rating per turn whatever links were made for it; a link dated ahead is refused.
All on the real central over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from sync.central.models import ratings
from sync.central.periods import parse_any
from sync.central.published import published_report
from tests.central.conftest import Central, rating
from tests.central.test_phone_link import a_rating, kiosk_links

GROUPINGS = ("department", "officer", "counter", "day", "month")


def rows(central: Central, admin: str, **params: str) -> dict:
    answer = central.report(admin, **params)
    assert answer.status_code == 200, answer.text
    return {row["key"]: row for row in answer.json()["rows"]}


def test_the_phone_rating_of_a_turn_is_never_added_into_the_counters_turns(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    admin = central.add_admin()
    # The counter's stage: ticket T-0001 rated 4 at the kiosk.
    answer = central.push(token, "Q07", [rating(4, ticket="T-0001", officer="CB001")])
    assert answer.status_code == 200 and len(answer.json()["accepted"]) == 1
    # The result's stage: the same turn rated 1 later from the phone.
    link = kiosk_links(tmp_path, central, token).link_for(
        a_rating("CB001", "T-0001"), datetime.now(UTC)
    )
    assert central.http.post(link, data={"level": "1"}, timeout=30).status_code == 200

    for by in GROUPINGS:
        answer = central.report(admin, by=by).json()
        assert answer["total"]["total"] == 1, by
        assert answer["total"]["decision_766_rate"] == 1.0, by
        assert answer["channel"] == "kiosk", by
        assert [row["total"] for row in answer["rows"]] == [1], by
    csv = central.report(admin, by="officer", format="csv").text.splitlines()
    assert csv[1].split(",")[6] == "1"  # level_4..level_1, then total
    # Beside it, never into it: by=channel and channel=phone show the phone stage.
    stages = rows(central, admin, by="channel")
    assert (stages["kiosk"]["total"], stages["phone"]["total"]) == (1, 1)
    assert stages["phone"]["counts"]["1"] == 1
    assert rows(central, admin, by="officer", channel="phone")["CB001"]["total"] == 1
    assert rows(central, admin, by="officer", channel="kiosk")["CB001"]["total"] == 1

    # The published report (and the monthly mail made of it) counts the turn once too.
    today = datetime.now(central.settings.report.tz).date()
    report = published_report(central.db, central.settings.report, parse_any(today.isoformat()[:7]))
    assert report.total.total == 1 and report.total.decision_766_rate == 1.0
    assert [item.row.total for item in report.officers] == [1]
    assert report.reasons.total.low == 0  # the phone's low rating is not the counter's


def test_a_turn_is_rated_once_by_phone_whatever_links_were_made_for_it(
    central: Central, tmp_path: Path
) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    links = kiosk_links(tmp_path, central, token)
    now = datetime.now(UTC)
    first = links.link_for(a_rating("CB001", "T-0001"), now)
    second = links.link_for(a_rating("CB001", "T-0001"), now + timedelta(seconds=40))
    other = links.link_for(a_rating("CB001", "T-0002"), now)
    assert len({first, second, other}) == 3  # each thank-you shows a code of its own

    assert central.http.post(second, data={"level": "2"}, timeout=30).status_code == 200
    # The turn T-0001 is rated: its other link says so, and stores nothing.
    assert central.http.get(first + "?lang=en", timeout=30).status_code == 409
    refused = central.http.post(first, data={"level": "1", "lang": "en"}, timeout=30)
    assert refused.status_code == 409 and "already been used" in refused.text
    assert central.http.post(other, data={"level": "4"}, timeout=30).status_code == 200
    with central.db.read() as connection:
        stored = connection.execute(select(ratings.c.ticket, ratings.c.level)).all()
    assert sorted(stored) == [("T-0001", 2), ("T-0002", 4)]


def test_a_link_issued_in_the_future_is_refused(central: Central, tmp_path: Path) -> None:
    token = central.add_counter("Q07", "CA", ("CB001",))
    links = kiosk_links(tmp_path, central, token)
    now = datetime.now(UTC)
    for ahead in (timedelta(days=3650), timedelta(hours=1)):
        link = links.link_for(a_rating("CB001", None), now + ahead)
        page = central.http.get(link + "?lang=en", timeout=30)
        assert page.status_code == 404, ahead
        assert central.http.post(link, data={"level": "4"}, timeout=30).status_code == 404
    with central.db.read() as connection:
        assert connection.scalar(select(func.count()).select_from(ratings)) == 0
    # A kiosk clock a little ahead, within [kiosks] max_clock_skew_seconds, is no problem.
    slightly = links.link_for(a_rating("CB001", None), now + timedelta(seconds=60))
    assert central.http.post(slightly, data={"level": "4"}, timeout=30).status_code == 200
