"""`kioskctl sync | provision | prune`: the technician's commands that talk to the center.

``sync.client`` is imported by the commands that use it, so the rest of ``kioskctl``
starts fast and works on a kiosk whose sync is not set up.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import delete

from kiosk import maintenance
from kiosk.config import load_config, resolve_config_path
from kiosk.counter import Counter
from kiosk.models import SENT, Rating
from kiosk.provisioning import CONNECTING, ROSTER
from kiosk.roster_file import RosterError
from sync.provisioning import (
    FILE_NAME,
    ProvisioningCode,
    ProvisioningCodeError,
    make_code,
    read_code_file,
)


def add_commands(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser(
        "sync",
        help="send every pending rating now (progress shown); exit 0 only when nothing is left",
        description="Send every pending rating now; exit 0 only when nothing is left pending.",
    )
    sync.set_defaults(run=cmd_sync)
    sync.add_argument(
        "--give-up-after", type=float, default=60, help="seconds without progress before giving up"
    )

    provision = commands.add_parser(
        "provision",
        help="point this kiosk at the center: write config and token, test, pull the roster",
        description="Write the counter id and central URL into the config, the token into its "
        "file (mode 600), test the connection and pull the roster; the previous files are "
        "restored when the center refuses. Give --central, --counter and --token-stdin, or "
        "--from-file with the provisioning code (a secret, like the token).",
    )
    provision.set_defaults(run=cmd_provision)
    provision.add_argument("--central", help="central URL, e.g. https://kiosk.center.example")
    provision.add_argument("--counter", help="counter id, e.g. Q07")
    provision.add_argument(
        "--token-stdin", action="store_true", help="read the counter token from stdin"
    )
    provision.add_argument(
        "--from-file",
        type=Path,
        metavar="PATH",
        help=f"read central, counter and token from a provisioning file ({FILE_NAME}, "
        "written by centralctl counter add --qr --file) instead",
    )
    provision.add_argument(
        "--no-check", action="store_true", help="write the files without testing the connection"
    )

    prune = commands.add_parser(
        "prune",
        help="delete ratings the center confirmed, created before a day",
        description="Delete ratings the center has confirmed (sent) created before DATE. "
        "Pending and rejected ratings are never deleted.",
    )
    prune.set_defaults(run=cmd_prune)
    prune.add_argument(
        "--sent-before", required=True, type=date.fromisoformat, help="local day, YYYY-MM-DD"
    )


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.client import SyncClient, SyncNotConfigured, SyncProblem

    # Sends what is there: a new, empty database would only hide a wrong data folder.
    with Counter.open(config=load_config(args.config), create=False) as counter:
        try:
            client = SyncClient(counter.config, counter.store)
        except SyncNotConfigured as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        failure = None
        try:
            client.drain(
                maintenance.ProgressLine("sending ratings"), give_up_after=args.give_up_after
            )
        except SyncProblem as exc:
            client.note_failure(exc)
            failure = exc
        finally:
            client.close()
        status = counter.status()
    print(
        f"{status.sent} sent, {status.pending} pending, {status.held} waiting for reasons, {status.rejected} rejected"
    )
    if status.rejected:
        print(
            "rejected ratings are kept; see them with: kioskctl export --format json",
            file=sys.stderr,
        )
        for error, count in status.rejected_why:
            print(f"  {count} rejected: {error or 'no reason given'}", file=sys.stderr)
    if failure is not None:
        print(f"error: {failure}", file=sys.stderr)
    elif status.pending and status.last_sync_error:
        print(f"error: {status.last_sync_error}", file=sys.stderr)
    return 0 if failure is None and status.pending == 0 and status.held == 0 else 1


def cmd_provision(args: argparse.Namespace) -> int:
    from kiosk.provisioning import ProvisioningFailed, provision

    code = _code_from(args)
    path = resolve_config_path(args.config)
    steps = {CONNECTING: f"connecting to {code.url} ...", ROSTER: "pulling the roster ..."}
    try:
        done = provision(
            code,
            path,
            check=not args.no_check,
            on_step=lambda step: steps.get(step) and print(steps[step], flush=True),
        )
    except ProvisioningFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {done.config_path} (counter {done.counter}, central {done.url}) "
        f"and {done.token_file} (mode 600)"
    )
    if done.checked:
        print(f"central reached; clock difference {done.clock_skew_seconds:+.1f} s")
        print(f"roster pulled: {done.officers} officers may log in here")
    return 0


def _code_from(args: argparse.Namespace) -> ProvisioningCode:
    """The code from --from-file, or from --central, --counter and the token on stdin."""
    try:
        if args.from_file is not None:
            if args.central or args.counter or args.token_stdin:
                raise RosterError(["--from-file holds the central, counter and token: give none"])
            return read_code_file(args.from_file)
        if not (args.central and args.counter and args.token_stdin):
            raise RosterError(["give --central, --counter and --token-stdin, or --from-file"])
        token = sys.stdin.readline().strip()
        if not token:
            raise RosterError(["no token on standard input"])
        return make_code(args.central, args.counter, token)
    except ProvisioningCodeError as exc:
        raise RosterError([str(exc)]) from None
    except OSError as exc:
        raise RosterError([f"cannot read {args.from_file}: {exc.strerror or exc}"]) from None


def cmd_prune(args: argparse.Namespace) -> int:
    with Counter.open(config=load_config(args.config), create=False) as counter:
        start, _ = maintenance.day_bounds(counter.config, args.sent_before, None)
        with counter.store.write() as session:
            deleted = session.execute(
                delete(Rating).where(Rating.sync_state == SENT, Rating.created_at < start)
            ).rowcount
    print(f"deleted {deleted} ratings confirmed by the center, created before {args.sent_before}")
    return 0
