"""Colours and sizes, chosen to be read at 1 m by an elderly citizen.

Text is near-black on near-white (contrast above 15:1); muted text stays above 7:1.
Sizes are multiples of ``unit(width, height)``, 1.0 on a 1280x800 screen, so the same
layout scales down to 800x480 and fits a 1080-wide portrait screen; but never below
``TOUCH`` for a control or ``MIN_TEXT`` for text, whatever the screen.
"""

from __future__ import annotations

BG = (0.965, 0.972, 0.98, 1)
CARD = (1, 1, 1, 1)
INK = (0.07, 0.09, 0.12, 1)
MUTED = (0.27, 0.30, 0.35, 1)
LINE = (0.46, 0.49, 0.54, 1)  # card borders: 3.9:1 on BG (non-text needs 3:1)
BRAND = (0.03, 0.23, 0.50, 1)  # the header band and primary buttons
BRAND_DOWN = (0.02, 0.14, 0.32, 1)
ON_BRAND = (1, 1, 1, 1)
PRESSED = (0.80, 0.88, 1.0, 1)  # a face or key being pressed
ALERT = (0.66, 0.09, 0.03, 1)  # refusals; always with words, never colour alone
SELECTED = (0.03, 0.23, 0.50, 1)
# Opacity of faces shown but not yet usable (per-turn mode, no turn open) and of a button
# that cannot be pressed yet: faint enough to read as "not now", strong enough that the
# face's outline keeps 3:1 and the button's words 4.5:1 (tests/ui/test_contrast.py).
DIMMED = 0.6
DISABLED = 0.7


# The smallest a control may be at any screen size: 48 px, about 9 mm on a kiosk's
# 10-15" screen, the size a finger hits without aiming (WCAG 2.5.5, Material's 48 dp).
TOUCH = 48
# The smallest text a citizen reads; longer text wraps or ends in "…" instead.
MIN_TEXT = 18


def unit(width: float, height: float) -> float:
    """Scale of every size: 1.0 at 1280x800; the tighter of the two ratios wins.
    Portrait screens are laid out in columns, so only their width counts."""
    if height > width:
        return max(0.45, width / 1000.0)
    return max(0.45, min(width / 1280.0, height / 800.0))
