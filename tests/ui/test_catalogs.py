"""The catalog loader (kiosk.catalogs): compiled .mo when there is one, the .po compiled in
memory in a checkout that never compiled (or edited since), a leaf module; and a wheel
built from a clean checkout carries the compiled catalogs of both domains (the kiosk's and
the central's)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from gettext import GNUTranslations
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from kiosk.catalogs import translations

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package ``shop`` with a locale folder, as the central's will be."""
    root = tmp_path / "shop"
    (root / "locale" / "vi" / "LC_MESSAGES").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    translations.cache_clear()
    yield root
    translations.cache_clear()
    sys.modules.pop("shop", None)


def catalog(text: str) -> Catalog:
    made = Catalog(locale="vi", domain="dash", fuzzy=False)
    made.add("title", text)
    return made


def write(path: Path, text: str, kind: str, mtime: float) -> None:
    with path.open("wb") as out:
        (write_mo if kind == "mo" else write_po)(out, catalog(text))
    os.utime(path, (mtime, mtime))


def test_a_checkout_without_compiled_catalogs_reads_the_po(package: Path):
    folder = package / "locale" / "vi" / "LC_MESSAGES"
    write(folder / "dash.po", "Báo cáo", "po", 1_000)
    assert translations("dash", "vi", package="shop").gettext("title") == "Báo cáo"


def test_the_compiled_catalog_is_used_unless_the_po_was_edited_since(package: Path):
    folder = package / "locale" / "vi" / "LC_MESSAGES"
    write(folder / "dash.po", "from the po", "po", 1_000)
    write(folder / "dash.mo", "from the mo", "mo", 2_000)
    assert translations("dash", "vi", package="shop").gettext("title") == "from the mo"
    translations.cache_clear()
    os.utime(folder / "dash.po", (3_000, 3_000))  # a translator saved the .po afterwards
    assert translations("dash", "vi", package="shop").gettext("title") == "from the po"


def test_a_language_without_a_catalog_shows_the_keys(package: Path):
    assert translations("dash", "fr", package="shop").gettext("title") == "title"


def test_the_loader_is_a_leaf_the_central_can_use():
    code = (
        "import sys, kiosk.catalogs; "
        "print(sorted(m for m in sys.modules if m.startswith(('kiosk.', 'sync', 'kivy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # kiosk.resources: the leaf that says where the catalogs are (no other kiosk module).
    assert out.stdout.strip() == "['kiosk.catalogs', 'kiosk.resources']"


@pytest.mark.slow
def test_a_wheel_built_from_a_clean_checkout_carries_compiled_catalogs(tmp_path: Path):
    checkout = tmp_path / "checkout"
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "*.egg-info", "build")
    for name in ("kiosk", "sync"):
        shutil.copytree(REPO / name, checkout / name, ignore=skip)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, checkout / name)
    assert not list(checkout.rglob("*.mo"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
        + ["-w", str(tmp_path / "dist"), str(checkout)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for lang in ("vi", "en"):
        assert f"kiosk/locale/{lang}/LC_MESSAGES/kiosk.mo" in names
        assert f"sync/central/locale/{lang}/LC_MESSAGES/central.mo" in names
    assert not any(name.endswith(".po") for name in names)
    assert "sync/central/templates/dashboard.html" in names
    # The compiled catalog says what the translator wrote, as the dashboard will read it.
    with archive.open("sync/central/locale/vi/LC_MESSAGES/central.mo") as compiled:
        assert GNUTranslations(compiled).gettext("by_officer") == "Theo cán bộ"
    for package in ("kiosk", "sync/central"):
        compiled_in_source = list(checkout.glob(f"{package}/locale/*/LC_MESSAGES/*.mo"))
        assert not compiled_in_source, "source tree untouched"
