"""Gettext catalogs by domain and language: the one loader of translated text.

A catalog is ``<package>/locale/<lang>/LC_MESSAGES/<domain>.po``, edited by translators
(Poedit or any text editor); the wheel also carries the compiled ``.mo`` beside it
(``setup.py`` compiles at build). A source checkout that never compiled its catalogs,
or whose ``.po`` was edited since, is read from the ``.po``, compiled in memory by Babel,
so an edit shows at the next start without a build step.

A leaf module: it imports nothing else from ``kiosk``, so the central's dashboard can use
it without the kiosk's services or Kivy.
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib.resources.abc import Traversable
from pathlib import Path

from kiosk import resources


@functools.cache
def translations(domain: str, lang: str, package: str = "kiosk") -> gettext.NullTranslations:
    """The catalog ``domain`` of ``package`` in ``lang`` ("vi", "en"); loaded once, then
    cached. A language without a catalog gets ``NullTranslations`` (each msgid as is)."""
    folder = resources.locale_dir(package) / lang / "LC_MESSAGES"
    mo, po = folder / f"{domain}.mo", folder / f"{domain}.po"
    if mo.is_file() and not _newer(po, mo):
        with mo.open("rb") as compiled:
            return gettext.GNUTranslations(compiled)
    if po.is_file():
        return _compiled_in_memory(po, domain, lang)
    return gettext.NullTranslations()


def _newer(po: Traversable, mo: Traversable) -> bool:
    """True when the .po was edited after the .mo was compiled (a developer's checkout)."""
    if not (isinstance(po, Path) and isinstance(mo, Path) and po.is_file()):
        return False
    return po.stat().st_mtime > mo.stat().st_mtime


def _compiled_in_memory(po: Traversable, domain: str, lang: str) -> gettext.GNUTranslations:
    # Babel is needed only here, in a checkout without compiled catalogs.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=lang, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy or empty translations are left out, as pybabel does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
