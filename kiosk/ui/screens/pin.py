"""The PIN pad, in four modes:

- login: officer code + PIN (keypad, keyboard, or a badge scanner typing code + Enter);
- resume: the paused officer's PIN;
- staff: the serving officer's PIN before the staff menu (pause, log out);
- service: the technician PIN before the service screen.

Refusals are explained in words; a lockout shows the time left, counting down.
"""

from __future__ import annotations

import logging
import time

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.counter import LoginRefused
from kiosk.ui.i18n import N_, duration, t
from kiosk.ui.screens.base import BACKSPACE, ENTER_KEYS, KioskScreen
from sync.protocol import canonical_code

log = logging.getLogger(__name__)

MAX_CODE, MAX_PIN = 16, 12
# Keys of the title and the hint above the fields, by mode (the .kv looks them up).
TITLES = {
    "login": N_("staff_login"),  # the same words as the button that leads here
    "resume": N_("resume"),
    "staff": N_("staff_title"),
    "service": N_("service_pin_title"),
}
HINTS = {
    "login": N_("scan_hint"),
    "resume": N_("pin_hint"),
    "staff": N_("pin_hint"),
    "service": N_("service_pin_hint"),
}


class PinScreen(KioskScreen):
    mode = StringProperty("login")
    code = StringProperty("")
    pin = StringProperty("")
    field = StringProperty("code")  # which field the keys type into
    message = StringProperty("")
    letters = BooleanProperty(False)

    def __init__(self, kiosk, **kwargs):
        super().__init__(kiosk, **kwargs)
        self.idle_seconds = kiosk.settings.ui.idle_seconds
        self._locked_until = 0.0
        self._refusal: LoginRefused | None = None
        self._ticker = None
        kiosk.bind(lang=lambda *_a: self._show_refusal())

    def prepare(self, mode: str = "login", code: str = "", **_kwargs: object) -> None:
        self.mode = mode
        self.code = canonical_code(code)[:MAX_CODE] if mode == "login" else ""
        self.pin = ""
        self.field = "code" if mode == "login" and not self.code else "pin"
        self.letters = False
        self._refusal = None
        self._locked_until = 0.0
        self.message = ""

    def on_leave(self, *args) -> None:
        super().on_leave(*args)
        self.pin = ""  # a PIN never stays on a screen nobody watches
        self._stop_ticker()

    # --- input ----------------------------------------------------------------------

    def press(self, key: str) -> None:
        """A key of the on-screen keypad."""
        if key == "del":
            self._backspace()
        elif key in ("abc", "123"):
            self.letters = key == "abc"
        else:
            self._type(key)

    def on_press(self, key: int, char: str | None) -> None:
        if key in ENTER_KEYS:
            self.confirm()
        elif key == BACKSPACE:
            self._backspace()
        elif char and char.isalnum():
            self._type(char.upper())

    def on_scan(self, text: str, entered: bool = False) -> bool:
        """At login a badge fills the officer code (never the PIN: a PIN is typed by its
        owner). Asked for the serving officer's PIN, their badge will do instead
        (``KioskApp.scan_at_desk``). The technician's PIN pad takes no scans."""
        if self.mode == "login" and self._typed_pin(text):
            # Keys are told from a scan by their timing as the kiosk reads them; a frame
            # that stalled while the officer typed delivers their digits (and Enter) at
            # once. Digits that are no badge of this counter, while the PIN is asked, are
            # that PIN: typed, and confirmed if Enter came with them.
            for char in text:
                self._type(char)
            if entered:
                self.confirm()
            return True
        if self.mode == "login":
            self.code = canonical_code(text)[:MAX_CODE]
            self.field = "pin"
            self.pin = ""
            self.letters = False
            return True
        return self.mode == "service"

    def _typed_pin(self, text: str) -> bool:
        return (
            self.field == "pin"
            and text.isdigit()
            and self.kiosk.counter.roster_officer(text) is None
        )

    def _type(self, char: str) -> None:
        if self.field == "code":
            if len(self.code) < MAX_CODE:
                self.code += char
        elif char.isdigit() and len(self.pin) < MAX_PIN:
            self.pin += char

    def _backspace(self) -> None:
        if self.field == "code":
            self.code = self.code[:-1]
        elif self.pin:
            self.pin = self.pin[:-1]
        elif self.mode == "login":
            self.field = "code"

    def select(self, field: str) -> None:
        if field == "code" and self.mode != "login":
            return
        self.field = field
        self.letters = False

    # --- submit ---------------------------------------------------------------------

    def confirm(self) -> None:
        """Next (code -> PIN) or OK (submit)."""
        if self.field == "code":
            if self.code:
                self.field = "pin"
                self.letters = False
            return
        if not self.pin:
            return
        pin, self.pin = self.pin, ""
        counter = self.kiosk.counter
        try:
            if self.mode == "service":
                if counter.verify_technician_pin(pin):
                    self.kiosk.go("service")
                else:
                    self.message = t("refused_technician", self.kiosk.lang)
                return
            if self.mode == "login":
                counter.login(self.code, pin)
            elif self.mode == "resume":
                counter.resume(pin)
            elif self.mode == "staff":
                officer = counter.officer()
                if officer is None:
                    self.kiosk.go_home()
                    return
                # Logging the same officer in again changes nothing but proves the PIN.
                counter.login(officer.code, pin)
                self.kiosk.go("staff")
                return
        except LoginRefused as refusal:
            self._refused(refusal)
            return
        self.kiosk.go_home()

    def cancel(self) -> None:
        self.kiosk.go_home()

    # --- refusals -------------------------------------------------------------------

    def _refused(self, refusal: LoginRefused) -> None:
        # For the technician an officer calls ("it refuses my PIN"); never the PIN itself.
        log.info("%s refused for %s: %s", self.mode, self.code or "-", refusal.reason)
        self._refusal = refusal
        if refusal.reason == "unknown_officer":
            self.field = "code"
        if refusal.retry_after:
            self._locked_until = time.monotonic() + refusal.retry_after
            self._stop_ticker()
            self._ticker = Clock.schedule_interval(lambda _dt: self._show_refusal(), 1.0)
        self._show_refusal()

    def _show_refusal(self) -> None:
        refusal, lang = self._refusal, self.kiosk.lang
        if refusal is None:
            return
        if refusal.reason == "locked" or refusal.retry_after:
            left = self._locked_until - time.monotonic()
            if left <= 0:
                self._stop_ticker()
                self._refusal = None
                self.message = ""
                return
            self.message = t("refused_locked", lang, time=duration(left, lang))
            return
        key = f"refused_{refusal.reason}"
        text = t(key, lang) if key in _KNOWN else str(refusal)
        if refusal.reason == "wrong_pin" and refusal.attempts_left is not None:
            text += " " + t("attempts_left", lang, n=refusal.attempts_left)
        self.message = text

    def _stop_ticker(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None


_KNOWN = {
    N_("refused_empty"),
    N_("refused_unknown_officer"),
    N_("refused_inactive"),
    N_("refused_wrong_pin"),
    N_("refused_demo_pin"),  # the technician PIN is still the demo's (kiosk.technician)
}
