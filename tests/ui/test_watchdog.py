"""The installed `kiosk` command under systemd's notify protocol, with a real datagram
socket standing in for systemd: READY=1 once the first frame is drawn, WATCHDOG=1 from the
main loop while it turns, and no more of it once the process is frozen (what makes
systemd restart a hung kiosk); logs go to the journal's stream, not to a file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.ui.xserver import wait_for

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.display]

KIOSK = str(Path(sys.executable).parent / "kiosk")
WATCHDOG_SECONDS = 2.0  # the kiosk feeds it every second


class NotifySocket:
    """What systemd listens on: an abstract AF_UNIX datagram socket (``@name``)."""

    def __init__(self) -> None:
        self.name = f"counter-kiosk-test-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.messages: list[tuple[float, str]] = []

    @property
    def address(self) -> str:
        return "@" + self.name

    def receive(self, seconds: float) -> list[str]:
        """Collect messages for ``seconds``; return the ones that came."""
        came = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                break
            came.append(data.decode())
            self.messages.append((time.monotonic(), data.decode()))
        return came

    def wait_for(self, field: str, seconds: float) -> str | None:
        """The first message carrying ``field`` (e.g. READY=1), within ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.receive(min(1.0, deadline - time.monotonic())):
                if field in message.split("\n"):
                    return message
        return None

    def close(self) -> None:
        self.sock.close()


def visible_windows(display: str, pid: int) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
        env={"DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout.split()


def test_kiosk_tells_systemd_it_is_ready_and_feeds_the_watchdog_until_frozen(
    xserver, roster, ui_env, data_dir: Path, tmp_path: Path
):
    roster()
    systemd = NotifySocket()
    journal = (tmp_path / "journal-stream").open("w")
    stat = os.fstat(journal.fileno())
    env = dict(
        ui_env,
        DISPLAY=xserver,
        NOTIFY_SOCKET=systemd.address,
        WATCHDOG_USEC=str(int(WATCHDOG_SECONDS * 1_000_000)),
        # What systemd sets when the unit's stderr is the journal (StandardError=journal).
        JOURNAL_STREAM=f"{stat.st_dev}:{stat.st_ino}",
    )
    app = subprocess.Popen([KIOSK], env=env, stdout=subprocess.DEVNULL, stderr=journal)
    try:
        ready = systemd.wait_for("READY=1", 180)
        assert ready is not None, "no READY=1 from the kiosk"
        assert visible_windows(xserver, app.pid), "READY=1 before the kiosk's window was shown"
        assert "STATUS=counter Q07: 0 pending, sync not_configured" in ready.split("\n")
        before_ready = [text for _at, text in systemd.messages[:-1]]
        assert not any("WATCHDOG=1" in text for text in before_ready), before_ready

        pings = [m for m in systemd.receive(4 * WATCHDOG_SECONDS) if m == "WATCHDOG=1"]
        # Every half period (8 here) on an idle machine; a loaded one may drop a few frames.
        assert len(pings) >= 4, systemd.messages

        app.send_signal(signal.SIGSTOP)  # a hung main loop: nothing is drawn, nothing fed
        time.sleep(0.5)  # a datagram already on its way is not a sign of life
        systemd.receive(0.1)
        # Two whole periods: systemd would have restarted it.
        assert systemd.receive(2 * WATCHDOG_SECONDS) == [], "fed while frozen"

        app.send_signal(signal.SIGCONT)
        assert systemd.wait_for("WATCHDOG=1", 60), "the thawed kiosk does not feed again"

        app.terminate()  # systemctl stop: the kiosk says it is stopping, then exits
        assert systemd.wait_for("STOPPING=1", 60), "no STOPPING=1 on SIGTERM"
        assert app.wait(timeout=60) == 0
    finally:
        app.send_signal(signal.SIGCONT)
        app.terminate()
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(timeout=30)
        systemd.close()
        journal.close()

    # The journal's stream got the log, with priorities and without timestamps (journald
    # adds its own); no log file was written beside the database.
    lines = (tmp_path / "journal-stream").read_text(encoding="utf-8").splitlines()
    assert "<6>kiosk.ui: kiosk starting: counter Q07, data " + str(data_dir) in lines
    assert "<6>kiosk.ui.service_link: ready: first frame drawn" in lines
    assert "<6>kiosk.ui.service_link: systemd told: ready" in lines
    assert not (data_dir / "logs" / "kiosk.log").exists()


def test_kiosk_outside_systemd_sends_nothing_and_logs_to_its_file(
    xserver, roster, ui_env, data_dir: Path
):
    roster()
    env = dict(ui_env, DISPLAY=xserver, JOURNAL_STREAM="1:2")  # an inherited, stale value
    env.pop("NOTIFY_SOCKET", None)
    app = subprocess.Popen(
        [KIOSK], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    log = data_dir / "logs" / "kiosk.log"
    try:
        assert wait_for(lambda: log.exists() and "main loop" in log.read_text(), 180)
    finally:
        app.terminate()
        _out, err = app.communicate(timeout=30)
    assert "kiosk starting: counter Q07" in log.read_text()
    assert "systemd told" not in log.read_text()
    assert "kiosk starting" not in err
