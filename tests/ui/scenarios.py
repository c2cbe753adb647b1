"""What a citizen, an officer and a technician do, as scenarios run by driver.py in
the real app. Each returns what it saw; the tests assert on that and on the database."""

from __future__ import annotations

import sys
import time

from kiosk.ui.testing import Robot

ENTER, ESCAPE = 13, 27


def _keypad(robot: Robot, keys: str) -> None:
    for key in keys:
        robot.tap(robot.find("KeypadKey", key=key))


def closed_login_rate_reasons_thanks(robot: Robot) -> dict:
    """Officer logs in on the keypad; a citizen taps the lowest face, picks a reason."""
    seen = [robot.screen]
    robot.tap(robot.find("BigButton", "Đăng nhập cán bộ"))
    robot.wait_screen("pin")
    seen.append(robot.screen)
    robot.tap(robot.find("KeypadKey", key="abc"))  # letters for the code, then digits
    robot.tap(robot.find("KeypadKey", key="C"))
    robot.tap(robot.find("KeypadKey", key="B"))
    robot.tap(robot.find("KeypadKey", key="123"))
    _keypad(robot, "001")
    robot.tap(robot.find("BigButton", "Tiếp theo"))
    _keypad(robot, "1234")
    robot.tap(robot.find("BigButton", "Xác nhận"))
    robot.wait_screen("rate")
    seen.append(robot.screen)
    robot.tap(robot.find("FaceButton", value=1))
    robot.wait_screen("reasons")
    seen.append(robot.screen)
    robot.tap(robot.find("Chip", code="attitude"))
    robot.tap(robot.find("Chip", code="waiting_time"))
    robot.tap(robot.find("BigButton", "Gửi"))
    robot.wait_screen("thanks")
    seen.append(robot.screen)
    thanks_text = [w.text for w in robot.widgets() if type(w).__name__ == "FitLabel"]
    robot.wait_screen("rate")
    seen.append(robot.screen)
    return {"screens": seen, "thanks_text": thanks_text}


def badge_scan_lockout(robot: Robot) -> dict:
    """A badge typed on the Closed screen, then wrong PINs until the lock."""
    robot.key(ESCAPE)  # swallowed: the kiosk stays
    refused_close = robot.window.dispatch("on_request_close")
    robot.type("CB001")  # badge scanner: the code, then Enter
    robot.wait_screen("pin")
    screen = robot.app.sm.current_screen
    code = screen.code
    messages = []
    for _ in range(2):
        robot.press_keys("9999")
        robot.wait(lambda: screen.message, what="a refusal message")
        messages.append(screen.message)
    robot.press_keys("1234")  # the right PIN, but locked now
    messages.append(screen.message)
    robot.app.set_lang("en")  # config ui.language = "en": the message follows
    robot.frames(2)
    return {
        "code": code,
        "messages": messages,
        "english": screen.message,
        "screen": robot.screen,
        "refused_close": refused_close,
    }


def pin_typed_during_a_stall(robot: Robot) -> dict:
    """The badge, then the PIN typed while the kiosk was busy: its digits and Enter reach
    the app in one frame, as a scanner's would."""
    robot.type("CB001")
    robot.wait_screen("pin")
    robot.type("1234")  # all at once, then Enter: by timing alone, a scan
    robot.wait(lambda: robot.screen != "pin", what="the login")
    return {"screen": robot.screen, "officer": robot.app.counter.desk().officer.code}


def cooldown_second_tap(robot: Robot) -> dict:
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=3))  # within the cooldown: nothing happens
    robot.run_for(1.0)
    return {"screen": robot.screen}


def tap_then_hang(robot: Robot) -> dict:
    """Tap a face, tell the test, then keep running until it is killed with -9."""
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    print("TAPPED", flush=True)
    end = time.monotonic() + 120
    while time.monotonic() < end:
        robot.frames(1)
    sys.exit(3)  # never killed: the test fails on its own timeout


def language_toggle(robot: Robot) -> dict:
    robot.wait_screen("rate")
    question = robot.find("FitLabel", "Ông/Bà có hài lòng với cán bộ phục vụ không?")
    robot.tap(robot.find("BigButton", "English"))
    english = {
        "question": question.text,
        "faces": [face.label for face in reversed(robot.find("FaceRow").children)],
    }
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    english["thanks"] = robot.find("FitLabel", "Thank you!").text
    robot.wait_screen("rate")
    back = question.text  # the next citizen starts in Vietnamese
    robot.key(ord("4"), "4")  # a USB keypad's 4th button: the 4th face (lowest)
    robot.wait_screen("reasons")
    robot.tap(robot.find("BigButton", "Bỏ qua"))
    robot.wait_screen("thanks")
    return {"english": english, "back": back}


