"""The published report: the XLSX read back with openpyxl and the PDF with pdftotext,
every figure held against the report API's JSON for the same month (SQLite, PostgreSQL).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sync.central import roster
from sync.protocol import PUBLISHED_PATH

from .conftest import Central, rating
from .published_data import OCTOBER, seed_october


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


OCTOBER_DAYS = {"from": "2026-10-01", "to": "2026-10-31"}
FIRST_ROW = 6  # the tables' header row in every sheet


@pytest.fixture
def october(central: Central, tmp_path: Path) -> tuple[Central, str]:
    return central, seed_october(central, tmp_path)


def published(central: Central, admin: str, **params: str):
    return central.http.get(
        central.url + PUBLISHED_PATH,
        params=params,
        headers={"Authorization": f"Bearer {admin}"},
        timeout=120,
    )


def api(central: Central, admin: str, by: str, **params: str) -> dict:
    answer = central.report(admin, by=by, **OCTOBER_DAYS, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def table(sheet, first_column: int) -> dict[str, list]:
    """The rows under the header, by the text in ``first_column`` (1-based)."""
    rows = {}
    for cells in sheet.iter_rows(min_row=FIRST_ROW + 1, values_only=True):
        if cells[first_column - 1] is None and cells[first_column] is None:
            break
        rows[cells[first_column - 1] or cells[first_column]] = list(cells)
    return rows


def figures(row: dict, levels: list[int]) -> list:
    return [
        row["total"],
        *(row["counts"][str(level)] for level in levels),
        pytest.approx(row["top_level_share"]),
        pytest.approx(row["satisfaction_rate"]),
        pytest.approx(row["decision_766_rate"]),
    ]


def test_every_number_of_the_xlsx_equals_the_apis(october: tuple[Central, str]) -> None:
    central, admin = october
    answer = published(central, admin, period=OCTOBER, format="xlsx")
    assert answer.status_code == 200, answer.text
    assert "2026-10" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    departments_sheet, officers_sheet, reasons_sheet = book.worksheets
    by_department = api(central, admin, "department")
    levels = by_department["levels"]
    width = 1 + len(levels) + 3

    departments = table(departments_sheet, 1)
    assert set(departments) == {"CA", "DL", "TP", "Toàn trung tâm"}
    for row in by_department["rows"]:
        cells = departments[row["key"]]
        assert cells[1] == row["name"]
        assert cells[2 : 2 + width] == figures(row, levels)
    assert departments["Toàn trung tâm"][2 : 2 + width] == figures(by_department["total"], levels)

    by_officer = api(central, admin, "officer")
    officers = table(officers_sheet, 2)
    assert list(officers) == ["CB001", "DL001", "DL002", "CB002", "TP001"]  # ranked order
    for row in by_officer["rows"]:
        cells = officers[row["key"]]
        assert cells[0] == row["rank"]
        assert cells[3 : 3 + width] == figures(row, levels)

    by_reason = api(central, admin, "reason", **{"for": "department"})
    reasons = table(reasons_sheet, 1)
    for group in (by_reason["total"], *by_reason["rows"]):
        cells = reasons["Toàn trung tâm" if group["key"] == "*" else group["key"]]
        counts = [reason["count"] for reason in group["reasons"]]
        assert cells[2:] == [group["low_ratings"], *counts, group["without_reasons"]]


def test_the_xlsx_holds_numbers_with_formats_the_header_and_charts(
    october: tuple[Central, str],
) -> None:
    central, admin = october

    book = load_workbook(io.BytesIO(published(central, admin, period=OCTOBER).content))

    sheet = book.worksheets[0]
    assert [sheet.cell(row, 1).value for row in (1, 3, 4)] == [
        "Trung tâm Phục vụ hành chính công",
        "Tháng 10 năm 2026",
        "62 lượt đánh giá, 50 ở mức Rất hài lòng (80,6%)",
    ]
    assert sheet.oddHeader.right.text == "Tháng 10 năm 2026"
    ca = next(row for row in sheet.iter_rows(min_row=FIRST_ROW + 1) if row[0].value == "CA")
    assert [cell.data_type for cell in ca[2:]] == ["n"] * 8  # numbers, none as text
    assert [cell.number_format for cell in ca[-3:]] == ["0.0%"] * 3
    # The rates of the departments, then one chart per department.
    assert len(sheet._charts) == 1 + 3
    assert book.sheetnames == ["Theo đơn vị", "Xếp hạng cán bộ", "Lý do chưa hài lòng"]


def test_the_english_xlsx_and_a_quarter(october: tuple[Central, str]) -> None:
    central, admin = october

    answer = published(central, admin, period="2026-Q4", lang="en")

    sheet = load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert sheet.title == "Departments"
    assert sheet.cell(3, 1).value == "4th quarter 2026"
    # 1 November in Hanoi (31 October 23:30 UTC) belongs to the fourth quarter, September's not.
    assert (
        sheet.cell(4, 1).value == "63 turns rated, 50 at the highest level, Very satisfied (79.4%)"
    )


def test_the_pdf_is_a4_and_says_the_apis_figures(
    october: tuple[Central, str], tmp_path: Path
) -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing: scripts/bootstrap installs poppler-utils")
    central, admin = october
    answer = published(central, admin, period=OCTOBER, format="pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    path = tmp_path / "report.pdf"
    path.write_bytes(answer.content)

    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout

    assert "(A4)" in info.stdout
    assert "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ HÀI LÒNG" in text
    assert "Tháng 10 năm 2026" in text
    assert "62 lượt đánh giá, 50 ở mức Rất hài lòng (80,6%)" in text
    assert "Chỉ số hài lòng theo Quyết định số 766/QĐ-TTg" in text
    # Every line of the departments' and the officers' tables, as the API's JSON has it.
    lines = {" ".join(line.split()) for line in text.splitlines()}
    by_department = api(central, admin, "department")
    by_officer = api(central, admin, "officer")
    levels = by_department["levels"]
    for row in by_department["rows"]:
        assert f"{row['name']} ({row['key']}) {printed(row, levels)}" in lines
    assert f"Toàn trung tâm {printed(by_department['total'], levels)}" in lines
    for row in by_officer["rows"]:
        rank = row["rank"] or "–"
        assert f"{rank} {row['name']} ({row['key']}) {printed(row, levels)}" in lines


def printed(row: dict, levels: list[int]) -> str:
    """A row's figures as the Vietnamese report prints them: 80,6%."""
    shares = (row["top_level_share"], row["satisfaction_rate"], row["decision_766_rate"])
    counts = [row["total"], *(row["counts"][str(level)] for level in levels)]
    percents = [f"{share * 100:.1f}%".replace(".", ",") for share in shares]
    return " ".join([*map(str, counts), *percents])


