"""Why citizens were not satisfied: the reasons given with low ratings, counted per group.

A low rating is one at a level not counted as satisfied (not in ``[report]
satisfied_levels``: 2 and 1 by default, the levels after which the kiosk asks why). For the local days of a range, per
group (the whole center, each department, each officer):

- ``low``: the group's low ratings: the base of every share below;
- per reason code: how many of those ratings gave it (a rating counts once per reason,
  and may give several, so the shares of a group can add up to more than 100 %);
- ``without_reasons``: low ratings that gave none.

So in a group, ``low = with_reasons + without_reasons``, and for each reason the rows of
the departments add up to the center's, as do the rows of the officers.

Reasons live only in ``ratings.reasons`` (JSON: text on SQLite, ``json`` on PostgreSQL),
not in the daily rollup. The query takes the low ratings of the range through the
``(day, level)`` index and unpacks the JSON in Python, in chunks: no JSON function of
either database, so it reads the same on both, and a month of a center (~50,000
ratings, a few thousand of them low) is one quick pass.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from sync.central.db import Database
from sync.central.models import departments, officers, ratings
from sync.central.reports import ReportError, counted_channel
from sync.central.settings import ReasonLabel, ReportSection

# The groups a reasons report may be made for; the whole center is always given.
REASON_GROUPS = ("department", "officer")
CENTER = "center"
_CHUNK = 2000


@dataclass(frozen=True)
class ReasonGroup:
    """The low ratings of one group and the reasons they gave."""

    group: str  # "center", "department" or "officer"
    key: str  # the code; "*" for the whole center
    name: str
    low: int
    counts: dict[str, int]  # reason code -> low ratings that gave it
    without_reasons: int

    @property
    def with_reasons(self) -> int:
        return self.low - self.without_reasons

    def share(self, count: int) -> float | None:
        """``count`` as a fraction of this group's low ratings (None when it has none)."""
        return count / self.low if self.low else None


@dataclass(frozen=True)
class ReasonReport:
    date_from: date
    date_to: date
    timezone: str
    low_levels: tuple[int, ...]
    groups: tuple[str, ...]  # which of REASON_GROUPS the rows hold
    # Every code to show, in order: the configured ones, then unknown codes that were given.
    codes: tuple[str, ...]
    labels: dict[str, ReasonLabel]
    total: ReasonGroup
    rows: list[ReasonGroup] = field(default_factory=list)

    def label(self, code: str, lang: str) -> str:
        """The reason's words in ``lang``; a code the center has no words for is itself."""
        known = self.labels.get(code)
        return known.label(lang) if known else code

    def rows_for(self, group: str) -> list[ReasonGroup]:
        return [row for row in self.rows if row.group == group]


def parse_groups(value: str | None) -> tuple[str, ...]:
    """The ``for`` of a reasons report: one of REASON_GROUPS, or both when absent."""
    if not value:
        return REASON_GROUPS
    if value not in REASON_GROUPS:
        raise ReportError(
            f"for: expected one of {', '.join(REASON_GROUPS)}, got {value[:40]!r}",
            "bad_for",
            value=value[:40],
        )
    return (value,)


def reason_report(
    db: Database,
    config: ReportSection,
    date_from: date,
    date_to: date,
    groups: tuple[str, ...] = REASON_GROUPS,
    channel: str | None = None,
    received_by: datetime | None = None,
) -> ReasonReport:
    """The reasons of the low ratings of local days ``date_from`` to ``date_to`` (of
    ``channel`` only, when given; else of the counter's stage: reports.counted_channel;
    received by ``received_by``, UTC, when given)."""
    channel = counted_channel("reason", channel)
    if date_from > date_to:
        raise ReportError.backwards(date_from, date_to)
    low = Counter[tuple[str, str]]()
    given = Counter[tuple[str, str, str]]()
    silent = Counter[tuple[str, str]]()
    query = (
        select(ratings.c.department, ratings.c.officer, ratings.c.reasons)
        .where(ratings.c.day >= date_from, ratings.c.day <= date_to)
        .where(ratings.c.level.in_(config.low_levels))
    )
    if channel:
        query = query.where(ratings.c.channel == channel)
    if received_by is not None:
        query = query.where(ratings.c.received_at <= received_by)
    with db.read() as connection:
        if config.low_levels:
            # Chunks: a report over years holds only the counters in memory, not the rows.
            result = connection.execution_options(yield_per=_CHUNK).execute(query)
            for chunk in result.partitions():
                for department, officer, stored in chunk:
                    keys = ((CENTER, "*"), ("department", department), ("officer", officer))
                    codes = _codes(stored)
                    for key in keys:
                        low[key] += 1
                        if not codes:
                            silent[key] += 1
                        for code in codes:
                            given[(*key, code)] += 1
        names = _names(connection, groups)
    labels = {reason.code: reason for reason in config.reasons}
    seen = sorted({code for (_group, _key, code) in given} - set(labels))
    codes = (*labels, *seen)

    def make(group: str, key: str) -> ReasonGroup:
        return ReasonGroup(
            group=group,
            key=key,
            name=names.get((group, key), ""),
            low=low[(group, key)],
            counts={code: given[(group, key, code)] for code in codes},
            without_reasons=silent[(group, key)],
        )

    return ReasonReport(
        date_from=date_from,
        date_to=date_to,
        timezone=config.timezone,
        low_levels=config.low_levels,
        groups=groups,
        codes=codes,
        labels=labels,
        total=make(CENTER, "*"),
        rows=[make(group, key) for group, key in sorted(low) if group in groups],
    )


def _codes(stored: Any) -> list[str]:
    """The distinct reason codes of one stored rating, in the order the citizen gave them."""
    if not isinstance(stored, list):
        return []  # only lists are ever stored; anything else explains nothing
    return list(dict.fromkeys(code for code in stored if isinstance(code, str) and code))


def _names(connection: Any, groups: tuple[str, ...]) -> dict[tuple[str, str], str]:
    names: dict[tuple[str, str], str] = {}
    if "department" in groups:
        for code, name in connection.execute(select(departments.c.code, departments.c.name)):
            names[("department", code)] = name
    if "officer" in groups:
        for code, name in connection.execute(select(officers.c.code, officers.c.full_name)):
            names[("officer", code)] = name
    return names