def service_wrong_pin(robot: Robot) -> dict:
    robot.wait_screen("rate")
    corner = robot.app.root.ids.corner
    robot.tap(corner)  # a short touch does nothing
    short = robot.screen
    robot.hold(corner, 5.5)
    robot.wait_screen("pin")
    screen = robot.app.sm.current_screen
    mode = screen.mode
    robot.press_keys("0000")
    robot.wait(lambda: screen.message, what="refusal")
    refused = {"screen": robot.screen, "message": screen.message}
    robot.press_keys("2468")
    robot.wait_screen("service")
    info = dict(robot.app.sm.current_screen.info)
    robot.tap(robot.find("BigButton", "Đóng"))
    robot.wait_screen("rate")
    return {"short": short, "mode": mode, "refused": refused, "info": info}


def per_turn(robot: Robot) -> dict:
    robot.wait_screen("waiting")
    robot.tap(robot.find("FaceButton", value=4))  # dimmed: no turn yet, nothing stored
    still = robot.screen
    robot.key(robot.app.turn_keycode)  # the officer's desk button (F9)
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=3))
    robot.wait_screen("thanks")
    robot.wait_screen("waiting")
    robot.type("HS-0042")  # the dossier's ticket barcode
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    robot.wait_screen("waiting")
    return {"still": still}


def staff_pause_resume(robot: Robot) -> dict:
    robot.wait_screen("rate")
    robot.tap(robot.find("BigButton", "Cán bộ"))
    robot.wait_screen("pin")
    robot.press_keys("1234")
    robot.wait_screen("staff")
    robot.tap(robot.find("BigButton", "Tạm nghỉ"))
    robot.wait_screen("paused")
    paused = robot.screen
    robot.tap(robot.find("BigButton", "Tiếp tục làm việc"))
    robot.wait_screen("pin")
    robot.press_keys("1234")
    robot.wait_screen("rate")
    return {"paused": paused, "screen": robot.screen}


def scans_on_the_rate_screen(robot: Robot) -> dict:
    """At scanner speed: another officer's badge, a ticket, a one-digit code, the serving
    officer's badge; then one lone key from the number pad, the only one that rates."""
    robot.wait_screen("rate")
    seen = {}
    robot.type("CB002")  # the next officer's badge: a hand-over, never the face 2
    robot.wait_screen("pin")
    screen = robot.app.sm.current_screen
    seen["handover"] = {"mode": screen.mode, "code": screen.code, "field": screen.field}
    robot.tap(robot.find("BigButton", "Quay lại"))
    robot.wait_screen("rate")
    robot.type("3")  # a one-character burst is a scan too, never the face 3
    robot.run_for(0.3)
    seen["after_digit_scan"] = robot.screen
    # The citizen's ticket, attached to their rating, though a stalled frame held back
    # its last four characters ("A-" and "0153" read 150 ms apart are still one code).
    robot.type("A-0153", stall_after=2)
    robot.run_for(0.3)
    seen["after_ticket"] = robot.screen
    # The serving officer's own badge (any case, split by a stall too): their menu, no PIN.
    robot.type("cb001", stall_after=3)
    robot.wait_screen("staff")
    seen["own_badge"] = robot.screen
    robot.tap(robot.find("BigButton", "Quay lại"))
    robot.wait_screen("rate")
    robot.key(258, "2")  # the number pad's 2, alone: the second face
    robot.wait_screen("thanks")
    seen["lone_key"] = robot.screen
    return seen


def double_tap_on_a_low_face(robot: Robot) -> dict:
    """A citizen's double tap (250 ms apart) on the lowest face: the second tap lands on
    the reasons screen that has just appeared under the finger."""
    from kivy.tests.common import UnitTestTouch

    robot.wait_screen("rate")
    face = robot.find("FaceButton", value=1)
    x, y = face.to_window(*face.center)
    first = UnitTestTouch(x, y)
    first.touch_down()
    robot.frames(1)
    first.touch_up()
    robot.run_for(0.25)
    second = UnitTestTouch(x, y)
    second.touch_down()
    robot.frames(1)
    second.touch_up()
    robot.run_for(0.2)
    screen = robot.app.sm.current_screen
    seen = {"screen": robot.screen, "chosen": list(getattr(screen, "chosen", []))}
    robot.run_for(0.5)
    robot.tap(robot.find("BigButton", "Bỏ qua"))
    robot.wait_screen("thanks")
    return seen


