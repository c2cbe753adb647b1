"""Every control a finger can hit, and every text a citizen reads, at every screen size
the kiosk supports, in both orientations: measured on the real widgets as laid out."""

from __future__ import annotations

import pytest

from kiosk.ui import theme

pytestmark = [pytest.mark.ui, pytest.mark.slow]

CITIZEN_SCREENS = ("closed", "rate", "reasons", "thanks", "paused")


def test_every_control_is_at_least_48_px_and_citizen_text_at_least_18_px(roster, run_ui):
    # A long name and title, as a real roster has: they must not shrink below 18 px.
    roster(logged_in=False)
    seen = run_ui("measure_at_every_size")
    assert len(seen) == 12, "six sizes, both orientations"
    face_widths = {
        round(width)
        for screens in seen.values()
        for name, _text, width, _height in screens["rate"]["controls"]
        if name == "FaceButton"
    }
    assert len(face_widths) >= 8, f"the window really took each size: {face_widths}"
    small_controls = [
        (size, screen, name, text, round(width), round(height))
        for size, screens in seen.items()
        for screen, found in screens.items()
        for name, text, width, height in found["controls"]
        if min(width, height) < theme.TOUCH
    ]
    small_texts = [
        (size, screen, text, round(font_size, 1))
        for size, screens in seen.items()
        for screen, found in screens.items()
        if screen in CITIZEN_SCREENS
        for _name, text, font_size in found["texts"]
        if font_size < theme.MIN_TEXT
    ]
    assert not small_controls, small_controls
    assert not small_texts, small_texts
    every = [
        control
        for screens in seen.values()
        for found in screens.values()
        for control in found["controls"]
    ]
    assert len(every) > 12 * 20, "the walk saw the screens' controls"
