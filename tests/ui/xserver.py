"""A virtual screen for tests that drive the kiosk through X, as a badge scanner or a
technician would: Xvfb on a free display number, and a patient ``wait_for``."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator

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
    server, display = start_xvfb()
    yield display
    server.terminate()
    server.wait(timeout=30)


def start_xvfb(screen: str = "1280x800x24") -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a display number it picks itself (-displayfd), so test workers and
    benchmarks running side by side never race for one; return it and its DISPLAY."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()  # written once the server accepts clients
    if not number:
        server.kill()
        raise RuntimeError("Xvfb did not start")
    return server, f":{number}"
