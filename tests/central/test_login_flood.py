"""100 logins at once against the central: the kiosks' batches and /healthz still answer
at once, and the server's memory stays bounded, because password hashing has its own small
pool and a bounded queue (a login beyond it is refused at once with 503)."""

from __future__ import annotations

import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sync.central.settings import Settings

from .conftest import Central, rating, start_central

# A flood is about what the real hash costs: memory, cores, the kiosks' wait.
pytestmark = pytest.mark.usefixtures("shipped_password_cost")

LOGINS = 100


def rss_bytes() -> int:
    # The central runs in this process (a thread), so its memory is ours.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.fixture
def flooded_central(database_url: str, settings_for: Callable[..., Settings]) -> Iterator[Central]:
    # No throttle and no admission caps here (one client sends the whole flood, which
    # admission would refuse first: test_load_shedding): this test is about what the
    # hashing itself may cost.
    central = start_central(
        settings_for(
            database_url,
            LOGIN__FREE_ATTEMPTS="10000",
            SERVER__MAX_REQUESTS_IN_FLIGHT="1000",
            SERVER__MAX_REQUESTS_PER_ADDRESS="1000",
            SERVER__MAX_REQUESTS_PER_CLIENT="1000",
        )
    )
    yield central
    central.running.stop()
    central.db.close()


def test_a_login_flood_never_makes_a_kiosk_or_healthz_wait(flooded_central: Central) -> None:
    central = flooded_central
    token = central.add_counter("Q07", "CA")
    central.add_admin("admin", "correct horse")
    assert central.push(token, "Q07", [rating()]).status_code == 200  # warm

    baseline = rss_bytes()
    peak = [baseline]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.05)

    def wrong_login(n: int) -> int:
        return requests.post(
            central.url + "/login",
            data={"username": "admin", "password": f"guess {n}"},
            allow_redirects=False,
            timeout=120,
        ).status_code

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timings: dict[str, list[float]] = {"batch": [], "healthz": []}
    with ThreadPoolExecutor(LOGINS) as flood:
        answers = [flood.submit(wrong_login, n) for n in range(LOGINS)]
        time.sleep(0.5)  # the flood is on
        for seq in range(2, 7):
            started = time.perf_counter()
            assert central.push(token, "Q07", [rating(seq=seq)]).status_code == 200
            timings["batch"].append(time.perf_counter() - started)
            started = time.perf_counter()
            assert requests.get(central.url + "/healthz", timeout=30).status_code == 200
            timings["healthz"].append(time.perf_counter() - started)
        statuses = Tally(answer.result() for answer in answers)
    sampling.set()
    sampler.join()

    # On main the batch and /healthz waited ~6 s behind the logins' scrypt.
    assert max(timings["batch"]) < 2, timings
    assert max(timings["healthz"]) < 2, timings
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[503] > 0, "logins beyond the pool's queue are refused at once"
    # Two hashes at once at 128 MiB each, plus the clients' threads; main reached 818 MB.
    assert peak[0] - baseline < 400 * 1024 * 1024, (baseline, peak[0])


def test_a_refused_login_says_so_in_the_readers_language(flooded_central: Central) -> None:
    central = flooded_central

    def login(n: int) -> requests.Response:
        return requests.post(
            central.url + "/login",
            data={"username": "x", "password": f"guess {n}", "lang": "vi"},
            allow_redirects=False,
            timeout=120,
        )

    with ThreadPoolExecutor(30) as flood:
        answers = list(flood.map(login, range(30)))
    busy = [answer for answer in answers if answer.status_code == 503]
    assert busy, [answer.status_code for answer in answers]
    assert busy[0].headers["Retry-After"] == "5"
    assert "quá nhiều lượt đăng nhập cùng lúc" in busy[0].text
