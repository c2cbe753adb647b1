"""`kioskctl logs`: the journal when the kiosk is installed as a service, else its rotated
log file, else one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk import cli, cli_logs
from kiosk.config import DEFAULT_CONFIG


@pytest.fixture
def no_service_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The folder unit files are looked up in: empty, as on a developer's machine."""
    units = tmp_path / "systemd-system"
    units.mkdir()
    monkeypatch.setattr(cli_logs, "UNIT_DIRS", (units,))
    return units


@pytest.fixture
def log_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK__STORAGE__DATA_DIR", str(data_dir))
    path = data_dir / "logs" / "kiosk.log"
    path.parent.mkdir(parents=True)
    path.write_text("".join(f"2025-03-01 08:00:0{n} INFO kiosk.ui: line {n}\n" for n in range(6)))
    return path


def logs(capfd, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(DEFAULT_CONFIG), "logs", *args])
    out, err = capfd.readouterr()
    return code, out, err


def test_without_the_service_the_log_file_is_shown(no_service_installed, log_file, capfd):
    code, out, _err = logs(capfd, "-n", "2")
    assert code == 0
    assert out.splitlines() == [
        "2025-03-01 08:00:04 INFO kiosk.ui: line 4",
        "2025-03-01 08:00:05 INFO kiosk.ui: line 5",
    ]


def test_installed_as_a_service_the_journal_is_shown(no_service_installed, log_file, capfd):
    if not shutil.which("journalctl"):
        pytest.skip("journalctl is missing (Debian: apt-get install systemd)")
    (no_service_installed / "counter-kiosk.service").write_text("[Service]\n")
    code, out, err = logs(capfd, "-n", "5")
    assert code == 0, err
    assert "line 5" not in out, "the stale log file was shown instead of the journal"
    # This machine's journal has no counter-kiosk entries: journalctl says so itself.
    assert out.strip() == "-- No entries --" or "counter-kiosk" in out


def test_neither_journal_nor_file_says_so_in_one_line(
    no_service_installed, data_dir: Path, monkeypatch, capfd
):
    monkeypatch.setenv("KIOSK__STORAGE__DATA_DIR", str(data_dir))
    code, out, err = logs(capfd)
    assert code == 1 and out == ""
    assert err == (
        "no log yet: counter-kiosk.service is not installed and "
        f"{data_dir / 'logs' / 'kiosk.log'} does not exist (the kiosk has not run with this config)\n"
    )
    assert not data_dir.exists(), "reading the log makes no data folder"
