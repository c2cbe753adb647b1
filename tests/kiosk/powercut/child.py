"""Child of the power-cut test: record ratings under the volatile-disk shim and mark each
one in the journal once ``Counter.record`` has returned (the moment the citizen is
thanked). It stops without closing anything, as a cut would.

POWERCUT_SYNCHRONOUS replaces the store's ``synchronous`` PRAGMA, so the test can show
that with ``OFF`` its check does catch lost ratings.
"""

import os
import sys
from pathlib import Path

from kiosk import store
from kiosk.config import load_config
from kiosk.counter import Counter
from tests.kiosk.powercut.disk import mark


def main(count: int) -> None:
    synchronous = os.environ.get("POWERCUT_SYNCHRONOUS", "FULL")
    store.PRAGMAS = (
        *(
            f"synchronous={synchronous}" if pragma.startswith("synchronous=") else pragma
            for pragma in store.PRAGMAS
        ),
        # A checkpoint (WAL pages copied into kiosk.db) every few ratings instead of every
        # thousand pages, so cuts also land in the middle of checkpoints.
        "wal_autocheckpoint=8",
    )
    journal = Path(os.environ["POWERCUT_LOG"])
    counter = Counter.open(config=load_config(None))
    for number in range(count):
        rating = counter.record(4 - number % 4)
        mark(journal, rating.id)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(int(sys.argv[1]))
