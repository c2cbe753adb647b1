"""Where the files the product ships live: the one module that knows.

Everything is found through ``importlib.resources``, so a checkout, the editable install
of ``.venv`` and an installed wheel find the same files the same way; no other module
builds a path from its own location (``tests/deploy/test_resources.py`` keeps it so).

Faces, sounds and the default configs are edited at the top level (``assets/``,
``config/``), as the design card fixes. One mechanism brings them into the package:
``kiosk/shipped/assets`` and ``kiosk/shipped/config`` are relative symlinks to those
folders. In a checkout Python follows the links; when a wheel is built, setuptools copies
the files they point at (``[tool.setuptools.package-data]`` names ``shipped/...``), so
the installed package holds real files at the same place. No copy step, no second tree.

A leaf module: it imports nothing from ``kiosk`` or ``sync``, so the central and the
kiosk's entry point can use it before anything else is loaded.

Paths, not ``Traversable``s: Kivy, Alembic and Jinja read files by name, and a package
installed by pip is always a folder on disk. ``ResourceMissing`` says which file of the
installation is absent instead of a traceback deep inside Kivy or Alembic.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SHIPPED = "shipped"  # kiosk/shipped/{assets,config}: the symlinks described above


class ResourceMissing(Exception):
    """A file the installation should carry is not there (a broken or partial install)."""


def package_dir(package: str) -> Path:
    """The folder of an importable package (``"kiosk.ui"``, ``"sync.central"``)."""
    folder = resources.files(package)
    if not isinstance(folder, Path):
        raise ResourceMissing(f"{package} is not installed as a folder on disk ({folder!r})")
    return folder


def _existing(path: Path, what: str) -> Path:
    # resolve(): in a checkout the link's target, so messages (and the config's relative
    # paths) name the top-level file that is edited, not the link beside the code.
    if not path.exists():
        raise ResourceMissing(f"{what} is missing from the installation: {path}")
    return path.resolve()


def assets_dir() -> Path:
    """The shipped ``assets/`` folder (faces/, sounds/, voice/)."""
    return _existing(package_dir("kiosk") / SHIPPED / "assets", "the assets folder")


def face(name: str) -> Path:
    """The picture of a rating face, ``assets/faces/<name>.png``."""
    return _existing(assets_dir() / "faces" / f"{name}.png", f"the face {name!r}")


def faces_dir() -> Path:
    return _existing(assets_dir() / "faces", "the faces folder")


def sound(name: str) -> Path:
    """A sound, ``assets/sounds/<name>.wav``."""
    return _existing(assets_dir() / "sounds" / f"{name}.wav", f"the sound {name!r}")


def voice(lang: str, name: str) -> Path:
    """A spoken prompt, ``assets/voice/<lang>/<name>.wav`` (rendered by scripts/make_voice;
    ``<name>.txt`` beside it holds the words it says)."""
    return _existing(assets_dir() / "voice" / lang / f"{name}.wav", f"the voice {lang}/{name!r}")


def config_dir() -> Path:
    """The shipped ``config/`` folder: default configs, example roster, systemd units."""
    return _existing(package_dir("kiosk") / SHIPPED / "config", "the config folder")


def config_file(name: str) -> Path:
    """A shipped config file: ``kiosk.toml``, ``central.toml``, ``example-roster.csv``,
    ``kiosk.service``. Where it does not exist yet the path is still returned (not
    resolved through ``_existing``), so loading it reports "file not found" by name."""
    path = package_dir("kiosk") / SHIPPED / "config" / name
    return path.resolve() if path.exists() else path


def kiosk_migrations() -> Path:
    """Alembic's script folder of the kiosk's local database."""
    return _existing(package_dir("kiosk.migrations"), "the kiosk's migrations")


def central_migrations() -> Path:
    """Alembic's script folder of the central's database."""
    return _existing(package_dir("sync.central.migrations"), "the central's migrations")


def ui_file(*parts: str) -> Path:
    """A Kivy language file of the kiosk's UI: ``ui_file("app.kv")``,
    ``ui_file("screens", "rate.kv")``."""
    return _existing(package_dir("kiosk.ui").joinpath(*parts), f"the UI file {'/'.join(parts)}")


def central_templates() -> Path:
    """The dashboard's Jinja templates."""
    return _existing(package_dir("sync.central") / "templates", "the dashboard's templates")


def locale_dir(package: str = "kiosk") -> Path:
    """``<package>/locale``: ``<lang>/LC_MESSAGES/<domain>.po`` (and ``.mo`` in a wheel).
    Not checked here: a package without catalogs shows its message ids (kiosk.catalogs)."""
    return package_dir(package) / "locale"
