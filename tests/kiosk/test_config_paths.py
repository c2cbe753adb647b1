"""Where a relative path points: written in a config file, it is relative to that file's
folder; given in the environment or on the command line, it is relative to the current
folder, as any path typed in a shell is. The kiosk and the central share the loader
(``kiosk.tomlconfig``), so both are proved here, through the commands a technician runs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG, load_config
from sync.central.settings import DEFAULT_CONFIG as CENTRAL_DEFAULT_CONFIG
from sync.central.settings import load_settings
from tests.kiosk.conftest import BIN, OFFICERS


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    """A copy of the shipped kiosk.toml in its own folder (data_dir = "../var/kiosk")."""
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "kiosk.toml").write_text(DEFAULT_CONFIG.read_text(encoding="utf-8"), "utf-8")
    return folder


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The technician's current folder: neither the config's nor the data's."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def run(command: str, *args: str, cwd: Path, stdin: str | None = None, **variables: str):
    """An installed command with only these KIOSK__/CENTRAL__ variables set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KIOSK", "CENTRAL"))
    }
    env.update(variables, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env.setdefault("KIOSK__COUNTER__CLOSING_TIME", '""')
    result = subprocess.run(
        [command, *args], input=stdin, env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    return result


def test_a_relative_data_dir_in_the_environment_is_relative_to_the_current_folder(
    etc: Path, work: Path, tmp_path: Path
):
    result = run(
        "kioskctl", "--config", str(etc / "kiosk.toml"), "init",
        cwd=work, KIOSK__STORAGE__DATA_DIR="data",
    )  # fmt: skip

    assert result.stdout == f"database ready: {work / 'data' / 'kiosk.db'}\n"
    assert not (etc / "data").exists(), "not beside the config file"
    assert not (tmp_path / "var").exists(), "nor where the file's own data_dir points"


def test_a_relative_data_dir_in_the_file_stays_relative_to_the_files_folder(
    etc: Path, work: Path, tmp_path: Path
):
    # --config itself is typed in the shell: relative to the current folder.
    result = run("kioskctl", "--config", "../etc/kiosk.toml", "init", cwd=work)

    assert result.stdout == f"database ready: {tmp_path / 'var' / 'kiosk' / 'kiosk.db'}\n"
    assert list(work.iterdir()) == []


def test_a_relative_token_file_in_the_environment_is_relative_to_the_current_folder(
    etc: Path, work: Path, tmp_path: Path
):
    run(
        "kioskctl", "--config", str(etc / "kiosk.toml"), "provision", "--central",
        "http://127.0.0.1:9", "--counter", "Q12", "--token-stdin", "--no-check",
        cwd=work, stdin="s3cret\n", KIOSK__CENTRAL__TOKEN_FILE="secrets/token",
    )  # fmt: skip

    assert (work / "secrets" / "token").read_text() == "s3cret\n"
    assert not (etc / "secrets").exists()
    assert not (tmp_path / "var").exists(), "not the file's own token_file either"


def test_relative_ca_and_token_files_in_the_environment_are_relative_to_the_current_folder(
    etc: Path, work: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(work)
    config = load_config(
        etc / "kiosk.toml",
        environ={
            "KIOSK__CENTRAL__CA_FILE": "certs/center-ca.pem",
            "KIOSK__CENTRAL__TOKEN_FILE": "token",
            "KIOSK__STORAGE__DATA_DIR": "~/kiosk",
        },
    )
    assert config.central.ca_file == work / "certs" / "center-ca.pem"
    assert config.central.token_file == work / "token"
    assert config.storage.data_dir == Path("~/kiosk").expanduser()


def test_an_empty_ca_file_in_the_environment_means_none(etc: Path):
    config = load_config(etc / "kiosk.toml", environ={"KIOSK__CENTRAL__CA_FILE": '""'})
    assert config.central.ca_file is None


def test_the_same_relative_ca_file_in_the_file_is_relative_to_the_files_folder(
    etc: Path, work: Path, monkeypatch: pytest.MonkeyPatch
):
    toml = etc / "kiosk.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('ca_file = ""', 'ca_file = "certs/center-ca.pem"'),
        encoding="utf-8",
    )
    monkeypatch.chdir(work)
    assert load_config(toml, environ={}).central.ca_file == etc / "certs" / "center-ca.pem"


def test_a_photo_given_on_the_command_line_is_relative_to_the_current_folder(
    etc: Path, work: Path, tmp_path: Path
):
    data = str(tmp_path / "data")
    config = str(etc / "kiosk.toml")
    run(
        "kioskctl", "--config", config, "officer", "add", "CB010", "--name", "Võ Minh Khoa",
        "--photo", "photos/cb010.jpg", "--pin-stdin",
        cwd=work, stdin=f"{OFFICERS[0][3]}\n", KIOSK__STORAGE__DATA_DIR=data,
    )  # fmt: skip

    # Read from elsewhere: the stored photo does not depend on where the command ran.
    listed = run(
        "kioskctl", "--config", config, "officer", "list", "--json",
        cwd=tmp_path, KIOSK__STORAGE__DATA_DIR=data,
    )  # fmt: skip
    (officer,) = json.loads(listed.stdout)
    assert officer["photo"] == str(work / "photos" / "cb010.jpg")


# --- the central: same loader, same rule ---------------------------------------------------


def test_a_relative_central_data_dir_in_the_environment_is_relative_to_the_current_folder(
    work: Path,
):
    result = run(
        "centralctl", "--config", str(CENTRAL_DEFAULT_CONFIG), "init",
        cwd=work, CENTRAL__STORAGE__DATA_DIR="central-data",
    )  # fmt: skip

    assert (work / "central-data" / "central.db").is_file()
    assert str(work / "central-data" / "central.db") in result.stdout
    assert not (CENTRAL_DEFAULT_CONFIG.parent / "central-data").exists()


def test_a_relative_sqlite_url_in_the_environment_is_relative_to_the_current_folder(
    work: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(work)
    settings = load_settings(
        CENTRAL_DEFAULT_CONFIG,
        environ={"CENTRAL__DATABASE__URL": "sqlite:///db/central.db"},
    )
    assert settings.database_url == f"sqlite:///{work / 'db' / 'central.db'}"


def test_relative_central_paths_in_the_file_stay_relative_to_the_files_folder(
    tmp_path: Path, work: Path, monkeypatch: pytest.MonkeyPatch
):
    config = tmp_path / "etc" / "central.toml"
    config.parent.mkdir()
    config.write_text('[storage]\ndata_dir = "data"\n[database]\nurl = "sqlite:///db/c.db"\n')
    monkeypatch.chdir(work)

    settings = load_settings(config, environ={})

    assert settings.storage.data_dir == tmp_path / "etc" / "data"
    assert settings.database_url == f"sqlite:///{tmp_path / 'etc' / 'db' / 'c.db'}"
