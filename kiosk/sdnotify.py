"""systemd's notify protocol (sd_notify(3)): tell the service manager the kiosk is ready,
alive (the watchdog) and what it is doing, in a few lines instead of a C binding.

A datagram to the AF_UNIX socket named in ``NOTIFY_SOCKET``; a name starting with ``@``
is in the abstract namespace. Without ``NOTIFY_SOCKET`` (a shell, a test, the demo)
every call does nothing: the kiosk behaves the same with or without systemd.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


def notify(*fields: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``fields`` (e.g. ``"READY=1"``, ``"STATUS=..."``) as one message; True when sent.

    Never raises: a service manager that went away must not take the counter's screen
    with it, so a failed send is logged and forgotten."""
    address = (os.environ if environ is None else environ).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    payload = "\n".join(field.replace("\n", " ") for field in fields).encode("utf-8")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(payload, address)
    except OSError as exc:
        log.warning("systemd notification %r not sent: %s", fields, exc)
        return False
    return True


def watchdog_seconds(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog period systemd expects (``WATCHDOG_USEC``), or None when it has none.

    ``WATCHDOG_PID`` is deliberately not compared with our pid, as sd_watchdog_enabled(3)
    does: the unit's main process is the cage compositor and the kiosk is its child, so
    the pid systemd names is cage's; the unit's NotifyAccess=all lets the child feed it."""
    env = os.environ if environ is None else environ
    if not env.get("NOTIFY_SOCKET"):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1_000_000 if usec > 0 else None
