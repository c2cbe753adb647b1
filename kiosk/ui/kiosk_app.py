"""The Kivy application: screens wired to the `Counter` and a sync status provider.

Only `kiosk.ui.app.main` imports this module, after Kivy's environment is set.
App-level Kivy properties (language, sizes, officer, sync dot) are the view model the
.kv files bind to; screens receive the app and call the services it holds.
"""

from __future__ import annotations

import importlib
import logging
import signal
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Keyboard, Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import NoTransition

from kiosk import resources
from kiosk.counter import Counter, RatingRefused
from kiosk.phone_links import PhoneLinks
from kiosk.ratings import clean_ticket
from kiosk.ui import i18n, theme
from kiosk.ui.guard import GuardedScreenManager
from kiosk.ui.keys import KeyReader
from kiosk.ui.service_link import ServiceLink, status_line
from kiosk.ui.sounds import Sounds
from kiosk.ui.sync_status import DOT_COLOURS, NOT_CONFIGURED, NoSync, SyncService
from kiosk.ui.voice import Voice
from kiosk.ui.widgets import ServiceCorner
from sync.provisioning import looks_like_code

log = logging.getLogger(__name__)

# name -> class name in kiosk/ui/screens/<name>.py (layout in <name>.kv)
SCREENS = {
    "closed": "ClosedScreen",
    "pin": "PinScreen",
    "rate": "RateScreen",
    "waiting": "WaitingScreen",
    "reasons": "ReasonsScreen",
    "thanks": "ThanksScreen",
    "paused": "PausedScreen",
    "staff": "StaffScreen",
    "service": "ServiceScreen",
}
# Built at start, so a citizen's tap never waits for a screen to be built; the officer's
# and technician's screens are built when first shown (less memory and a faster start).
PREBUILT = ("closed", "rate", "reasons", "thanks")
ESCAPE = 27
HOME_CHECK_SECONDS = 30  # closing time, a logout by kioskctl: noticed within this


