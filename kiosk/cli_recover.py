"""`kioskctl recover FILE`: bring back the ratings a set-aside (or any old) database holds.

The work is ``kiosk.recovery``'s; this module turns its result into the summary a
technician reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk import recovery
from kiosk.config import load_config
from kiosk.counter import Counter


def add_commands(commands: argparse._SubParsersAction) -> None:
    recover = commands.add_parser(
        "recover",
        help="copy the ratings the center never confirmed from a set-aside or old kiosk.db",
        description="Copy the ratings the center never confirmed from a set-aside "
        "(kiosk.db.corrupt-*) or old copy of the database into the live one, to be sent "
        "with the next sync. Ids are kept, so the center takes each rating once; seqs are "
        "new. Running it again adds nothing.",
    )
    recover.set_defaults(run=cmd_recover)
    recover.add_argument("file", type=Path, help="e.g. /var/lib/kiosk/kiosk.db.corrupt-<time>")


def cmd_recover(args: argparse.Namespace) -> int:
    with Counter.open(config=load_config(args.config)) as counter:
        result = recovery.recover(counter.store, counter.config.counter.id, args.file)
        counter_id = counter.config.counter.id
    for line in summary(result, counter_id):
        print(line)
    return 0


def summary(result: recovery.Recovered, counter_id: str) -> list[str]:
    source = result.source
    if result.seqs:
        first, last = result.seqs
        lines = [
            f"recovered {result.copied} unconfirmed rating(s) from {source}"
            f" as seq {first} to {last}; the next sync sends them"
        ]
        if result.rejected:
            lines.append(
                f"{result.rejected} of them were rejected by the center: kept and flagged,"
                " not sent again (kioskctl export --format json shows why)"
            )
    elif result.already_here:
        lines = [f"nothing to recover from {source}: its unconfirmed ratings are here already"]
    else:
        lines = [f"nothing to recover from {source}: no unconfirmed ratings of {counter_id}"]
    if result.seqs and result.already_here:
        lines.append(f"{result.already_here} were here already and were left as they are")
    if result.other_counter:
        lines.append(
            f"{result.other_counter} rating(s) of another counter were left out: they are"
            " not this counter's to send"
        )
    if not result.complete:
        lines.append(
            "SQLite could not read all of the file: its ratings were read from its pages"
            " directly, and any on damaged pages are missing"
        )
    return lines
