"""Backoff: full jitter under a cap, Retry-After as a floor, reset on success."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from sync.backoff import Backoff, parse_retry_after


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def highest(low: float, high: float) -> float:
    return high


def test_waits_grow_exponentially_up_to_the_cap():
    clock = FakeClock()
    backoff = Backoff(base=1, cap=60, clock=clock, rand=highest)
    delays = [backoff.failed() for _ in range(10)]
    assert delays[:7] == [1, 2, 4, 8, 16, 32, 60]
    assert max(delays) == 60


def test_jitter_stays_between_zero_and_the_exponential_limit():
    backoff = Backoff(base=1, cap=300)
    for failures in range(12):
        delay = backoff.failed()
        assert 0 <= delay <= min(300, 2**failures)


def test_not_ready_until_the_delay_has_passed_and_ready_after_success():
    clock = FakeClock()
    backoff = Backoff(base=10, cap=60, clock=clock, rand=highest)
    backoff.failed()
    assert not backoff.ready()
    clock.now += 10
    assert backoff.ready()
    backoff.failed()
    backoff.succeeded()
    assert backoff.ready() and backoff.failures == 0


def test_retry_after_is_never_undercut_by_jitter():
    clock = FakeClock()
    backoff = Backoff(base=1, cap=300, clock=clock, rand=lambda low, high: low)
    assert backoff.failed(retry_after=42) == 42
    assert backoff.wait_seconds() == 42


def test_retry_after_header_in_seconds_or_as_an_http_date():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 50 <= parse_retry_after(in_a_minute) <= 61
