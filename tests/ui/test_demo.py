"""`scripts/demo` as a developer runs it, under a real X server (Xvfb): the central in the
background and the kiosk window. However the demo ends (Ctrl+C, a SIGTERM, the kiosk
ending, even a SIGKILL of the script), both processes end with it, and no central is left
listening on the port for the next run to trip over."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import in_process
from tests.ui.xserver import start_xvfb, wait_for

pytestmark = [pytest.mark.ui, pytest.mark.slow, pytest.mark.display]

REPO = Path(__file__).resolve().parent.parent.parent
DEMO = REPO / "scripts" / "demo"
# Generous: the first run sets up the center, and a loaded 2-core machine starts Kivy slowly.
START_TIMEOUT = 300
STOP_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens there: a new central could start on it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def children(pid: int) -> dict[int, str]:
    """The direct children of ``pid``, with their command lines."""
    try:
        pids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return {}
    found = {}
    for child in map(int, pids):
        with contextlib.suppress(OSError):  # it ended meanwhile
            found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


@dataclass
class Demo:
    process: subprocess.Popen
    port: int
    folder: Path
    output: Path
    display: str
    seen: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def central_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False

    def kiosk_in_main_loop(self) -> bool:
        log = self.folder / "kiosk" / "logs" / "kiosk.log"
        return log.exists() and "main loop" in log.read_text(encoding="utf-8", errors="replace")

    def find(self, name: str) -> int | None:
        """The pid of the demo's child whose command is ``name`` (centralctl, kiosk)."""
        for pid, command in children(self.process.pid).items():
            if f"/.venv/bin/{name} " in command:
                self.seen[name] = pid
                return pid
        return None

    def wait_until_up(self) -> tuple[int, int]:
        """Wait for the central's /healthz and the kiosk's main loop; (central, kiosk) pids."""
        up = wait_for(
            lambda: (
                self.process.poll() is not None  # ended: no use waiting
                or (
                    self.central_answers()
                    and self.kiosk_in_main_loop()
                    and self.find("centralctl")
                    and self.find("kiosk")
                )
            ),
            START_TIMEOUT,
        )
        assert up and self.process.poll() is None, f"the demo did not come up:\n{self.log()}"
        return self.seen["centralctl"], self.seen["kiosk"]

    def wait_until_ended(self) -> int:
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the demo did not end:\n{self.log()}")

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")[-4000:]

    def assert_all_gone(self) -> None:
        """No child of this demo runs any more, and the port is free again."""
        left = {name: pid for name, pid in self.seen.items() if running(pid)}
        assert not left, f"still running after the demo ended: {left}\n{self.log()}"
        assert not self.central_answers()
        assert port_is_free(self.port), f"something still listens on {self.port}"


