"""centralctl as an admin runs it: real settings from the environment, a real database,
one-line errors. The commands run in the test's process (tests/in_process.py); help and
``serve`` run the installed console script in a process of its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from sync.central.db import open_database
from sync.central.ingest import ingest_batch
from sync.central.settings import load_settings
from tests import in_process

from .conftest import CENTRALCTL, DEFAULT_CONFIG, TEST_PIN_MINIMUM, rating

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def ctl_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The environment of centralctl: this test's data folder and database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CENTRAL__") and key != "CENTRAL_CONFIG"
    }
    env["CENTRAL__STORAGE__DATA_DIR"] = str(tmp_path / "data")
    env["CENTRAL__DATABASE__URL"] = database_url
    env.update(TEST_PIN_MINIMUM)
    return env


@pytest.fixture
def centralctl(ctl_env: dict[str, str]) -> Run:
    """Run centralctl with this test's data folder and database (SQLite and PostgreSQL)."""
    env = ctl_env

    def run(*args: str, stdin: str = "", extra_env: dict[str, str] | None = None):
        return in_process.centralctl(*args, env={**env, **(extra_env or {})}, stdin=stdin)

    return run


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_setting_up_a_center_from_the_command_line(centralctl: Run, tmp_path: Path) -> None:
    ok(centralctl("init"))
    ok(centralctl("department", "add", "CA", "Công an tỉnh"))
    roster = tmp_path / "officers.csv"
    roster.write_text(
        "code,full_name,title,department,pin\nCB001,Nguyễn Thị Hồng Nhung,Chuyên viên,CA,1234\n",
        encoding="utf-8",
    )
    imported = ok(centralctl("officer", "import", str(roster)))
    added = ok(centralctl("counter", "add", "Q07", "--department", "CA"))
    listed = ok(centralctl("counter", "list"))
    departments = ok(centralctl("department", "list"))

    assert "1 added" in imported
    token = added.rstrip("\n").splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    assert token not in listed
    assert listed.splitlines()[1].split("\t")[:3] == ["Q07", "CA", "never"]
    assert "stale" in listed.splitlines()[0]
    assert "Công an tỉnh" in departments


def test_officer_import_reports_every_bad_line_and_imports_nothing(
    centralctl: Run, tmp_path: Path
) -> None:
    ok(centralctl("init"))
    ok(centralctl("department", "add", "CA", "Công an tỉnh"))
    roster = tmp_path / "officers.csv"
    roster.write_text(
        "code,full_name,title,department,pin\n"
        "CB001,Nguyễn Thị Hồng Nhung,,CA,1234\n"
        "CB002,Trần Văn Đức,,XX,2345\n"
        "CB003,,,CA,12\n",
        encoding="utf-8",
    )

    result = centralctl("officer", "import", str(roster))

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert any("line 3" in line and "department XX" in line for line in lines)
    assert any("line 4" in line and "full_name" in line for line in lines)
    assert any("line 4" in line and "pin" in line for line in lines)
    assert "Traceback" not in result.stderr
    assert "0 officer" in ok(centralctl("department", "list"))


def test_admin_password_from_stdin_and_report_formats(
    centralctl: Run, database_url: str, tmp_path: Path
) -> None:
    ok(centralctl("init"))
    ok(centralctl("department", "add", "CA", "Công an tỉnh"))
    officers = tmp_path / "officers.csv"
    officers.write_text("code,full_name,title,department,pin\nCB001,Nhung,,CA,1234\n")
    ok(centralctl("officer", "import", str(officers)))
    # The kiosk rated on its own roster before it was registered: its March is taken.
    ok(centralctl("counter", "add", "Q07", "--department", "CA", "--since", "2025-03-01"))
    assert "added" in ok(centralctl("admin", "add", "boss", stdin="a long password\n"))
    settings = load_settings(
        DEFAULT_CONFIG,
        environ={
            "CENTRAL__STORAGE__DATA_DIR": str(tmp_path / "data"),
            "CENTRAL__DATABASE__URL": database_url,
        },
    )
    db = open_database(settings.database_url)
    ratings = [
        rating(level, "2025-03-01T03:00:00Z", seq=n) for n, level in enumerate([4, 4, 3, 1], 1)
    ]
    # Sent on 2 March 2025, by the clock of the central then.
    sent_on = datetime(2025, 3, 2, tzinfo=UTC)
    ingest_batch(db, "Q07", ratings, settings.report.levels, settings.report.tz, now=sent_on)
    db.close()
    span = ("--from", "2025-03-01", "--to", "2025-03-31")

    as_csv = ok(centralctl("report", "--by", "department", "--format", "csv", *span))
    as_json = json.loads(ok(centralctl("report", "--by", "month", "--format", "json", *span)))
    as_table = ok(centralctl("report", "--by", "officer", *span))

    header, row = as_csv.strip().splitlines()
    assert header.split(",")[:2] == ["department", "name"] and "total" in header.split(",")
    assert row.startswith("CA,Công an tỉnh,2,1,0,1,4,")
    assert as_json["rows"][0]["key"] == "2025-03" and as_json["total"]["satisfaction_rate"] == 0.75
    assert "CB001" in as_table and "TOTAL" in as_table


