"""Many simulated kiosks against one central, through the real kiosk code.

Each simulated kiosk is a real Counter on its own SQLite file with the real SyncClient:
it records a rating at random moments (Poisson arrivals at ``--rate`` ratings per kiosk
per minute), pushes at once as the kiosk's syncer does after each rating, and sends a
heartbeat every ``--heartbeat`` seconds. Kiosks are spread over worker processes, so the
load generator is not one Python thread. At the end every kiosk drains, and the central
must hold exactly the ratings the kiosks recorded.

Prints what the central sustained: requests and ratings per second, push latency, and
the number of real counters that load stands for (``--per-counter-day`` ratings a day,
peaking at ``--peak`` times the day's average).

    scripts/loadgen [--kiosks 200] [--processes 2] [--rate 6] [--seconds 60]
                    [--database-url postgresql+psycopg://postgres@127.0.0.1/loadgen]
                    [--workers 2]

By default it starts its own central on this machine. ``--codes FOLDER`` pushes to a
central running elsewhere instead: one simulated kiosk per provisioning file in the
folder (``centralctl counter add ID --department D --file FOLDER/ID.provision``, run on
that central), each to the URL and with the token its file holds, rating for
``--officer`` (an officer that center knows). There the end check is the kiosks' own:
every rating recorded was acknowledged (count them there with ``centralctl report``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "benchmarks"))

from common import central_total, percentile, running_central  # noqa: E402


def kiosk_environ(home: Path, counter: str, url: str, token: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    (home / "token").write_text(token + "\n")
    return {
        "KIOSK__STORAGE__DATA_DIR": str(home),
        "KIOSK__COUNTER__ID": counter,
        "KIOSK__COUNTER__CLOSING_TIME": '""',
        "KIOSK__RATING__COOLDOWN_SECONDS": "0",
        "KIOSK__CENTRAL__URL": url,
        "KIOSK__CENTRAL__TOKEN_FILE": str(home / "token"),
        "KIOSK__CENTRAL__READ_TIMEOUT_SECONDS": "30",
    }


def worker(kiosks: list[tuple[str, str, str]], folder: str, args: dict, results) -> None:
    """Run ``kiosks`` (counter id, token, central URL) until the deadline; put this
    worker's figures."""
    from common import serving_counter
    from sqlalchemy import func, select

    from kiosk.models import SENT, Rating
    from sync.client import SyncClient, SyncProblem

    rng = random.Random(args["seed"])
    per_second = args["rate"] / 60
    sims = []
    for counter_id, token, url in kiosks:
        env = kiosk_environ(Path(folder) / counter_id, counter_id, url, token)
        counter = serving_counter(env, officer=args["officer"])
        sims.append(
            {
                "counter": counter,
                "client": SyncClient(counter.config, counter.store),
                "next_rating": time.monotonic() + rng.expovariate(per_second),
                "next_beat": time.monotonic() + rng.uniform(0, args["heartbeat"]),
            }
        )
    latencies, failures, recorded, requests_made = [], 0, 0, 0
    deadline = time.monotonic() + args["seconds"]
    while time.monotonic() < deadline:
        now = time.monotonic()
        due = min(min(s["next_rating"], s["next_beat"]) for s in sims)
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        for sim in sims:
            now = time.monotonic()
            try:
                if sim["next_rating"] <= now:
                    sim["counter"].record(rng.randint(1, 4))
                    recorded += 1
                    sim["next_rating"] = now + rng.expovariate(per_second)
                    started = time.perf_counter()
                    sim["client"].push()
                    latencies.append(time.perf_counter() - started)
                    requests_made += 1
                if sim["next_beat"] <= now:
                    sim["client"].heartbeat()
                    requests_made += 1
                    sim["next_beat"] = now + args["heartbeat"]
            except SyncProblem:
                failures += 1  # left pending: the drain below sends it
    left = acknowledged = 0
    for sim in sims:
        with contextlib.suppress(SyncProblem):  # what stays pending is counted below
            sim["client"].drain(give_up_after=120)
        left += sim["client"].pending()
        with sim["counter"].store.read() as session:
            sent = select(func.count()).select_from(Rating).where(Rating.sync_state == SENT)
            acknowledged += session.scalar(sent)
        sim["client"].close()
        sim["counter"].close()
    results.put(
        {
            "recorded": recorded,
            "requests": requests_made,
            "latencies": latencies,
            "failures": failures,
            "left": left,
            "acknowledged": acknowledged,
        }
    )


def run_kiosks(kiosks: list[tuple[str, str, str]], folder: str, args: argparse.Namespace):
    """The kiosks spread over ``--processes`` worker processes; their figures and the
    seconds they took."""
    shares = [kiosks[i :: args.processes] for i in range(args.processes)]
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=worker, args=(share, folder, {**vars(args), "seed": args.seed + i}, results)
        )
        for i, share in enumerate(shares)
        if share
    ]
    started = time.monotonic()
    for process in processes:
        process.start()
    parts = [results.get() for _ in processes]
    for process in processes:
        process.join()
    return parts, time.monotonic() - started


