"""Drive the real kiosk app without a screen: real MotionEvents (touch down / up at a
widget's window position) and real key events, frame by frame.

Used by tests/ui (in a subprocess: a stopped App closes its window), by
scripts/screenshots and by the UI benchmarks. Call `start` before anything imports Kivy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig
from kiosk.ui.app import prepare_kivy, setup_logging
from kiosk.ui.keys import SETTLE_SECONDS

SHIFT = 304  # Kivy's keycode of the left Shift key
# A frame this long holds back keys longer than BURST_GAP_SECONDS and SETTLE_SECONDS.
STALL_SECONDS = 0.15


def start(
    config: KioskConfig,
    size: tuple[int, int] = (1280, 800),
    sync: Any = None,
    sync_for: Callable[[Any], Any] | None = None,
) -> Robot:
    """Open the counter and build the app in a window of ``size``; return its robot.
    ``sync``: the sync service; or ``sync_for(counter)`` makes one on the counter's store,
    as the entry point does (``kiosk.ui.app.start_sync``)."""
    data_dir = config.storage.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_logging(data_dir / "logs")
    prepare_kivy(data_dir, fullscreen=False, size=size)
    from kiosk.counter import Counter
    from kiosk.ui.kiosk_app import KioskApp

    counter = Counter.open(config=config)
    if sync_for is not None:
        sync = sync_for(counter)
    app = KioskApp(counter, sync)
    app._run_prepare()  # App.run() without its blocking loop: the robot turns the loop
    robot = Robot(app)
    robot.frames(3)
    robot.wait(lambda: not app.sm.guarded(), what="the first screen to take input")
    return robot


class Robot:
    def __init__(self, app: Any):
        from kivy.base import EventLoop
        from kivy.core.window import Window

        self.app = app
        self.loop = EventLoop
        self.window = Window

    # --- time -----------------------------------------------------------------------

    def frames(self, count: int = 1) -> None:
        for _ in range(count):
            self.loop.idle()

    def run_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.loop.idle()

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        """Turn frames until ``predicate()``; generous default for slow shared machines."""
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise TimeoutError(f"waited {timeout}s for {what or predicate}")
            self.loop.idle()

    def wait_screen(self, name: str, timeout: float = 30.0, to_touch: bool = True) -> None:
        """Until screen ``name`` shows and takes input, as a person would wait to see it
        (input just after a screen change is ignored on purpose: kiosk.ui.guard).
        ``to_touch=False``: only until it is shown and laid out, to look at it."""
        self.wait(lambda: self.screen == name, timeout, f"screen {name!r} (at {self.screen!r})")
        self.frames(2)  # let its layout settle before touching it
        if to_touch:
            self.wait(lambda: not self.app.sm.guarded(), timeout, "the screen to take input")

    @property
    def screen(self) -> str:
        return self.app.sm.current

    # --- finding widgets ------------------------------------------------------------

    def widgets(self, root: Any = None) -> Iterator[Any]:
        yield from (root or self.app.sm.current_screen).walk(restrict=True)

    def find(self, kind: str, text: str | None = None, **attrs: Any) -> Any:
        """The first widget of class ``kind`` on the current screen with this text/attrs."""
        for widget in self.widgets():
            if type(widget).__name__ != kind:
                continue
            if text is not None and getattr(widget, "text", None) != text:
                continue
            if all(getattr(widget, key, None) == value for key, value in attrs.items()):
                return widget
        raise LookupError(f"no {kind} text={text!r} {attrs} on screen {self.screen!r}")

    # --- input ----------------------------------------------------------------------

    def touch_down(self, widget: Any) -> Any:
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        return touch

    def touch_up(self, touch: Any) -> None:
        touch.touch_up()
        self.frames(1)

    def tap(self, widget: Any) -> None:
        self.touch_up(self.touch_down(widget))

    def hold(self, widget: Any, seconds: float) -> None:
        touch = self.touch_down(widget)
        self.run_for(seconds)
        self.touch_up(touch)

    def key(self, keycode: int, char: str | None = None, modifiers: list[str] | None = None):
        """One key pressed by a person, as Kivy's SDL2 window delivers it: the codepoint
        is ``chr(keycode)`` for every key, Shift (304) and F9 (290) included, so the app
        must not take it for text blindly. Waits until the app has taken it as a press."""
        self._send_key(keycode, char, modifiers)
        self.run_for(SETTLE_SECONDS + 0.1)

    def press_keys(self, text: str, enter: bool = True) -> None:
        """A person typing on a keyboard: one key at a time, then Enter."""
        for char in text:
            self.key(ord(char.lower()), char.lower(), ["shift"] if char.isupper() else [])
        if enter:
            self.key(13)

    def type(self, text: str, enter: bool = True, stall_after: int | None = None) -> None:
        """What a badge or ticket scanner does (a USB keyboard to the computer), at its
        speed: the whole code within one frame, Shift pressed as a key of its own before a
        capital, then Enter. ``stall_after``: the kiosk's frame stalls (a slow draw, a
        busy machine) once that many characters are read; the rest is read after it."""
        for n, char in enumerate(text):
            if n == stall_after:
                from kivy.clock import Clock  # Kivy is set up by now (prepare_kivy)

                Clock.schedule_once(lambda _dt: time.sleep(STALL_SECONDS))
                self.frames(2)  # the stalled frame, then the next, before its poll
            if char.isupper():
                self._send_key(SHIFT, None, ["shift"])
                self._send_key(ord(char.lower()), char.lower(), ["shift"])
            else:
                self._send_key(ord(char), char)
        if enter:
            self._send_key(13)
        self.run_for(SETTLE_SECONDS + 0.1)

    def _send_key(self, keycode: int, char: str | None = None, modifiers: list[str] | None = None):
        codepoint = char if char is not None else chr(keycode)
        self.window.dispatch("on_key_down", keycode, 0, codepoint, modifiers or [])
        self.window.dispatch("on_key_up", keycode, 0)

    # --- output ---------------------------------------------------------------------

    def screenshot(self, path: Path) -> None:
        """The whole window as PNG (exactly ``path``: Kivy's numbering is removed)."""
        self.frames(2)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = self.window.screenshot(name=str(path))  # writes <stem>0001.png
        Path(written).replace(path)

    def stop(self) -> None:
        self.app.stop()
        self.app.counter.close()
