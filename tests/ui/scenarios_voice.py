"""Scenarios of the spoken prompts (``[ui] voice``), run by driver.py as
``scenarios_voice:<name>``: what the app asked its player to play, and when.

The app's own player (``app.sounds``) is wrapped, not replaced: every sound still goes
through Kivy's audio (SDL's dummy driver in the tests), and the record says which file
Kivy loaded for it and whether Kivy was playing it.
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.testing import Robot


def record_sounds(app: Any) -> list[dict]:
    """From now on, every sound the app asks for: its name, the file Kivy loaded for it
    (None: not loaded, so silent) and whether Kivy then plays it."""
    heard: list[dict] = []
    play = app.sounds.play

    def recording(name: str) -> None:
        play(name)
        sound = app.sounds.loaded(name)
        heard.append(
            {
                "name": name,
                "file": sound.source if sound is not None else None,
                "playing": sound is not None and sound.state == "play",
            }
        )

    app.sounds.play = recording
    return heard


def _names(heard: list[dict], start: int = 0) -> list[str]:
    return [sound["name"] for sound in heard[start:]]


def _thanked_and_back(robot: Robot) -> None:
    robot.wait_screen("thanks")
    robot.wait_screen("rate")


def citizens_with_voice(robot: Robot) -> dict:
    """From a closed counter: the officer logs in, opens the menu and comes back; three
    citizens rate (the highest face, the lowest face with the reasons skipped, English);
    a fourth chooses English and walks away. What the app asked to play at each step."""
    heard = record_sounds(robot.app)
    steps: dict[str, list[str]] = {}
    mark = 0

    def step(name: str) -> None:
        nonlocal mark
        steps[name] = _names(heard, mark)
        mark = len(heard)

    robot.wait_screen("closed")
    robot.type("CB001")  # the officer's badge, then the PIN
    robot.wait_screen("pin")
    robot.press_keys("1234")
    robot.wait_screen("rate")
    robot.run_for(0.3)
    step("closed_login_rate")

    robot.type("cb001")  # the serving officer's badge: their menu; then back to the faces
    robot.wait_screen("staff")
    robot.tap(robot.find("BigButton", "Quay lại"))
    robot.wait_screen("rate")
    robot.run_for(0.3)
    step("menu_and_back")

    robot.tap(robot.find("FaceButton", value=4))
    step("tap_highest")
    _thanked_and_back(robot)
    step("next_citizen_highest")

    robot.tap(robot.find("FaceButton", value=1))
    step("tap_lowest")
    robot.wait_screen("reasons")
    robot.tap(robot.find("BigButton", "Bỏ qua"))
    _thanked_and_back(robot)
    step("next_citizen_lowest")

    robot.tap(robot.find("BigButton", "English"))
    robot.frames(2)
    step("english_chosen")
    robot.tap(robot.find("FaceButton", value=4))
    step("tap_in_english")
    _thanked_and_back(robot)
    step("next_citizen_english")

    robot.tap(robot.find("BigButton", "English"))
    robot.frames(2)
    step("english_again")
    # Nobody rates: the idle reset brings Vietnamese back for whoever comes next.
    robot.wait(lambda: robot.app.lang == "vi", timeout=60, what="the idle reset")
    robot.run_for(0.5)
    step("walked_away")

    by_name = {sound["name"]: sound for sound in heard}
    return {"steps": steps, "sounds": by_name}
