"""Everything about the package is in pyproject.toml; this file only adds one build step:
the gettext catalogs of both domains (kiosk/locale/<lang>/LC_MESSAGES/kiosk.po and
sync/central/locale/<lang>/LC_MESSAGES/central.po) are compiled to .mo in the build, and
the wheel carries the .mo only (the .po are sources, in the sdist). Nothing is written
into the source tree; an editable install reads the .po directly (kiosk.catalogs
compiles them in memory)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# The packages whose locale/ folder holds catalogs (kiosk.catalog_tool.DOMAINS).
CATALOG_PACKAGES = ("kiosk", "sync/central")


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            self.compile_catalogs()

    def compile_catalogs(self) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        catalogs = [
            po
            for package in CATALOG_PACKAGES
            for po in sorted(ROOT.glob(f"{package}/locale/*/LC_MESSAGES/*.po"))
        ]
        for po in catalogs:
            lang = po.parent.parent.name
            with po.open("rb") as source:
                catalog = read_po(source, locale=lang, domain=po.stem)
            target = Path(self.build_lib) / po.relative_to(ROOT).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as compiled:
                write_mo(compiled, catalog)
            # Only the .mo: a .po beside it would look newer to kiosk.catalogs once
            # installed (installers stamp files with the time they write them).
            target.with_suffix(".po").unlink(missing_ok=True)
            print(f"compiled {po.relative_to(ROOT)} -> {target}")


setup(cmdclass={"build_py": BuildWithCatalogs})
