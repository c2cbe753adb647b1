"""The central is the authority on what it stores: ratings are filed under the counter's
department, for the officers its roster holds, officers it never had are refused per
rating, and codes are one officer, counter or department whatever their case or
surrounding spaces (the time and reason rules: test_filing_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from sync.central import roster
from sync.central.models import counters, daily_counts, departments, officers, ratings
from sync.protocol import heartbeat_path, roster_path

from .conftest import Central, rating


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


DAY = {"from": "2025-03-01", "to": "2025-03-31"}
MARCH = "2025-03-01T03:00:00Z"


def filed(central: Central) -> dict[str, tuple[str, str]]:
    """rating id -> (officer, department) as stored, and the rollup agrees."""
    with central.db.read() as connection:
        rows = connection.execute(select(ratings.c.id, ratings.c.officer, ratings.c.department))
        stored = {row.id: (row.officer, row.department) for row in rows}
        rolled = set(connection.execute(select(daily_counts.c.officer, daily_counts.c.department)))
    assert rolled == set(stored.values())
    return stored


def test_a_rating_is_filed_under_its_officers_department_whatever_the_kiosk_claims(
    central: Central,
) -> None:
    token = central.add_counter("Q07", "CA")
    central.add_counter("Q08", "DL", officers=("DL001",))
    claims = [
        rating(4, MARCH, "CB001", "CA", 1),
        rating(4, MARCH, "CB001", "DL", 2),  # another real department
        rating(4, MARCH, "CB001", "NOWHERE", 3),  # a department the center never had
    ]

    answer = central.push(token, "Q07", claims).json()
    by_department = central.report(central.add_admin(), by="department", **DAY).json()

    assert answer["accepted"] == [item["id"] for item in claims]
    assert set(filed(central).values()) == {("CB001", "CA")}
    assert {row["key"]: row["total"] for row in by_department["rows"]} == {"CA": 3}


def test_a_counter_files_no_rating_of_another_departments_officer(central: Central) -> None:
    token = central.add_counter("Q07", "CA")
    central.add_counter("Q08", "DL", officers=("DL001",))
    lent = rating(4, MARCH, "DL001", "CA", 1)  # the kiosk says CA; the roster says DL

    answer = central.push(token, "Q07", [lent]).json()

    assert answer["rejected"] == [
        {
            "id": lent["id"],
            "error": "officer: DL001 was not on the roster of counter Q07 (department CA) "
            "at 2025-03-01 03:00:00Z",
        }
    ]
    assert filed(central) == {}


def test_an_unknown_officer_is_rejected_alone_while_the_rest_of_its_batch_is_stored(
    central: Central,
) -> None:
    token = central.add_counter("Q07", "CA", officers=("CB001", "CB002"))
    sent = [rating(seq=1), rating(seq=2, officer="XYZ"), rating(seq=3, officer="CB002")]

    answer = central.push(token, "Q07", sent).json()

    assert answer["accepted"] == [sent[0]["id"], sent[2]["id"]]
    assert answer["rejected"] == [
        {"id": sent[1]["id"], "error": "officer: XYZ is not on the center's roster"}
    ]
    assert set(filed(central)) == {sent[0]["id"], sent[2]["id"]}


def test_an_unknown_officer_sent_twice_in_a_batch_is_rejected_both_times(
    central: Central,
) -> None:
    token = central.add_counter("Q07")
    stranger = rating(officer="NOBODY")

    answer = central.push(token, "Q07", [stranger, stranger]).json()

    assert answer["accepted"] == [] and answer["duplicate"] == []
    assert [item["id"] for item in answer["rejected"]] == [stranger["id"], stranger["id"]]


def test_mixed_case_codes_are_one_officer_one_counter_one_department(
    central: Central, tmp_path: Path
) -> None:
    roster.add_department(central.db, "ca", "Công an tỉnh")
    officers_csv = tmp_path / "officers.csv"
    officers_csv.write_text(
        "code,full_name,title,department,pin\ncb001,Nguyễn Thị Hồng Nhung,,Ca,1234\n",
        encoding="utf-8",
    )
    roster.import_officers(central.db, officers_csv, min_pin_digits=4)
    token = central.add_counter("q07", " cA ", officers=())
    spellings = ["CB001", "cb001", " Cb001 ", "cB001"]
    sent = [rating(4, MARCH, code, "ca", n) for n, code in enumerate(spellings, 1)]

    answer = central.push(token, "q07", sent).json()
    the_roster = central.http.get(
        central.url + roster_path("Q07"), headers={"Authorization": f"Bearer {token}"}, timeout=60
    ).json()
    admin = central.add_admin()
    by_officer = central.report(admin, by="officer", **DAY).json()["rows"]
    by_counter = central.report(admin, by="counter", **DAY).json()["rows"]

    assert answer["accepted"] == [item["id"] for item in sent]
    with central.db.read() as connection:
        assert list(connection.scalars(select(departments.c.code))) == ["CA"]
        assert list(connection.scalars(select(officers.c.code))) == ["CB001"]
        assert list(connection.execute(select(counters.c.id, counters.c.department))) == [
            ("Q07", "CA")
        ]
    assert set(filed(central).values()) == {("CB001", "CA")}
    assert [(row["key"], row["total"]) for row in by_officer] == [("CB001", 4)]
    assert [(row["key"], row["total"]) for row in by_counter] == [("Q07", 4)]
    assert the_roster["department"]["code"] == "CA"
    assert [officer["code"] for officer in the_roster["officers"]] == ["CB001"]


def test_an_officer_imported_twice_in_two_cases_is_one_officer(
    central: Central, tmp_path: Path
) -> None:
    roster.add_department(central.db, "CA", "Công an tỉnh")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text("code,full_name,title,department,pin\ncb001,Nhung,,CA,1234\n")
    second.write_text("code,full_name,title,department,pin\nCB001,Nhung,Trưởng,ca,1234\n")

    roster.import_officers(central.db, first, min_pin_digits=4)
    again = roster.import_officers(central.db, second, min_pin_digits=4)

    assert (again.added, again.updated) == (0, 1)
    with central.db.read() as connection:
        assert list(connection.execute(select(officers.c.code, officers.c.title))) == [
            ("CB001", "Trưởng")
        ]


def test_counter_codes_in_paths_and_envelopes_are_case_insensitive(central: Central) -> None:
    token = central.add_counter("Q07")
    headers = {"Authorization": f"Bearer {token}"}
    kiosk_time = {"kiosk_time": datetime.now(UTC).isoformat()}

    roster_answer = central.http.get(central.url + roster_path("q07"), headers=headers, timeout=60)
    beat = central.http.post(
        central.url + heartbeat_path("q07"), json=kiosk_time, headers=headers, timeout=60
    )
    lower = rating()
    pushed = central.push(token, " q07", [lower])

    assert roster_answer.status_code == 200 and roster_answer.json()["department"]["code"] == "CA"
    assert beat.status_code == 200
    assert pushed.status_code == 200 and pushed.json()["accepted"] == [lower["id"]]
