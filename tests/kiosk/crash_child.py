"""Child process of the crash test: record ratings and print each id once acknowledged.

The parent kills it with SIGKILL in the middle; every id printed here was returned by
Counter.record, so it must be in the database afterwards. The config comes from the
KIOSK__* variables the parent sets.
"""

import sys

from kiosk.config import DEFAULT_CONFIG
from kiosk.counter import Counter


def main(count: int) -> None:
    counter = Counter.open(DEFAULT_CONFIG)
    for number in range(count):
        rating = counter.record(4 - number % 4)
        sys.stdout.write(rating.id + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
