"""Every shipped file is found through ``kiosk.resources`` and no other module builds a path
from its own location: what keeps an installed wheel from looking for a checkout.

Fast: it reads the source and asks ``kiosk.resources`` in this interpreter; the slow
``test_wheel.py`` proves the same in a real installed wheel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import resources
from kiosk.config import DEFAULT_CONFIG, load_config
from kiosk.ui.i18n import LANGUAGES
from sync.central.settings import DEFAULT_CONFIG as CENTRAL_DEFAULT_CONFIG

REPO = Path(__file__).resolve().parents[2]
# A module that knows where it lies on disk, or climbs out of its package folder.
SOURCE_RELATIVE = re.compile(
    r"__file__|\.parent\.parent|\.parents\[|PROJECT_ROOT|os\.path\.dirname|pkg_resources"
)


def product_modules() -> list[Path]:
    return sorted(p for top in ("kiosk", "sync") for p in (REPO / top).rglob("*.py"))


def test_no_product_module_finds_files_relative_to_its_own_source() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in product_modules()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SOURCE_RELATIVE.search(line) and not line.lstrip().startswith("#")
    ]
    assert len(product_modules()) > 50, "the scan found the product's modules"
    assert offenders == [], "use kiosk.resources instead:\n" + "\n".join(offenders)


def test_the_edited_top_level_files_are_the_ones_the_package_ships() -> None:
    # The links kiosk/shipped/{assets,config} lead to the top-level folders, so an edit
    # there is what the kiosk shows, in a checkout and in the next wheel.
    assert resources.assets_dir() == REPO / "assets"
    assert resources.config_dir() == REPO / "config"
    assert DEFAULT_CONFIG == REPO / "config" / "kiosk.toml"
    assert CENTRAL_DEFAULT_CONFIG == REPO / "config" / "central.toml"
    for name in ("shipped/assets", "shipped/config"):
        link = REPO / "kiosk" / name
        assert link.is_symlink() and not Path(link.readlink()).is_absolute(), link


def test_every_face_of_the_shipped_config_and_the_tap_sound_are_found() -> None:
    config = load_config(DEFAULT_CONFIG, environ={})
    faces = {resources.face(level.face) for level in config.rating.levels}

    assert len(faces) == len(config.rating.levels) == 4
    assert all(face.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for face in faces)
    assert resources.sound("tap").read_bytes()[:4] == b"RIFF"


def test_a_face_the_installation_lacks_is_named_in_the_error() -> None:
    with pytest.raises(resources.ResourceMissing, match="face 'smiling_cat'.*smiling_cat.png"):
        resources.face("smiling_cat")


def test_every_kv_file_migration_template_and_catalog_is_found() -> None:
    assert resources.ui_file("app.kv").is_file() and resources.ui_file("widgets.kv").is_file()
    # Each screen module has its layout beside it (kiosk_app.SCREENS; not imported here:
    # it would open a Kivy window in the test process).
    screens = [p.stem for p in (REPO / "kiosk/ui/screens").glob("*.py") if p.stem[0] != "_"]
    assert len(screens) >= 9
    for screen in set(screens) - {"base"}:
        assert resources.ui_file("screens", f"{screen}.kv").is_file(), screen
    for migrations in (resources.kiosk_migrations(), resources.central_migrations()):
        assert (migrations / "env.py").is_file() and (migrations / "script.py.mako").is_file()
        assert len(list((migrations / "versions").glob("0*.py"))) >= 2
    assert (resources.central_templates() / "dashboard.html").is_file()
    for lang in LANGUAGES:
        assert (resources.locale_dir() / lang / "LC_MESSAGES" / "kiosk.po").is_file(), lang


def test_the_shipped_configs_example_roster_and_unit_are_found() -> None:
    for name in ("kiosk.toml", "central.toml", "example-roster.csv", "kiosk.service"):
        assert resources.config_file(name).is_file(), name
