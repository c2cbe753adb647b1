"""The officers ranked for their appraisals, from a report ``by=officer`` (reports.py).

Decision 766/QĐ-TTg's satisfaction indicator decides first, then the center's own
satisfaction rate, then the share at the highest level. Officers equal on all three share
a rank (1, 2, 2, 4), listed by turns rated, then code. An officer with fewer rated turns
than ``[report] rank_min_turns`` is listed after the ranked ones with no rank: a handful
of ratings says too little to put anyone above or below a colleague.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sync.central.reports import ReportRow


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: too few rated turns to be ranked
    row: ReportRow


def _merit(row: ReportRow) -> tuple[Fraction, Fraction, Fraction]:
    # Exact fractions: two officers with 49/50 and 98/100 are equal, which floats may deny.
    return (
        Fraction(row.total - row.lowest, row.total),
        Fraction(row.satisfied, row.total),
        Fraction(row.top, row.total),
    )


def rank_officers(rows: Sequence[ReportRow], min_turns: int) -> list[Ranked]:
    """Every officer of ``rows``: the ranked ones best first, then those with too few turns."""
    eligible = [row for row in rows if row.total and row.total >= min_turns]
    eligible.sort(key=lambda row: (tuple(-value for value in _merit(row)), -row.total, row.key))
    ranked: list[Ranked] = []
    for position, row in enumerate(eligible, 1):
        tied = ranked and _merit(ranked[-1].row) == _merit(row)
        ranked.append(Ranked(rank=ranked[-1].rank if tied else position, row=row))
    left = sorted((row for row in rows if row not in eligible), key=lambda r: (-r.total, r.key))
    return ranked + [Ranked(rank=None, row=row) for row in left]
