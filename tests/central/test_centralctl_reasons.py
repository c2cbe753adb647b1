"""``centralctl report --by reason`` as an admin runs it, on the database the
real central filled (SQLite and PostgreSQL), in its three formats (data: reasons_data.py)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from .conftest import Central
from .reasons_data import MARCH, rate_with_reasons


@pytest.fixture
def central(archive_central: Central) -> Central:
    """The data here bear fixed past days: a central that files them (conftest ARCHIVE)."""
    return archive_central


RANGE = ["--from", MARCH["from"], "--to", MARCH["to"]]


@pytest.fixture
def report(central: Central, tmp_path: Path):
    """Run ``centralctl report ARGS`` on the central's database, once it holds the data."""
    rate_with_reasons(central, tmp_path)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return central.ctl("report", *args)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_table_says_what_shares_are_of_and_names_each_reason_in_both_languages(
    report,
) -> None:
    out = ok(report("--by", "reason", *RANGE))

    heading, share, _blank, header, *lines = out.splitlines()
    assert "2025-03-01 to 2025-03-31 (Asia/Ho_Chi_Minh)" in heading
    assert share.startswith("share: of the group's low ratings (levels 2, 1")
    assert header.split()[:4] == ["group", "code", "name", "low_ratings"]
    waiting = next(line for line in lines if line.startswith("center") and "waiting_time" in line)
    assert "Thời gian chờ lâu" in waiting and "Long waiting time" in waiting
    assert waiting.split()[-2:] == ["3", "50.00%"]
    assert any(line.startswith("officer") and "Trần Văn Đức" in line for line in lines)


def test_csv_and_json_give_the_same_figures(report) -> None:
    table = list(
        csv.DictReader(io.StringIO(ok(report("--by", "reason", *RANGE, "--format", "csv"))))
    )
    answer = json.loads(ok(report("--by", "reason", *RANGE, "--format", "json")))

    from_csv = {
        (line["group"], line["code"], line["reason"]): int(line["count"])
        for line in table
        if line["reason"]
    }
    from_json = {
        (row["group"], row["key"], reason["code"]): reason["count"]
        for row in [answer["total"], *answer["rows"]]
        for reason in row["reasons"]
        if reason["count"]
    }
    assert {key: count for key, count in from_csv.items() if count} == from_json
    assert from_json[("department", "CA", "waiting_time")] == 2
    assert answer["total"]["reasons"][0]["vi"] == "Thời gian chờ lâu"


def test_for_officer_gives_the_center_and_each_officer(report) -> None:
    answer = json.loads(
        ok(report("--by", "reason", "--for", "officer", *RANGE, "--format", "json"))
    )

    assert answer["for"] == ["officer"]
    assert [row["key"] for row in answer["rows"]] == ["CB001", "CB002", "DL001"]


def test_for_without_by_reason_and_a_backwards_range_are_one_line_errors(report) -> None:
    misplaced = report("--by", "officer", "--for", "officer", *RANGE)
    backwards = report("--by", "reason", "--from", "2025-03-05", "--to", "2025-03-01")

    assert misplaced.returncode == 2
    assert misplaced.stderr == "centralctl: --for goes only with --by reason\n"
    assert backwards.returncode == 1
    assert backwards.stderr == "centralctl: from (2025-03-05) is after to (2025-03-01)\n"
