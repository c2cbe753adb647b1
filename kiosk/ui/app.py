"""Entry point of the kiosk window: `kiosk` / `python -m kiosk`.

Kivy reads its environment when first imported, so this module sets it up before any
Kivy import: no argv parsing by Kivy, its home (config.ini, icons) inside the data
folder instead of ~/.kivy, no console log, every log line into a rotated file in the
data folder; then the window: fullscreen, borderless, no cursor, Escape inert.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, KioskConfig, load_config

log = logging.getLogger("kiosk.ui")

LOG_BYTES, LOG_FILES = 2_000_000, 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk", description="The counter's touch screen.")
    parser.add_argument(
        "--config", help="config file (default: KIOSK_CONFIG, else config/kiosk.toml)"
    )
    parser.add_argument(
        "--windowed", action="store_true", help="a normal window with a cursor (development)"
    )
    parser.add_argument(
        "--size",
        default="1280x800",
        help="window size WxH with --windowed or --self-test (default 1280x800)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start off-screen on the configured data folder, draw the first frame, print"
        " one line and exit 0 when this installation can serve the counter, 1 when not",
    )
    return parser.parse_args(argv)


def window_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def under_systemd(environ: Mapping[str, str] | None = None) -> bool:
    """True when our stderr is systemd's journal: JOURNAL_STREAM names its device:inode.

    Compared with stderr itself, as systemd.exec(5) advises, since the variable is
    inherited by every descendant (a test run or a shell started from a unit must keep its
    log files); INVOCATION_ID alone says a unit runs us, not where stderr goes."""
    env = os.environ if environ is None else environ
    stream = env.get("JOURNAL_STREAM", "")
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError):  # no stderr at all
        return False
    return stream == f"{stat.st_dev}:{stat.st_ino}"


class JournalFormatter(logging.Formatter):
    """``<3>kiosk.ui: message``: journald reads the <N> as the syslog priority (so
    ``journalctl -p warning`` works) and adds the time itself."""

    PRIORITIES = (
        (logging.CRITICAL, 2),
        (logging.ERROR, 3),
        (logging.WARNING, 4),
        (logging.INFO, 6),
    )

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in self.PRIORITIES if record.levelno >= level), 7)
        # journald makes each line an entry: indented, a traceback still reads as one.
        text = super().format(record).replace("\n", "\n    ")
        return f"<{priority}>{text}"


def setup_logging(log_dir: Path, environ: Mapping[str, str] | None = None) -> None:
    """All logs (Kivy's too: KIVY_LOG_MODE=PYTHON) into <data>/logs/kiosk.log, rotated;
    under systemd to stderr, which the unit hands to journald (rotated by its own limits)."""
    if under_systemd(environ):
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_dir / "kiosk.log", maxBytes=LOG_BYTES, backupCount=LOG_FILES, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def prepare_kivy(data_dir: Path, *, fullscreen: bool, size: tuple[int, int] | None) -> None:
    """Environment and Config of Kivy; must run before kivy.core.window is imported."""
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"
    os.environ["KIVY_HOME"] = str(data_dir / "kivy")
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_enable", "0")
    # A right click must not leave Kivy's multitouch-emulation dots on the screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "0" if fullscreen else "1")
    if size and not fullscreen:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))


def start_sync(counter: Any) -> Any | None:
    """The background syncer, when the sync package provides one; None otherwise.
    Its failure to start must not keep the counter from taking ratings."""
    try:
        from sync.scheduler import Syncer
    except ImportError:
        return None
    try:
        syncer = Syncer(counter.config, counter.store)
        counter.on_rating_committed.append(syncer.push_now)
        syncer.start()
        return syncer
    except Exception:
        log.exception("sync could not start; ratings stay local until the next start")
        return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        from kiosk.ui.self_test import run

        return run(args.config, window_size(args.size))
    try:
        config: KioskConfig = load_config(args.config)
    except ConfigError as exc:
        print("kiosk: the configuration cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    data_dir = config.storage.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    fullscreen = config.ui.fullscreen and not args.windowed
    setup_logging(data_dir / "logs")  # first: Kivy logs while it is imported
    prepare_kivy(data_dir, fullscreen=fullscreen, size=window_size(args.size))

    from kiosk.counter import Counter
    from kiosk.ui.kiosk_app import KioskApp

    counter = Counter.open(config=config)
    syncer = start_sync(counter)
    log.info("kiosk starting: counter %s, data %s", config.counter.id, data_dir)
    try:
        KioskApp(counter, syncer, closable=not fullscreen).run()
    finally:
        if syncer is not None:
            syncer.shutdown()
        counter.close()
    return 0