def citizen_guesses_pins_then_the_officer_scans(robot: Robot) -> dict:
    """A citizen opens the officer's PIN pad and guesses until the login waits; the
    officer keeps control of the counter with their own badge: menu, pause, resume."""
    robot.wait_screen("rate")
    robot.tap(robot.find("BigButton", "Cán bộ"))
    robot.wait_screen("pin")
    screen = robot.app.sm.current_screen
    for guess in ("1111", "2222", "3333", "4444", "5555"):
        robot.press_keys(guess)
    robot.wait(lambda: "khóa" in screen.message or "chờ" in screen.message, what="a wait")
    seen = {"after_guesses": screen.message}
    robot.type("CB001")  # the officer's own badge, while the PIN login waits
    robot.wait_screen("staff")
    seen["badge"] = robot.screen
    robot.tap(robot.find("BigButton", "Tạm nghỉ"))
    robot.wait_screen("paused")
    robot.type("CB001")  # back from the break with the badge, no PIN
    robot.wait_screen("rate")
    seen["resumed"] = robot.screen
    return seen


def a_citizen_walks_away_half_way(robot: Robot) -> dict:
    """English chosen and a ticket scanned, then nobody touches the kiosk for idle_seconds;
    the next citizen finds it in Vietnamese, and rates without the last one's ticket."""
    robot.wait_screen("rate")
    robot.tap(robot.find("BigButton", "English"))
    robot.type("HS-0099")  # the first citizen's ticket
    question = robot.find("FitLabel", robot.app.t("question", "en"))
    english = question.text
    robot.run_for(robot.app.settings.ui.idle_seconds + 1.0)
    seen = {"english": english, "after_idle": question.text, "lang": robot.app.lang}
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    return seen


# Screens a citizen reads (text never below 18 px there) and those of the staff.
CITIZEN_SCREENS = ("closed", "rate", "reasons", "thanks", "paused")


def _controls_and_texts(robot: Robot) -> dict:
    """Every visible control's size and every visible text's font size on this screen."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    controls, texts = [], []
    for widget in robot.widgets():
        if widget.opacity == 0 or widget.width <= 1 or widget.height <= 1:
            continue
        name = type(widget).__name__
        if isinstance(widget, ButtonBehavior):
            controls.append([name, getattr(widget, "text", ""), widget.width, widget.height])
        elif isinstance(widget, Label) and widget.text.strip():
            texts.append([name, widget.text[:40], widget.font_size])
    return {"controls": controls, "texts": texts}


# Screen sizes a kiosk may have, landscape; each is measured in portrait too.
KIOSK_SIZES = ((800, 480), (1024, 600), (1280, 720), (1280, 800), (1366, 768), (1920, 1080))


def measure_at_every_size(robot: Robot) -> dict:
    """Every screen at every supported size, both orientations, in one window resized."""
    seen = {}
    for width, height in KIOSK_SIZES:
        for size in ((width, height), (height, width)):
            robot.window.size = size
            robot.frames(3)
            seen[f"{size[0]}x{size[1]}"] = measure_every_screen(robot)
    return seen


def measure_every_screen(robot: Robot) -> dict:
    """Visit every screen at this window size and measure what is on it (nothing is
    touched, so no waiting out the guard time after each change)."""
    seen = {}
    robot.wait_screen("closed", to_touch=False)
    seen["closed"] = _controls_and_texts(robot)
    robot.app.go("pin", mode="login")
    robot.wait_screen("pin", to_touch=False)
    seen["pin"] = _controls_and_texts(robot)
    robot.app.counter.login("CB001", "1234")
    robot.app.go_home()
    robot.wait_screen("rate", to_touch=False)
    seen["rate"] = _controls_and_texts(robot)
    rating = robot.app.counter.record(1, ask_reasons=True)
    robot.app.go("reasons", rating_id=rating.id)
    robot.wait_screen("reasons", to_touch=False)
    seen["reasons"] = _controls_and_texts(robot)
    robot.app.go("thanks")
    robot.wait_screen("thanks", to_touch=False)
    seen["thanks"] = _controls_and_texts(robot)
    robot.app.go("staff")
    robot.wait_screen("staff", to_touch=False)
    seen["staff"] = _controls_and_texts(robot)
    robot.app.counter.pause()
    robot.app.go_home()
    robot.wait_screen("paused", to_touch=False)
    seen["paused"] = _controls_and_texts(robot)
    robot.app.go("service")
    robot.wait_screen("service", to_touch=False)
    seen["service"] = _controls_and_texts(robot)
    robot.app.counter.logout()
    robot.app.go_home()
    return seen


# --- the technician's service screen ---------------------------------------------------


def _open_service(robot: Robot):
    robot.wait_screen(robot.app.home_name())
    robot.app.go("pin", mode="service")  # as the hidden corner does (service_wrong_pin)
    robot.wait_screen("pin")
    robot.press_keys("2468")
    robot.wait_screen("service")
    return robot.app.sm.current_screen


def _outcome(screen) -> dict:
    """What the technician reads under the figures, and in which colour."""
    return {
        "message": screen.ids.message.text,
        "colour": list(screen.ids.message.color),
        "detail": screen.ids.detail.text,
        "failed": screen.failed,
    }


def _press_and_wait(robot: Robot, screen, text: str) -> list[str]:
    """Tap a network action's button; return every message it showed until it was done."""
    shown: list[str] = []
    screen.bind(message=lambda _w, value: shown.append(value))
    robot.tap(robot.find("BigButton", text))
    robot.wait(lambda: not screen.busy, timeout=120, what=f"{text!r} to finish")
    robot.frames(2)
    return shown


