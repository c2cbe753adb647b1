"""The background syncer of a running kiosk, and the technician's sync commands."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sync.client import SyncClient
from sync.scheduler import ERROR, NOT_CONFIGURED, OK, Syncer
from tests import in_process

from .conftest import REPO, Central, make_kiosk


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_new_rating_is_pushed_at_once_not_at_the_next_interval(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    counter = make_kiosk(
        tmp_path, "Q07", central.url, token, KIOSK__CENTRAL__PUSH_INTERVAL_SECONDS="3600"
    )
    syncer = Syncer(counter.config, counter.store)
    seen = []
    syncer.add_listener(seen.append)
    counter.on_rating_committed.append(syncer.push_now)
    syncer.start()
    try:
        assert wait_for(lambda: syncer.status().state == OK), syncer.status()
        rating = counter.record(4)
        assert wait_for(lambda: rating.id in central.stored_ids())
        assert wait_for(lambda: syncer.status().state == OK and syncer.status().pending == 0)
    finally:
        syncer.shutdown()
        counter.close()
    assert seen[-1].state == OK and seen[-1].last_sync_at is not None


def test_the_status_turns_red_when_the_center_refuses_the_token(central: Central, tmp_path: Path):
    central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, "not-a-real-token")
    counter.record(3)
    syncer = Syncer(counter.config, counter.store)
    syncer.start()
    try:
        assert wait_for(lambda: syncer.status().state == ERROR)
        assert "refused" in syncer.status().last_error
        assert syncer.status().pending == 1
    finally:
        syncer.shutdown()
        counter.close()


def test_a_kiosk_with_no_central_url_says_sync_is_not_configured(tmp_path: Path):
    counter = make_kiosk(tmp_path, "Q07", "", "")
    syncer = Syncer(counter.config, counter.store)
    syncer.start()
    assert syncer.status().state == NOT_CONFIGURED
    syncer.shutdown()
    counter.close()


def test_roster_is_pulled_once_and_then_answered_not_modified(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    roster = tmp_path / "officers.csv"
    roster.write_text(
        "code,full_name,title,department,pin\n"
        "CB101,Hoàng Thị Lan Anh,Chuyên viên,CA,1357\n"
        "CB102,Vũ Đức Thắng,Cán bộ một cửa,CA,2468\n",
        encoding="utf-8",
    )
    done = central.ctl("officer", "import", str(roster))
    assert done.returncode == 0, done.stderr
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    client = SyncClient(counter.config, counter.store)
    assert client.pull_roster() is True
    assert client.pull_roster() is False  # ETag unchanged: 304
    officer = counter.login("CB101", "1357")  # the PIN hash made by the center verifies here
    assert officer.full_name == "Hoàng Thị Lan Anh"
    client.close()
    counter.close()


def test_heartbeat_measures_a_small_clock_skew_on_one_machine(central: Central, tmp_path: Path):
    token = central.add_counter("Q07")
    counter = make_kiosk(tmp_path, "Q07", central.url, token)
    client = SyncClient(counter.config, counter.store)
    assert abs(client.heartbeat()) < 5
    client.close()
    counter.close()


def run_kioskctl(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    return in_process.kioskctl(*args, env=env, stdin=stdin)


def test_provision_then_sync_drains_everything_and_exits_zero(central: Central, tmp_path: Path):
    import os

    token = central.add_counter("Q09")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        (REPO / "config" / "kiosk.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    env = {
        **os.environ,
        "KIOSK_CONFIG": str(config),
        "KIOSK__STORAGE__DATA_DIR": str(tmp_path / "data"),
        "KIOSK__CENTRAL__TOKEN_FILE": str(tmp_path / "data" / "token"),
        "KIOSK__RATING__COOLDOWN_SECONDS": "0",
        "KIOSK__COUNTER__CLOSING_TIME": '""',
    }
    refused = run_kioskctl(
        env,
        "provision",
        "--central",
        central.url,
        "--counter",
        "Q09",
        "--token-stdin",
        stdin="wrong\n",
    )
    assert refused.returncode == 1 and "restored" in refused.stderr
    assert 'id = "Q07"' in config.read_text(encoding="utf-8")

    done = run_kioskctl(
        env,
        "provision",
        "--central",
        central.url,
        "--counter",
        "Q09",
        "--token-stdin",
        stdin=token + "\n",
    )
    assert done.returncode == 0, done.stderr
    text = config.read_text(encoding="utf-8")
    assert 'id = "Q09"' in text and f'url = "{central.url}"' in text
    assert "# Counter id as the center knows it" in text, "the technician's comments are kept"
    assert (tmp_path / "data" / "token").stat().st_mode & 0o777 == 0o600

    assert "roster pulled: 1 officers" in done.stdout, "CB001 came from the center's roster"
    local = run_kioskctl(
        env, "officer", "add", "CB002", "--name", "Nguyễn Văn An", "--pin-stdin", stdin="1234\n"
    )
    assert local.returncode == 1 and "takes its officers from the center" in local.stderr
    assert run_kioskctl(env, "login", "CB001", "--pin-stdin", stdin="1234\n").returncode == 0
    script = "from kiosk.counter import Counter\nc = Counter.open()\nfor i in range(1200): c.record(4 - i % 4)\n"
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=180)

    synced = run_kioskctl(env, "sync")
    assert synced.returncode == 0, synced.stderr
    assert "1200 sent, 0 pending" in synced.stdout
    assert "sending ratings" in synced.stderr, "progress is shown"
    assert len(central.stored_ids()) == 1200

    central.stop()
    script = "from kiosk.counter import Counter\nCounter.open().record(4)\n"
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    offline = run_kioskctl(env, "sync", "--give-up-after", "2")
    assert offline.returncode == 1 and "not reached" in offline.stderr

    pruned = run_kioskctl(env, "prune", "--sent-before", "2100-01-01")
    assert pruned.returncode == 0 and "deleted 1200" in pruned.stdout
    status = run_kioskctl(env, "status", "--json")
    assert '"pending": 1' in status.stdout, "prune never deletes what the center has not confirmed"
