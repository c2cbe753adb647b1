"""Seconds from starting the `kiosk` command to its READY=1 on systemd's notify socket
(what the unit's TimeoutStartSec and scripts/update-kiosk wait for), against a bare Kivy
app that says READY=1 on its first frame, started the same way on the same display in
the same run. A real datagram socket stands in for systemd. Median of RUNS starts each.

Child mode (``kiosk_ready.py --bare``) is the bare app.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# One round in a quick run (BENCH_QUICK=1, see common.sized), three otherwise.
RUNS = int(os.environ.get("READY_BENCH_RUNS", "1" if os.environ.get("BENCH_QUICK") == "1" else "3"))
TIMEOUT = 300


def child_bare() -> int:
    from kiosk import sdnotify
    from kiosk.ui.app import prepare_kivy

    prepare_kivy(Path(os.environ["KIOSK__STORAGE__DATA_DIR"]), fullscreen=False, size=(1280, 800))
    from kivy.app import App
    from kivy.core.window import Window
    from kivy.uix.button import Button

    class Bare(App):
        def build(self):
            def first_frame(*_args):
                Window.unbind(on_flip=first_frame)
                sdnotify.notify("READY=1")

            Window.bind(on_flip=first_frame)
            return Button(text="Bare window")

    Bare().run()
    return 0


def seconds_to_ready(command: list[str], env: dict[str, str]) -> float:
    name = f"kiosk-ready-bench-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(TIMEOUT)
        started = time.monotonic()
        child = subprocess.Popen(
            command,
            env={**env, "NOTIFY_SOCKET": "@" + name},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while b"READY=1" not in listener.recv(4096).split(b"\n"):
                pass
            return time.monotonic() - started
        finally:
            child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def main() -> int:
    if sys.argv[1:] == ["--bare"]:
        return child_bare()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    from common import emit, serving_counter
    from ui_kiosk import x_display

    kiosk = str(Path(sys.executable).parent / "kiosk")
    with tempfile.TemporaryDirectory(prefix="ready-bench-") as tmp, x_display() as display:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK")}
        if display:
            env["DISPLAY"] = display
        env.update(
            {
                "KIVY_NO_ARGS": "1",
                "KIVY_NO_CONSOLELOG": "1",
                "KIVY_HOME": str(Path(tmp) / "kivy"),
                "KIOSK__STORAGE__DATA_DIR": tmp,
                "KIOSK__COUNTER__CLOSING_TIME": '""',
                "KIOSK__CENTRAL__URL": '""',
                "PYTHONPATH": str(ROOT),
            }
        )
        serving_counter(env).close()  # an officer logged in: the kiosk starts on the faces
        bare, ready = [], []
        for _ in range(RUNS):  # interleaved, so a change in the machine's load hits both
            bare.append(seconds_to_ready([sys.executable, __file__, "--bare"], env))
            ready.append(seconds_to_ready([kiosk], env))
    emit("kiosk_start_to_ready", statistics.median(ready), "s", statistics.median(bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
