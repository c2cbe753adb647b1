"""`centralctl serve` as the installed unit runs it: several uvicorn worker processes, and
behind the TLS proxy on 127.0.0.1 the central knows it is served over https (its
dashboard cookie is Secure), while a proxy it does not trust cannot claim so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from sync.central import accounts
from sync.central.db import open_database

PASSWORD = "correct horse"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


@contextmanager
def serving(tmp_path: Path, workers: int, **overrides: str) -> Iterator[tuple[str, int]]:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    db = open_database(url)
    accounts.set_admin(db, "admin", PASSWORD)
    db.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CENTRAL")}
    env |= {"CENTRAL__DATABASE__URL": url, "CENTRAL__STORAGE__DATA_DIR": str(tmp_path)}
    env |= {f"CENTRAL__{key}": value for key, value in overrides.items()}
    command = [sys.executable, "-m", "sync.central.cli", "serve", "--port", str(port)]
    process = subprocess.Popen([*command, "--workers", str(workers)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "centralctl serve exited"
            try:
                requests.get(base + "/login", timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "centralctl serve did not answer"
                time.sleep(0.5)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


def login_cookie(base: str, **headers: str) -> str:
    response = requests.post(
        base + "/login",
        data={"username": "admin", "password": PASSWORD},
        headers=headers,
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


@pytest.mark.slow
def test_serve_runs_the_configured_number_of_workers_behind_a_trusted_proxy(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, workers=2) as (base, pid):
        assert len(children(pid)) >= 2
        assert "secure" in login_cookie(base, **{"X-Forwarded-Proto": "https"}).lower()
        assert "secure" not in login_cookie(base).lower()


@pytest.mark.slow
def test_a_proxy_that_is_not_trusted_cannot_claim_https(tmp_path: Path) -> None:
    with serving(tmp_path, workers=1, SERVER__TRUSTED_PROXIES='["192.0.2.1"]') as (base, _pid):
        assert "secure" not in login_cookie(base, **{"X-Forwarded-Proto": "https"}).lower()
