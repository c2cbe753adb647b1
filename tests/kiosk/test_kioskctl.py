"""`kioskctl` end to end, as a technician runs it: real processes on a real data folder."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import cli
from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.counter import Counter, LoginRefused
from kiosk.store import integrity_problem
from sync.csvsafe import safe_cell

REPO = DEFAULT_CONFIG.parent.parent


@pytest.fixture
def kiosk(open_counter) -> Counter:
    """The kiosk process's own Counter on the data folder kioskctl works on."""
    return open_counter()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The technician's current folder, apart from the data folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_the_issues_four_commands_work_against_the_shipped_config(env, data_dir: Path):
    script = (
        "kioskctl init && kioskctl roster import config/example-roster.csv"
        " && kioskctl login CB001 --pin-stdin <<<1234 && kioskctl status --json"
    )
    result = subprocess.run(
        ["bash", "-c", script], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    status = json.loads(result.stdout[result.stdout.index("{") :])
    assert status["officer"]["code"] == "CB001"
    assert status["officer"]["full_name"] == "Nguyễn Thị Hồng Nhung"
    assert (status["pending"], status["sent"], status["rejected"]) == (0, 0, 0)
    assert status["counter_id"] == "Q07"
    assert "imported 5 officers" in result.stdout
    assert "importing officers: 5/5 (100%)" in result.stderr, "long work shows progress"
    assert (data_dir / "kiosk.db").exists()


def test_status_counts_pending_ratings_and_shows_the_officer_in_words(kioskctl, kiosk):
    kiosk.login("CB002", "2345")
    kiosk.record(4)
    kiosk.record(1, ask_reasons=True)

    status = json.loads(kioskctl("status", "--json").stdout)
    assert (status["pending"], status["held"], status["sent"], status["rejected"]) == (1, 1, 0, 0)
    assert status["today_total"] == 2

    words = kioskctl("status").stdout
    assert "CB002 Trần Văn Đức" in words
    assert "1 pending, 1 waiting for reasons" in words


def test_login_with_a_wrong_pin_fails_with_exit_1_and_a_reason(kioskctl, kiosk):
    result = kioskctl("login", "CB001", "--pin-stdin", stdin="9999\n", check=False)
    assert result.returncode == 1
    assert "wrong PIN; 4 tries left" in result.stderr
    assert kiosk.status().officer is None


def test_logout_ends_the_session(kioskctl, kiosk):
    kiosk.login("CB001", "1234")
    assert "CB001 logged out" in kioskctl("logout").stdout
    assert kiosk.status().officer is None
    assert "nobody was logged in" in kioskctl("logout").stdout


# --- officers -----------------------------------------------------------------------------


def test_officer_add_list_set_pin_and_deactivate(kioskctl, kiosk, make_config):
    kioskctl("officer", "add", "cb100", "--name", "Võ Thị Sáu", "--title", "Chuyên viên",
             "--pin-stdin", stdin="4321\n")  # fmt: skip
    listed = {row["code"]: row for row in json.loads(kioskctl("officer", "list", "--json").stdout)}
    assert listed["CB100"]["full_name"] == "Võ Thị Sáu"
    assert listed["CB100"]["department_code"] == "CA"
    assert listed["CB100"]["active"] is True
    assert kiosk.login("CB100", "4321").code == "CB100"

    kioskctl("officer", "set-pin", "CB100", "--pin-stdin", stdin="8765\n")
    with pytest.raises(LoginRefused):
        kiosk.login("CB100", "4321")
    assert kiosk.login("CB100", "8765").code == "CB100"

    kioskctl("officer", "deactivate", "CB100")
    assert kiosk.status().officer is None, "deactivating the officer at the counter logs out"
    with pytest.raises(LoginRefused) as caught:
        kiosk.login("CB100", "8765")
    assert caught.value.reason == "inactive"
    assert "inactive" in kioskctl("officer", "list").stdout.split("CB100")[1].splitlines()[0]


def test_set_pin_lifts_a_lockout(kioskctl, kiosk):
    for _ in range(5):
        with pytest.raises(LoginRefused):
            kiosk.login("CB001", "0000")
    kioskctl("officer", "set-pin", "CB001", "--pin-stdin", stdin="5555\n")
    assert kiosk.login("CB001", "5555").code == "CB001"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("officer", "set-pin", "CB999", "--pin-stdin"), "1111\n", "no officer with code CB999"),
        (("officer", "deactivate", "CB999"), None, "no officer with code CB999"),
        (("officer", "add", "CB100", "--name", "A", "--pin-stdin"), "12\n", "4 to 12 digits"),
    ],
)
def test_officer_commands_refuse_bad_input_with_exit_1(kioskctl, kiosk, args, stdin, message):
    result = kioskctl(*args, stdin=stdin, check=False)
    assert result.returncode == 1
    assert message in result.stderr


