"""A month of a small center, pushed through the real API: what the published report's
tests read (and the screenshots in docs/ show).

October 2026, Asia/Ho_Chi_Minh. Three departments, five officers. With ``scale`` 1:

| officer | dept | 4  | 3 | 2 | 1 | turns | Decision 766 | rank |
| CB001   | CA   | 18 | 2 | 0 | 0 | 20    | 100 %        | 1    |
| DL001   | DL   | 12 | 3 | 0 | 0 | 15    | 100 %        | 2    |
| DL002   | DL   |  8 | 2 | 0 | 0 | 10    | 100 %        | 2 (equal to DL001) |
| CB002   | CA   |  9 | 1 | 1 | 1 | 12    | 91.7 %       | 4    |
| TP001   | TP   |  3 | 0 | 1 | 1 |  5    | 80 %         | none (under 10 turns) |

62 turns, 50 at the highest level. Besides: one rating on 31 October at 23:30 UTC, which
is 1 November in Hanoi, and one in September: neither is October's.
"""

from __future__ import annotations

from pathlib import Path

from sync.central import roster

from .conftest import Central, rating

OCTOBER = "2026-10"
ROSTER = (
    "code,full_name,title,department,pin,department_name\n"
    "CB001,Nguyễn Thị Hồng Nhung,,CA,1234,Công an tỉnh\n"
    "CB002,Trần Văn Đức,,CA,2345,Công an tỉnh\n"
    "DL001,Lê Thị Điện,,DL,3456,Công ty Điện lực\n"
    "DL002,Hoàng Văn Sáng,,DL,4567,Công ty Điện lực\n"
    "TP001,Phạm Minh Tuấn,,TP,5678,Sở Tư pháp\n"
)
# officer -> (counter, [(level, count, reasons)])
RATINGS = {
    "CB001": ("Q01", [(4, 18, []), (3, 2, [])]),
    "CB002": (
        "Q01",
        [(4, 9, []), (3, 1, []), (2, 1, ["waiting_time"]), (1, 1, ["attitude", "waiting_time"])],
    ),
    "DL001": ("Q02", [(4, 12, []), (3, 3, [])]),
    "DL002": ("Q02", [(4, 8, []), (3, 2, [])]),
    "TP001": ("Q03", [(4, 3, []), (2, 1, []), (1, 1, ["result_late"])]),
}
COUNTERS = {"Q01": "CA", "Q02": "DL", "Q03": "TP"}


def seed_october(central: Central, folder: Path, scale: int = 1) -> str:
    """Push the month through the API; returns an admin API token."""
    path = folder / "officers.csv"
    path.write_text(ROSTER, encoding="utf-8")
    roster.import_officers(central.db, path)
    tokens = {counter: central.add_counter(counter, dept) for counter, dept in COUNTERS.items()}
    batches: dict[str, list[dict]] = {counter: [] for counter in COUNTERS}
    for officer, (counter, groups) in RATINGS.items():
        department = COUNTERS[counter]
        for level, count, reasons in groups:
            for n in range(count * scale):
                day = 1 + (n * 7 + level) % 30  # spread over the month, 03:00 UTC = 10:00 local
                moment = f"2026-10-{day:02d}T03:00:00Z"
                seq = len(batches[counter]) + 1
                batches[counter].append(
                    rating(level, moment, officer, department, seq, reasons=reasons)
                )
    # Outside October in Hanoi: 1 November 06:30 local, and September.
    batches["Q01"].append(rating(1, "2026-10-31T23:30:00Z", "CB001", "CA", 10_001))
    batches["Q02"].append(rating(1, "2026-09-30T03:00:00Z", "DL001", "DL", 10_002))
    for counter, ratings in batches.items():
        for start in range(0, len(ratings), 500):
            chunk = ratings[start : start + 500]
            answer = central.push(tokens[counter], counter, chunk).json()
            assert len(answer["accepted"]) == len(chunk), answer
    return central.add_admin()
