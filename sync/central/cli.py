"""``centralctl``: the center admin's commands for the central endpoint.

Every failure is one clear line (or one line per problem) on stderr and an exit code:
1 the command could not be done, 2 bad settings or usage. Never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kiosk.shipped_secrets import is_known_password
from sync.central import accounts, qr, roster
from sync.central.cli_base import CliError, close_opened_databases, open_database_of
from sync.central.cli_report import add_report_command
from sync.central.db import DatabaseError
from sync.central.kiosks import kiosk_health
from sync.central.models import utcnow
from sync.central.pdf_report import PdfUnavailable
from sync.central.reports import ReportError
from sync.central.settings import Settings, SettingsError, load_settings
from sync.csvsafe import safe_text
from sync.protocol import canonical_code
from sync.provisioning import FILE_NAME, ProvisioningCodeError, make_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="centralctl", description="Run and manage the central endpoint of the kiosks."
    )
    parser.add_argument(
        "--config", help="settings file (default: $CENTRAL_CONFIG or config/central.toml)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("init", help="create or upgrade the database").set_defaults(run=cmd_init)

    serve = commands.add_parser("serve", help="upgrade the database, then serve HTTP")
    serve.add_argument("--host", help="address to listen on (default: [server] host)")
    serve.add_argument("--port", type=int, help="port to listen on (default: [server] port)")
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--workers", type=int, help="processes serving requests (default: [server] workers)"
    )
    serve.set_defaults(run=cmd_serve)

    department = commands.add_parser("department", help="departments").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = department.add_parser("add", help="add a department (or rename one)")
    add.add_argument("code")
    add.add_argument("name")
    add.set_defaults(run=cmd_department_add)
    department.add_parser("list", help="list departments").set_defaults(run=cmd_department_list)

    officer = commands.add_parser("officer", help="officers").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    imp = officer.add_parser(
        "import",
        help="add or update officers from a CSV",
        description="CSV columns: code,full_name,title,department,pin[,photo][,department_name]. "
        "UTF-8. All lines are checked first; nothing is imported if one is wrong.",
    )
    imp.add_argument("csv", type=Path)
    imp.set_defaults(run=cmd_officer_import)
    set_pin = officer.add_parser(
        "set-pin",
        help="set an officer's PIN (asked, or one line of stdin)",
        description="At least [roster] min_pin_digits digits. Kiosks get it with their next "
        "roster download.",
    )
    set_pin.add_argument("code")
    set_pin.set_defaults(run=cmd_officer_set_pin)
    officer.add_parser(
        "list", help="officers, with PINs shorter than [roster] min_pin_digits flagged"
    ).set_defaults(run=cmd_officer_list)

    counter = commands.add_parser("counter", help="counters and their tokens").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = counter.add_parser(
        "add",
        help="register a counter; prints its token once (--qr: its provisioning code too)",
        description=PROVISIONING_HELP,
    )
    add.add_argument("id")
    add.add_argument("--department", required=True, help="department code of the counter")
    add.add_argument(
        "--since",
        type=_local_day,
        help="local day (YYYY-MM-DD) from which its ratings are taken: a kiosk that rated on "
        "its own before it was registered (default: ratings made from now on)",
    )
    _provisioning_options(add)
    add.set_defaults(run=cmd_counter_add)
    token = counter.add_parser(
        "token",
        help="replace a counter's token; prints it once (--qr: a new provisioning code)",
        description=PROVISIONING_HELP,
    )
    token.add_argument("id")
    _provisioning_options(token)
    token.set_defaults(run=cmd_counter_token)
    counter.add_parser("list", help="counters and their kiosks' health").set_defaults(
        run=cmd_counter_list
    )

    admin = commands.add_parser("admin", help="center admins").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = admin.add_parser("add", help="add an admin or set a new password (asked, or stdin)")
    add.add_argument("username")
    add.set_defaults(run=cmd_admin_add)
    remove = admin.add_parser(
        "remove", help="remove an admin: their sessions and API token stop working at once"
    )
    remove.add_argument("username")
    remove.set_defaults(run=cmd_admin_remove)
    token = admin.add_parser("token", help="new API token for the JSON report API; printed once")
    token.add_argument("username")
    token.set_defaults(run=cmd_admin_token)

    add_report_command(commands)

    rollup = commands.add_parser("rollup", help="the daily counts reports read").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    rollup.add_parser(
        "rebuild", help="recount from the ratings (after changing [report] timezone)"
    ).set_defaults(run=cmd_rollup_rebuild)
    return parser


PROVISIONING_HELP = (
    "--qr prints the counter's provisioning code (central URL, counter id and token) as a QR "
    "code; the technician scans it with the counter's badge scanner at the kiosk's service "
    "screen. --png and --file write it for printing or a USB stick (file name "
    f"{FILE_NAME}). The code holds the token: keep a printout or file as secret as the token, "
    "and destroy it once the kiosk is provisioned."
)


def _provisioning_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--qr", action="store_true", help="print the provisioning code as a QR code"
    )
    parser.add_argument("--png", type=Path, metavar="FILE", help="write the QR code as a PNG")
    parser.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help=f"write the provisioning code to a file (a folder: {FILE_NAME} in it)",
    )
    parser.add_argument(
        "--central-url",
        metavar="URL",
        help="the central's address as kiosks reach it (default: [server] public_url)",
    )


def _wants_code(args: argparse.Namespace) -> bool:
    return bool(args.qr or args.png or args.file)


def _ready_for_code(settings: Settings, args: argparse.Namespace) -> str:
    """The central's URL for the provisioning code asked for ("" when none is), and the
    files it goes to checked: both before the token is made, so a missing URL or a stick
    that is not mounted makes no counter, and replaces no token, that nobody can use."""
    if not _wants_code(args):
        return ""
    url = _public_url(settings, args)
    _check_targets(args)
    return url


def _public_url(settings: Settings, args: argparse.Namespace) -> str:
    url = (args.central_url or settings.server.public_url).strip().rstrip("/")
    if not url:
        raise CliError(
            "the provisioning code needs the central's address as kiosks reach it: set "
            f"[server] public_url in {settings.config_path} (or CENTRAL__SERVER__PUBLIC_URL), "
            "or give --central-url https://...",
            code=2,
        )
    try:
        make_code(url, "CHECK", "check")
    except ProvisioningCodeError as exc:
        raise CliError(f"--central-url / [server] public_url: {exc}", code=2) from None
    return url


def _code_file(target: Path) -> Path:
    """Where --file writes: the path given, or the code's file name in a folder given."""
    return target / FILE_NAME if target.is_dir() else target


