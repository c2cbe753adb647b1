"""`kioskctl sync | provision | prune`: the technician's commands that talk to the center.

``sync.client`` is imported by the commands that use it, so the rest of ``kioskctl``
starts fast and works on a kiosk whose sync is not set up.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from sqlalchemy import delete, func, select

from kiosk import maintenance
from kiosk.config import load_config, resolve_config_path
from kiosk.config_edit import set_values, toml_string, write_atomically
from kiosk.counter import Counter
from kiosk.models import SENT, Officer, Rating
from kiosk.roster_file import RosterError
from sync.protocol import canonical_code


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
        "file (mode 600), test the connection and pull the roster.",
    )
    provision.set_defaults(run=cmd_provision)
    provision.add_argument(
        "--central", required=True, help="central URL, e.g. https://kiosk.center.example"
    )
    provision.add_argument("--counter", required=True, help="counter id, e.g. Q07")
    provision.add_argument(
        "--token-stdin",
        action="store_true",
        required=True,
        help="read the counter token from stdin",
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
    if failure is not None:
        print(f"error: {failure}", file=sys.stderr)
    elif status.pending and status.last_sync_error:
        print(f"error: {status.last_sync_error}", file=sys.stderr)
    return 0 if failure is None and status.pending == 0 and status.held == 0 else 1


def cmd_provision(args: argparse.Namespace) -> int:
    from sync.client import SyncClient, SyncProblem

    token = sys.stdin.readline().strip()
    if not token:
        raise RosterError(["no token on standard input"])
    path = resolve_config_path(args.config)
    config = load_config(path)
    url = args.central.rstrip("/")
    counter_id = canonical_code(args.counter)
    text = set_values(
        path.read_text(encoding="utf-8"),
        {("counter", "id"): toml_string(counter_id), ("central", "url"): toml_string(url)},
    )
    token_file = config.central.token_file or (config.storage.data_dir / "token")
    if config.central.token_file is None:
        text = set_values(text, {("central", "token_file"): toml_string(str(token_file))})
    previous_token = token_file.read_text() if token_file.exists() else None
    previous_config = path.read_text(encoding="utf-8")
    write_atomically(token_file, token + "\n", mode=0o600)
    write_atomically(path, text)
    print(f"wrote {path} (counter {counter_id}, central {url}) and {token_file} (mode 600)")
    if args.no_check:
        return 0
    try:
        with Counter.open(config=load_config(path)) as counter:
            client = SyncClient(counter.config, counter.store)
            try:
                skew = client.heartbeat()
                print(f"central reached; clock difference {skew:+.1f} s")
                client.pull_roster()
                with counter.store.read() as session:
                    officers = session.scalar(
                        select(func.count()).select_from(Officer).where(Officer.active)
                    )
                print(f"roster pulled: {officers} officers may log in here")
            finally:
                client.close()
    except SyncProblem as exc:
        # Put the previous files back: a kiosk must not be left pointing at a center
        # that refused it. --no-check writes them regardless, for offline installs.
        write_atomically(path, previous_config)
        if previous_token is None:
            token_file.unlink(missing_ok=True)
        else:
            write_atomically(token_file, previous_token, mode=0o600)
        print(f"error: {exc}; the previous configuration was restored", file=sys.stderr)
        return 1
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    with Counter.open(config=load_config(args.config), create=False) as counter:
        start, _ = maintenance.day_bounds(counter.config, args.sent_before, None)
        with counter.store.write() as session:
            deleted = session.execute(
                delete(Rating).where(Rating.sync_state == SENT, Rating.created_at < start)
            ).rowcount
    print(f"deleted {deleted} ratings confirmed by the center, created before {args.sent_before}")
    return 0
