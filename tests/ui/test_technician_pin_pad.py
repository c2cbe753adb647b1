"""The technician PIN pad of the real app: its lockout outlives the kiosk process, and the
demo's PIN (2468, printed in the README) does not open an installed kiosk's service
screen (kiosk.technician)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(600)

LOCKED = "Đăng nhập bị tạm khóa do nhập sai mã PIN nhiều lần."


def test_the_technician_lockout_survives_a_restart_of_the_kiosk(roster, run_ui, ui_env):
    ui_env.update(
        KIOSK__STAFF__LOCKOUT_ATTEMPTS="2",
        KIOSK__STAFF__LOCKOUT_FIRST_SECONDS="600",
        KIOSK__STAFF__LOCKOUT_MINUTES="10",
    )
    roster(logged_in=True)

    first = run_ui("scenarios_technician:wrong_technician_pins")
    assert first["answers"][0] == {"screen": "pin", "message": "Mã PIN kỹ thuật viên không đúng."}
    assert first["answers"][1]["message"].startswith(LOCKED), first

    # A new kiosk process (a restart, the watchdog's, a power cut): still waiting, even
    # for the right PIN.
    second = run_ui("scenarios_technician:right_technician_pin")
    assert second["screen"] == "pin" and second["message"].startswith(LOCKED), second


def test_the_demo_pin_does_not_open_an_installed_kiosks_service_screen(roster, run_ui, ui_env):
    ui_env["KIOSK__SERVICE__DEMO"] = "false"  # as installed: the shipped hash, not the demo
    roster(logged_in=True)
    seen = run_ui("scenarios_technician:right_technician_pin")
    assert seen["screen"] == "pin", seen
    assert seen["message"].startswith("Đây là mã PIN kỹ thuật viên của bản trình diễn"), seen
    assert "kioskctl hash-pin" in seen["message"]
