"""`kioskctl`: the technician's commands for one kiosk.

Every command goes through the same ``Counter`` the touch screen uses. Errors come out as
one readable line each and an exit code: 2 for a bad configuration or usage, 1 when the
work could not be done. Never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from kiosk import (
    backups,
    cli_health,
    cli_logs,
    cli_recover,
    cli_sync,
    dbproblems,
    maintenance,
    roster,
    roster_file,
    staff,
)
from kiosk.config import ConfigError, load_config
from kiosk.counter import Counter
from kiosk.errors import LoginRefused, RatingRefused
from kiosk.models import Officer
from kiosk.pins import hash_pin
from kiosk.recovery import RecoveryError
from kiosk.roster_file import RosterError
from kiosk.shipped_secrets import is_known_pin
from kiosk.store import StoreError

Command = Callable[[argparse.Namespace], int]
TECHNICIAN_PIN_DIGITS = 6


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ConfigError as exc:
        for line in exc.problems:
            print(f"config error: {line}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `kioskctl export | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (StoreError, RosterError, LoginRefused, RatingRefused, RecoveryError) as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except (DBAPIError, sqlite3.Error, OSError) as exc:
        # The one place a database or disk failure of any command (a full disk, a lock,
        # a read-only mount, a permission) becomes one line with the cause and the next
        # step, instead of a traceback.
        if isinstance(exc, OSError) and exc.errno is None:  # our own, already in words
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: {dbproblems.explain(exc, database_path(args))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kioskctl", description="Set up, check and maintain a counter kiosk."
    )
    parser.add_argument(
        "--config", help="config file (default: $KIOSK_CONFIG, else config/kiosk.toml)"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, run: Command, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(run=run)
        return sub

    command("init", cmd_init, "create the data folder and the database, upgrade its schema")
    command(
        "check",
        cli_health.cmd_check,
        "check config, database, disk and clock; exit 1 if anything is wrong",
    ).add_argument("--json", action="store_true", help="print the checks as JSON")
    command(
        "status",
        cli_health.cmd_status,
        "counter, officer, today's ratings, sync counts, recent events",
    ).add_argument("--json", action="store_true", help="print as JSON")

    officer = command("officer", None, "manage the officers who may log in here")  # type: ignore[arg-type]
    officer_commands = officer.add_subparsers(
        title="officer commands", metavar="ACTION", required=True
    )
    add = officer_commands.add_parser("add", help="add or replace an officer (asks for the PIN)")
    add.set_defaults(run=cmd_officer_add)
    add.add_argument("code")
    add.add_argument("--name", required=True, help="full name, e.g. 'Nguyễn Văn An'")
    add.add_argument("--title", default="", help="job title shown on the kiosk")
    add.add_argument("--department", help="department code (default: the counter's)")
    add.add_argument("--department-name", default="", help="department name, when new")
    add.add_argument("--photo", help="photo file (a relative path: from the current folder)")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    listing = officer_commands.add_parser("list", help="list officers")
    listing.set_defaults(run=cmd_officer_list)
    listing.add_argument("--json", action="store_true", help="print as JSON")
    set_pin = officer_commands.add_parser("set-pin", help="set a new PIN (also lifts a lockout)")
    set_pin.set_defaults(run=cmd_officer_set_pin)
    set_pin.add_argument("code")
    set_pin.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN from standard input"
    )
    deactivate = officer_commands.add_parser("deactivate", help="stop an officer from logging in")
    deactivate.set_defaults(run=cmd_officer_deactivate)
    deactivate.add_argument("code")

    roster = command("roster", None, "import the roster of officers")  # type: ignore[arg-type]
    roster_commands = roster.add_subparsers(
        title="roster commands", metavar="ACTION", required=True
    )
    roster_import = roster_commands.add_parser(
        "import",
        help="import officers from a UTF-8 CSV (code,full_name,title,department,pin[,department_name,photo,active])",
    )
    roster_import.set_defaults(run=cmd_roster_import)
    roster_import.add_argument("file", type=Path)

    login = command("login", cmd_login, "log an officer in at this counter (asks for the PIN)")
    login.add_argument("code")
    login.add_argument("--pin-stdin", action="store_true", help="read the PIN from standard input")
    command("logout", cmd_logout, "log the current officer out")

    export = command("export", cmd_export, "export ratings as CSV or JSON lines")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument(
        "--from", dest="first", type=date.fromisoformat, help="first local day, YYYY-MM-DD"
    )
    export.add_argument(
        "--to", dest="last", type=date.fromisoformat, help="last local day, YYYY-MM-DD"
    )
    export.add_argument("--output", "-o", help="file to write; - or none: standard output")

    backup = command(
        "backup", cmd_backup, "consistent copy of the database, safe while the kiosk runs"
    )
    backup.add_argument(
        "path",
        nargs="?",
        help="target file, or a folder for a dated file (default: <data_dir>/backups; "
        "not -: a backup is binary)",
    )
    backup.add_argument(
        "--rotate",
        action="store_true",
        help="then delete the folder's backups older than [storage] backup_keep_days "
        "(never the newest)",
    )
    backup.add_argument(
        "--keep-days",
        type=int,
        help="with --rotate: keep this many days instead (implies --rotate)",
    )

    cli_sync.add_commands(commands)
    cli_logs.add_commands(commands)
    cli_recover.add_commands(commands)

    hash_command = command(
        "hash-pin", cmd_hash_pin, "print the scrypt hash of a PIN (for technician_pin_hash)"
    )
    hash_command.add_argument(
        "--pin-stdin", action="store_true", help="read the PIN from standard input"
    )
    return parser


# --- commands ---------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        print(f"database ready: {counter.store.path}")
    return 0


def cmd_officer_add(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        roster.check_local_changes_allowed(counter.config)
        pin = read_pin(args.pin_stdin, confirm=True)
        with counter.store.write() as session:
            officer = roster.upsert_officer(
                session,
                code=args.code,
                full_name=args.name,
                title=args.title,
                department=args.department or counter.config.counter.department,
                department_name=args.department_name,
                pin_hash=hash_pin(pin),
                # Kept absolute: the kiosk reads it from its own folder, not the shell's.
                photo=str(Path(args.photo).expanduser().resolve()) if args.photo else None,
            )
            code = officer.code
    print(f"officer {code} saved")
    return 0


def cmd_officer_list(args: argparse.Namespace) -> int:
    with open_counter(args, create=False) as counter, counter.store.read() as session:
        officers = [
            staff.officer_info(session, officer, counter.config.config_path.parent)
            for officer in session.query(Officer).order_by(Officer.code)
        ]
    if args.json:
        rows = [
            {**dataclasses.asdict(o), "photo": str(o.photo) if o.photo else None} for o in officers
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for o in officers:
            print(
                f"{o.code:<10} {o.full_name:<32} {o.title:<24} {o.department_code:<6} {'' if o.active else 'inactive'}"
            )
    return 0


def cmd_officer_set_pin(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        roster.check_local_changes_allowed(counter.config)
        code = roster.set_pin(counter.store, args.code, read_pin(args.pin_stdin, confirm=True))
    print(f"new PIN set for {code}")
    return 0


def cmd_officer_deactivate(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        roster.check_local_changes_allowed(counter.config)
        code = roster.deactivate(counter.store, args.code)
        current = counter.officer()
        if current and current.code == code:
            counter.logout("technician")
    print(f"officer {code} deactivated")
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    records = roster_file.read_roster(args.file)
    with open_counter(args, create=True) as counter:
        roster.check_local_changes_allowed(counter.config)
        count = roster.import_records(
            counter.store, records, maintenance.ProgressLine("importing officers")
        )
    print(f"imported {count} officers from {args.file}")
    return 0


def cmd_login(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        officer = counter.login(args.code, read_pin(args.pin_stdin))
    print(f"{officer.code} {officer.full_name} logged in at counter {counter.config.counter.id}")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    with open_counter(args, create=True) as counter:
        officer = counter.officer()
        counter.logout()
    print(f"{officer.code} logged out" if officer else "nobody was logged in")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    output = output_path(args.output)
    with open_counter(args, create=False) as counter:
        start, end = maintenance.day_bounds(counter.config, args.first, args.last)
        rows = maintenance.export_rows(counter.store, start, end)
        if output is not None:
            partial = output.with_name(output.name + ".partial")
            total = maintenance.export_count(counter.store, start, end)
            try:
                with partial.open("w", encoding="utf-8", newline="") as out:
                    count = maintenance.write_export(
                        rows, args.format, out, maintenance.ProgressLine("exporting"), total
                    )
            except BaseException as exc:
                partial.unlink(missing_ok=True)  # e.g. a full disk: leave no half file
                if isinstance(exc, OSError) and exc.errno and not exc.filename:
                    # A failed flush names no file; the error must name the one written.
                    raise OSError(exc.errno, exc.strerror, str(output)) from exc
                raise
            partial.replace(output)
            print(f"exported {count} ratings to {output}", file=sys.stderr)
        else:
            maintenance.write_export(rows, args.format, sys.stdout)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    if args.keep_days is not None and args.keep_days < 1:
        raise UsageError("backup: --keep-days must be 1 or more (the newest copy is kept anyway)")
    if args.path is None:
        target = load_config(args.config).backup_dir
        target.mkdir(parents=True, exist_ok=True)
    else:
        target = output_path(args.path)
    if target is None:
        # A database is binary, and a copy that stops half-way on a pipe looks whole to
        # whatever reads it; backup() writes a file that is checked before it is named.
        raise UsageError(
            "backup: - (standard output) is not supported: a backup is a binary database"
            " file; give a file or a folder, e.g. kioskctl backup /media/usb/"
        )
    with open_counter(args, create=False) as counter:
        folder = target if target.is_dir() else target.parent
        target = maintenance.backup(counter.store, target, maintenance.ProgressLine("backing up"))
        keep_days = args.keep_days or counter.config.storage.backup_keep_days
    print(f"backup written: {target}")
    if args.rotate or args.keep_days is not None:
        deleted = backups.prune(folder, keep_days)
        print(f"{len(deleted)} backup(s) older than {keep_days} days deleted from {folder}")
    return 0


def cmd_hash_pin(args: argparse.Namespace) -> int:
    pin = read_pin(args.pin_stdin, confirm=True)
    if len(pin) < TECHNICIAN_PIN_DIGITS:
        # It opens the service screen: as long as an officer's at the center (6).
        raise RosterError([f"the technician PIN needs {TECHNICIAN_PIN_DIGITS} to 12 digits"])
    if is_known_pin(pin):
        # It is for the technician PIN, which must not be one anyone can read.
        raise RosterError(
            [
                "that PIN is one the product prints or everyone tries first (such as the"
                " demo's 2468): choose another"
            ]
        )
    print(hash_pin(pin))
    return 0


# --- helpers ----------------------------------------------------------------------------


class UsageError(Exception):
    """The command line asks for something the command does not do (exit 2)."""


def open_counter(args: argparse.Namespace, *, create: bool) -> Counter:
    """The counter of ``--config``. ``create``: whether a command may make the data folder
    and the database (commands that write) or must find them there (commands that read)."""
    return Counter.open(config=load_config(args.config), create=create)


def output_path(value: str | None) -> Path | None:
    """A command's output file; None for standard output (none given, or -)."""
    return None if value in (None, "-") else Path(value)


def database_path(args: argparse.Namespace) -> Path:
    """The database a failed command was using, to name it in the error."""
    try:
        return load_config(getattr(args, "config", None)).db_path
    except Exception:  # only for the message: the config may be what failed
        return Path("kiosk.db")


def read_pin(from_stdin: bool, confirm: bool = False) -> str:
    if from_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("PIN: ")
        if confirm and getpass.getpass("PIN again: ") != pin:
            raise RosterError(["the two PINs differ"])
    problem = roster_file.pin_problem(pin)
    if problem:
        raise RosterError([problem])
    return pin


if __name__ == "__main__":
    sys.exit(main())
