"""``scripts/bench --quick`` as CI runs it: every benchmark in its reduced size, against a
real central and a real kiosk window. No figure is judged here (the machine may be slow
and loaded); what is checked is that the run works and that what it prints can be
trusted: JSON lines with numeric values, and a measured baseline beside each figure that
compares itself with one."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Figures compared with a baseline measured in the same run (never a target). A figure
# missing here, or printed without its baseline, fails the test.
WITH_BASELINE = {
    "record_latency_p50",
    "record_latency_p99",
    "sync_drain_backlog",
    "central_ingest_20_kiosks",
    "central_ingest_20_kiosks_alerts_on",
    "central_report_department_year",
    "central_report_department_one_day",
    "ui_start_to_rate_frame",
    "ui_peak_rss",
    "ui_tap_to_thanks_median",
    "ui_tap_to_thanks_p99",
    "central_heartbeat_under_attack_p50",
    "central_heartbeat_under_attack_p99",
    "central_push_under_attack_p50",
    "central_push_under_attack_p99",
}


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
@pytest.mark.ui
@pytest.mark.timeout(900)
def test_quick_bench_prints_every_figure_beside_its_measured_baseline(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK__", "CENTRAL__"))}
    env["TMPDIR"] = str(tmp_path)  # the benchmarks' databases, removed with the test
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts/benchmarks/run.py"), "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=850,
    )
    assert run.returncode == 0, run.stderr[-3000:]

    figures = [json.loads(line) for line in run.stdout.splitlines()]  # every line is JSON
    names = [figure["name"] for figure in figures]
    assert len(names) == len(set(names)), names
    for figure in figures:
        assert set(figure) == {"name", "value", "unit", "baseline", "ratio"}, figure
        assert is_number(figure["value"]), figure
        assert isinstance(figure["unit"], str) and figure["unit"], figure
        if figure["baseline"] is None:
            assert figure["ratio"] is None, figure
            continue
        assert is_number(figure["baseline"]) and figure["baseline"] > 0, figure
        assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"], rel=0.01)
    with_baseline = {figure["name"] for figure in figures if figure["baseline"] is not None}
    assert with_baseline >= WITH_BASELINE, WITH_BASELINE - with_baseline

    table = run.stderr[run.stderr.rindex("figure ") :]  # the table comes last, on stderr
    for name in names:
        assert name in table, name