class _KeepRunning(ExceptionHandler):
    """A bug in one tap must not leave a black screen at the counter: log it, go home."""

    def __init__(self, app: KioskApp):
        self.app = app

    def handle_exception(self, exception: BaseException) -> int:
        if isinstance(exception, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        log.error("unhandled error in the UI", exc_info=exception)
        Clock.schedule_once(lambda _dt: self.app.go_home())
        return ExceptionManager.PASS


class KioskApp(App):
    lang = StringProperty("vi")
    u = NumericProperty(1.0)  # size unit, 1.0 at 1280x800 (theme.unit)
    portrait = BooleanProperty(False)
    counter_name = StringProperty("")
    department_name = StringProperty("")
    officer_name = StringProperty("")
    officer_title = StringProperty("")
    officer_department = StringProperty("")
    officer_initials = StringProperty("")
    officer_photo = StringProperty("")
    sync_state = StringProperty(NOT_CONFIGURED)
    sync_colour = ColorProperty(DOT_COLOURS[NOT_CONFIGURED])

    def __init__(
        self,
        counter: Counter,
        sync: SyncService | None = None,
        *,
        closable: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        # A kiosk at a counter ignores its window's close button; a development or demo
        # window (--windowed) closes like any other.
        self.closable = closable
        self.counter = counter
        self.settings = counter.config  # the kiosk's frozen config (App.config is Kivy's)
        self.sync: SyncService = sync or NoSync()
        self.use_kivy_settings = False
        self.title = f"Kiosk {self.settings.counter.id} — {i18n.nfc(self.settings.counter.name)}"
        self.lang = self.settings.ui.language
        self.counter_name = i18n.nfc(self.settings.counter.name)
        self.department_name = i18n.nfc(
            self.settings.counter.department_name or self.settings.counter.department
        )
        self.faces_dir = str(resources.faces_dir())
        self.turn_keycode = Keyboard.keycodes.get(self.settings.ui.turn_key.lower(), -1)
        self.sm: GuardedScreenManager | None = None
        self.keys = KeyReader(
            self._on_press,
            self._on_scan,
            Clock.schedule_once,
            clock=Clock.time,
            # Kivy looks for keys once a frame, after drawing it: the keys read in this
            # frame came after the look of the previous one, which began then.
            looked_since=lambda: Clock.get_time() - Clock.frametime,
        )
        self._exiting = False
        self.sounds = Sounds()  # loaded in build(), once
        self.voice = Voice(self.sounds, enabled=self.settings.ui.voice)
        self.systemd = ServiceLink(self.settings.counter.id)
        self.phone_links = PhoneLinks(self.settings)

    # --- Kivy lifecycle -------------------------------------------------------------

    def build(self):
        Builder.load_file(str(resources.ui_file("widgets.kv")))
        root = Builder.load_file(str(resources.ui_file("app.kv")))
        self.sm = root.ids.sm
        self.sm.transition = NoTransition()  # the next screen shows in the next frame
        for name in PREBUILT:
            self.screen(name)
        if self.settings.ui.sound:
            self.sounds.load("tap", lambda: resources.sound("tap"))
        self.voice.load()
        corner: ServiceCorner = root.ids.corner
        corner.bind(on_long_press=lambda _w: self.go("pin", mode="service"))
        ExceptionManager.add_handler(_KeepRunning(self))
        Window.bind(
            on_key_down=self._on_key_down,
            on_request_close=self._on_request_close,
            on_touch_down=self._on_any_touch,
            size=self._on_window_size,
        )
        self._on_window_size(Window, Window.size)
        self.systemd.status(status_line(self.settings.counter.id, self.sync.status()))
        self.systemd.attach(Window)
        self.sync.add_listener(
            lambda status: Clock.schedule_once(lambda _dt: self._show_sync(status))
        )
        Clock.schedule_interval(self._check_home, HOME_CHECK_SECONDS)
        # SDL turns SIGTERM into a window "quit", which the kiosk swallows; systemd's stop
        # must still end the app, so SIGTERM gets its own handler (installed after SDL's).
        signal.signal(signal.SIGTERM, lambda *_a: Clock.schedule_once(lambda _dt: self.exit_app()))
        self.go_home()
        return root

    def open_settings(self, *_args) -> bool:
        return False  # Kivy's settings panel (F1) is not for citizens

    # --- view model helpers used by the .kv files -----------------------------------

    def t(self, key: str, lang: str | None = None, **values: object) -> str:
        """``app.t('question', app.lang)`` in kv re-evaluates when the language changes."""
        if not key:  # a kv rule evaluated before its key property is set
            return ""
        return i18n.t(key, lang or self.lang, **values)

    def set_lang(self, lang: str) -> None:
        if lang in i18n.LANGUAGES and lang != self.lang:
            self.lang = lang
            if self.sm is not None and self.sm.current == "rate":
                self.voice.language_chosen(lang)

    # --- navigation -----------------------------------------------------------------

    def screen(self, name: str):
        """The screen called ``name``, built (its kv loaded) the first time it is asked for
        and kept after that."""
        if not self.sm.has_screen(name):
            Builder.load_file(str(resources.ui_file("screens", f"{name}.kv")))
            module = importlib.import_module(f"kiosk.ui.screens.{name}")
            self.sm.add_widget(getattr(module, SCREENS[name])(self, name=name))
        return self.sm.get_screen(name)

    def go(self, name: str, **kwargs: object) -> None:
        screen = self.screen(name)
        screen.prepare(**kwargs)
        if self.sm.current == name:
            screen.on_enter()  # re-entering resets its timers and typed input
        else:
            self.sm.current = name

    def home_name(self) -> str:
        """The resting screen for the counter's state: closed, paused, waiting or rate."""
        desk = self.counter.desk()
        self._show_officer(desk.officer)
        self.voice.officer_is(desk.officer.code if desk.officer else None)
        if desk.officer is None:
            return "closed"
        if desk.paused:
            return "paused"
        if self.settings.rating.mode == "per_turn" and not desk.turn_open:
            return "waiting"
        return "rate"

    def go_home(self) -> None:
        """Back to the resting screen, in the default language for the next citizen."""
        self.lang = self.settings.ui.language
        self.go(self.home_name())

    def _check_home(self, _dt: float) -> None:
        if self.sm.current in ("closed", "paused", "waiting", "rate"):
            name = self.home_name()
            if name != self.sm.current:
                self.go(name)

    def _show_officer(self, officer) -> None:
        self.officer_name = i18n.nfc(officer.full_name) if officer else ""
        self.officer_title = i18n.nfc(officer.title) if officer else ""
        self.officer_department = i18n.nfc(officer.department_name) if officer else ""
        self.officer_initials = officer.initials if officer else ""
        self.officer_photo = str(officer.photo) if officer and officer.photo else ""

    # --- services -------------------------------------------------------------------

    def rated_aloud(self) -> None:
        """A rating is stored: the same click and the same spoken thanks for every face
        (the officer must not hear the choice), each when configured."""
        if self.settings.ui.sound:
            self.sounds.play("tap")
        self.voice.rated(self.lang)

    def exit_app(self) -> None:
        log.info("exit requested (service screen or SIGTERM)")
        self._exiting = True
        self.systemd.stopping()
        self.stop()

    # --- window events --------------------------------------------------------------

    def _on_key_down(self, _window, key: int, _scancode, codepoint, modifiers) -> bool:
        # Every key is ours: Escape must not close the kiosk, F1 must not open settings.
        if key != ESCAPE and self.sm is not None:
            self.keys.feed(key, key_text(key, codepoint, modifiers))
        return True

    def _on_press(self, key: int, char: str | None) -> None:
        """A lone key (a USB keypad's button, a desk key, a keyboard)."""
        if self.sm.guarded():
            log.info("key ignored: it came just after a screen change")
            return
        self.sm.current_screen.restart_idle()
        self.sm.current_screen.on_press(key, char)

    def _on_scan(self, text: str, entered: bool = False) -> None:
        """A burst typed by a badge or ticket scanner: never a rating."""
        self.sm.current_screen.restart_idle()
        if looks_like_code(text) and self.sm.current != "service":
            # Provisioning changes the counter: only behind the technician PIN. The code
            # holds a token, so it is not logged.
            log.info("provisioning code scanned on screen %s: ignored", self.sm.current)
            return
        if not self.sm.current_screen.on_scan(text, entered):
            self.scan_at_desk(text)

    def scan_at_desk(self, text: str) -> None:
        """A badge or a ticket scanned while citizens are served. The serving officer's
        badge opens their menu (or resumes a paused counter): no PIN, so a citizen who
        guesses PINs cannot lock the officer out. Another officer's badge starts their
        login (a hand-over). A ticket opens the next turn, and the next rating carries it."""
        counter = self.counter
        desk = counter.desk()
        officer = counter.roster_officer(text)
        if officer is not None:
            if desk.officer is None or desk.officer.code != officer.code:
                self.go("pin", mode="login", code=officer.code)
            elif desk.paused:
                counter.resume_with_badge(officer.code)
                self.go_home()
            else:
                self.go("staff")
            return
        ticket = _ticket(text)
        if desk.officer is not None and not desk.paused and ticket is not None:
            try:
                counter.open_turn(ticket)
            except RatingRefused as refusal:
                log.info("turn refused: %s", refusal)
            self.go(self.home_name())  # the faces, for the citizen whose ticket it is
            return
        # Not the text: what a scanner or a quick hand typed may be a PIN or a code.
        log.info(
            "scan ignored (neither a badge of this counter nor a ticket): %d characters", len(text)
        )

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        # True swallows Alt+F4 and the window manager's close.
        return not (self._exiting or self.closable)

    def _on_any_touch(self, _window, _touch) -> None:
        if self.sm is not None:
            self.sm.current_screen.restart_idle()

    def _on_window_size(self, _window, size) -> None:
        width, height = size
        self.portrait = height > width
        self.u = theme.unit(width, height)

    def _show_sync(self, status: Any) -> None:
        self.sync_state = getattr(status, "state", NOT_CONFIGURED)
        self.sync_colour = DOT_COLOURS.get(self.sync_state, DOT_COLOURS[NOT_CONFIGURED])
        self.systemd.status(status_line(self.settings.counter.id, status))


def _ticket(text: str) -> str | None:
    try:
        return clean_ticket(text)
    except RatingRefused:
        return None


# Kivy's keycodes of the keypad digits 0..9 (a USB number pad for the faces sends these).
KEYPAD_DIGITS = {256 + digit: str(digit) for digit in range(10)}


def key_text(key: int, codepoint: str | None, modifiers: list[str]) -> str | None:
    """The character a key types, or None for Shift, F-keys, arrows and the like.

    Kivy's SDL2 window hands ``chr(keycode)`` as the codepoint of every key, so Shift
    (304) would type "İ" and F9 "Ģ": only keycodes below 256 are characters. A badge
    scanner types capitals as Shift + letter, which the modifier turns back into one.
    """
    if key in KEYPAD_DIGITS:
        return KEYPAD_DIGITS[key]
    if key >= 256 or not codepoint or len(codepoint) != 1 or not codepoint.isprintable():
        return None
    return codepoint.upper() if "shift" in modifiers else codepoint
