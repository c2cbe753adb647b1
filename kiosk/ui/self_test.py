"""`kiosk --self-test`: start the real app off-screen and prove this installation can serve
a counter, before an update switches to it.

What it proves, in order: the config loads; the database it points at (``[storage]
data_dir``, usually a copy of the live one made by the update script) opens and migrates
to this version's schema; every configured face, the tap sound (and the spoken prompts
when ``[ui] voice`` is on) and the UI's catalogs are in the installation; the real
`KioskApp` builds its screens and draws its first frame with the faces loaded as textures.
Then it prints ONE line on stdout and exits: 0 with ``kiosk self-test: ok: ...`` (what
was checked), 1 with ``kiosk self-test: FAILED: ...``.

It must never show a window on the counter's screen nor touch any folder but the data
folder it is given: SDL renders off-screen (whatever DISPLAY or WAYLAND_DISPLAY say),
Kivy's home is a temporary folder, no syncer starts (a copy must not send ratings), the
log goes to ``<data_dir>/logs/self-test.log``, and C libraries' noise on stderr goes there
too, so the caller reads one line. A deadline ends it even when the GL driver hangs.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gettext
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk import resources
from kiosk.config import ConfigError, KioskConfig, load_config

# Well under the minute an update script may wait, on a slow machine; a healthy start
# draws its first frame in a few seconds (llvmpipe, 2 loaded cores).
DEADLINE_SECONDS = 45.0
# After the deadline, the Python watchdog prints the line; faulthandler (a C thread, which
# needs no GIL) ends a process stuck in a driver call that holds it.
HARD_DEADLINE_SECONDS = DEADLINE_SECONDS + 10
PREFIX = "kiosk self-test:"


class SelfTestFailed(Exception):
    """One check failed; the message says which and why, in one line."""


def run(config_path: str | None, size: tuple[int, int]) -> int:
    """The whole self-test; returns the exit code after printing its one line."""
    started = time.monotonic()
    watchdog = threading.Timer(DEADLINE_SECONDS, _give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        summary = _check(config_path, size, started)
    except SelfTestFailed as exc:
        return _report(f"FAILED: {exc}", 1)
    except Exception as exc:  # whatever breaks, the caller reads one line, not a traceback
        return _report(f"FAILED: {type(exc).__name__}: {exc}", 1)
    finally:
        watchdog.cancel()
    return _report(f"ok: {summary} ({time.monotonic() - started:.1f} s)", 0)


def _report(text: str, code: int) -> int:
    print(f"{PREFIX} {' '.join(text.split())}", flush=True)
    return code


def _give_up() -> None:
    # From the timer thread, whatever the main thread is stuck in (a migration, the driver).
    _report(f"FAILED: not done within {DEADLINE_SECONDS:.0f} s (see logs/self-test.log)", 1)
    os._exit(1)


def _check(config_path: str | None, size: tuple[int, int], started: float) -> str:
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise SelfTestFailed(f"configuration: {'; '.join(exc.problems)}") from None
    faces = _shipped_files(config)
    log_dir = config.storage.data_dir / "logs"
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SelfTestFailed(f"data folder {config.storage.data_dir}: {exc}") from None
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-self-test-") as home,
        _stderr_into(log_dir / "self-test.log") as (log_file, errors),
    ):
        faulthandler.dump_traceback_later(HARD_DEADLINE_SECONDS, exit=True, file=log_file)
        try:
            database = _open_database(config)
            try:
                drawn = _first_frame(database.counter, Path(home), size, started)
            finally:
                database.counter.close()
        finally:
            faulthandler.cancel_dump_traceback_later()
    if errors:
        # The app keeps running past an error in a callback (kiosk_app._KeepRunning); a
        # version that logs one while starting is not fit to take over the counter.
        raise SelfTestFailed(f"error while starting: {_describe(errors[0])}")
    return (
        f"config {config.config_path}; {database.summary}; {faces};"
        f" first frame {size[0]}x{size[1]} drawn with {drawn} faces{_pin_warning(config)}"
    )


def _pin_warning(config: KioskConfig) -> str:
    """A technician PIN anyone can read is said loudly but fails nothing: the self-test
    gates updates, and refusing an update would keep the older version, which may still
    accept that PIN. This version's service screen refuses it (kiosk.technician)."""
    from kiosk import technician

    known = technician.shipped_pin(config)
    if known is None or config.service.demo:
        return ""
    return (
        f"; WARNING: the technician PIN is the demo's {known}: the service screen refuses it;"
        f" {technician.fix(config)}"
    )


