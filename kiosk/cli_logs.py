"""`kioskctl logs [-f] [-n N]`: the kiosk's log, wherever this installation keeps it.

Installed as a service, the kiosk logs to the journal (``journalctl -u counter-kiosk``,
the backup's unit too); run by hand or in the demo it logs to <data>/logs/kiosk.log,
rotated. The technician types the same command either way.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from kiosk.config import load_config

UNIT = "counter-kiosk.service"
BACKUP_UNIT = "counter-kiosk-backup.service"
# Where an installed unit file lives (scripts/install-kiosk puts it in the first).
UNIT_DIRS = (
    Path("/etc/systemd/system"),
    Path("/usr/lib/systemd/system"),
    Path("/lib/systemd/system"),
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    logs = commands.add_parser(
        "logs",
        help="show the kiosk's log (the journal when installed as a service, else its log file)",
        description="Show the kiosk's log: journalctl -u counter-kiosk when the service is "
        "installed, else <data_dir>/logs/kiosk.log.",
    )
    logs.set_defaults(run=cmd_logs)
    logs.add_argument("-f", "--follow", action="store_true", help="keep showing new lines")
    logs.add_argument("-n", "--lines", type=int, default=100, help="last N lines (default 100)")


def service_installed() -> bool:
    return any((folder / UNIT).exists() for folder in UNIT_DIRS)


def log_command(args: argparse.Namespace) -> list[str] | None:
    """The command that shows the log, or None when this kiosk has none yet."""
    lines = str(max(args.lines, 0))
    journalctl = shutil.which("journalctl")
    if journalctl and service_installed():
        command = [journalctl, "-u", UNIT, "-u", BACKUP_UNIT, "-n", lines, "--no-pager"]
        return [*command, "-f"] if args.follow else command
    log_file = load_config(args.config).storage.data_dir / "logs" / "kiosk.log"
    if log_file.exists():
        # -F: follows the file across the kiosk's rotation (kiosk.log -> kiosk.log.1).
        return ["tail", "-n", lines, *(["-F"] if args.follow else []), str(log_file)]
    return None


def cmd_logs(args: argparse.Namespace) -> int:
    command = log_command(args)
    if command is None:
        log_file = load_config(args.config).storage.data_dir / "logs" / "kiosk.log"
        print(
            f"no log yet: {UNIT} is not installed and {log_file} does not exist"
            " (the kiosk has not run with this config)",
            file=sys.stderr,
        )
        return 1
    return subprocess.run(command, check=False).returncode
