"""The systemd units in config/ as systemd itself reads them (`systemd-analyze verify`),
and the settings the kiosk's watchdog and logs depend on."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import DEFAULT_CONFIG

CONFIG = DEFAULT_CONFIG.parent
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
UNITS = sorted(
    path for path in CONFIG.iterdir() if path.suffix in (".service", ".timer", ".socket")
)
# Where the installers put the programs the units run (scripts/install-kiosk,
# scripts/install-central): the current version's venv, and the central's backup script.
INSTALLED_VENV_BINS = ("/opt/counter-kiosk/current/bin/", "/opt/counter-central/current/bin/")
INSTALLED_TOOLS = "/opt/counter-central/tools/backup-central"


def installed_name(path: Path) -> str:
    """scripts/install-kiosk installs config/<name> as counter-<name>."""
    return f"counter-{path.name}"


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is missing (Debian: apt-get install systemd)")
    assert UNITS, "no unit files in config/"
    # verify refuses an ExecStart whose program does not exist: the installed venvs'
    # programs are this venv's, the installed backup script the checkout's, and cage
    # (absent on a test machine) a program that exists.
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        for venv_bin in INSTALLED_VENV_BINS:
            text = text.replace(venv_bin, str(Path(sys.executable).parent) + "/")
        text = text.replace(INSTALLED_TOOLS, str(SCRIPTS / "backup-central"))
        text = text.replace("/usr/bin/cage ", shutil.which("env") + " ")
        (tmp_path / installed_name(unit)).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # An unknown key or a bad value is only a warning to systemd (exit 0): any line about
    # our units is a mistake in them.
    ours = [line for line in done.stderr.splitlines() if "counter-" in line]
    assert done.returncode == 0 and not ours, done.stderr


def test_the_kiosk_unit_is_watched_and_logs_to_the_journal():
    service = read_unit(CONFIG / "kiosk.service")["Service"]
    assert service["Type"] == "notify"
    assert service["NotifyAccess"] == "all", "the kiosk is cage's child, not the main process"
    assert 10 <= int(service["WatchdogSec"]) <= 120
    assert int(service["TimeoutStartSec"]) >= 120, "a slow first frame must not count as failed"
    assert service["StandardError"] == "journal"
    assert service["Restart"] == "always"


def test_the_backup_timer_starts_the_backup_service_under_its_installed_name():
    timer = read_unit(CONFIG / "kiosk-backup.timer")
    service = read_unit(CONFIG / "kiosk-backup.service")["Service"]
    assert timer["Timer"]["Unit"] == installed_name(CONFIG / "kiosk-backup.service")
    assert timer["Timer"]["Persistent"] == "true"
    assert service["ExecStart"].endswith("kioskctl backup --rotate")
