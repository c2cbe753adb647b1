"""What this run expects to be there: PostgreSQL, the browser, the virtual screen, a
fresh Debian root (root and mmdebstrap, or a cached root: scripts/fresh-debian).

On a laptop without one of them its tests skip and say why. CI says what it has in
``KIOSK_TESTS_EXPECT`` (words among ``postgres browser display fresh-root``, set by
``.ci/run``), and there a missing one fails its tests instead: a skip would hide half the
suite.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

KNOWN = ("postgres", "browser", "display", "fresh-root")


def expected() -> set[str]:
    words = set(os.environ.get("KIOSK_TESTS_EXPECT", "").replace(",", " ").split())
    unknown = words - set(KNOWN)
    if unknown:
        raise pytest.UsageError(
            f"KIOSK_TESTS_EXPECT: unknown {', '.join(sorted(unknown))}; known: {' '.join(KNOWN)}"
        )
    return words


def unavailable(capability: str, reason: str) -> NoReturn:
    """Skip this test because ``capability`` is missing, or fail when the run expects it."""
    assert capability in KNOWN, capability
    if capability in expected():
        pytest.fail(f"{reason}; this run expects {capability} (KIOSK_TESTS_EXPECT)", pytrace=False)
    pytest.skip(reason)