def kiosks_of_codes(folder: Path) -> list[tuple[str, str, str]]:
    """(counter id, token, central URL) of every provisioning file under ``folder``;
    SystemExit naming the file when one cannot be read."""
    from sync.provisioning import ProvisioningCodeError, read_code_file

    kiosks = []
    for path in sorted(folder.rglob("*.provision")):
        try:
            code = read_code_file(path)
        except (OSError, ProvisioningCodeError) as exc:
            raise SystemExit(f"loadgen: {path}: {exc}") from None
        kiosks.append((code.counter, code.token, code.url))
    if not kiosks:
        raise SystemExit(
            f"loadgen: no provisioning file (*.provision) in {folder}: make them on the"
            " central with centralctl counter add ID --department D --file FOLDER/ID.provision"
        )
    return kiosks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/loadgen", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kiosks", type=int, default=None, help="default 200; with --codes, one per file"
    )
    parser.add_argument("--processes", type=int, default=max(1, multiprocessing.cpu_count()))
    parser.add_argument("--rate", type=float, default=6.0, help="ratings per kiosk per minute")
    parser.add_argument("--heartbeat", type=float, default=60.0, help="seconds between beats")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--per-counter-day", type=float, default=150.0)
    parser.add_argument("--peak", type=float, default=4.0, help="busiest hour / average hour")
    parser.add_argument("--database-url", default="", help="the central's (default: SQLite)")
    parser.add_argument(
        "--workers", type=int, default=1, help="central processes (more than 1: PostgreSQL)"
    )
    parser.add_argument("--seed", type=int, default=random.randrange(2**32))
    parser.add_argument(
        "--codes",
        type=Path,
        metavar="FOLDER",
        help="push to a central running elsewhere: one kiosk per provisioning file in FOLDER"
        " (centralctl counter add ID --department D --file FOLDER/ID.provision, run there)",
    )
    parser.add_argument(
        "--officer",
        default="CB001",
        help="the officer the kiosks rate, known to the central (default CB001)",
    )
    args = parser.parse_args(argv)
    if args.codes and (args.database_url or args.workers != 1):
        parser.error("--database-url and --workers are for the central loadgen starts, not --codes")

    with tempfile.TemporaryDirectory(prefix="loadgen-") as folder:
        if args.codes:
            kiosks = kiosks_of_codes(args.codes)[: args.kiosks]
            args.kiosks = len(kiosks)
            where = ", ".join(sorted({url for _, _, url in kiosks}))
        else:
            args.kiosks = 200 if args.kiosks is None else args.kiosks
            where = "a central of its own"
        print(
            f"loadgen: {args.kiosks} kiosks in {args.processes} processes against {where},"
            f" seed {args.seed}",
            file=sys.stderr,
        )
        if args.codes:
            parts, elapsed = run_kiosks(kiosks, folder, args)
            at_center = None  # another machine's database: the kiosks' acknowledgements say
        else:
            counters = {f"L{number:04d}": args.officer for number in range(args.kiosks)}
            server = {"CENTRAL__SERVER__WORKERS": str(args.workers)}
            central_dir = Path(folder) / "central"
            with running_central(central_dir, counters, args.database_url, server) as central:
                kiosks = [
                    (counter, token, central.url) for counter, token in central.tokens.items()
                ]
                parts, elapsed = run_kiosks(sorted(kiosks), folder, args)
                at_center = central_total(central)
    recorded = sum(part["recorded"] for part in parts)
    acknowledged = sum(part["acknowledged"] for part in parts)
    latencies = [value for part in parts for value in part["latencies"]]
    requests_made = sum(part["requests"] for part in parts)
    ratings_per_second = recorded / args.seconds
    # A counter's busiest hour: its day's ratings over a working day of 8 h, times peak.
    counter_peak_per_second = args.per_counter_day / (8 * 3600) * args.peak
    summary = {
        "kiosks": args.kiosks,
        "central_workers": args.workers,
        "wall_seconds": round(elapsed, 1),
        "recorded": recorded,
        "acknowledged": acknowledged,
        "at_center": at_center,
        "left_pending": sum(part["left"] for part in parts),
        "push_failures": sum(part["failures"] for part in parts),
        "ratings_per_second": round(ratings_per_second, 1),
        "requests_per_second": round(requests_made / args.seconds, 1),
        "push_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "push_p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "counters_at_peak_equivalent": int(ratings_per_second / counter_peak_per_second),
        "seed": args.seed,
    }
    print(json.dumps(summary))
    exact = acknowledged == recorded and summary["left_pending"] == 0
    if at_center is None:
        held = f"the center acknowledged {acknowledged}"
    else:
        exact = exact and at_center == recorded
        held = f"the center holds {at_center}"
    print(
        f"{recorded} ratings from {args.kiosks} kiosks in {args.seconds:.0f} s: "
        f"{summary['ratings_per_second']} ratings/s, {summary['requests_per_second']} requests/s, "
        f"push p50 {summary['push_p50_ms']} ms, p99 {summary['push_p99_ms']} ms; "
        f"{held} ({'exact' if exact else 'MISMATCH'}). That is the "
        f"busiest hour of about {summary['counters_at_peak_equivalent']:,} counters at "
        f"{args.per_counter_day:.0f} ratings a day.",
        file=sys.stderr,
    )
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
