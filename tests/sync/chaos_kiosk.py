"""The kiosk process of the chaos run: records a rating every few tens of milliseconds
with the real syncer pushing in the background, and prints each rating's id once
``Counter.record`` has returned (acknowledged: the citizen was thanked). The chaos run
kills it with SIGKILL at a random moment and starts it again on the same data folder.
Its configuration comes from the KIOSK__* variables the run sets.
"""

import random
import sys
import time

from kiosk.config import load_config
from kiosk.counter import Counter
from kiosk.pins import hash_pin
from kiosk.roster import upsert_officer
from sync.scheduler import Syncer


def main(seed: int) -> None:
    rng = random.Random(seed)
    counter = Counter.open(config=load_config(None))
    with counter.store.write() as session:
        upsert_officer(
            session,
            code="CB001",
            full_name="Nguyễn Thị Hồng Nhung",
            department="CA",
            pin_hash=hash_pin("1234"),
        )
    counter.login("CB001", "1234")
    syncer = Syncer(counter.config, counter.store)
    counter.on_rating_committed.append(syncer.push_now)
    syncer.start()
    while True:
        rating = counter.record(rng.randint(1, 4))
        sys.stdout.write(rating.id + "\n")
        sys.stdout.flush()
        time.sleep(rng.uniform(0.005, 0.05))


if __name__ == "__main__":
    main(int(sys.argv[1]))