def _shipped_files(config: KioskConfig) -> str:
    """The installation carries every file the configured screens need."""
    from kiosk.catalogs import translations
    from kiosk.ui.i18n import DOMAIN, LANGUAGES
    from kiosk.ui.voice import PROMPTS

    try:
        for level in config.rating.levels:
            resources.face(level.face)
        resources.sound("tap")
        if config.ui.voice:  # the app would carry on silently; an update must not
            for lang in LANGUAGES:
                for name in PROMPTS:
                    resources.voice(lang, name)
        for name in ("app.kv", "widgets.kv"):
            resources.ui_file(name)
    except resources.ResourceMissing as exc:
        raise SelfTestFailed(str(exc)) from None
    for lang in LANGUAGES:
        if not isinstance(translations(DOMAIN, lang, "kiosk"), gettext.GNUTranslations):
            raise SelfTestFailed(
                f"the {lang!r} catalog is missing from {resources.locale_dir('kiosk')}"
            )
    sounds = "sound, spoken prompts" if config.ui.voice else "sound"
    return f"faces, {sounds} and catalogs ({', '.join(LANGUAGES)}) from {resources.assets_dir()}"


class _Database:
    def __init__(self, counter: Any, summary: str):
        self.counter = counter
        self.summary = summary


def _open_database(config: KioskConfig) -> _Database:
    """Open (and so migrate) the database as the app does at every start."""
    from kiosk.counter import Counter
    from kiosk.store import StoreError, schema_revision

    path = config.db_path
    before = _revision_of(path)
    try:
        counter = Counter.open(config=config)
    except StoreError as exc:
        raise SelfTestFailed(f"database: {exc}") from None
    current, head = schema_revision(counter.store.engine)
    if current != head:
        counter.close()
        raise SelfTestFailed(f"database {path}: schema {current} after migrating, not {head}")
    if before is None:
        summary = f"database {path} created at schema {head}"
    elif before == head:
        summary = f"database {path} at schema {head}"
    else:
        summary = f"database {path} migrated {before} -> {head}"
    if counter.store.set_aside:
        summary += f" (damaged database set aside: {counter.store.set_aside})"
    return _Database(counter, summary)


def _revision_of(path: Path) -> str | None:
    """The schema revision before migrating, read-only; None when there is none yet."""
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path.absolute()}?mode=ro", uri=True, timeout=10)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None  # opening it says what is wrong, in the app's words
    return row[0] if row else None


def _first_frame(counter: Any, home: Path, size: tuple[int, int], started: float) -> int:
    """Build the real app off-screen and turn its loop until a frame has been drawn after
    every face's texture was loaded; return how many faces it shows."""
    from kiosk.ui.app import prepare_kivy

    # Off-screen whatever the session says: the self-test runs beside the live kiosk. And
    # silent: SDL's dummy audio loads the configured sounds as the counter does, without
    # taking the live kiosk's sound card, nor failing on a machine that has none.
    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    # Run by an update inside a systemd service, it must not tell systemd that this
    # service is ready or alive: that is the real kiosk's word (sd_notify).
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        os.environ.pop(name, None)
    prepare_kivy(home, fullscreen=False, size=size)
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.uix.image import Image

    from kiosk.ui.kiosk_app import KioskApp
    from kiosk.ui.widgets import FaceButton

    app = KioskApp(counter, None, closable=True)
    frames_after_faces: list[int] = []
    expected = len(counter.config.rating.levels)

    def loaded_faces() -> int:
        buttons = [w for w in app.screen("rate").walk() if isinstance(w, FaceButton)]
        images = [c for b in buttons for c in b.children if isinstance(c, Image)]
        return sum(1 for image in images if image.source and image.texture is not None)

    def on_flip(*_args: Any) -> None:
        if app.sm is not None and not frames_after_faces and loaded_faces() == expected:
            frames_after_faces.append(1)

    Window.bind(on_flip=on_flip)
    try:
        app._run_prepare()  # App.run() without its blocking loop, as kiosk.ui.testing does
        while not frames_after_faces:
            if time.monotonic() - started > DEADLINE_SECONDS - 5:
                raise SelfTestFailed(
                    f"no frame with the faces drawn: {loaded_faces()} of {expected} faces"
                    f" loaded after {DEADLINE_SECONDS - 5:.0f} s"
                )
            EventLoop.idle()
    finally:
        app.stop()
    return expected


class _Errors(logging.Handler):
    """Collects the records logged at ERROR or worse."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        text += f": {type(error).__name__}: {error}"
    return text


@contextlib.contextmanager
def _stderr_into(path: Path) -> Iterator[tuple[Any, list[logging.LogRecord]]]:
    """Logging and file descriptor 2 (SDL, Mesa) into ``path`` while the app runs; yields
    the file and the list of error records logged meanwhile."""
    with path.open("w", encoding="utf-8") as log_file:
        handler = logging.StreamHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        errors = _Errors()
        root = logging.getLogger()
        root.addHandler(handler)
        root.addHandler(errors)
        root.setLevel(logging.INFO)
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(log_file.fileno(), 2)
        try:
            yield log_file, errors.records
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            root.removeHandler(handler)
            root.removeHandler(errors)