def _check_targets(args: argparse.Namespace) -> None:
    """The PNG and the file asked for can be written where they are asked for."""
    for option, given in (("--png", args.png), ("--file", args.file)):
        if given is None:
            continue
        path = _code_file(given) if option == "--file" else given
        if path.is_dir():
            raise CliError(f"{option} {given}: that is a folder; give a file name", code=2)
        folder = path.parent
        if not folder.is_dir():
            raise CliError(
                f"{option} {given}: the folder {folder} does not exist (is the stick mounted?)",
                code=2,
            )
        if not os.access(folder, os.W_OK):
            raise CliError(f"{option} {given}: the folder {folder} cannot be written", code=2)


def _hand_over(url: str, counter: str, token: str, args: argparse.Namespace) -> None:
    """The provisioning code in the forms asked for (terminal, PNG, file)."""
    code = make_code(url, counter, token)
    if args.qr:
        print(f"provisioning code of counter {code.counter} for {url} (secret, like the token):")
        sys.stdout.write(qr.terminal_text(code))
    if args.png:
        qr.write_png(code, args.png)
        print(f"wrote {args.png} (mode 600): the QR code to print; a secret, like the token")
    if args.file:
        path = _code_file(args.file)
        qr.write_file(code, path)
        print(f"wrote {path} (mode 600): kioskctl provision --from-file reads it")


def cmd_init(settings: Settings, _args: argparse.Namespace) -> None:
    db = open_database_of(settings, upgrade=True)
    db.close()
    print(f"database ready: {db.engine.url.render_as_string()}")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    from sync.central.server import serve  # uvicorn only when serving

    serve(
        settings,
        args.host or settings.server.host,
        args.port or settings.server.port,
        args.log_level,
        args.workers or settings.server.workers,
    )


def cmd_department_add(settings: Settings, args: argparse.Namespace) -> None:
    new = roster.add_department(open_database_of(settings), args.code, args.name)
    code = canonical_code(args.code)
    print(f"department {code} {'added' if new else 'renamed'}: {args.name}")


def cmd_department_list(settings: Settings, _args: argparse.Namespace) -> None:
    for code, name, count in roster.list_departments(open_database_of(settings)):
        print(f"{code}\t{name}\t{count} officer(s)")


def cmd_officer_import(settings: Settings, args: argparse.Namespace) -> None:
    result = roster.import_officers(
        open_database_of(settings), args.csv, min_pin_digits=settings.roster.min_pin_digits
    )
    print(
        f"officers: {result.added} added, {result.updated} updated; "
        f"departments added: {result.departments_added}"
    )


def cmd_officer_set_pin(settings: Settings, args: argparse.Namespace) -> None:
    pin = _secret(f"PIN for {args.code}: ")
    roster.set_pin(
        open_database_of(settings), args.code, pin, min_pin_digits=settings.roster.min_pin_digits
    )
    print(
        f"PIN of officer {canonical_code(args.code)} changed; kiosks get it at their next roster pull"
    )


