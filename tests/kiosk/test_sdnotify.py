"""systemd's notify protocol over a real datagram socket, as systemd listens on it."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

from kiosk import sdnotify


def test_a_message_reaches_a_socket_named_by_its_path():
    # A short folder: AF_UNIX paths are limited to 107 bytes, pytest's tmp_path may not be.
    with tempfile.TemporaryDirectory(prefix="notify-") as folder:
        path = str(Path(folder) / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
            listener.bind(path)
            listener.settimeout(10)
            sent = sdnotify.notify(
                "READY=1", "STATUS=counter Q07: 3\npending", environ={"NOTIFY_SOCKET": path}
            )
            assert sent
            # One field a line: a newline inside a value must not make a second field.
            assert listener.recv(4096) == b"READY=1\nSTATUS=counter Q07: 3 pending"


def test_without_systemd_nothing_is_sent_and_no_watchdog_is_fed():
    assert sdnotify.notify("READY=1", environ={}) is False
    assert sdnotify.watchdog_seconds({"WATCHDOG_USEC": "30000000"}) is None


def test_a_vanished_service_manager_is_no_error():
    gone = {"NOTIFY_SOCKET": "@counter-kiosk-test-nobody-listens-here"}
    assert sdnotify.notify("WATCHDOG=1", environ=gone) is False


def test_the_watchdog_period_is_read_from_watchdog_usec():
    env = {"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}
    # WATCHDOG_PID names cage, the unit's main process; the kiosk (its child) still feeds.
    assert sdnotify.watchdog_seconds(env) == 30.0
    assert sdnotify.watchdog_seconds({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "0"}) is None
    assert sdnotify.watchdog_seconds({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "x"}) is None
