"""The satisfaction report over HTTP: every grouping, local days, CSV, admin only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.central import roster
from sync.central.settings import Settings

from .conftest import Central, rating, start_archive_central


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


RANGE = {"from": "2025-03-01", "to": "2025-04-30"}


@pytest.fixture
def rated(central: Central, tmp_path: Path) -> tuple[Central, str]:
    """Two counters of two departments and nine ratings; returns (central, admin token).

    Local days are Asia/Ho_Chi_Minh (UTC+7): 23:30 UTC on 1 March is 2 March there.
    """
    path = tmp_path / "officers.csv"
    path.write_text(
        "code,full_name,title,department,pin,department_name\n"
        "CB001,Nguyễn Thị Hồng Nhung,,CA,1234,Công an tỉnh\n"
        "CB002,Trần Văn Đức,,CA,2345,Công an tỉnh\n"
        "DL001,Lê Thị Điện,,DL,3456,Điện lực\n",
        encoding="utf-8",
    )
    roster.import_officers(central.db, path, min_pin_digits=4)
    q07 = central.add_counter("Q07", "CA")
    q08 = central.add_counter("Q08", "DL")
    march_1 = "2025-03-01T03:00:00Z"
    q07_ratings = [
        rating(level, march_1, "CB001", "CA", n) for n, level in enumerate([4, 4, 4, 3], 1)
    ]
    q07_ratings.append(rating(1, "2025-03-01T23:30:00Z", "CB002", "CA", 5))
    q08_ratings = [
        rating(level, "2025-03-02T05:00:00Z", "DL001", "DL", n)
        for n, level in enumerate([4, 4, 2], 1)
    ]
    q08_ratings.append(rating(3, "2025-04-01T05:00:00Z", "DL001", "DL", 4))
    assert len(central.push(q07, "Q07", q07_ratings).json()["accepted"]) == 5
    assert len(central.push(q08, "Q08", q08_ratings).json()["accepted"]) == 4
    return central, central.add_admin()


def rows_by_key(answer: dict) -> dict[str, dict]:
    return {row["key"]: row for row in answer["rows"]}


def test_by_department_counts_levels_top_share_and_satisfaction(rated: tuple[Central, str]) -> None:
    central, admin = rated

    answer = central.report(admin, by="department", **RANGE).json()

    rows = rows_by_key(answer)
    assert rows["CA"]["counts"] == {"4": 3, "3": 1, "2": 0, "1": 1}
    assert rows["CA"]["total"] == 5 and rows["CA"]["top_level_count"] == 3
    assert rows["CA"]["top_level_share"] == pytest.approx(0.6)
    assert rows["CA"]["satisfaction_rate"] == pytest.approx(0.8)
    assert rows["DL"]["name"] == "Điện lực"
    assert rows["DL"]["satisfaction_rate"] == pytest.approx(0.75)
    assert answer["total"]["total"] == 9 and answer["total"]["satisfied"] == 7


def test_by_officer_and_by_counter(rated: tuple[Central, str]) -> None:
    central, admin = rated

    officers = rows_by_key(central.report(admin, by="officer", **RANGE).json())
    counters = rows_by_key(central.report(admin, by="counter", **RANGE).json())

    assert officers["CB001"]["name"] == "Nguyễn Thị Hồng Nhung"
    assert officers["CB001"]["satisfaction_rate"] == pytest.approx(1.0)
    assert officers["CB002"]["satisfaction_rate"] == pytest.approx(0.0)
    assert officers["DL001"]["total"] == 4
    assert {key: row["total"] for key, row in counters.items()} == {"Q07": 5, "Q08": 4}


def test_days_are_the_centers_local_days(rated: tuple[Central, str]) -> None:
    central, admin = rated

    days = rows_by_key(central.report(admin, by="day", **RANGE).json())
    months = rows_by_key(central.report(admin, by="month", **RANGE).json())

    # The 23:30 UTC rating of 1 March was given at 06:30 on 2 March in Hanoi.
    assert {key: row["total"] for key, row in days.items()} == {
        "2025-03-01": 4,
        "2025-03-02": 4,
        "2025-04-01": 1,
    }
    assert {key: row["total"] for key, row in months.items()} == {"2025-03": 8, "2025-04": 1}


def test_the_range_includes_both_ends_and_nothing_else(rated: tuple[Central, str]) -> None:
    central, admin = rated

    answer = central.report(admin, by="department", **{"from": "2025-03-02", "to": "2025-03-02"})

    assert answer.json()["total"]["total"] == 4


def test_csv_has_a_header_and_a_total_column(rated: tuple[Central, str]) -> None:
    central, admin = rated

    response = central.report(admin, by="officer", format="csv", **RANGE)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(table[0])[:2] == ["officer", "name"] and "total" in table[0]
    assert {row["officer"]: row["total"] for row in table} == {
        "CB001": "4",
        "CB002": "1",
        "DL001": "4",
    }
    assert {row["name"] for row in table} >= {"Trần Văn Đức"}


def test_reports_need_an_admin(rated: tuple[Central, str]) -> None:
    central, _admin = rated
    counter_token = central.add_counter("Q09", "CA")

    assert central.report("", by="department").status_code == 401
    assert central.report(counter_token, by="department").status_code == 401


def test_bad_report_parameters_are_422_naming_them(rated: tuple[Central, str]) -> None:
    central, admin = rated

    bad_by = central.report(admin, by="weekday")
    bad_day = central.report(admin, by="day", **{"from": "2025-13-01"})
    backwards = central.report(admin, by="day", **{"from": "2025-03-05", "to": "2025-03-01"})

    assert bad_by.status_code == 422 and bad_by.json()["detail"].startswith("by:")
    assert bad_day.status_code == 422 and bad_day.json()["detail"].startswith("from:")
    assert backwards.status_code == 422


def test_satisfied_levels_are_configurable(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    central = start_archive_central(settings_for, database_url, REPORT__SATISFIED_LEVELS="[4]")
    try:
        token = central.add_counter("Q07")
        central.push(
            token, "Q07", [rating(level, "2025-03-01T03:00:00Z") for level in (4, 3, 3, 1)]
        )
        answer = central.report(central.add_admin(), by="counter", **RANGE).json()
    finally:
        central.running.stop()
        central.db.close()

    assert answer["rows"][0]["satisfaction_rate"] == pytest.approx(0.25)


def test_a_report_may_span_many_years(rated: tuple[Central, str]) -> None:
    central, admin = rated

    answer = central.report(admin, by="counter", **{"from": "2000-01-01", "to": "2030-12-31"})

    assert answer.status_code == 200 and answer.json()["total"]["total"] == 9