def test_roster_import_with_bad_lines_exits_1_and_imports_nothing(kioskctl, tmp_path, kiosk):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "code,full_name,title,department,pin\n"
        "CB200,Lý Thường Kiệt,Chuyên viên,CA,1111\n"
        "CB201,Trần Hưng Đạo,Chuyên viên,CA,abcd\n",
        encoding="utf-8",
    )
    result = kioskctl("roster", "import", str(roster), check=False)
    assert result.returncode == 1
    assert f"{roster}: line 3: pin: a PIN is 4 to 12 digits" in result.stderr
    assert "CB200" not in kioskctl("officer", "list").stdout


def test_roster_that_is_not_utf8_is_refused(kioskctl, tmp_path, kiosk):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        "code,full_name,title,department,pin\nCB300,Lê Văn Hưu,,CA,1111\n".encode("cp1258")
    )
    result = kioskctl("roster", "import", str(roster), check=False)
    assert result.returncode == 1
    assert "not UTF-8" in result.stderr


# --- export -------------------------------------------------------------------------------


@pytest.fixture
def three_ratings(kiosk: Counter, sql) -> list[str]:
    """Two ratings today, one moved to 2024-01-15 20:00 UTC (2024-01-16 03:00 in Hanoi)."""
    kiosk.login("CB001", "1234")
    ids = [kiosk.record(4).id, kiosk.record(1, ["attitude", "other"]).id, kiosk.record(3).id]
    connection = sqlite3.connect(kiosk.store.path)
    with connection:
        connection.execute(
            "UPDATE ratings SET created_at = '2024-01-15 20:00:00.000000' WHERE id = ?", (ids[2],)
        )
    connection.close()
    return ids