def service_unreachable_central(robot: Robot) -> dict:
    """The central's port is closed: test the connection, then try to sync."""
    screen = _open_service(robot)
    seen = {}
    _press_and_wait(robot, screen, "Kiểm tra kết nối")
    seen["test"] = _outcome(screen)
    _press_and_wait(robot, screen, "Đồng bộ ngay")
    seen["sync"] = _outcome(screen)
    seen["info"] = dict(screen.info)
    robot.app.set_lang("en")
    robot.frames(2)
    seen["english"] = _outcome(screen)
    return seen


def service_sync_now(robot: Robot) -> dict:
    """Pending ratings, a reachable central: "sync now" says how many went, then the
    new figures."""
    screen = _open_service(robot)
    before = dict(screen.info)
    shown = _press_and_wait(robot, screen, "Đồng bộ ngay")
    return {"before": before, "shown": shown, "outcome": _outcome(screen), "after": screen.info}


def service_asks_before_exit_and_logout(robot: Robot) -> dict:
    exits: list[str] = []
    robot.app.exit_app = lambda: exits.append("exit")  # the real one would end the test
    screen = _open_service(robot)
    seen = {}

    def question() -> str:
        return screen.ids.confirm.children[-1].text  # the confirm step's first line

    robot.tap(robot.find("BigButton", "Thoát ứng dụng"))
    robot.frames(2)
    seen["exit_asked"] = {"exits": list(exits), "asking": screen.confirming, "q": question()}
    robot.tap(robot.find("BigButton", "Không, quay lại"))
    robot.frames(2)
    seen["exit_declined"] = {"exits": list(exits), "asking": screen.confirming}

    robot.tap(robot.find("BigButton", "Đăng xuất cán bộ"))
    robot.frames(2)
    seen["logout_asked"] = {
        "officer": getattr(robot.app.counter.officer(), "code", None),
        "q": question(),
    }
    robot.run_for(0.6)  # a deliberate answer, not the second tap of a double tap
    robot.tap(robot.find("BigButton", "Có, đăng xuất"))
    robot.frames(2)
    seen["logged_out"] = {
        "officer": getattr(robot.app.counter.officer(), "code", None),
        "message": screen.ids.message.text,
        "button_disabled": robot.find("BigButton", "Đăng xuất cán bộ").disabled,
    }

    robot.tap(robot.find("BigButton", "Thoát ứng dụng"))
    robot.frames(2)
    robot.run_for(0.6)
    robot.tap(robot.find("BigButton", "Có, thoát ứng dụng"))
    seen["exit_confirmed"] = list(exits)
    return seen


# --- every screen, both languages ------------------------------------------------------


