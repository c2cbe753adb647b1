"""A counter's token files only what its counter could have made: ratings of the officers
its department's roster held at the rating's time (an officer who moved since included),
at times plausible for it, with the center's reasons; everything else is refused for that
rating alone while the rest of the batch goes in (sync.central.filing). A phone link is
valid only for an officer its counter's roster held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select, text

from kiosk import dbtypes
from sync.central.db import MIGRATIONS, make_engine, open_database
from sync.central.filing import FilingRules
from sync.central.ingest import ingest_batch
from sync.central.models import alerts, ratings
from sync.central.settings import Settings
from sync.phone_link import link_key, make_code
from sync.protocol import RatingIn, heartbeat_path

from .conftest import Central, rating


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def by_department(central: Central) -> dict[str, int]:
    today = datetime.now(UTC).date()
    span = {"from": str(today - timedelta(days=400)), "to": str(today + timedelta(days=400))}
    rows = central.report(central.add_admin(), by="department", **span).json()["rows"]
    return {row["key"]: row["total"] for row in rows}


def errors(answer: dict) -> dict[str, str]:
    return {item["id"]: item["error"] for item in answer["rejected"]}


def test_a_counters_token_files_nothing_for_another_departments_officers(
    central: Central,
) -> None:
    q01 = central.add_counter("Q01", "CA", officers=("CB001",))
    central.add_counter("Q03", "TP", officers=("TP001",))
    own, foreign = rating(officer="CB001", department="CA"), rating(officer="TP001", seq=2)
    claimed = rating(officer="TP001", department="TP", seq=3)  # claiming TP changes nothing

    answer = central.push(q01, "Q01", [own, foreign, claimed]).json()

    assert answer["accepted"] == [own["id"]]
    assert set(errors(answer)) == {foreign["id"], claimed["id"]}
    assert errors(answer)[foreign["id"]].startswith(
        "officer: TP001 was not on the roster of counter Q01 (department CA) at "
    )
    assert by_department(central) == {"CA": 1}


def test_an_officer_who_moved_counts_where_they_served_when_the_rating_was_made(
    central: Central,
) -> None:
    before = datetime.now(UTC) - timedelta(hours=20)
    q01 = central.add_counter("Q01", "CA", officers=("CB005",), since=before - timedelta(hours=1))
    q03 = central.add_counter("Q03", "TP", officers=("TP001",), since=before - timedelta(hours=1))
    central.add_officers("TP", "CB005")  # moved to TP now, by the roster import
    late_from_ca = rating(created_at=before, officer="CB005", department="CA")
    early_at_tp = rating(created_at=before, officer="CB005", department="TP")
    now_at_tp = rating(officer="CB005", department="TP", seq=2)
    still_logged_in_at_ca = rating(officer="CB005", department="CA", seq=2)

    from_ca = central.push(q01, "Q01", [late_from_ca, still_logged_in_at_ca]).json()
    from_tp = central.push(q03, "Q03", [early_at_tp, now_at_tp]).json()

    # A kiosk back from 20 hours offline, and an officer still logged in at CA within
    # [roster] moved_grace_hours: both filed under CA, where they were served.
    assert from_ca["accepted"] == [late_from_ca["id"], still_logged_in_at_ca["id"]]
    assert from_tp["accepted"] == [now_at_tp["id"]]
    assert "not on the roster of counter Q03 (department TP)" in errors(from_tp)[early_at_tp["id"]]
    assert by_department(central) == {"CA": 2, "TP": 1}


def test_ratings_at_times_the_counter_could_not_have_made_them_are_refused_alone(
    central: Central,
) -> None:
    token = central.add_counter("Q01", "CA")
    now = datetime.now(UTC)
    good = rating(seq=1)
    refused = {
        "long ago": rating(created_at="2020-01-01T03:00:00Z", seq=2),
        "published months": rating(created_at="2024-01-15T03:00:00Z", seq=3),
        "months to come": rating(created_at="2027-06-01T03:00:00Z", seq=4),
        "past the offline limit": rating(created_at=now - timedelta(days=63), seq=5),
        "an hour ahead": rating(created_at=now + timedelta(hours=1), seq=6),
        "before the counter": rating(created_at=now - timedelta(hours=2), seq=7),
    }

    answer = central.push(token, "Q01", [good, *refused.values()]).json()

    assert answer["accepted"] == [good["id"]] and answer["duplicate"] == []
    why = errors(answer)
    assert set(why) == {item["id"] for item in refused.values()}
    assert all(error.startswith("created_at: ") for error in why.values())
    assert "offline_days" in why[refused["past the offline limit"]["id"]]
    assert "ahead of the central's clock" in why[refused["months to come"]["id"]]
    assert "before counter Q01 was registered" in why[refused["before the counter"]["id"]]
    with central.db.read() as connection:
        assert list(connection.scalars(select(ratings.c.id))) == [good["id"]]


def test_a_kiosk_clock_ahead_is_believed_as_its_heartbeat_showed_it_up_to_a_day(
    central: Central,
) -> None:
    token = central.add_counter("Q01", "CA")
    headers = {"Authorization": f"Bearer {token}"}

    def beat(ahead: timedelta) -> None:
        kiosk_time = {"kiosk_time": stamp(datetime.now(UTC) + ahead)}
        url = central.url + heartbeat_path("Q01")
        assert central.http.post(url, json=kiosk_time, headers=headers, timeout=60).ok

    ten_minutes = rating(created_at=datetime.now(UTC) + timedelta(minutes=10), seq=1)
    refused_first = central.push(token, "Q01", [ten_minutes]).json()
    beat(timedelta(minutes=15))
    ten_minutes["id"] = rating()["id"]
    believed = central.push(token, "Q01", [ten_minutes]).json()
    beat(timedelta(days=300))  # a stolen token claiming its clock is far ahead
    next_month = rating(created_at=datetime.now(UTC) + timedelta(days=30), seq=2)
    not_believed = central.push(token, "Q01", [next_month]).json()

    assert [item["id"] for item in refused_first["rejected"]] != []
    assert believed["accepted"] == [ten_minutes["id"]]
    assert not_believed["accepted"] == [] and len(not_believed["rejected"]) == 1


def test_reasons_that_are_not_the_centers_are_refused_alone_and_alert_nobody(
    central: Central,
) -> None:
    token = central.add_counter("Q01", "CA")
    hostile = rating(1, reasons=["<!channel>", "<http://ev.il/a|Đăng_nhập_lại>"])
    fine = rating(1, seq=2, reasons=["waiting_time"])

    answer = central.push(token, "Q01", [hostile, fine]).json()

    assert answer["accepted"] == [fine["id"]]
    assert errors(answer) == {
        hostile["id"]: "reasons: '<!channel>' is not one of the center's reasons "
        "['attitude', 'guidance', 'other', 'result_late', 'waiting_time'] ([[report.reasons]])"
    }
    with central.db.read() as connection:
        assert list(connection.scalars(select(alerts.c.rating_id))) == [fine["id"]]


def test_a_rating_stored_once_is_a_duplicate_when_resent_after_the_rules_would_refuse_it(
    central: Central,
) -> None:
    central.add_counter("Q01", "CA")
    settings = central.settings.report
    made = datetime.now(UTC)
    first = rating(created_at=made)
    rules = FilingRules.of(central.settings)

    sent = ingest_batch(central.db, "Q01", [first], settings.levels, settings.tz, rules=rules)
    # The answer was lost; the kiosk sends it again 70 days later.
    later = made + timedelta(days=70)
    resent = ingest_batch(
        central.db, "Q01", [first], settings.levels, settings.tz, now=later, rules=rules
    )

    assert sent.accepted == [first["id"]]
    assert resent.duplicate == [first["id"]] and resent.rejected == []


def test_a_phone_link_for_an_officer_its_counter_never_held_is_not_valid(
    central: Central,
) -> None:
    q01 = central.add_counter("Q01", "CA", officers=("CB001",))
    central.add_counter("Q03", "TP", officers=("TP001",))
    now = datetime.now(UTC)
    own = make_code(link_key(q01), counter="Q01", officer="CB001", ticket=None, issued_at=now)
    foreign = make_code(link_key(q01), counter="Q01", officer="TP001", ticket=None, issued_at=now)

    page = central.http.get(f"{central.url}/r/{foreign}", timeout=30)
    sent = central.http.post(f"{central.url}/r/{foreign}", data={"level": "4"}, timeout=30)

    assert central.http.get(f"{central.url}/r/{own}", timeout=30).status_code == 200
    assert page.status_code == 404 and sent.status_code == 404
    with central.db.read() as connection:
        assert list(connection.scalars(select(ratings.c.id))) == []


def test_an_upgraded_central_refuses_none_of_its_kiosks_backlog(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    """A central of the previous release: counters registered long ago, an officer who
    moved from DL to CA before the upgrade; the kiosks' unsent ratings all go in."""
    open_database(database_url).close()
    engine = open_database(database_url, upgrade=False).engine
    config = dbtypes.alembic_config(MIGRATIONS)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")
        for table in ("ratings", "counters", "officers", "departments"):
            connection.execute(text(f"DELETE FROM {table}"))
    engine.dispose()
    engine = make_engine(database_url)
    long_ago = datetime(2026, 1, 5, 3, tzinfo=UTC).replace(tzinfo=None)
    made = datetime.now(UTC) - timedelta(days=5)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO departments VALUES ('CA', 'Công an'), ('DL', 'Điện')"))
        connection.execute(
            text(
                "INSERT INTO officers (code, full_name, title, department, pin_hash, active, "
                "updated_at) VALUES ('CB001', 'Nhung', '', 'CA', 'x', true, :at)"
            ),
            {"at": long_ago},
        )
        connection.execute(
            text(
                "INSERT INTO counters (id, department, token_hash, created_at) VALUES "
                "('Q01', 'CA', 'a', :at), ('Q02', 'DL', 'b', :at)"
            ),
            {"at": long_ago},
        )
        # Filed before the move (the old central filed under the officer's department).
        connection.execute(
            text(
                "INSERT INTO ratings (id, counter, seq, officer, department, level, reasons, "
                "lang, created_at, received_at, day, channel) VALUES ('00000000-0000-0000-0000-"
                "000000000001', 'Q02', 1, 'CB001', 'DL', 4, '[]', 'vi', :at, :at, :day, 'kiosk')"
            ),
            {"at": long_ago, "day": long_ago.date()},
        )
    engine.dispose()

    db = open_database(database_url)  # the upgrade
    try:
        settings = settings_for(database_url).report
        backlog = {
            "Q01": RatingIn.model_validate(rating(created_at=made, seq=2)),
            "Q02": RatingIn.model_validate(rating(created_at=made, seq=3, department="DL")),
        }
        answers = {
            counter: ingest_batch(db, counter, [item], settings.levels, settings.tz)
            for counter, item in backlog.items()
        }
    finally:
        db.close()

    assert {counter: answer.rejected for counter, answer in answers.items()} == {
        "Q01": [],
        "Q02": [],
    }