def test_the_officers_rank_is_in_the_apis_json(october: tuple[Central, str]) -> None:
    central, admin = october

    answer = api(central, admin, "officer")

    ranks = {row["key"]: row["rank"] for row in answer["rows"]}
    assert ranks == {"CB001": 1, "DL001": 2, "DL002": 2, "CB002": 4, "TP001": None}
    assert answer["rank_min_turns"] == 10 and answer["lowest_level"] == 1
    cb002 = next(row for row in answer["rows"] if row["key"] == "CB002")
    assert cb002["lowest_level_count"] == 1
    assert cb002["decision_766_rate"] == pytest.approx(11 / 12)


def test_the_csv_download_carries_the_766_indicator_and_the_rank_of_the_json(
    october: tuple[Central, str],
) -> None:
    """A leader who downloads the CSV for a spreadsheet gets what the JSON says: Decision
    766's indicator for every group, and the officers' rank."""
    central, admin = october

    for by in ("department", "officer"):
        answer = api(central, admin, by)
        download = central.report(admin, by=by, format="csv", **OCTOBER_DAYS)
        rows = csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")))
        cells = {row[by]: row for row in rows}

        assert set(cells) == {row["key"] for row in answer["rows"]}
        for row in answer["rows"]:
            percent = cells[row["key"]]["decision_766_percent"]
            assert float(percent) == pytest.approx(row["decision_766_rate"] * 100, abs=0.005)
            if by == "officer":
                assert cells[row["key"]]["rank"] == str(row["rank"] or "")
            else:
                assert "rank" not in cells[row["key"]]
    assert cells["CB002"]["decision_766_percent"] == "91.67"  # 11 of 12 not at the lowest


def test_bad_periods_and_formats_are_refused_naming_them(october: tuple[Central, str]) -> None:
    central, admin = october

    month_13 = published(central, admin, period="2026-13")
    both = published(central, admin, period=OCTOBER, **{"from": "2026-10-01"})
    word = published(central, admin, period=OCTOBER, format="docx")
    nobody = published(central, "", period=OCTOBER)

    assert month_13.status_code == 422 and month_13.json()["detail"].startswith("month:")
    assert both.status_code == 422 and both.json()["detail"].startswith("period:")
    assert word.status_code == 422 and "xlsx or pdf" in word.json()["detail"]
    assert nobody.status_code == 401


def test_a_name_like_a_formula_stays_text(central: Central) -> None:
    token = central.add_counter("Q09", "XX")
    roster.add_department(central.db, "XX", '=HYPERLINK("http://evil","click")')
    admin = central.add_admin()
    assert central.push(token, "Q09", [rating(4, "2026-10-05T03:00:00Z", department="XX")]).ok

    book = load_workbook(io.BytesIO(published(central, admin, period=OCTOBER).content))

    cell = book.worksheets[0].cell(FIRST_ROW + 1, 2)
    assert cell.value == '=HYPERLINK("http://evil","click")' and cell.data_type == "s"
