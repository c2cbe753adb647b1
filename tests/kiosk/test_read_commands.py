"""A `kioskctl` command that only reads, pointed at a folder with no database, says so and
makes nothing: an empty database there would answer "0 ratings" and hide a wrong data
folder. Commands that write still make the folder and the database, as on a new kiosk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kiosk.conftest import EXAMPLE_ROSTER

READ_COMMANDS = [
    ("status",),
    ("status", "--json"),
    ("check",),
    ("check", "--json"),
    ("export",),
    ("export", "--format", "json", "-o", "ratings.json"),
    ("officer", "list"),
    ("backup", "copy.db"),
    ("sync",),
    ("prune", "--sent-before", "2020-01-01"),
]


def no_database(data_dir: Path) -> str:
    return (
        f"error: no kiosk database in {data_dir}: run `kioskctl init` first,"
        " or check KIOSK__STORAGE__DATA_DIR / [storage] data_dir\n"
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_a_read_command_where_there_is_no_data_folder_says_so_and_makes_nothing(
    kioskctl, data_dir: Path, work: Path, args: tuple[str, ...]
):
    result = kioskctl(*args, check=False, cwd=work)

    assert result.returncode == 1
    assert result.stderr == no_database(data_dir)
    assert result.stdout == ""
    assert not data_dir.exists(), "neither the folder nor a database is made"
    assert list(work.iterdir()) == [], "no output file either"


@pytest.mark.parametrize("args", [("status",), ("check",), ("export",)], ids=" ".join)
def test_a_read_command_on_an_empty_data_folder_says_so_and_leaves_it_empty(
    kioskctl, data_dir: Path, args: tuple[str, ...]
):
    data_dir.mkdir()  # as systemd's StateDirectory= makes it before any `kioskctl init`

    result = kioskctl(*args, check=False)

    assert result.returncode == 1
    assert result.stderr == no_database(data_dir)
    assert list(data_dir.iterdir()) == []


def test_after_init_the_read_commands_work(kioskctl, data_dir: Path):
    kioskctl("init")
    assert "nobody logged in" in kioskctl("status").stdout
    assert kioskctl("export").stdout.startswith("id,seq,created_at")


@pytest.mark.parametrize(
    "args", [("init",), ("roster", "import", str(EXAMPLE_ROSTER))], ids=["init", "roster import"]
)
def test_a_write_command_makes_the_data_folder_and_the_database(
    kioskctl, data_dir: Path, args: tuple[str, ...]
):
    kioskctl(*args)
    assert (data_dir / "kiosk.db").is_file()
