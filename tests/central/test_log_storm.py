"""At the file-descriptor limit the central writes a few lines, not a storm of tracebacks
(141 MB in 50 s on main), and serves again once the connections are gone."""

from __future__ import annotations

import logging
import os
import resource
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from sync.central.logfilter import RepeatFilter

from .conftest import CENTRALCTL, TEST_PIN_MINIMUM

FD_LIMIT = 64


def serve_at_fd_limit(tmp_path: Path, repeat_seconds: str) -> tuple[int, int]:
    """Run ``centralctl serve`` with few file descriptors, open many connections to it for
    a while; returns (bytes it logged, status of /healthz once they are closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")},
        "CENTRAL__STORAGE__DATA_DIR": str(tmp_path / "data"),
        "CENTRAL__SERVER__LOG_REPEAT_SECONDS": repeat_seconds,
        **TEST_PIN_MINIMUM,
    }
    subprocess.run([str(CENTRALCTL), "init"], env=env, check=True, capture_output=True)

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))

    log_path = tmp_path / "central.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(CENTRALCTL), "serve", "--port", str(port), "--log-level", "warning"],
            env=env,
            stdout=log,
            stderr=log,
            preexec_fn=few_files,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url + "/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, log_path.read_text()
                time.sleep(0.2)
        held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(150)]
        time.sleep(6)  # the limit is hit: accept() fails again and again
        for sock in held:
            sock.close()
        status = 0
        deadline = time.monotonic() + 30
        while not status and time.monotonic() < deadline:
            try:
                status = requests.get(url + "/healthz", timeout=5).status_code
            except requests.RequestException:
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return log_path.stat().st_size, status


def test_running_out_of_file_descriptors_logs_a_few_lines_and_recovers(tmp_path: Path) -> None:
    logged, status = serve_at_fd_limit(tmp_path, "60")
    assert logged < 50_000, f"{logged} bytes of log in a few seconds"
    assert status == 200, "the central serves again once the connections are gone"


@pytest.mark.slow
def test_without_the_repeat_limit_the_same_minute_is_a_storm(tmp_path: Path) -> None:
    # The control: the same run with the filter's interval at a millisecond writes
    # megabytes, so the test above measures the filter, not a quiet machine.
    logged, _status = serve_at_fd_limit(tmp_path, "0.001")
    assert logged > 500_000


def test_a_storm_through_the_real_logger_is_written_once_with_its_count() -> None:
    now = [0.0]
    repeat = RepeatFilter(60, clock=lambda: now[0])
    logger = logging.getLogger("asyncio")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    logger.addFilter(repeat)
    logger.addHandler(keep)
    try:
        for n in range(10_000):
            # asyncio's own words: each line names another timer handle.
            logger.error(
                "Exception in callback _start_serving(%s)\nhandle: <TimerHandle when=%s>", n, n
            )
        logger.error("socket.accept() out of system resource")  # another problem: shown
        now[0] = 61.0
        logger.error("Exception in callback _start_serving(%s)", "again")
    finally:
        logger.removeFilter(repeat)
        logger.removeHandler(keep)
    lines = [record.getMessage() for record in records]
    assert len(lines) == 3, lines
    assert "9999 more like this in the last 60 s" in lines[2]
