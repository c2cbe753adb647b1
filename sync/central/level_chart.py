"""A small inline SVG chart of one group's turns at each level: one column per level, the
count above it, the level's name below. Server-made, no script: it prints on paper
(WeasyPrint draws SVG) and shows on the dashboard alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

# Highest level first, as the levels are configured: green to red.
COLOURS = ("#1b7f3b", "#6aa84f", "#e6a23c", "#c0392b", "#8e2c22", "#5b1d16")


def level_columns_svg(
    bars: Sequence[tuple[str, int]],
    number: Callable[[int], str],
    width: int = 240,
    height: int = 130,
) -> str:
    """``bars``: (level's name, count), highest level first."""
    if not bars:
        return ""
    most = max(count for _name, count in bars) or 1
    pad_top, pad_bottom = 14, 30
    plot_h = height - pad_top - pad_bottom
    step = width / len(bars)
    parts = [
        f'<svg class="levels" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" xmlns="http://www.w3.org/2000/svg">'
    ]
    for index, (name, count) in enumerate(bars):
        x = index * step + step * 0.15
        bar_h = plot_h * count / most
        y = pad_top + plot_h - bar_h
        colour = COLOURS[min(index, len(COLOURS) - 1)]
        middle = x + step * 0.35
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{bar_h:.1f}" '
            f'fill="{colour}"/>'
            f'<text x="{middle:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle">'
            f"{escape(number(count))}</text>"
        )
        # Two lines for the level's name: "Không hài lòng" is wider than its column.
        words = name.split()
        half = (len(words) + 1) // 2
        for line, text in enumerate((" ".join(words[:half]), " ".join(words[half:]))):
            baseline = pad_top + plot_h + 11 + line * 10
            parts.append(
                f'<text x="{middle:.1f}" y="{baseline}" font-size="8.5" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
    parts.append(
        f'<line x1="0" x2="{width}" y1="{pad_top + plot_h}" y2="{pad_top + plot_h}" '
        'stroke="#999" stroke-width="0.6"/></svg>'
    )
    return "".join(parts)
