"""`kioskctl check` on real situations: the real central up, down, unknown by name, the
counter's token replaced (revoked); a database damaged on disk; a disk below the
configured minimum; a rating waiting for days. Each failing item says how to fix it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.counter import Counter
from tests import in_process
from tests.sync.conftest import Central, kiosk_env, make_kiosk


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:  # SQLite is enough: no data is compared
    workdir = tmp_path / "central"
    workdir.mkdir()
    instance = Central.serving(workdir, f"sqlite:///{workdir / 'central.db'}")
    yield instance
    instance.stop()


def check(env: dict[str, str]) -> tuple[int, list[str]]:
    done = in_process.kioskctl("check", env={**os.environ, **env})
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout.splitlines()


def item(lines: list[str], name: str) -> tuple[str, str]:
    """(status, detail) of the item ``name``, and its fix line when there is one."""
    for index, line in enumerate(lines):
        status, _, rest = line.partition(" ")
        if rest.strip().startswith(f"{name}:"):
            fix = lines[index + 1].strip() if index + 1 < len(lines) else ""
            detail = rest.strip()[len(name) + 1 :].strip()
            return status, detail + (f" | {fix}" if fix.startswith("fix:") else "")
    raise AssertionError(f"no {name} item in {lines}")


@pytest.fixture
def kiosk(central: Central, tmp_path: Path) -> Iterator[tuple[Counter, dict[str, str]]]:
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    yield counter, kiosk_env(tmp_path, "Q07", central.url, token)
    counter.close()


def test_a_healthy_provisioned_kiosk_passes(kiosk):
    counter, env = kiosk
    code, lines = check(env)
    assert code == 0, lines
    assert item(lines, "central")[0] == "ok"
    status, detail = item(lines, "clock")
    assert status == "ok" and "the central" in detail  # measured against the central
    assert item(lines, "database") == ("ok", f"{counter.store.path}: quick_check ok")
    assert item(lines, "pending") == ("ok", "every rating confirmed by the central")
    assert item(lines, "service")[0] == "info"  # this test machine runs no kiosk service


def test_central_down_fails_and_an_old_pending_rating_is_named(kiosk, central: Central):
    counter, env = kiosk
    rating = counter.record(4)
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).replace(tzinfo=None)
    with sqlite3.connect(counter.store.path) as db:  # a rating the network kept back since
        db.execute("UPDATE ratings SET created_at = ? WHERE id = ?", (two_days_ago, rating.id))
    central.stop()

    code, lines = check(env)

    assert code == 1
    status, detail = item(lines, "central")
    assert (
        status == "FAIL"
        and "connection refused" in detail
        and "fix: is the central running" in detail
    )
    status, detail = item(lines, "pending")
    assert status == "FAIL" and "1 rating(s) waiting" in detail and "2 days ago" in detail


def test_a_revoked_token_is_told_apart(kiosk, central: Central):
    _counter, env = kiosk
    replaced = central.ctl("counter", "token", "Q07")  # the old token stops working
    assert replaced.returncode == 0, replaced.stderr
    code, lines = check(env)
    assert code == 1
    status, detail = item(lines, "central")
    assert status == "FAIL" and "token refused" in detail and "centralctl counter token" in detail


def test_a_name_that_does_not_resolve_is_told_apart(kiosk):
    _counter, env = kiosk
    code, lines = check({**env, "KIOSK__CENTRAL__URL": "http://central.invalid"})
    assert code == 1
    status, detail = item(lines, "central")
    assert status == "FAIL" and "does not resolve (DNS)" in detail


def test_a_disk_below_the_minimum_fails_with_a_fix(kiosk):
    _counter, env = kiosk
    # The probe reads the real free space; only the threshold is set above any disk.
    code, lines = check({**env, "KIOSK__STORAGE__MIN_FREE_MB": "10000000"})
    assert code == 1
    status, detail = item(lines, "disk")
    assert (
        status == "FAIL" and "needs 10000000 MB" in detail and "fix: delete old backups" in detail
    )


def test_a_database_damaged_inside_fails_the_integrity_check(kiosk):
    counter, env = kiosk
    for _ in range(300):
        counter.record(4)
    counter.close()
    path = Path(env["KIOSK__STORAGE__DATA_DIR"]) / "kiosk.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[3 * page : 5 * page] = b"garbage!" * (2 * page // 8)  # pages in the middle
    path.write_bytes(bytes(data))

    code, lines = check(env)

    assert code == 1
    failing = [line for line in lines if line.startswith("FAIL")]
    assert any(line.startswith(("FAIL database:", "FAIL damaged db:")) for line in failing), lines
    assert any("kioskctl recover" in line for line in lines)
