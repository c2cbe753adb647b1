"""A virtual screen for tests that drive the kiosk through X, as a badge scanner or a
technician would: Xvfb on a free display number, and a patient ``wait_for``."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.expected import unavailable


def wait_for(condition: Callable[[], object], timeout: float = 90.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass (generous: slow CI)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def xserver() -> Iterator[str]:
    """The DISPLAY of a fresh Xvfb (1280x800), stopped after the test."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        unavailable(
            "display", "Xvfb and xdotool are needed (scripts/bootstrap installs them as root)"
        )
    number = next(
        (
            n
            for n in range(90, 160)
            if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
        ),
        None,
    )
    assert number is not None, "no free X display number"
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists(), 30)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=30)
