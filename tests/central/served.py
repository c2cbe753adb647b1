"""``centralctl serve`` in its own process, its whole log (uvicorn's access log and the
central's own) captured in a file: what an admin's journal would hold."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .conftest import TEST_PIN_MINIMUM


@dataclass
class Served:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(database_url: str, folder: Path, **overrides: str) -> Iterator[Served]:
    """The central on ``database_url`` at log level info; ``overrides``: CENTRAL__ keys."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    env |= {"CENTRAL__DATABASE__URL": database_url, "CENTRAL__STORAGE__DATA_DIR": str(folder)}
    env |= {"PYTHONUNBUFFERED": "1", **TEST_PIN_MINIMUM}
    env |= {f"CENTRAL__{key}": value for key, value in overrides.items()}
    command = [sys.executable, "-m", "sync.central.cli", "serve", "--port", str(port)]
    log_path = folder / "central.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--log-level", "info"], env=env, stdout=log, stderr=log
        )
    served = Served(f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, served.log()
            try:
                requests.get(served.url + "/healthz", timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "centralctl serve did not answer"
                time.sleep(0.3)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
