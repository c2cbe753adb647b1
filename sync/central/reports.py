"""Satisfaction figures per department, officer, counter, day or month.

Read from the ``daily_counts`` rollup, never from the ratings themselves: a year of a
center is some hundred thousand rollup rows however many millions of ratings it holds.
Days are the center's local days (fixed at ingest). Per group: the count at each level,
the total, the count and share at the top level, and the satisfaction rate (the share at
the levels counted as satisfied).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select

from sync.central.db import Database
from sync.central.models import (
    CHANNELS,
    COUNTER_STAGE,
    counters,
    daily_counts,
    departments,
    officers,
    ratings,
)
from sync.central.settings import ReportSection
from sync.csvsafe import safe_text
from sync.protocol import EARLIEST_DAY, REPORT_GROUPINGS

# No rating is older than EARLIEST_DAY (the protocol refuses it); the last day keeps every
# date arithmetic of a report (a default range, a day after the last) far from year 9999.
LATEST_DAY = date(2100, 12, 31)


# What ``by`` may be: the rollup's groupings, and the reasons of low ratings (reasons.py).
GROUPINGS = (*REPORT_GROUPINGS, "reason")


class ReportError(ValueError):
    """The report cannot be made as asked (bad grouping or dates); the text says why.

    ``kind`` and ``params`` say it again for a reader in another language: the dashboard
    words each kind in its own language (phrases.report_problem)."""

    def __init__(self, message: str, kind: str = "", **params: Any):
        super().__init__(message)
        self.kind = kind
        self.params = params

    @classmethod
    def backwards(cls, date_from: date, date_to: date) -> ReportError:
        return cls(
            f"from ({date_from}) is after to ({date_to})",
            "from_after_to",
            date_from=date_from,
            date_to=date_to,
        )


@dataclass(frozen=True)
class ReportRow:
    key: str
    name: str
    counts: dict[int, int]
    total: int
    top: int
    satisfied: int
    lowest: int  # the count at the lowest level, which Decision 766's indicator leaves out

    @property
    def top_share(self) -> float | None:
        return self.top / self.total if self.total else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.total if self.total else None

    @property
    def decision_766_rate(self) -> float | None:
        """Decision 766/QĐ-TTg's satisfaction indicator: the share of rated turns not at
        the lowest level (its "(all - không hài lòng) / all", with rated turns for dossiers)."""
        return (self.total - self.lowest) / self.total if self.total else None


@dataclass(frozen=True)
class Report:
    by: str
    date_from: date
    date_to: date
    levels: tuple[int, ...]
    satisfied_levels: tuple[int, ...]
    top_level: int
    timezone: str
    rows: list[ReportRow] = field(default_factory=list)
    overall: ReportRow | None = None
    channel: str | None = None  # only the ratings of this channel; None: every (by=channel)
    rank_min_turns: int = 1  # [report] rank_min_turns: the officers' ranking (ranking.py)


def parse_day(value: str, name: str) -> date:
    """The day of a ``from``/``to`` parameter; ReportError naming ``name`` when it is not a
    date YYYY-MM-DD between EARLIEST_DAY and LATEST_DAY."""
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReportError(
            f"{name}: expected a date YYYY-MM-DD, got {str(value)[:40]!r}",
            "not_a_day",
            name=name,
            value=str(value)[:40],
        ) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ReportError(
            f"{name}: {day} is outside {EARLIEST_DAY} to {LATEST_DAY}",
            "day_out_of_range",
            name=name,
            day=day,
            first=EARLIEST_DAY,
            last=LATEST_DAY,
        )
    return day


def check_channel(channel: str | None) -> str | None:
    """``channel`` when it is one of models.CHANNELS (or None: all); else ReportError."""
    if channel is None or channel in CHANNELS:
        return channel
    raise ReportError(
        f"channel: expected one of {', '.join(CHANNELS)}, got {channel[:40]!r}",
        "bad_channel",
        value=channel[:40],
    )


def counted_channel(by: str, channel: str | None) -> str | None:
    """The channel whose ratings a report ``by`` a grouping counts: the one asked, else the
    counter's stage (a turn counts once; a later phone rating is a stage of its own), but
    every channel for ``by=channel``, which shows the stages side by side. None: all."""
    channel = check_channel(channel)
    if channel is None and by != "channel":
        return COUNTER_STAGE
    return channel


def satisfaction_report(
    db: Database,
    config: ReportSection,
    by: str,
    date_from: date,
    date_to: date,
    channel: str | None = None,
    received_by: datetime | None = None,
) -> Report:
    """The figures of local days ``date_from`` to ``date_to`` (both included), grouped
    ``by``; only those of ``channel`` (kiosk, phone) when given, else of the counter's
    stage (all channels side by side with ``by=channel``): see counted_channel; only the
    ratings the central had received by ``received_by`` (UTC) when given: a report as it
    was sent."""
    channel = counted_channel(by, channel)
    if by not in REPORT_GROUPINGS:
        raise ReportError(
            f"by: expected one of {', '.join(GROUPINGS)}, got {by[:40]!r}",
            "bad_by",
            value=by[:40],
        )
    if date_from > date_to:
        raise ReportError.backwards(date_from, date_to)
    with db.read() as connection:
        tallies = connection.execute(
            tally_query(by, date_from, date_to, channel, received_by)
        ).all()
        names = _names(connection, by)
    grouped: dict[str, dict[int, int]] = {}
    for key, level, count in tallies:
        label = _day_key(key, by) if by in ("day", "month") else str(key)
        counts = grouped.setdefault(label, {})
        counts[level] = counts.get(level, 0) + int(count)
    rows = [
        _row(key, names.get(key, ""), counts, config) for key, counts in sorted(grouped.items())
    ]
    everything: dict[int, int] = {}
    for row in rows:
        for level, count in row.counts.items():
            everything[level] = everything.get(level, 0) + count
    return Report(
        by=by,
        date_from=date_from,
        date_to=date_to,
        levels=config.levels,
        satisfied_levels=config.satisfied_levels,
        top_level=config.top_level,
        timezone=config.timezone,
        rows=rows,
        overall=_row("*", "", everything, config),
        channel=channel,
        rank_min_turns=config.rank_min_turns,
    )


def tally_query(
    by: str,
    date_from: date,
    date_to: date,
    channel: str | None = None,
    received_by: datetime | None = None,
) -> Select:
    """The one query a report needs: per group and level, the sum of the rollup's counts.
    The rest of a report is names and arithmetic on its few rows; scripts/benchmarks/
    central_report.py measures the report against this query alone. A report as sent
    (``received_by``) counts the ratings themselves: the rollup knows no arrival times."""
    if received_by is not None:
        source = ratings.c.day if by in ("day", "month") else ratings.c[by]
        query = (
            select(source, ratings.c.level, func.count())
            .where(ratings.c.day >= date_from, ratings.c.day <= date_to)
            .where(ratings.c.received_at <= received_by)
            .group_by(source, ratings.c.level)
        )
        return query.where(ratings.c.channel == channel) if channel else query
    column = daily_counts.c.day if by in ("day", "month") else daily_counts.c[by]
    query = (
        select(column, daily_counts.c.level, func.sum(daily_counts.c.count))
        .where(daily_counts.c.day >= date_from, daily_counts.c.day <= date_to)
        .group_by(column, daily_counts.c.level)
    )
    return query.where(daily_counts.c.channel == channel) if channel else query


def _day_key(value: date | str, by: str) -> str:
    # SQLite may hand back the date as text; both spell it YYYY-MM-DD.
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text[:7] if by == "month" else text[:10]


def _names(connection: Any, by: str) -> dict[str, str]:
    if by == "department":
        return {code: name for code, name in connection.execute(select(departments))}
    if by == "officer":
        return dict(connection.execute(select(officers.c.code, officers.c.full_name)).all())
    if by == "counter":
        return dict(connection.execute(select(counters.c.id, counters.c.department)).all())
    return {}


def _row(key: str, name: str, counts: dict[int, int], config: ReportSection) -> ReportRow:
    total = sum(counts.values())
    return ReportRow(
        key=key,
        name=name,
        counts={level: counts.get(level, 0) for level in config.levels},
        total=total,
        top=counts.get(config.top_level, 0),
        satisfied=sum(counts.get(level, 0) for level in config.satisfied_levels),
        lowest=counts.get(config.lowest_level, 0),
    )


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}"


# An officer's rank (ranking.py) by row key; None: not ranked (too few rated turns).
Ranks = dict[str, "int | None"]


def csv_header(report: Report, ranks: Ranks | None = None) -> list[str]:
    return [
        report.by,
        "name",
        *(f"level_{level}" for level in report.levels),
        "total",
        f"top_level_{report.top_level}",
        "top_level_percent",
        "satisfied",
        "satisfaction_percent",
        "decision_766_percent",  # Decision 766's indicator: the share not at the lowest level
        *(["rank"] if ranks is not None else []),
    ]


def csv_cells(
    report: Report, row: ReportRow, text: Callable[[str], str] = str, ranks: Ranks | None = None
) -> list[str]:
    """The cells of one row; ``text`` is applied to the cells that are words, not numbers."""
    rank = [] if ranks is None else [str(ranks.get(row.key) or "")]
    return [
        text(row.key),
        text(row.name),
        *(str(row.counts[level]) for level in report.levels),
        str(row.total),
        str(row.top),
        _percent(row.top_share),
        str(row.satisfied),
        _percent(row.satisfaction_rate),
        _percent(row.decision_766_rate),
        *rank,
    ]


def report_csv(report: Report, ranks: Ranks | None = None) -> str:
    """One header row, one row per group; UTF-8 text (Vietnamese names kept as they are).
    ``ranks``: the officers' rank, as a last column.

    Names and codes come from the roster and the kiosks: none may reach a spreadsheet as a
    live formula (see sync.csvsafe). Every CSV of the central is made here."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_header(report, ranks))
    for row in report.rows:
        writer.writerow(csv_cells(report, row, text=safe_text, ranks=ranks))
    return out.getvalue()