def every_screen_in_both_languages(robot: Robot) -> dict:
    """Each screen and state the kiosk shows, in Vietnamese and English: the texts drawn,
    and any key the catalogs lacked (kiosk.ui.i18n logs those)."""
    import logging

    missing: list[str] = []

    class Missing(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            missing.append(record.getMessage())

    logging.getLogger("kiosk.ui.i18n").addHandler(Missing(logging.WARNING))
    app = robot.app
    texts: dict[str, list[str]] = {"vi": [], "en": []}
    shows = [
        ("closed", {}),
        ("pin", {"mode": "login"}),
        ("pin", {"mode": "resume"}),
        ("pin", {"mode": "staff"}),
        ("pin", {"mode": "service"}),
        ("rate", {}),
        ("waiting", {}),
        ("reasons", {"rating_id": ""}),
        ("thanks", {}),
        ("paused", {}),
        ("staff", {}),
        ("service", {}),
    ]
    for lang in ("vi", "en"):
        for name, kwargs in shows:
            app.go(name, **kwargs)
            app.lang = lang
            robot.frames(3)
            texts[lang] += [w.text for w in robot.widgets() if getattr(w, "text", "")]
        service = app.screen("service")
        for asked in ("exit", "logout"):
            service.confirming = asked
            robot.frames(2)
            texts[lang] += [w.text for w in robot.widgets() if getattr(w, "text", "")]
        service.confirming = ""
    return {"texts": texts, "missing": missing}


# --- a full disk (the data folder is a small tmpfs: test_full_disk.py) -----------------


def _fill_disk(folder) -> None:
    from pathlib import Path

    with (Path(folder) / "fill").open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
        try:  # the last few blocks too, so SQLite cannot grow its WAL by one page
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass


def _shown_texts(robot: Robot) -> list[str]:
    return [w.text for w in robot.widgets(robot.app.sm.current_screen) if hasattr(w, "text")]


def taps_on_a_full_disk(robot: Robot) -> dict:
    """The disk fills up while citizens rate: a tap that cannot be stored gets an apology,
    never a thank-you (nor a spoken one); the technician finds the cause; once space is
    freed taps store."""
    from pathlib import Path

    from scenarios_voice import record_sounds  # driver.py runs with tests/ui on the path

    counter = robot.app.counter
    data = Path(counter.config.storage.data_dir)
    robot.wait_screen("rate")
    heard = record_sounds(robot.app)
    before = counter.status().today_total
    _fill_disk(data)
    seen: dict = {}
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    seen["full_texts"] = _shown_texts(robot)
    seen["full_stored"] = counter.status().today_total - before
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=1))  # a low face: no reasons screen either
    robot.wait_screen("thanks")
    seen["full_low_texts"] = _shown_texts(robot)
    robot.wait_screen("rate")
    seen["full_sounds"] = [sound["name"] for sound in heard]
    screen = _open_service(robot)
    seen["service"] = _outcome(screen)
    (data / "fill").unlink()
    robot.app.go_home()
    robot.wait_screen("rate")
    robot.tap(robot.find("FaceButton", value=4))
    robot.wait_screen("thanks")
    seen["freed_texts"] = _shown_texts(robot)
    seen["freed_stored"] = counter.status().today_total - before
    seen["problem_after"] = counter.storage_problem
    seen["freed_sounds"] = [sound["name"] for sound in heard[len(seen["full_sounds"]) :]]
    return seen


# --- provisioning by a scanned code ----------------------------------------------------


def _scan_and_wait(robot: Robot, screen, text: str) -> list[str]:
    """Scan ``text`` at scanner speed; return every message shown until it was done."""
    shown: list[str] = []
    screen.bind(message=lambda _w, value: shown.append(value))
    robot.type(text)
    robot.wait(lambda: not screen.busy, timeout=120, what="provisioning to finish")
    robot.frames(2)
    return shown


def provision_by_scan(robot: Robot) -> dict:
    """The codes of UI_PROVISION (JSON: good, foreign, damaged): the good one on the Rate
    screen, then each at the service screen; then "set up from USB stick" with a stick
    (UI_MEDIA) whose file the center refuses; the good one last."""
    import json
    import os

    codes = json.loads(os.environ["UI_PROVISION"])
    exits: list[str] = []
    robot.app.exit_app = lambda: exits.append("exit")  # the real one would end the test
    seen: dict = {}
    robot.wait_screen("rate")
    robot.type(codes["good"])
    robot.run_for(0.5)
    seen["on_rate"] = {"screen": robot.screen, "exits": list(exits)}
    screen = _open_service(robot)
    for name in ("foreign", "damaged"):
        shown = _scan_and_wait(robot, screen, codes[name])
        seen[name] = dict(_outcome(screen), shown=shown)
    # The refused code comes on a USB stick, mounted where UI_MEDIA says.
    from kiosk.ui import provision_actions

    provision_actions.MEDIA_GLOBS = (os.environ["UI_MEDIA"],)
    shown = _press_and_wait(robot, screen, "Cài đặt từ USB")
    seen["refused"] = dict(_outcome(screen), shown=shown)
    shown = _scan_and_wait(robot, screen, codes["good"])
    seen["good"] = dict(_outcome(screen), shown=shown, exits=list(exits))
    robot.wait(lambda: exits, timeout=60, what="the restart that takes the new config")
    seen["restarted"] = list(exits)
    return seen
