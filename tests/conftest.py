"""Order of the whole suite: the files marked ``slow`` first.

pytest-xdist (``--dist loadfile``, scripts/test) hands whole files to its workers in the
order they are collected. A long file handed out last keeps one worker busy while the
others wait, so the long ones go first and the many short ones fill in at the end. Within
a file, and among the slow files and the others, the collected order is kept (every
worker collects the same order, as xdist requires).
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: order kept within
