"""The report API by=reason, on SQLite and PostgreSQL: why citizens were not satisfied,
for the whole center, each department and each officer (data: reasons_data.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from sync.central.settings import Settings

from .conftest import Central, rating, start_archive_central, start_central
from .reasons_data import MARCH, rate_with_reasons


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


@pytest.fixture
def rated(central: Central, tmp_path: Path) -> tuple[Central, str]:
    return central, rate_with_reasons(central, tmp_path)


def reasons_of(group: dict[str, Any]) -> dict[str, tuple[int, float | None]]:
    """{code: (count, share)} of one group of the JSON answer, given reasons only."""
    return {
        reason["code"]: (reason["count"], reason["share"])
        for reason in group["reasons"]
        if reason["count"]
    }


def group(answer: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
    (found,) = [row for row in answer["rows"] if row["group"] == kind and row["key"] == key]
    return found


def test_each_reason_is_counted_once_per_low_rating_and_shared_of_the_low_ratings(
    rated: tuple[Central, str],
) -> None:
    central, admin = rated

    answer = central.report(admin, by="reason", **MARCH).json()

    total = answer["total"]
    assert total["low_ratings"] == 6
    assert total["with_reasons"] == 5 and total["without_reasons"] == 1
    assert reasons_of(total) == {
        "waiting_time": (3, pytest.approx(0.5)),
        "attitude": (1, pytest.approx(1 / 6)),
        "guidance": (1, pytest.approx(1 / 6)),
        "other": (1, pytest.approx(1 / 6)),
    }
    assert answer["low_levels"] == [2, 1]
    assert "low ratings" in answer["share_of"]


def test_rows_per_department_and_per_officer_add_up_to_the_center(
    rated: tuple[Central, str],
) -> None:
    central, admin = rated

    answer = central.report(admin, by="reason", **MARCH).json()

    ca, dl = group(answer, "department", "CA"), group(answer, "department", "DL")
    assert ca["name"] == "Công an tỉnh" and ca["low_ratings"] == 4
    assert reasons_of(ca)["waiting_time"] == (2, pytest.approx(0.5))
    assert reasons_of(dl) == {"waiting_time": (1, 0.5), "guidance": (1, 0.5)}
    cb001 = group(answer, "officer", "CB001")
    assert cb001["name"] == "Nguyễn Thị Hồng Nhung" and cb001["low_ratings"] == 3
    assert reasons_of(cb001) == {"waiting_time": (2, pytest.approx(2 / 3)), "attitude": (1, 1 / 3)}
    assert cb001["without_reasons"] == 1
    for kind in ("department", "officer"):
        rows = [row for row in answer["rows"] if row["group"] == kind]
        assert sum(row["low_ratings"] for row in rows) == answer["total"]["low_ratings"]
        for code, (count, _share) in reasons_of(answer["total"]).items():
            assert sum(reasons_of(row).get(code, (0, 0))[0] for row in rows) == count


def test_reasons_carry_their_words_in_both_languages_and_an_unknown_code_is_itself(
    rated: tuple[Central, str],
) -> None:
    central, admin = rated

    answer = central.report(admin, by="reason", **MARCH).json()

    words = {reason["code"]: (reason["vi"], reason["en"]) for reason in answer["reasons"]}
    assert words["waiting_time"] == ("Thời gian chờ lâu", "Long waiting time")
    assert words["result_late"] == ("Trả kết quả trễ hẹn", "Result delivered late")
    assert words["other"] == ("Lý do khác", "Other reason")
    assert list(words)[:5] == ["waiting_time", "attitude", "guidance", "result_late", "other"]


def test_ratings_count_on_the_centers_local_day(rated: tuple[Central, str]) -> None:
    central, admin = rated

    march_2 = central.report(admin, by="reason", **{"from": "2025-03-02", "to": "2025-03-02"})
    february = central.report(admin, by="reason", **{"from": "2025-02-01", "to": "2025-02-28"})
    april_1 = central.report(admin, by="reason", **{"from": "2025-04-01", "to": "2025-04-01"})

    assert reasons_of(march_2.json()["total"]) == {
        "guidance": (1, 0.5),
        "other": (1, 0.5),
    }
    assert february.json()["total"]["low_ratings"] == 0
    assert reasons_of(april_1.json()["total"]) == {"attitude": (1, 1.0)}


def test_for_narrows_the_rows_to_departments_or_officers(rated: tuple[Central, str]) -> None:
    central, admin = rated

    departments = central.report(admin, by="reason", **{"for": "department"}, **MARCH).json()
    officers = central.report(admin, by="reason", **{"for": "officer"}, **MARCH).json()
    wrong = central.report(admin, by="reason", **{"for": "counter"}, **MARCH)
    misplaced = central.report(admin, by="officer", **{"for": "officer"}, **MARCH)

    assert {row["key"] for row in departments["rows"]} == {"CA", "DL"}
    assert {row["key"] for row in officers["rows"]} == {"CB001", "CB002", "DL001"}
    assert departments["total"]["low_ratings"] == officers["total"]["low_ratings"] == 6
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("for:")
    assert misplaced.status_code == 422 and misplaced.json()["detail"].startswith("for:")


def test_the_csv_is_one_line_per_group_and_reason_with_both_words(
    rated: tuple[Central, str],
) -> None:
    central, admin = rated

    response = central.report(admin, by="reason", format="csv", **MARCH)

    assert response.status_code == 200
    assert (
        "satisfaction-reason-2025-03-01-2025-03-31.csv" in response.headers["content-disposition"]
    )
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = {(line["group"], line["code"], line["reason"]): line for line in lines}
    center = cells[("center", "*", "waiting_time")]
    assert center["reason_vi"] == "Thời gian chờ lâu" and center["reason_en"] == "Long waiting time"
    assert (center["count"], center["low_ratings"], center["share_percent"]) == ("3", "6", "50.00")
    assert cells[("center", "*", "result_late")]["count"] == "0"
    assert cells[("center", "*", "")]["reason_en"] == "No reason given"
    assert cells[("officer", "CB002", "other")]["share_percent"] == "100.00"
    assert cells[("department", "CA", "")]["count"] == "1"
    # A department or an officer lists only the reasons that were given.
    assert ("department", "DL", "attitude") not in cells


def test_no_csv_cell_of_the_reasons_can_run_as_a_formula(
    database_url: str, settings_for: Callable[..., Settings]
) -> None:
    # A code is what the center configures: [[report.reasons]] may hold one that looks
    # like a formula (ingest takes no other code).
    central = start_archive_central(
        settings_for, database_url, REPORT__REASONS='[{code = "=1+1", vi = "=2+2", en = "@x"}]'
    )
    try:
        token = central.add_counter("Q07", "CA")
        central.add_officers("CA", "CB009", name="=HYPERLINK(1)")
        rated = rating(1, "2025-03-05T03:00:00Z", "CB009", reasons=["=1+1"])
        assert central.push(token, "Q07", [rated]).json()["accepted"] == [rated["id"]]
        response = central.report(central.add_admin(), by="reason", format="csv", **MARCH)
    finally:
        central.running.stop()
        central.db.close()

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(1)" in cells and "'=1+1" in cells and "'=2+2" in cells
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_words_and_the_low_levels_come_from_the_centers_settings(
    database_url: str, settings_for: Callable[..., Settings], tmp_path: Path
) -> None:
    rating_central = start_archive_central(settings_for, database_url)
    try:
        admin = rate_with_reasons(rating_central, tmp_path)
    finally:
        rating_central.running.stop()
        rating_central.db.close()
    # Later the center changes its words: fewer reasons, and only 4 counts as satisfied.
    settings = settings_for(
        database_url,
        REPORT__SATISFIED_LEVELS="[4]",
        REPORT__REASONS='[{code = "waiting_time", vi = "Chờ quá lâu", en = "Waited too long"}]',
    )
    central = start_central(settings)
    try:
        answer = central.report(admin, by="reason", **MARCH).json()
    finally:
        central.running.stop()
        central.db.close()

    words = {reason["code"]: (reason["vi"], reason["en"]) for reason in answer["reasons"]}
    assert words["waiting_time"] == ("Chờ quá lâu", "Waited too long")
    assert words["attitude"] == ("attitude", "attitude")  # no longer configured: its code
    assert answer["low_levels"] == [3, 2, 1]
    assert answer["total"]["low_ratings"] == 6  # no level-3 rating in the data


def test_a_browser_is_refused_in_its_language_a_script_in_english(
    rated: tuple[Central, str],
) -> None:
    central, admin = rated
    central.add_admin("boss", "correct horse")
    backwards = {"by": "reason", "from": "2025-03-05", "to": "2025-03-01"}
    url = f"{central.url}/api/v1/reports/satisfaction"

    script = central.report(admin, **backwards)
    with requests.Session() as browser:
        browser.headers["Accept-Language"] = "vi-VN,vi;q=0.9,en;q=0.5"
        stranger = browser.get(url, params=backwards, timeout=60)
        browser.post(central.url + "/login", data={"username": "boss", "password": "correct horse"})
        logged_in = browser.get(url, params=backwards, timeout=60)

    assert script.status_code == 422 and script.json()["detail"].startswith("from (2025-03-05)")
    assert stranger.status_code == 401 and stranger.json()["detail"].startswith("Cần đăng nhập")
    assert logged_in.status_code == 422
    assert (
        logged_in.json()["detail"] == "Ngày bắt đầu (5/3/2025) muộn hơn ngày kết thúc (1/3/2025)."
    )


def test_the_reasons_query_reads_the_day_and_level_index(central: Central) -> None:
    central.add_counter("Q07")
    with central.db.read() as connection:
        if connection.dialect.name == "sqlite":
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT department, officer, reasons FROM ratings "
                    "WHERE day >= '2025-03-01' AND day <= '2025-03-31' AND level IN (2, 1)"
                )
            ).all()
            assert "ix_ratings_day_level" in " ".join(str(row) for row in plan)
        else:
            indexes = connection.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_ratings_day_level'")
            ).scalar_one()
            assert "(day, level)" in indexes
