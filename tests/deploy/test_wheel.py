"""The product as a technician installs it: a wheel built from this checkout, installed into
a new venv outside it, run from another folder with nothing pointing back at the checkout.

Slow: it builds the wheel (from a copy of the checkout, so no stale ``build/`` of the
developer's ends up in it) and installs it with its dependencies from the package index
(pip's cache makes a second run quicker). One venv serves every test of this module.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

REPO = Path(__file__).resolve().parents[2]
# Folders of a developer's checkout that are not sources (at the top level only).
NOT_SOURCES = {".git", ".venv", "build", "dist", "var", "data", "screenshots", ".pytest_cache"}
INSTALL_TIMEOUT = 900  # Kivy, FastAPI, psycopg... from the index on a slow, shared machine
RUN_TIMEOUT = 120


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    work: Path  # the folder the commands run in: neither the checkout nor the venv

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def env(self, **variables: str) -> dict[str, str]:
        """The environment of a technician's shell: nothing of the developer's venv,
        checkout or kiosk variables; a home of its own."""
        keep = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("KIOSK", "CENTRAL", "KIVY", "SDL_", "PYTHON", "VIRTUAL_ENV"))
        }
        path = [p for p in keep.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO))]
        return {**keep, "PATH": os.pathsep.join(path), "HOME": str(self.work / "home"), **variables}

    def run(self, *command: str, **variables: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.bin(command[0]), *command[1:]],
            cwd=self.work,
            env=self.env(**variables),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )


def copy_of_checkout(target: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        top = NOT_SOURCES if Path(folder) == REPO else set()
        return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info")}

    shutil.copytree(REPO, target, symlinks=True, ignore=ignore)
    return target


def pip(python: Path | str, *args: str, cwd: Path) -> None:
    done = subprocess.run(
        [str(python), "-m", "pip", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, (
        f"pip {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    root = tmp_path_factory.mktemp("wheel")
    source = copy_of_checkout(root / "source")
    pip(sys.executable, "wheel", "--no-deps", "--quiet", "--wheel-dir", str(root / "dist"),
        str(source), cwd=root)  # fmt: skip
    (wheel,) = (root / "dist").glob("counter_kiosk-*.whl")
    shutil.rmtree(source)  # nothing of the build is left to be found by accident
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=RUN_TIMEOUT)
    pip(venv / "bin" / "python", "install", "--quiet", f"{wheel}[kiosk,central]", cwd=root)
    (site_packages,) = (venv / "lib").glob("python3.*/site-packages")
    work = root / "work"
    (work / "home").mkdir(parents=True)
    yield Installed(wheel, venv, site_packages, work)


def shipped_in_checkout() -> set[str]:
    """The wheel's names of every file the product ships, listed from the checkout."""
    names = {f"kiosk/shipped/assets/{p.relative_to(REPO / 'assets').as_posix()}"
             for p in (REPO / "assets").rglob("*") if p.is_file()}  # fmt: skip
    names |= {f"kiosk/shipped/config/{p.name}" for p in (REPO / "config").iterdir() if p.is_file()}
    for pattern in ("kiosk/**/*.kv", "kiosk/migrations/**/*.py", "kiosk/migrations/*.mako",
                    "sync/central/migrations/**/*.py", "sync/central/migrations/*.mako",
                    "sync/central/templates/*"):  # fmt: skip
        names |= {p.relative_to(REPO).as_posix() for p in REPO.glob(pattern) if p.is_file()}
    names |= {p.relative_to(REPO).with_suffix(".mo").as_posix()
              for p in REPO.glob("kiosk/locale/*/LC_MESSAGES/*.po")}  # fmt: skip
    return names


def test_the_wheel_carries_every_face_sound_config_kv_migration_template_and_catalog(
    installed: Installed,
) -> None:
    expected = shipped_in_checkout()
    with zipfile.ZipFile(installed.wheel) as wheel:
        listed = set(wheel.namelist())

    assert {"kiosk/shipped/assets/faces/very_satisfied.png", "kiosk/shipped/config/kiosk.toml",
            "kiosk/ui/screens/rate.kv", "kiosk/locale/vi/LC_MESSAGES/kiosk.mo",
            "sync/central/migrations/versions/0001_initial.py"} <= expected  # fmt: skip
    assert sorted(expected - listed) == []


