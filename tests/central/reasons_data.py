"""A center's low ratings with their reasons, as the kiosks send them: the data of the
reasons tests (API, centralctl, dashboard). Days are Asia/Ho_Chi_Minh (UTC+7).

In March 2025 (local days) the center has 6 low ratings (levels 2 and 1):

| officer (department) | low | reasons given                                        |
| --- | --- | --- |
| CB001 (CA)           | 3   | waiting_time + attitude; none; waiting_time twice   |
| CB002 (CA)           | 1   | other                                                |
| DL001 (DL)           | 2   | guidance; waiting_time (00:30 on 1 March, local)     |

and one very satisfied rating (not low: its reasons do not count). Outside March: a low
rating of DL001 at 00:30 on 1 April, local time (still 31 March in UTC).
So waiting_time: 3 of the center's 6 low ratings (50 %), 2 of CA's 4, 1 of DL's 2.
"""

from __future__ import annotations

from pathlib import Path

from sync.central import roster

from .conftest import Central, rating

MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
ROSTER = (
    "code,full_name,title,department,pin,department_name\n"
    "CB001,Nguyễn Thị Hồng Nhung,,CA,1234,Công an tỉnh\n"
    "CB002,Trần Văn Đức,,CA,2345,Công an tỉnh\n"
    "DL001,Lê Thị Điện,,DL,3456,Điện lực\n"
)


def rate_with_reasons(central: Central, folder: Path) -> str:
    """Push the ratings above through the real API; returns an admin's API token."""
    path = folder / "officers.csv"
    path.write_text(ROSTER, encoding="utf-8")
    roster.import_officers(central.db, path, min_pin_digits=4)
    q07 = central.add_counter("Q07", "CA")
    q08 = central.add_counter("Q08", "DL")
    march_1 = "2025-03-01T03:00:00Z"
    ca = [
        rating(1, march_1, "CB001", "CA", 1, reasons=["waiting_time", "attitude"]),
        rating(2, march_1, "CB001", "CA", 2, reasons=[]),
        rating(1, march_1, "CB001", "CA", 3, reasons=["waiting_time", "waiting_time"]),
        rating(4, march_1, "CB001", "CA", 4, reasons=["attitude"]),
        # 23:30 UTC on 1 March is 06:30 on 2 March in Hanoi.
        rating(1, "2025-03-01T23:30:00Z", "CB002", "CA", 5, reasons=["other"]),
    ]
    dl = [
        rating(2, "2025-03-02T05:00:00Z", "DL001", "DL", 1, reasons=["guidance"]),
        # 17:30 UTC on 28 February is 00:30 on 1 March in Hanoi: a March rating.
        rating(1, "2025-02-28T17:30:00Z", "DL001", "DL", 2, reasons=["waiting_time"]),
        # 17:30 UTC on 31 March is 00:30 on 1 April in Hanoi: not a March rating.
        rating(1, "2025-03-31T17:30:00Z", "DL001", "DL", 3, reasons=["attitude"]),
    ]
    assert len(central.push(q07, "Q07", ca).json()["accepted"]) == len(ca)
    assert len(central.push(q08, "Q08", dl).json()["accepted"]) == len(dl)
    return central.add_admin()