def launch(display: str, work: Path) -> Demo:
    """Start ``scripts/demo`` in its own process group, as a terminal would start it, with
    its state in work/demo and a port of its own."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KIOSK", "CENTRAL", "KIVY", "DEMO_", "WAYLAND"))
    }
    folder = work / "demo"
    output = work / "demo.out"
    env.update(DISPLAY=display, DEMO_PORT=str(free_port()), DEMO_DIR=str(folder))
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [str(DEMO)],
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Demo(process, int(env["DEMO_PORT"]), folder, output, display)


def clean_up(demo: Demo) -> None:
    """A failed test must not leave a demo (or its children) behind for the next one."""
    if demo.process.poll() is None:
        os.killpg(demo.process.pid, signal.SIGKILL)
        demo.process.wait(timeout=30)
    for pid in demo.seen.values():
        if running(pid):
            os.kill(pid, signal.SIGKILL)


@dataclass
class FirstRun:
    demo: Demo
    status: int


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    """A first ``scripts/demo`` from nothing (it sets up the center and provisions the
    kiosk), ended with Ctrl+C once both were up. The other tests start from a copy of the
    state it left, as a developer's second run does: the set-up is a dozen processes,
    and it is tested here and in the cut-short test."""
    server, display = start_xvfb()
    demo = launch(display, tmp_path_factory.mktemp("first-run"))
    try:
        demo.wait_until_up()
        os.killpg(demo.process.pid, signal.SIGINT)  # what Ctrl+C in its terminal sends
        yield FirstRun(demo, demo.wait_until_ended())
    finally:
        clean_up(demo)
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def start_demo(xserver: str, tmp_path: Path) -> Iterator[Callable[[], Demo]]:
    """Start the demo with its state in tmp_path/demo (what is there already is kept)."""
    started: list[Demo] = []

    def start() -> Demo:
        started.append(launch(xserver, tmp_path))
        return started[-1]

    yield start
    for demo in started:
        clean_up(demo)


@pytest.fixture
def demo(start_demo: Callable[[], Demo], first_run: FirstRun, tmp_path: Path) -> Demo:
    """A second run of the demo: the state of the first one, on another port."""
    logs = shutil.ignore_patterns("*.log")
    shutil.copytree(first_run.demo.folder, tmp_path / "demo", symlinks=True, ignore=logs)
    return start_demo()


def test_ctrl_c_stops_the_central_and_the_kiosk_of_a_first_run(first_run: FirstRun):
    assert first_run.status == 130, first_run.demo.log()
    first_run.demo.assert_all_gone()
    assert (first_run.demo.folder / "provisioned").exists()
    assert "setting up the center (first run)" in first_run.demo.log()


def test_sigterm_to_the_demo_stops_the_central_and_the_kiosk(demo: Demo):
    demo.wait_until_up()
    assert "first run" not in demo.log(), "a second run on another port sets up nothing"

    os.killpg(demo.process.pid, signal.SIGTERM)

    assert demo.wait_until_ended() == 143
    demo.assert_all_gone()


def test_when_the_kiosk_ends_the_demo_ends_and_takes_the_central_with_it(demo: Demo):
    _central, kiosk = demo.wait_until_up()

    os.kill(kiosk, signal.SIGTERM)  # as its service screen's Exit, or a kill, ends it

    demo.wait_until_ended()
    demo.assert_all_gone()


def test_even_a_killed_demo_leaves_no_central_listening(demo: Demo):
    demo.wait_until_up()

    demo.process.kill()  # SIGKILL: the script runs no trap at all
    demo.process.wait(timeout=STOP_TIMEOUT)

    assert wait_for(lambda: not any(running(pid) for pid in demo.seen.values()), STOP_TIMEOUT), (
        demo.log()
    )
    demo.assert_all_gone()


def test_a_first_run_cut_short_is_set_up_again_from_nothing(
    start_demo: Callable[[], Demo], tmp_path: Path
):
    # Ctrl+C after the center got its counter Q07, before the kiosk was provisioned.
    env = {**os.environ, "CENTRAL__STORAGE__DATA_DIR": str(tmp_path / "demo" / "central")}
    for command in (["init"], ["department", "add", "CA", "Công an tỉnh"],
                    ["counter", "add", "Q07", "--department", "CA"]):  # fmt: skip
        assert in_process.centralctl(*command, env=env).returncode == 0

    demo = start_demo()
    demo.wait_until_up()

    os.killpg(demo.process.pid, signal.SIGINT)
    assert demo.wait_until_ended() == 130
    assert (demo.folder / "provisioned").exists()


def test_the_titled_kiosk_window_going_away_ends_the_demo_with_the_central(demo: Demo):
    _central, kiosk = demo.wait_until_up()
    display = {"DISPLAY": demo.display}
    windows = subprocess.run(
        ["xdotool", "search", "--pid", str(kiosk)],
        env=display,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split()
    assert windows, "the kiosk has no window"
    # By the window's process (_NET_WM_PID): this xdotool's --name search misses UTF-8 titles.
    titles = {
        subprocess.run(
            ["xdotool", "getwindowname", window],
            env=display,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        for window in windows
    }
    assert titles == {"Kiosk Q07 — Quầy 07"}, "titled with the counter id and name"

    subprocess.run(["xdotool", "windowclose", windows[0]], env=display, timeout=60, check=True)

    demo.wait_until_ended()
    demo.assert_all_gone()
