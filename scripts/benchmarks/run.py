"""Run the benchmarks of this folder and print their figures: one JSON line per figure
on stdout, as each benchmark prints it, then a readable table of them all on stderr.

``scripts/bench`` bootstraps the venv and runs this file; a test runs it directly with
the venv's Python. Every ``*.py`` here is a benchmark except this file, common.py and
files whose name starts with ``_``; each runs in its own process, so one that fails is
named and the others still run.

Usage: run.py [--quick] [NAME-FILTER]
  --quick       every benchmark in a reduced size (BENCH_QUICK=1, see common.py):
                a smoke test of the whole run, not figures to publish
  NAME-FILTER   only the benchmarks whose file name contains it
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run", "common"}
COLUMNS = ("name", "value", "unit", "baseline", "ratio")


def benchmarks(name_filter: str) -> list[Path]:
    return [
        path
        for path in sorted(HERE.glob("*.py"))
        if path.stem not in NOT_BENCHMARKS
        and not path.stem.startswith("_")
        and name_filter in path.stem
    ]


def run_one(path: Path, env: dict[str, str]) -> tuple[list[dict], bool]:
    """The figures ``path`` printed (echoed to stdout as they come), and whether it ran
    to the end. Lines that are not figures go to stderr, so stdout stays JSON lines."""
    figures = []
    with subprocess.Popen(
        [sys.executable, str(path)], env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                figure = json.loads(line)
            except json.JSONDecodeError:
                figure = None
            if isinstance(figure, dict) and "name" in figure:
                figures.append(figure)
                print(line.rstrip("\n"), flush=True)
            else:
                print(line.rstrip("\n"), file=sys.stderr, flush=True)
    return figures, process.returncode == 0


def table(figures: list[dict]) -> str:
    """Aligned columns: the figure, its value with its unit, the baseline, the ratio."""

    def number(value: object) -> str:
        if value is None:
            return "-"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)

    rows = [("figure", "value", "baseline (same run)", "ratio")]
    for figure in figures:
        unit = figure.get("unit", "")
        baseline = figure.get("baseline")
        rows.append(
            (
                figure["name"],
                f"{number(figure.get('value'))} {unit}",
                "-" if baseline is None else f"{number(baseline)} {unit}",
                number(figure.get("ratio")),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="reduced sizes: a smoke test")
    parser.add_argument("name_filter", nargs="?", default="", metavar="NAME-FILTER")
    args = parser.parse_args(argv)
    env = {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1"}
    env["BENCH_QUICK"] = "1" if args.quick else "0"
    chosen = benchmarks(args.name_filter)
    if not chosen:
        print(f"bench: no benchmark matches {args.name_filter!r}", file=sys.stderr)
        return 2
    collected, failed = [], []
    began = time.monotonic()
    for path in chosen:
        print(f"bench: {path.stem}", file=sys.stderr, flush=True)
        started = time.monotonic()
        figures, finished = run_one(path, env)
        collected += figures
        if not finished:
            failed.append(path.stem)
        print(f"bench: {path.stem} took {time.monotonic() - started:.1f} s", file=sys.stderr)
    mode = "quick run: smoke test, not figures to publish" if args.quick else "full run"
    print(f"\n{table(collected)}\n\n{mode}, {time.monotonic() - began:.0f} s", file=sys.stderr)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
