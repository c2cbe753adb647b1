"""Helpers shared by the benchmarks: percentiles and the JSON line every figure prints."""

from __future__ import annotations

import json
import statistics
from pathlib import Path


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def emit(name: str, value: float, unit: str, baseline: float | None = None) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    line = {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": None if baseline is None else round(baseline, 4),
        "ratio": ratio,
    }
    print(json.dumps(line), flush=True)


def serving_counter(environ=None):
    """A counter as it is when citizens come: officer CB001 on the roster, logged in.
    ``environ`` (KIOSK__* overrides) defaults to the process environment."""
    from kiosk.config import load_config
    from kiosk.counter import Counter
    from kiosk.pins import hash_pin
    from kiosk.roster import upsert_officer

    counter = Counter.open(config=load_config(environ=environ))
    with counter.store.write() as session:
        upsert_officer(
            session,
            code="CB001",
            full_name="Nguyễn Thị Hồng Nhung",
            title="Chuyên viên",
            department="CA",
            pin_hash=hash_pin("1234"),
        )
    counter.login("CB001", "1234")
    return counter


def roster_file(path: Path, codes: list[str], department: str = "CA") -> Path:
    """A roster file of these officers (PIN 123456), for the center to know them: it refuses
    ratings of officers it never had."""
    lines = ["code,full_name,department,pin"]
    lines += [f"{code},Cán bộ {code},{department},123456" for code in codes]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