def test_export_json_is_one_rating_per_line_with_its_id(kioskctl, three_ratings):
    lines = kioskctl("export", "--format", "json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert sorted(row["id"] for row in rows) == sorted(three_ratings)
    by_id = {row["id"]: row for row in rows}
    assert by_id[three_ratings[1]]["reasons"] == ["attitude", "other"]
    assert by_id[three_ratings[1]]["officer"] == "CB001"
    assert by_id[three_ratings[2]]["created_at"] == "2024-01-15T20:00:00Z"


def test_export_filters_by_local_day(kioskctl, three_ratings):
    def exported(*args: str) -> list[str]:
        out = kioskctl("export", "--format", "json", *args).stdout
        return [json.loads(line)["id"] for line in out.splitlines()]

    # 20:00 UTC on the 15th is already the 16th in Hanoi.
    assert exported("--from", "2024-01-16", "--to", "2024-01-16") == [three_ratings[2]]
    assert sorted(exported("--from", "2025-01-01")) == sorted(three_ratings[:2])


def test_export_csv_to_a_file(kioskctl, three_ratings, tmp_path: Path):
    target = tmp_path / "ratings.csv"
    result = kioskctl("export", "--format", "csv", "--output", str(target))
    assert "exported 3 ratings" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert sorted(row["id"] for row in rows) == sorted(three_ratings)
    assert {row["reasons"] for row in rows} == {"", "attitude;other"}
    assert {row["level"] for row in rows} == {"4", "1", "3"}
    assert not list(tmp_path.glob("*.partial"))


def test_export_to_dash_writes_csv_to_standard_output(kioskctl, three_ratings, work: Path):
    result = kioskctl("export", "-o", "-", cwd=work)

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sorted(row["id"] for row in rows) == sorted(three_ratings)
    assert list(work.iterdir()) == [], "no file called - (nor -.partial) is made"
    assert "exported" not in result.stderr, "standard output gets the ratings, nothing else"


def test_export_json_to_dash_pipes_into_the_next_command(env, three_ratings, work: Path):
    result = subprocess.run(
        ["bash", "-c", "kioskctl export --format json --output - | wc -l"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"
    assert list(work.iterdir()) == []


def test_export_to_a_file_named_dash_in_a_folder_writes_that_file(
    kioskctl, three_ratings, work: Path
):
    # Only a bare - means standard output; any other path is a file, as with cat or tar.
    kioskctl("export", "-o", str(work / "-"))
    assert len(list(csv.DictReader(io.StringIO((work / "-").read_text())))) == 3


def test_export_rejects_a_bad_date_with_exit_2(kioskctl, kiosk):
    result = kioskctl("export", "--from", "16/01/2024", check=False)
    assert result.returncode == 2
    assert "--from" in result.stderr


# --- backup -------------------------------------------------------------------------------


def test_backup_while_the_kiosk_holds_the_database_open(kioskctl, kiosk, tmp_path: Path):
    kiosk.login("CB001", "1234")
    ids = {kiosk.record(4 - n % 4).id for n in range(50)}
    # Another reader is in the middle of a transaction, as the syncer may be.
    reader = sqlite3.connect(kiosk.store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ratings").fetchone()
    try:
        target = tmp_path / "backups" / "kiosk-copy.db"
        target.parent.mkdir()
        result = kioskctl("backup", str(target))
        kiosk.record(3)  # the kiosk keeps working meanwhile
    finally:
        reader.close()

    assert str(target) in result.stdout
    assert integrity_problem(target) is None
    copy = sqlite3.connect(target)
    assert {row[0] for row in copy.execute("SELECT id FROM ratings")} == ids
    copy.close()
    assert list(target.parent.iterdir()) == [target], "no partial file is left behind"


def test_backup_into_a_folder_makes_a_dated_file(kioskctl, kiosk, tmp_path: Path):
    result = kioskctl("backup", str(tmp_path))
    (made,) = tmp_path.glob("kiosk-*.db")
    assert str(made) in result.stdout
    assert integrity_problem(made) is None


def test_backup_to_dash_is_refused_because_a_database_is_binary(kioskctl, kiosk, work: Path):
    result = kioskctl("backup", "-", check=False, cwd=work)

    assert result.returncode == 2
    assert result.stderr == (
        "error: backup: - (standard output) is not supported: a backup is a binary database"
        " file; give a file or a folder, e.g. kioskctl backup /media/usb/\n"
    )
    assert result.stdout == ""
    assert list(work.iterdir()) == [], "no file called - is made"


# --- check, help, usage -------------------------------------------------------------------


def test_check_passes_on_a_healthy_kiosk(kioskctl, kiosk):
    result = kioskctl("check")
    assert "FAIL" not in result.stdout
    checks = {item["name"]: item for item in json.loads(kioskctl("check", "--json").stdout)}
    assert {"config", "database", "schema", "disk", "clock"} <= set(checks)
    assert all(item["ok"] for item in checks.values())


def test_check_of_a_bad_config_exits_2(kioskctl, tmp_path: Path):
    bad = tmp_path / "kiosk.toml"
    bad.write_text(DEFAULT_CONFIG.read_text().replace("[counter]", "[countr]"), encoding="utf-8")
    result = kioskctl("--config", str(bad), "check", check=False)
    assert result.returncode == 2
    assert f"config error: {bad}: countr: unknown key" in result.stderr
    assert f"config error: {bad}: counter.id: required key is missing" in result.stderr


def every_command(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from every_command(sub, (*path, name))


COMMANDS = list(every_command(cli.build_parser()))


def test_the_command_list_is_complete():
    expected = {"init", "check", "status", "officer add", "officer list", "officer set-pin",
                "officer deactivate", "roster import", "login", "logout", "export", "backup",
                "recover"}  # fmt: skip
    assert expected <= {" ".join(path) for path in COMMANDS}


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(path) for path in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...], capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*path, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: kioskctl {' '.join(path)}")
    assert len(out.splitlines()) >= 3


def test_help_of_the_installed_command(kioskctl):
    out = kioskctl("--help").stdout
    for name in ("init", "check", "status", "officer", "roster", "login", "export", "backup"):
        assert f"    {name} " in out


def test_no_command_shows_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert capsys.readouterr().out.startswith("usage: kioskctl")


def test_check_exits_1_and_says_so_when_the_database_was_damaged(kioskctl, data_dir: Path):
    kioskctl("init")
    db = data_dir / "kiosk.db"
    db.write_bytes(b"garbage" * 1000)

    result = kioskctl("check", check=False)
    assert result.returncode == 1
    (bad,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert "damaged" in bad and "kiosk.db.corrupt-" in bad


def test_check_exits_1_on_a_database_from_a_newer_release(kioskctl, data_dir: Path):
    kioskctl("init")
    db = data_dir / "kiosk.db"
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '0999'")
    connection.close()

    result = kioskctl("check", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: cannot upgrade database {db}")
    assert "0999" in result.stderr
    assert not list(data_dir.glob("*.corrupt-*")), "a sound file is never set aside"


def test_init_creates_the_data_folder_and_a_current_database(kioskctl, data_dir: Path):
    assert not data_dir.exists()
    assert "database ready" in kioskctl("init").stdout
    config = load_config(DEFAULT_CONFIG, environ={"KIOSK__STORAGE__DATA_DIR": str(data_dir)})
    assert integrity_problem(config.db_path) is None
    schema = next(
        c for c in json.loads(kioskctl("check", "--json").stdout) if c["name"] == "schema"
    )
    assert schema["ok"]


# --- CSV a spreadsheet will not execute -----------------------------------------------------

FORMULAS = ['=HYPERLINK("http://x.example","ok")', "+1+1", "-2+3", "@SUM(A1:A9)"]


def test_export_csv_cells_a_spreadsheet_would_run_start_with_a_quote(
    kioskctl, kiosk: Counter, tmp_path: Path
):
    kiosk.login("CB001", "1234")
    for ticket in [*FORMULAS, "HS-0042"]:
        kiosk.open_turn(ticket)  # a scanned dossier code goes into the export as it is
        kiosk.record(4)
    target = tmp_path / "ratings.csv"

    kioskctl("export", "--format", "csv", "--output", str(target))

    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8"))))
    quoted = sorted(["'" + formula for formula in FORMULAS] + ["HS-0042"])
    assert sorted(row["ticket"] for row in rows) == quoted
    assert {row["level"] for row in rows} == {"4"}, "numbers are left as numbers"
    exported = kioskctl("export", "--format", "json").stdout.splitlines()
    json_tickets = {json.loads(line)["ticket"] for line in exported}
    assert set(FORMULAS) <= json_tickets, "JSON is data, not a spreadsheet: left as it was"


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.none()))
def test_safe_cell_quotes_exactly_the_strings_a_spreadsheet_would_execute(value):
    cell = safe_cell(value)
    # OWASP's starts, also behind leading spaces (some programs trim them first).
    if isinstance(value, str) and value.lstrip(" ")[:1] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        assert cell == "'" + value
    else:
        assert cell == value