def _row_json(row: ReportRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "counts": {str(level): count for level, count in row.counts.items()},
        "total": row.total,
        "top_level_count": row.top,
        "top_level_share": row.top_share,
        "satisfied": row.satisfied,
        "satisfaction_rate": row.satisfaction_rate,
        "lowest_level_count": row.lowest,
        "decision_766_rate": row.decision_766_rate,
    }


def report_json(report: Report) -> dict[str, Any]:
    """Shares and rates as fractions 0..1 (null for a group with no rating)."""
    return {
        "by": report.by,
        "channel": report.channel,
        "from": report.date_from.isoformat(),
        "to": report.date_to.isoformat(),
        "timezone": report.timezone,
        "levels": list(report.levels),
        "satisfied_levels": list(report.satisfied_levels),
        "top_level": report.top_level,
        "lowest_level": min(report.levels),
        "rows": [_row_json(row) for row in report.rows],
        "total": _row_json(report.overall) if report.overall else None,
    }


def report_table(report: Report, ranks: Ranks | None = None) -> str:
    """A plain aligned table for a terminal, with a total line at the bottom."""
    header = csv_header(report, ranks)
    lines = [csv_cells(report, row, ranks=ranks) for row in report.rows]
    if report.overall:
        total = csv_cells(report, report.overall, ranks={} if ranks is not None else None)
        lines.append(total[:1] + ["TOTAL"] + total[2:])
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in [header, *lines]
    )
