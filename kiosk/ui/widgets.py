"""Reusable widgets: text that shrinks to fit, big buttons, face buttons, the keypad,
reason chips, the sync dot, the officer avatar and the hidden service corner."""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior, ToggleButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.ui import theme
from kiosk.ui.i18n import label_of


class FitLabel(Label):
    """A wrapping label whose font shrinks (never grows) until the text fits its box, but
    never below ``theme.MIN_TEXT``: text that still does not fit is cut to the lines that
    do, the last one ending in "…" (a long name stays readable, not tiny)."""

    max_font_size = NumericProperty(30)
    min_font_size = NumericProperty(theme.MIN_TEXT)

    def __init__(self, **kwargs):
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        self.bind(
            size=self._fit_trigger,
            text=self._fit_trigger,
            max_font_size=self._fit_trigger,
            bold=self._fit_trigger,
        )
        self._fit_trigger()

    def _fit(self, *_args) -> None:
        if self.width <= 1 or self.height <= 1:
            return
        self.shorten, self.max_lines = False, 0
        self.text_size = (self.width, None)
        size = max(self.min_font_size, self.max_font_size)
        self.font_size = size
        self.texture_update()
        while size > self.min_font_size and self._overflows():
            size = max(self.min_font_size, size * 0.9)
            self.font_size = size
            self.texture_update()
        if self._overflows():
            lines = int(self.height // (self.font_size * self.line_height * 1.25))
            if lines <= 1:  # one line: Kivy ends it in "…"
                self.shorten, self.shorten_from = True, "right"
                self.text_size = (self.width, self.height)
            else:
                self.max_lines = lines
            self.texture_update()

    def _overflows(self) -> bool:
        return self.texture_size[1] > self.height or self.texture_size[0] > self.width + 1


class BigButton(ButtonBehavior, FitLabel):
    """A labelled button; ``kind`` is primary (filled), secondary (outlined) or quiet."""

    kind = StringProperty("primary")
    radius = NumericProperty(16)
    border_width = NumericProperty(2)


class FaceButton(ButtonBehavior, BoxLayout):
    """One rating face with its label. The press colour appears on touch-down, in the
    next frame, before anything is stored; the rating itself happens on release."""

    value = NumericProperty(0)
    source = StringProperty("")
    label = StringProperty("")
    dimmed = BooleanProperty(False)
    label_size = NumericProperty(30)
    border_width = NumericProperty(2)


class Keypad(GridLayout):
    """A large on-screen keypad. ``letters`` swaps the digits for A-Z (officer codes
    may have letters); every key press fires ``on_key`` with "0".."9", "A".."Z",
    "del", "abc" or "123"."""

    letters = BooleanProperty(False)
    allow_letters = BooleanProperty(True)
    key_font = NumericProperty(40)

    __events__ = ("on_key",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rebuild_trigger = Clock.create_trigger(self._rebuild, -1)
        self.bind(letters=self._rebuild_trigger, allow_letters=self._rebuild_trigger)
        self._rebuild_trigger()

    def _rebuild(self, *_args) -> None:
        self.clear_widgets()
        if self.letters:
            self.cols = 7
            keys = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["123", "del"]
        else:
            self.cols = 3
            switch = "abc" if self.allow_letters else ""
            keys = [*"123456789", switch, "0", "del"]
        for key in keys:
            if not key:
                self.add_widget(Widget())
                continue
            button = KeypadKey(key=key)
            button.bind(on_release=lambda b: self.dispatch("on_key", b.key))
            self.add_widget(button)

    def on_key(self, key: str) -> None:
        pass


class KeypadKey(ButtonBehavior, FitLabel):
    key = StringProperty("")


class Chip(ToggleButtonBehavior, FitLabel):
    """A reason the citizen can toggle; selection inverts the colours and adds a tick
    mark drawn as a shape, so it shows without relying on colour."""

    code = StringProperty("")


class StatusDot(Widget):
    """The small sync dot; ``colour`` comes from the sync state."""

    colour = ColorProperty((0.55, 0.55, 0.55, 1))


class Avatar(Widget):
    """The officer's photo when there is one, else their initials in a circle."""

    photo = StringProperty("")
    initials = StringProperty("")

    def on_photo(self, _instance, value: str) -> None:
        if value and not Path(value).is_file():
            self.photo = ""


class ServiceCorner(Widget):
    """An invisible square in a corner: holding it for ``hold_seconds`` fires
    ``on_long_press``. It never consumes the touch, so what lies beneath still works."""

    hold_seconds = NumericProperty(5.0)
    _event = ObjectProperty(None, allownone=True)

    __events__ = ("on_long_press",)

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos) and not touch.is_mouse_scrolling:
            self._cancel()
            touch.grab(self)
            self._event = Clock.schedule_once(self._fire, self.hold_seconds)
        return False

    def on_touch_move(self, touch) -> bool:
        if touch.grab_current is self and not self.collide_point(*touch.pos):
            self._cancel()
        return False

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            self._cancel()
        return False

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _fire(self, _dt: float) -> None:
        self._event = None
        self.dispatch("on_long_press")

    def on_long_press(self) -> None:
        pass


class FaceRow(GridLayout):
    """The configured faces, highest first, in reading order (key k = k-th face).
    Landscape: one row; portrait: two columns, so each face stays large."""

    levels = ListProperty([])
    lang = StringProperty("vi")
    faces_dir = StringProperty("")
    dimmed = BooleanProperty(False)
    portrait = BooleanProperty(False)
    label_size = NumericProperty(30)

    __events__ = ("on_face",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        trigger = Clock.create_trigger(self._rebuild, -1)
        self.bind(levels=trigger, faces_dir=trigger)
        self.bind(lang=self._relabel, dimmed=self._relabel, label_size=self._relabel)
        self.bind(portrait=self._arrange, levels=self._arrange)
        trigger()

    def _arrange(self, *_args) -> None:
        count = max(1, len(self.levels))
        self.cols = (count + 1) // 2 if self.portrait and count > 2 else count

    def _rebuild(self, *_args) -> None:
        self.clear_widgets()
        self._arrange()
        for level in self.levels:
            button = FaceButton(
                value=level.value, source=str(Path(self.faces_dir) / f"{level.face}.png")
            )
            button.bind(on_release=lambda b: self.dispatch("on_face", b.value))
            self.add_widget(button)
        self._relabel()

    def _relabel(self, *_args) -> None:
        by_value = {level.value: level for level in self.levels}
        for button in self.children:
            button.label = label_of(by_value[button.value], self.lang)
            button.dimmed = self.dimmed
            button.disabled = self.dimmed
            button.label_size = self.label_size

    def on_face(self, value: int) -> None:
        pass
