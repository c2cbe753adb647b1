"""The short chaos run (scripts/chaos runs the long one): 20 SIGKILLs of a kiosk that
records and syncs non-stop, the central restarted at random, a seeded faulty proxy
between them; every acknowledged rating ends at the center exactly once."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.sync.chaos import run_chaos


@pytest.mark.slow
def test_every_acknowledged_rating_reaches_the_center_once_through_kills_and_restarts(
    tmp_path: Path,
):
    seed = random.randrange(2**32)
    result = run_chaos(tmp_path, seed=seed, kills=20, say=lambda _line: None)
    assert not result.problems(), f"{result.summary()}: {result.problems()}"
    # The run did what it says: ratings were taken, the faults and restarts happened.
    assert len(result.acknowledged) >= 20, result.summary()
    assert result.central_restarts >= 1, result.summary()
    assert sum(count for fault, count in result.faults.items() if fault != "pass") > 0
