"""Contrast of what the kiosk draws, from the colours and opacities its widgets use
(kiosk/ui/theme.py, used by widgets.kv and the screens): WCAG 2.x ratios, text 4.5:1,
anything else a citizen must see (borders, an outline, a button's shape) 3:1."""

from __future__ import annotations

import pytest

from kiosk.ui import theme


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(rgb) -> float:
    red, green, blue = (_linear(c) for c in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour, background, opacity: float):
    """``colour`` drawn at ``opacity`` on ``background``, as the screen shows it."""
    return tuple(
        opacity * c + (1 - opacity) * b for c, b in zip(colour[:3], background[:3], strict=True)
    )


TEXT = [
    ("text on the page", theme.INK, theme.BG),
    ("text on a card", theme.INK, theme.CARD),
    ("muted text", theme.MUTED, theme.BG),
    ("words on a primary button", theme.ON_BRAND, theme.BRAND),
    ("words on a pressed button", theme.ON_BRAND, theme.BRAND_DOWN),
    ("a refusal", theme.ALERT, theme.BG),
    (
        "words on a button that cannot be pressed yet (Send)",
        over(theme.ON_BRAND, theme.BG, theme.DISABLED),
        over(theme.BRAND, theme.BG, theme.DISABLED),
    ),
]
SHAPES = [
    ("a card's border on the page", theme.LINE, theme.BG),
    ("a card's border on a card", theme.LINE, theme.CARD),
    ("a primary button on the page", theme.BRAND, theme.BG),
    ("a chip ticked", theme.SELECTED, theme.CARD),
    (
        "a dimmed face's outline (per-turn mode, no turn yet)",
        over(theme.INK, theme.CARD, theme.DIMMED),
        over(theme.CARD, theme.BG, theme.DIMMED),
    ),
    (
        "a button that cannot be pressed yet, on the page",
        over(theme.BRAND, theme.BG, theme.DISABLED),
        theme.BG,
    ),
]


@pytest.mark.parametrize(("what", "ink", "paper"), TEXT, ids=[row[0] for row in TEXT])
def test_text_has_at_least_4_5_to_1(what, ink, paper):
    assert contrast(ink, paper) >= 4.5, what


@pytest.mark.parametrize(("what", "ink", "paper"), SHAPES, ids=[row[0] for row in SHAPES])
def test_shapes_a_citizen_must_see_have_at_least_3_to_1(what, ink, paper):
    assert contrast(ink, paper) >= 3.0, what
