"""Chaos: a kiosk recording and syncing non-stop is killed with SIGKILL at random moments,
the central is restarted at random (sometimes killed too), and a seeded fault-injecting
proxy sits between them. Afterwards every rating the kiosk acknowledged is at the center
exactly once, and the center holds nothing the kiosk did not record.

The seed decides the kill times, the central's restarts, the proxy's faults and the
kiosk's ratings; it is printed first, so ``scripts/chaos --seed N`` replays a failing
run's schedule (thread timing still varies, as on a real counter).

    python -m tests.sync.chaos --kills 200 [--seed N] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.sync.conftest import BIN, Central, kiosk_env
from tests.sync.faults import HANG, LOSE_RESPONSE, PASS, RESET, FaultProxy, status

# Share of kills that land while the kiosk is still starting (opening its database,
# migrating, starting the syncer) rather than while it takes ratings.
STARTUP_KILLS = 0.15
REPO = Path(__file__).resolve().parent.parent.parent
CHILD = Path(__file__).resolve().parent / "chaos_kiosk.py"

# The proxy's mix: mostly answers, and every way a request or its answer gets lost.
FAULTS = (
    (PASS, 55),
    (RESET, 10),
    (LOSE_RESPONSE, 12),
    (HANG, 5),
    (status(503), 8),
    (status(502), 5),
    (status(429, retry_after=1), 5),
)


@dataclass
class ChaosResult:
    seed: int
    kills: int
    central_restarts: int
    acknowledged: set[str] = field(default_factory=set)
    recorded: set[str] = field(default_factory=set)
    at_center: list[str] = field(default_factory=list)
    faults: Tally[str] = field(default_factory=Tally)

    def problems(self) -> list[str]:
        """Every broken promise, in words; empty when the run held."""
        found = []
        center = set(self.at_center)
        if lost := self.acknowledged - self.recorded:
            found.append(
                f"{len(lost)} acknowledged ratings missing from the kiosk: {sorted(lost)[:5]}"
            )
        if missing := self.recorded - center:
            found.append(
                f"{len(missing)} recorded ratings never reached the center: {sorted(missing)[:5]}"
            )
        if foreign := center - self.recorded:
            found.append(f"{len(foreign)} ratings at the center the kiosk never recorded")
        doubled = [rating for rating, times in Tally(self.at_center).items() if times > 1]
        if doubled:
            found.append(f"{len(doubled)} ratings stored twice at the center: {doubled[:5]}")
        return found

    def summary(self) -> str:
        return (
            f"seed {self.seed}: {self.kills} kills, {self.central_restarts} central restarts, "
            f"{len(self.acknowledged)} acknowledged, {len(self.recorded)} recorded, "
            f"{len(self.at_center)} at the center; proxy faults {dict(self.faults)}"
        )


def seeded_faults(rng: random.Random) -> Callable[[], str]:
    faults, weights = zip(*FAULTS, strict=True)
    return lambda: rng.choices(faults, weights)[0]


def run_once(
    env: dict[str, str],
    rng: random.Random,
    lifetime: tuple[float, float],
    acknowledged: set[str],
    errors_to: Path,
) -> None:
    """Start the kiosk and SIGKILL it: mostly a random time after its first rating (so a
    slow machine still sees ratings taken), sometimes while it is still starting. Every id
    it printed before dying joins ``acknowledged``."""
    seed, during_start = rng.randrange(2**32), rng.random() < STARTUP_KILLS
    wait = rng.uniform(0, 0.5) if during_start else rng.uniform(*lifetime)
    with errors_to.open("a") as errors_file:
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(seed)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors_file,
            text=True,
        )
    printed: list[str] = []
    first = threading.Event()

    def read() -> None:
        for line in child.stdout:
            printed.append(line)
            first.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not during_start:
        first.wait(timeout=120)
    time.sleep(wait)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    reader.join(timeout=60)
    if child.returncode != -signal.SIGKILL:
        errors = errors_to.read_text()[-3000:]
        raise RuntimeError(f"the kiosk died by itself ({child.returncode}):\n{errors}")
    # A line cut by the kill was never acknowledged: only whole lines count.
    acknowledged.update(line.strip() for line in printed if line.endswith("\n"))


def restart_central(central: Central, proxy: FaultProxy, rng: random.Random) -> None:
    """Stop the central, as an operator (SIGTERM) or a crash (SIGKILL) would, and start it
    again; the proxy follows it to its new port."""
    for process in central.processes:
        process.kill() if rng.random() < 0.5 else process.terminate()
    for process in central.processes:
        process.wait(timeout=30)
    central.processes.clear()
    proxy.point_at(central.start())


def drain(env: dict[str, str]) -> None:
    """Send what is still pending, faults off: ``kioskctl sync`` until nothing is left."""
    for _attempt in range(5):
        done = subprocess.run(
            [str(BIN / "kioskctl"), "sync", "--give-up-after", "60"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode == 0:
            return
    raise RuntimeError(f"kioskctl sync could not drain the kiosk: {done.stdout}{done.stderr}")


def recorded_ids(data_dir: Path) -> set[str]:
    connection = sqlite3.connect(data_dir / "kiosk.db")
    try:
        return {row[0] for row in connection.execute("SELECT id FROM ratings")}
    finally:
        connection.close()


def run_chaos(
    workdir: Path,
    *,
    seed: int,
    kills: int,
    database_url: str | None = None,
    lifetime: tuple[float, float] = (0.0, 1.5),
    restart_chance: float = 0.2,
    say: Callable[[str], None] = print,
) -> ChaosResult:
    rng = random.Random(seed)
    say(f"chaos seed {seed} (replay: scripts/chaos --seed {seed} --kills {kills})")
    (workdir / "central").mkdir(parents=True, exist_ok=True)
    central = Central.serving(
        workdir / "central", database_url or f"sqlite:///{workdir / 'central' / 'central.db'}"
    )
    proxy = FaultProxy(central.url, hang_seconds=1.5)
    try:
        token = central.add_counter("Q01")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KIOSK")},
            **kiosk_env(workdir, "Q01", proxy.url, token),
            "KIOSK__CENTRAL__PUSH_INTERVAL_SECONDS": "1",
            "PYTHONPATH": str(REPO),
        }
        proxy.pick = seeded_faults(random.Random(rng.randrange(2**32)))
        result = ChaosResult(seed=seed, kills=kills, central_restarts=0)
        # At random, and surely once: a short run where chance restarts nothing (0.8 ** 20
        # is 1 %) would prove nothing about restarts.
        surely = rng.randrange(1, kills + 1)
        for number in range(1, kills + 1):
            run_once(env, rng, lifetime, result.acknowledged, workdir / "kiosk-errors.log")
            if rng.random() < restart_chance or number == surely:
                restart_central(central, proxy, rng)
                result.central_restarts += 1
            if number % 10 == 0 or number == kills:
                say(f"  {number}/{kills} kills, {len(result.acknowledged)} ratings acknowledged")
        proxy.pick = None  # the network heals; everything pending must now arrive
        drain(env)
        result.faults = Tally(proxy.seen)
        result.recorded = recorded_ids(Path(env["KIOSK__STORAGE__DATA_DIR"]))
        result.at_center = central.stored_ids()
        return result
    finally:
        proxy.close()
        central.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=200, help="SIGKILLs of the kiosk (200)")
    parser.add_argument("--seed", type=int, help="replay a run (default: a new random seed)")
    parser.add_argument(
        "--database-url", help="the central's database (default: SQLite in a temp folder)"
    )
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    with tempfile.TemporaryDirectory(prefix="chaos-") as folder:
        result = run_chaos(
            Path(folder), seed=seed, kills=args.kills, database_url=args.database_url
        )
    print(result.summary())
    problems = result.problems()
    for problem in problems:
        print(f"FAIL {problem}")
    print("FAILED" if problems else "every acknowledged rating is at the center exactly once")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
