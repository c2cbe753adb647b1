"""``centralctl report --format xlsx|pdf -o FILE`` as an admin runs it, on the database the
real central filled through its API: the files hold the API's figures; mistakes are one
clear line and an exit code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import Central
from .published_data import seed_october


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


@pytest.fixture
def october(central: Central, tmp_path: Path) -> tuple[Central, str]:
    return central, seed_october(central, tmp_path)


def centralctl(central: Central, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return central.ctl(*args, cwd=cwd)


def test_a_month_as_xlsx_holds_the_apis_figures(
    october: tuple[Central, str], tmp_path: Path
) -> None:
    central, admin = october
    target = tmp_path / "october.xlsx"

    done = centralctl(
        central, "report", "--month", "2026-10", "--format", "xlsx", "-o", str(target), cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    assert "62 turns rated" in done.stdout
    api = central.report(admin, by="department", **{"from": "2026-10-01", "to": "2026-10-31"})
    sheet = load_workbook(target).worksheets[0]
    totals = {row[0].value: row[2].value for row in sheet.iter_rows(min_row=7, max_row=9)}
    assert totals == {row["key"]: row["total"] for row in api.json()["rows"]}
    assert sheet.cell(3, 1).value == "Tháng 10 năm 2026"


def test_a_quarter_as_an_english_pdf(october: tuple[Central, str], tmp_path: Path) -> None:
    central, _admin = october
    target = tmp_path / "q4.pdf"

    done = centralctl(
        central,
        "report",
        "--quarter",
        "2026-Q4",
        "--format",
        "pdf",
        "--lang",
        "en",
        "-o",
        str(target),
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
    assert "4th quarter 2026" in text
    assert "63 turns rated, 50 at the highest level, Very satisfied (79.4%)" in text


def test_the_presets_work_for_the_other_formats_too(
    october: tuple[Central, str], tmp_path: Path
) -> None:
    central, _admin = october

    done = centralctl(
        central, "report", "--year", "2026", "--by", "month", "--format", "csv", cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    months = {line.split(",")[0]: line.split(",")[6] for line in done.stdout.splitlines()[1:]}
    assert months == {"2026-09": "1", "2026-10": "62", "2026-11": "1"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--month", "2026-13", "--format", "xlsx", "-o", "x.xlsx"], 1, "month: expected 2026-10"),
        (["--month", "2026-10", "--from", "2026-10-01"], 2, "--month replaces --from and --to"),
        (["--month", "2026-10", "--format", "pdf"], 2, "give -o FILE"),
        (["--by", "officer", "--format", "xlsx", "-o", "x.xlsx"], 2, "leave out --by"),
        (["--format", "csv", "-o", "x.csv"], 2, "-o goes only with --format xlsx or pdf"),
    ],
)
def test_mistakes_are_one_clear_line(
    central: Central, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    done = centralctl(central, "report", *args, cwd=tmp_path)

    assert done.returncode == code
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("x.*"))  # nothing half written
