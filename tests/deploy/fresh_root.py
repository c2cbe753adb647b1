"""A fresh Debian bookworm root for the install tests, and the wheels they install.

The root comes from ``scripts/fresh-debian --unpack`` (mmdebstrap's minbase, cached per
day; inside CI's own root, the cached tarball bound in read-only), gets the installers
(``scripts/`` and ``config/``) at ``/root/counter-kiosk``, and every command runs in it
with ``scripts/fresh-debian --in``: chroot, /proc /sys /dev, pip's local folders. Where
no root can be made (not root, no mmdebstrap, no cache) the tests skip, or fail when
KIOSK_TESTS_EXPECT has ``fresh-root``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.expected import unavailable

CHECKOUT = Path(__file__).resolve().parents[2]
FRESH_DEBIAN = CHECKOUT / "scripts" / "fresh-debian"
# Not part of a build: what a developer's checkout carries beside the source.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache",
    "var", "data", "screenshots",
)  # fmt: skip
INSTALLERS = "/root/counter-kiosk"


@dataclass
class FreshRoot:
    path: Path

    def run(self, script: str, check: bool = True, timeout: float = 900) -> str:
        """Run a bash script as root in the root; its output (stdout and stderr)."""
        result = subprocess.run(
            [str(FRESH_DEBIAN), "--in", str(self.path), "bash", "-euo", "pipefail", "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = result.stdout + result.stderr
        # pip's warnings about the local indexes it skips say nothing about the product.
        output = "\n".join(
            line for line in output.splitlines() if not line.startswith("WARNING: Location")
        )
        if check and result.returncode != 0:
            raise AssertionError(f"exit {result.returncode} in the fresh root:\n{script}\n{output}")
        return output

    def put(self, source: Path, inside: str) -> str:
        """Copy a file into the root; its path there."""
        target = self.path / inside.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        return inside

    def listing(self, *folders: str) -> dict[str, str]:
        """Path -> mode, owner, and content hash or link target, of everything under the
        folders: two equal listings mean nothing there changed."""
        found: dict[str, str] = {}
        for folder in folders:
            top = self.path / folder.lstrip("/")
            for path in [top, *sorted(top.rglob("*"))] if top.exists() else []:
                info = path.lstat()
                if path.is_symlink():
                    what = "-> " + os.readlink(path)
                elif path.is_file():
                    what = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    what = "dir"
                key = "/" + str(path.relative_to(self.path))
                found[key] = f"{info.st_mode:o} {info.st_uid}:{info.st_gid} {what}"
        return found


def make_root(where: Path) -> FreshRoot:
    if os.geteuid() != 0:
        unavailable("fresh-root", "a fresh Debian root needs root (chroot and mounts)")
    result = subprocess.run(
        [str(FRESH_DEBIAN), "--unpack", str(where)], capture_output=True, text=True, timeout=900
    )
    if result.returncode == 3:
        unavailable("fresh-root", result.stderr.strip().splitlines()[-1])
    assert result.returncode == 0, result.stderr
    for folder in ("scripts", "config"):
        shutil.copytree(CHECKOUT / folder, where / INSTALLERS.lstrip("/") / folder, symlinks=True)
    seed_apt(where)
    return FreshRoot(where)


def seed_apt(where: Path) -> None:
    """Give the root this machine's package lists and downloaded packages (hard links:
    no copy), so the installers' apt-get fetches only what this machine lacks. It changes
    nothing of what they do: apt-get update still runs, apt checks every file it uses."""
    lists = Path("/var/lib/apt/lists")
    for item in lists.glob("*_*"):
        if item.is_file():
            shutil.copy2(item, where / "var/lib/apt/lists" / item.name)
    archives = where / "var/cache/apt/archives"
    for package in Path("/var/cache/apt/archives").glob("*.deb"):
        # Another file system, or already there: apt downloads it as usual.
        with contextlib.suppress(OSError):
            os.link(package, archives / package.name)


def build_wheel(out: Path, version: str | None = None, broken: bool = False) -> Path:
    """The wheel of a copy of this checkout: as it is, with another version number, or
    with a module that cannot be imported (a build that cannot start)."""
    source = out / f"source-{version or 'checkout'}"
    shutil.copytree(CHECKOUT, source, symlinks=True, ignore=NOT_SOURCE)
    if version:
        pyproject = source / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        text, count = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1)
        assert count == 1, "pyproject.toml has no version line"
        pyproject.write_text(text, encoding="utf-8")
    if broken:
        with (source / "kiosk" / "ui" / "kiosk_app.py").open("a", encoding="utf-8") as module:
            module.write('\nraise ImportError("this build is broken on purpose")\n')
    wheels = out / f"wheels-{version or 'checkout'}"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("counter_kiosk-*.whl")
    return wheel
