"""`kioskctl check`, the machine's side: is the kiosk's service running, is its display
up, does the system clock follow NTP. Asked of systemd with short timeouts; on a machine
without systemd (a developer's, a container) these items say so as info, not failure.
"""

from __future__ import annotations

import pwd
import shutil
import subprocess
from pathlib import Path

from kiosk.cli_logs import UNIT, service_installed
from kiosk.health import FAIL, INFO, OK, WARN, Check

PROBE_SECONDS = 5
KIOSK_USER = "kiosk"


def _run(*command: str) -> subprocess.CompletedProcess[str] | None:
    """The finished command, or None when it is missing or does not answer in time."""
    if not shutil.which(command[0]):
        return None
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=PROBE_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def service_checks() -> list[Check]:
    if not service_installed():
        return [Check("service", INFO, "not installed as a service (scripts/install-kiosk)")]
    done = _run("systemctl", "is-active", UNIT)
    state = done.stdout.strip() if done else ""
    if state == "active":
        return [Check("service", OK, f"{UNIT} active"), display_check()]
    if not state or "not been booted with systemd" in (done.stderr if done else ""):
        return [Check("service", INFO, f"{UNIT} installed; systemd is not running here")]
    hint = "kioskctl logs -n 50 says why; systemctl restart counter-kiosk"
    if state == "activating":
        # Type=notify: still starting until the first frame is drawn (or restarting).
        return [
            Check("service", WARN, f"{UNIT} starting: no first frame yet", hint),
            display_check(),
        ]
    return [Check("service", FAIL, f"{UNIT} {state}", hint)]


def display_check() -> Check:
    """The compositor's Wayland socket of the kiosk user: cage made a display."""
    try:
        uid = pwd.getpwnam(KIOSK_USER).pw_uid
    except KeyError:
        return Check("display", FAIL, f"no user {KIOSK_USER!r}", "run scripts/install-kiosk")
    sockets = sorted(Path(f"/run/user/{uid}").glob("wayland-[0-9]*"))
    sockets = [path for path in sockets if not path.name.endswith(".lock")]
    if sockets:
        return Check("display", OK, f"Wayland display {sockets[0].name} of user {KIOSK_USER}")
    return Check(
        "display",
        FAIL,
        f"no Wayland display in /run/user/{uid} (cage did not start)",
        "is the screen plugged in and on? kioskctl logs -n 50 shows cage's error",
    )


def ntp_check() -> Check | None:
    """timedatectl's NTP state, when systemd answers; None otherwise."""
    done = _run("timedatectl", "show", "--property=NTPSynchronized", "--value")
    if done is None or done.returncode != 0:
        return None
    if done.stdout.strip() == "yes":
        return Check("ntp", OK, "system clock synchronized (timedatectl)")
    return Check(
        "ntp",
        WARN,
        "system clock not synchronized with NTP (timedatectl)",
        "timedatectl set-ntp true; the kiosk needs to reach an NTP server (UDP 123)",
    )
