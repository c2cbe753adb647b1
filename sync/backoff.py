"""When to try the central again: exponential backoff with full jitter, and Retry-After.

``sleep = uniform(0, min(cap, base * 2**failures))`` (AWS "full jitter") spreads twenty
kiosks that lost the network together, so they do not all come back in the same second.
A server's ``Retry-After`` is a floor the jitter never undercuts.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime


class Backoff:
    def __init__(
        self,
        base: float = 1.0,
        cap: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[float, float], float] = random.uniform,
    ):
        self.base, self.cap = base, cap
        self._clock, self._rand = clock, rand
        self.failures = 0
        self._not_before = 0.0

    def ready(self) -> bool:
        return self._clock() >= self._not_before

    def wait_seconds(self) -> float:
        return max(0.0, self._not_before - self._clock())

    def succeeded(self) -> None:
        self.failures = 0
        self._not_before = 0.0

    def failed(self, retry_after: float | None = None) -> float:
        """Record a failure; return the delay chosen before the next try."""
        delay = self._rand(0.0, min(self.cap, self.base * 2**self.failures))
        self.failures = min(self.failures + 1, 30)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        self._not_before = self._clock() + delay
        return delay


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