def cmd_officer_list(settings: Settings, _args: argparse.Namespace) -> None:
    minimum = settings.roster.min_pin_digits
    lines = roster.list_officers(open_database_of(settings))
    print("code\tdepartment\tactive\tpin\tname")
    for line in lines:
        cells = [
            _text_cell(line.code),
            _text_cell(line.department),
            "yes" if line.active else "no",
            roster.pin_strength(line, minimum),
            _text_cell(line.full_name),
        ]
        print("\t".join(cells))
    weak = sum(1 for line in lines if roster.pin_strength(line, minimum) != "ok")
    if weak:
        # On stderr: the table stays clean for a spreadsheet, the warning reaches the admin.
        print(
            f"centralctl: {weak} officer(s) have a PIN shorter than {minimum} digits or of "
            "unknown length: give them a new one with `centralctl officer set-pin CODE`",
            file=sys.stderr,
        )


def _local_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day as YYYY-MM-DD, got {text!r}") from None


def cmd_counter_add(settings: Settings, args: argparse.Namespace) -> None:
    url = _ready_for_code(settings, args)
    since = None
    if args.since:
        since = datetime.combine(args.since, time(), settings.report.tz).astimezone(UTC)
    token = accounts.add_counter(open_database_of(settings), args.id, args.department, since)
    counter, department = canonical_code(args.id), canonical_code(args.department)
    print(f"counter {counter} added to {department}. Its token (shown only now):")
    print(token)
    if url:
        _hand_over(url, counter, token, args)


def cmd_counter_token(settings: Settings, args: argparse.Namespace) -> None:
    url = _ready_for_code(settings, args)
    token = accounts.replace_counter_token(open_database_of(settings), args.id)
    print(f"new token of counter {args.id} (the old one no longer works):")
    print(token)
    if url:
        _hand_over(url, canonical_code(args.id), token, args)


def cmd_counter_list(settings: Settings, _args: argparse.Namespace) -> None:
    now = utcnow()
    tz = settings.report.tz
    kiosks = kiosk_health(open_database_of(settings), settings.kiosks, now)
    print("counter\tdepartment\tlast_heartbeat\tpending\tapp_version\tclock_skew_s\tstale\tstate")
    for kiosk in kiosks:
        seen = _local(kiosk.heartbeat_at, tz) if kiosk.heartbeat_at else "never"
        skew = "" if kiosk.clock_skew_seconds is None else f"{kiosk.clock_skew_seconds:+.1f}"
        cells = [
            _text_cell(kiosk.counter),
            _text_cell(kiosk.department),
            seen,
            "" if kiosk.pending is None else str(kiosk.pending),
            _text_cell(kiosk.app_version or ""),
            skew,
            "yes" if kiosk.state == "stale" else "no",
            _text_cell(kiosk.state + (f" ({kiosk.why})" if kiosk.why else "")),
        ]
        print("\t".join(cells))


def _text_cell(text: str) -> str:
    # Kiosks write app_version and last_error: one line and one cell of this tab-separated
    # table each, never a live formula when the table lands in a spreadsheet.
    return safe_text(" ".join(text.split()))


def _local(moment: datetime, tz: object) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")  # type: ignore[arg-type]


def _secret(prompt: str) -> str:
    """A password or PIN: asked twice on a terminal, else the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    secret = getpass.getpass(prompt)
    if getpass.getpass("again: ") != secret:
        raise CliError("the two entries differ; nothing changed")
    return secret


def cmd_admin_add(settings: Settings, args: argparse.Namespace) -> None:
    password = _secret(f"password for {args.username}: ")
    if is_known_password(password) and not settings.server.demo:
        raise CliError(
            "that password is the demo's, printed in the README: choose another; nothing changed"
        )
    new = accounts.set_admin(open_database_of(settings), args.username, password)
    changed = "password changed; their sessions and API token no longer work"
    print(f"admin {args.username} {'added' if new else changed}")


def cmd_admin_remove(settings: Settings, args: argparse.Namespace) -> None:
    accounts.remove_admin(open_database_of(settings), args.username)
    print(f"admin {args.username} removed; their sessions and API token no longer work")


def cmd_admin_token(settings: Settings, args: argparse.Namespace) -> None:
    token = accounts.new_admin_token(open_database_of(settings), args.username)
    print(f"API token of admin {args.username} (shown only now; the previous one stops working):")
    print(token)


def cmd_rollup_rebuild(settings: Settings, _args: argparse.Namespace) -> None:
    from sync.central.rollup import rebuild_rollup

    total = rebuild_rollup(open_database_of(settings), settings.report.tz)
    print(f"rollup rebuilt from {total} ratings, days in {settings.report.timezone}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[Settings, argparse.Namespace], None] = args.run
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        for line in exc.problems:
            print(f"centralctl: {line}", file=sys.stderr)
        return 2
    try:
        run(settings, args)
    except CliError as exc:
        print(f"centralctl: {exc}", file=sys.stderr)
        return exc.code
    except roster.RosterError as exc:
        for line in exc.problems:
            print(f"centralctl: {line}", file=sys.stderr)
        return 1
    except (
        DatabaseError,
        accounts.AccountError,
        ReportError,
        qr.QrUnavailable,
        PdfUnavailable,
    ) as exc:
        print(f"centralctl: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        print(f"centralctl: database error: {reason}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"centralctl: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        close_opened_databases()
    return 0


if __name__ == "__main__":
    sys.exit(main())
