"""Order of the whole suite: the files marked ``slow`` first, the longest of them first.

pytest-xdist (``--dist loadfile --no-loadscope-reorder``, scripts/test) hands whole files
to its workers in the order they are collected. A long file handed out last keeps one
worker busy while the others wait, so the long ones go first and the many short ones fill
in at the end. A file's own ``timeout`` mark (the fresh-root installs, the wheel, the
bench) says it is longer than the rest, so among the slow files those start first.
Within a file the collected order is kept, and every worker collects the same order, as
xdist requires. (Without ``--no-loadscope-reorder`` xdist re-sorts files by their number
of tests, which put a two-test install file of three minutes last.)
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    allowed: dict[Path, float] = {}  # a file's longest timeout mark, 0 without
    for item in items:
        mark = item.get_closest_marker("timeout")
        seconds = float(mark.args[0]) if mark is not None and mark.args else 0.0
        allowed[item.path] = max(allowed.get(item.path, 0.0), seconds)
    # Stable: the collected order is kept among files of the same rank and within a file.
    items.sort(key=lambda item: (item.path not in slow_files, -allowed[item.path]))
