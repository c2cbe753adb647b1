"""Scenarios of the technician PIN pad (run by driver.py as ``scenarios_technician:NAME``).
Each returns what it saw: the tests assert on that."""

from __future__ import annotations

from kiosk.ui.testing import Robot


def _service_pin_pad(robot: Robot):
    robot.wait_screen(robot.app.home_name())
    robot.app.go("pin", mode="service")  # as holding the hidden corner does
    robot.wait_screen("pin")
    return robot.app.sm.current_screen


def _answer(robot: Robot, screen, pin: str) -> dict:
    """Type ``pin`` and Enter; what the pad then says (or the screen it led to)."""
    screen.message = ""
    robot.press_keys(pin)
    robot.wait(lambda: screen.message or robot.screen != "pin", what="an answer to the PIN")
    robot.frames(2)
    return {"screen": robot.screen, "message": screen.message if robot.screen == "pin" else ""}


def wrong_technician_pins(robot: Robot) -> dict:
    """Two wrong technician PINs: the second starts the lockout."""
    screen = _service_pin_pad(robot)
    return {"answers": [_answer(robot, screen, "000000"), _answer(robot, screen, "111999")]}


def right_technician_pin(robot: Robot) -> dict:
    """The right PIN (the demo's, in the UI tests' demo config), typed once."""
    screen = _service_pin_pad(robot)
    return _answer(robot, screen, "2468")