def test_report_days_near_year_1_or_9999_are_one_line_errors(centralctl: Run) -> None:
    ok(centralctl("init"))

    results = [
        centralctl("report", "--to", "0001-01-01"),
        centralctl("report", "--from", "9999-12-31"),
        centralctl("report", "--from", "0001-01-01", "--to", "9999-12-31"),
    ]

    for result, option in zip(results, ("--to", "--from", "--to"), strict=True):
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]
        assert option in result.stderr and "Traceback" not in result.stderr


def test_errors_are_one_line_with_an_exit_code(centralctl: Run) -> None:
    ok(centralctl("init"))

    unknown_department = centralctl("counter", "add", "Q07", "--department", "NOPE")
    bad_date = centralctl("report", "--from", "2025-02-30")
    short_password = centralctl("admin", "add", "boss", stdin="short\n")
    bad_config = centralctl("counter", "list", extra_env={"CENTRAL__REPORT__TOP_LEVEL": "9"})

    for result, code in (
        (unknown_department, 1),
        (bad_date, 1),
        (short_password, 1),
        (bad_config, 2),
    ):
        assert result.returncode == code, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    assert "NOPE" in unknown_department.stderr
    assert "--from" in bad_date.stderr
    assert "report.top_level (from CENTRAL__REPORT__TOP_LEVEL)" in bad_config.stderr


def test_help_on_every_command() -> None:
    # Once, not per database: asking for help opens none. The installed command once, as
    # a process; every command's help from the same main.
    installed = subprocess.run([str(CENTRALCTL), "--help"], capture_output=True, text=True)
    assert installed.returncode == 0 and "usage: centralctl" in installed.stdout
    for command in (
        ["init"],
        ["serve"],
        ["department", "add"],
        ["officer", "import"],
        ["counter", "add"],
        ["counter", "list"],
        ["admin", "add"],
        ["report"],
    ):
        result = in_process.centralctl(*command, "--help", env=os.environ)
        assert result.returncode == 0 and "usage: centralctl" in result.stdout


def test_serve_upgrades_a_new_database_and_answers(ctl_env: dict[str, str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [str(CENTRALCTL), "serve", "--port", str(port), "--log-level", "warning"],
        env=ctl_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "centralctl serve did not answer in 90 s"
                time.sleep(0.2)
        login = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
    finally:
        process.terminate()
        process.wait(30)

    assert health.json() == {"status": "ok"}
    assert login.status_code == 200 and 'name="password"' in login.text


def test_an_unreachable_or_uninitialised_database_is_one_line(
    centralctl: Run, tmp_path: Path
) -> None:
    never_initialised = f"sqlite:///{tmp_path / 'new' / 'central.db'}"
    fresh = centralctl("counter", "list", extra_env={"CENTRAL__DATABASE__URL": never_initialised})
    unreachable = centralctl(
        "counter",
        "list",
        extra_env={"CENTRAL__DATABASE__URL": "postgresql+psycopg://postgres@127.0.0.1:1/none"},
    )

    for result in (fresh, unreachable):
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    assert "centralctl init" in fresh.stderr
    assert "127.0.0.1" in unreachable.stderr
