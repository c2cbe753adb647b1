"""A small inline SVG chart of ratings per day with the satisfaction rate as a line.

Server-rendered, no script: readable on a phone and in a printed report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape


@dataclass(frozen=True)
class DayPoint:
    day: date
    total: int
    rate: float | None  # 0..1, None when nothing was rated that day


@dataclass(frozen=True)
class ChartWords:
    """How the chart writes its figures: the dashboard passes its language's ways."""

    day: Callable[[date], str] = date.isoformat
    number: Callable[[int], str] = str
    percent: Callable[[float], str] = "{:.1%}".format


def trend_svg(
    points: Sequence[DayPoint], words: ChartWords | None = None, width: int = 640, height: int = 180
) -> str:
    """Bars: turns rated per day (left scale). Line: satisfaction rate, 0..100 %."""
    words = words or ChartWords()
    if not points:
        return ""
    pad_left, pad_bottom, pad_top = 36, 20, 10
    plot_w, plot_h = width - pad_left - 4, height - pad_bottom - pad_top
    most = max(point.total for point in points) or 1
    step = plot_w / len(points)
    bar_w = max(step * 0.7, 1)
    parts = [
        f'<svg class="trend" viewBox="0 0 {width} {height}" role="img" '
        f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="2" y="{pad_top + 8}" font-size="10">{escape(words.number(most))}</text>',
        f'<text x="2" y="{pad_top + plot_h}" font-size="10">0</text>',
    ]
    line = []
    for index, point in enumerate(points):
        x = pad_left + index * step
        bar_h = plot_h * point.total / most
        rate = "" if point.rate is None else f", {words.percent(point.rate)}"
        title = f"{words.day(point.day)}: {words.number(point.total)}{rate}"
        parts.append(
            f'<rect x="{x:.1f}" y="{pad_top + plot_h - bar_h:.1f}" width="{bar_w:.1f}" '
            f'height="{bar_h:.1f}" fill="#8fb8de"><title>{escape(title)}</title></rect>'
        )
        if point.rate is not None:
            line.append(f"{x + bar_w / 2:.1f},{pad_top + plot_h * (1 - point.rate):.1f}")
    if line:
        parts.append(
            f'<polyline points="{" ".join(line)}" fill="none" stroke="#1b7f3b" stroke-width="2"/>'
        )
    first, last = escape(words.day(points[0].day)), escape(words.day(points[-1].day))
    parts.append(f'<text x="{pad_left}" y="{height - 4}" font-size="10">{first}</text>')
    parts.append(
        f'<text x="{width - 4}" y="{height - 4}" font-size="10" text-anchor="end">{last}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
