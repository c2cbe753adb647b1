"""Scenarios of the officer's figures and the phone link (run by driver.py as
``scenarios_officer:NAME``). Each returns what it saw: the tests assert on that."""

from __future__ import annotations

import time

from kiosk.ui.testing import Robot


def _texts(robot: Robot) -> list[str]:
    screen = robot.app.sm.current_screen
    return [w.text for w in robot.widgets(screen) if hasattr(w, "text") and w.text]


def _phone(robot: Robot) -> dict:
    screen = robot.app.sm.current_screen
    box = screen.ids.phone
    return {
        "link": screen.link,
        "qr_size": list(screen.ids.qr.texture.size) if screen.ids.qr.texture else None,
        "box_height": box.height,
        "opacity": box.opacity,
    }


def thanks_with_or_without_qr(robot: Robot) -> dict:
    """A citizen rates high, another low with a reason: what the thanks screen shows."""
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    shown_at = time.monotonic()
    robot.frames(3)
    first = {**_phone(robot), "texts": _texts(robot)}
    robot.wait_screen("rate", timeout=60)
    first["seconds_shown"] = time.monotonic() - shown_at
    robot.tap(robot.find("FaceButton", value=1))
    robot.wait_screen("reasons")
    robot.tap(robot.find("Chip", code="attitude"))
    robot.tap(robot.find("BigButton", "Gửi"))
    robot.wait_screen("thanks")
    robot.frames(3)
    # How long this one stays was timed on the first: no need to wait it out again.
    return {"first": first, "second": _phone(robot)}


def officer_figures_and_citizen_screens(robot: Robot) -> dict:
    """The officer opens the menu by badge, looks, goes back; one citizen rates; the
    officer looks again. Every citizen-facing text on the way is recorded."""
    robot.wait_screen("rate")
    citizen = list(_texts(robot))
    robot.type("CB001")  # the serving officer's badge: their menu
    robot.wait_screen("staff")
    robot.frames(2)
    screen = robot.app.sm.current_screen
    before = [screen.ids.figures_today.text, screen.ids.figures_month.text]
    source = screen.ids.figures_source.text
    robot.tap(robot.find("BigButton", "Quay lại"))
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=2))
    robot.wait_screen("reasons")
    citizen += _texts(robot)
    robot.tap(robot.find("BigButton", "Bỏ qua"))
    robot.wait_screen("thanks")
    citizen += _texts(robot)
    robot.wait_screen("rate", timeout=60)
    robot.type("CB001")
    robot.wait_screen("staff")
    robot.frames(2)
    after = [screen.ids.figures_today.text, screen.ids.figures_month.text]
    return {"before": before, "after": after, "source": source, "citizen": citizen}


def staff_menu_to_render(robot: Robot) -> dict:
    """Only opens the menu (for the renders)."""
    robot.wait_screen("rate")
    robot.type("CB001")
    robot.wait_screen("staff")
    robot.frames(3)
    return {"texts": _texts(robot)}