def test_the_installed_package_holds_real_files_and_never_names_the_checkout(
    installed: Installed,
) -> None:
    checkout = str(REPO).encode()
    files = [p for top in ("kiosk", "sync") for p in (installed.site_packages / top).rglob("*")]
    assert len(files) > 100

    assert [p for p in files if p.is_symlink()] == []
    assert [p for p in files if p.is_file() and checkout in p.read_bytes()] == []
    assert (installed.site_packages / "kiosk/shipped/assets/faces/neutral.png").stat().st_size > 0


def test_importlib_resources_finds_every_file_inside_the_installed_package(
    installed: Installed,
) -> None:
    script = """if True:
        import json
        from kiosk import resources
        from kiosk.config import DEFAULT_CONFIG, load_config
        from sync.central.settings import DEFAULT_CONFIG as CENTRAL
        from kiosk.ui.i18n import LANGUAGES
        config = load_config()
        found = [str(resources.face(level.face)) for level in config.rating.levels]
        found += [str(resources.sound("tap")), str(DEFAULT_CONFIG), str(CENTRAL)]
        found += [str(resources.config_file(n)) for n in ("example-roster.csv", "kiosk.service")]
        found += [str(resources.ui_file("screens", "rate.kv")), str(resources.ui_file("app.kv"))]
        found += [str(resources.kiosk_migrations() / "env.py")]
        found += [str(resources.central_migrations() / "env.py")]
        found += [str(resources.central_templates() / "dashboard.html")]
        found += [str(resources.locale_dir() / l / "LC_MESSAGES" / "kiosk.mo") for l in LANGUAGES]
        print(json.dumps(found))
    """
    done = installed.run("python", "-c", script)
    assert done.returncode == 0, done.stderr

    found = [Path(p) for p in json.loads(done.stdout)]
    assert len(found) == 16
    outside = [p for p in found if not p.is_relative_to(installed.site_packages)]
    assert outside == []
    assert [p for p in found if not p.is_file()] == []


def test_the_installed_kiosk_passes_its_self_test_from_another_folder(
    installed: Installed,
) -> None:
    data_dir = installed.work / "kiosk-data"

    done = installed.run("kiosk", "--self-test", KIOSK__STORAGE__DATA_DIR=str(data_dir))

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("kiosk self-test: ok: "), done.stdout
    assert f"from {installed.site_packages / 'kiosk' / 'shipped' / 'assets'}" in done.stdout
    assert "drawn with 4 faces" in done.stdout
    assert (data_dir / "kiosk.db").is_file()


def test_kioskctl_sets_up_a_counter_with_the_shipped_default_config(
    installed: Installed,
) -> None:
    data = {"KIOSK__STORAGE__DATA_DIR": str(installed.work / "kioskctl-data")}
    roster = installed.site_packages / "kiosk" / "shipped" / "config" / "example-roster.csv"

    init = installed.run("kioskctl", "init", **data)
    imported = installed.run("kioskctl", "roster", "import", str(roster), **data)
    status = installed.run("kioskctl", "status", **data)

    assert init.returncode == 0, init.stderr
    assert imported.returncode == 0 and "imported 5 officers" in imported.stdout, imported.stderr
    assert status.returncode == 0, status.stderr
    assert "Q07 Quầy 07" in status.stdout and "0 pending" in status.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_centralctl_runs_the_central_on_a_new_sqlite_database(installed: Installed) -> None:
    data = {"CENTRAL__STORAGE__DATA_DIR": str(installed.work / "central-data")}

    assert installed.run("centralctl", "--help").returncode == 0
    assert installed.run("centralctl", "init", **data).returncode == 0
    added = installed.run("centralctl", "department", "add", "CA", "Công an tỉnh", **data)
    counter = installed.run("centralctl", "counter", "add", "Q07", "--department", "CA", **data)
    report = installed.run("centralctl", "report", "--by", "department", "--format", "json",
                           **data)  # fmt: skip

    assert added.returncode == 0, added.stderr
    assert counter.returncode == 0 and "token" in counter.stdout, counter.stderr
    assert report.returncode == 0 and json.loads(report.stdout)["total"]["total"] == 0
    assert (installed.work / "central-data" / "central.db").is_file()

    # The dashboard's templates come from the installed package too.
    port = free_port()
    server = subprocess.Popen(
        [installed.bin("centralctl"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=installed.work,
        env=installed.env(**data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/login", server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert page.status_code == 200 and "<form" in page.text


def wait_for_page(url: str, server: subprocess.Popen) -> requests.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.get(url, timeout=10)
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the central did not answer: {server.stderr.read()}")  # noqa: B904
            time.sleep(0.2)
