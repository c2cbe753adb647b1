"""The kiosk's side of its systemd unit (Type=notify, WatchdogSec=): READY=1 once the
first frame is on the screen, WATCHDOG=1 from the Kivy main loop, STATUS= in words.

The watchdog is fed by a Clock callback, which runs only while the main loop turns: a
UI stuck in a call (a hung driver, a deadlock, an endless loop in a screen) stops
feeding it and systemd restarts the kiosk, as it does when the process dies. A thread
would keep feeding a frozen screen, so none is used. Without systemd all of it is inert.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kivy.clock import Clock

from kiosk import sdnotify

log = logging.getLogger(__name__)


def status_line(counter_id: str, sync: Any) -> str:
    """What ``systemctl status counter-kiosk`` shows, e.g. "counter Q07: 3 pending, sync
    error: central not reached" (``sync``: any object with state, pending, last_error)."""
    state = getattr(sync, "state", "not_configured")
    line = f"counter {counter_id}: {getattr(sync, 'pending', 0)} pending, sync {state}"
    error = getattr(sync, "last_error", None)
    return f"{line}: {error}" if state == "error" and error else line


class ServiceLink:
    def __init__(self, counter_id: str, environ: Mapping[str, str] | None = None):
        self.counter_id = counter_id
        self.environ = environ
        self.ready = False
        self._status = f"counter {counter_id}: starting"

    def attach(self, window: Any) -> None:
        """Watch for the first frame: then READY=1, and the watchdog fed from then on."""
        window.bind(on_flip=self._first_frame)

    def status(self, text: str) -> None:
        self._status = text
        if self.ready:  # before READY systemd shows "activating"; the line waits for it
            sdnotify.notify(f"STATUS={text}", environ=self.environ)

    def stopping(self) -> None:
        sdnotify.notify(
            "STOPPING=1", f"STATUS=counter {self.counter_id}: stopping", environ=self.environ
        )

    def _first_frame(self, window: Any) -> None:
        # on_flip follows on_draw: the frame has been drawn and handed to the screen.
        window.unbind(on_flip=self._first_frame)
        self.ready = True
        # Logged whether or not systemd listens: "ready" is when a technician (and a test
        # driving the window) can expect taps and keys to be taken.
        log.info("ready: first frame drawn")
        if sdnotify.notify("READY=1", f"STATUS={self._status}", environ=self.environ):
            log.info("systemd told: ready")
        period = sdnotify.watchdog_seconds(self.environ)
        if period:
            # Half the period, as sd_watchdog_enabled(3) advises: one late frame is no hang.
            Clock.schedule_interval(self._feed, period / 2)
            log.info("systemd watchdog: fed every %.1f s", period / 2)

    def _feed(self, _dt: float) -> None:
        sdnotify.notify("WATCHDOG=1", environ=self.environ)
