"""The central's words in Vietnamese (the default) and English, looked up in the gettext
catalogs of the domain ``central`` (sync/central/locale/<lang>/LC_MESSAGES/central.po),
and the language each reader gets.

Message ids are stable keys ("title", "by_department"), as in the kiosk's catalogs
(kiosk.ui.i18n): Python reads ``t("title", lang)``, a template ``_("title")`` (Jinja2's
i18n extension, fed by :func:`words`). Extraction (``scripts/catalogs``) finds keys written
as ``t("key")``, ``_("key")`` or ``N_("key")``; a key chosen at run time must appear once
as ``N_("key")``. Figures in a sentence are written by locale_format before they are filled
in. The loader is the kiosk's leaf module kiosk.catalogs, which imports nothing else.
"""

from __future__ import annotations

import functools
import gettext
import logging
import unicodedata

from kiosk.catalogs import translations

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DOMAIN = "central"
PACKAGE = "sync.central"  # the catalogs are its package data: sync/central/locale
FALLBACK = "en"  # a key missing from a catalog shows in English, never as a key


def N_(key: str) -> str:  # noqa: N802 (the gettext convention, which extractors know)
    """Marks ``key`` for extraction where it is looked up later, under another name."""
    return key


def t(key: str, lang: str, **values: object) -> str:
    """The text ``key`` in ``lang`` ("vi" or "en"), with ``{name}`` fields filled in."""
    text = _lookup(key, lang if lang in LANGUAGES else LANGUAGES[0])
    return text.format(**values) if values else text


@functools.cache
def _lookup(key: str, lang: str) -> str:
    for source in dict.fromkeys((lang, FALLBACK)):
        catalog = translations(DOMAIN, source, package=PACKAGE)
        # An English text may equal its key, so only the catalog can say it has the key.
        if key in getattr(catalog, "_catalog", {}):
            if source != lang:
                log.warning("no %s text for %r in the catalogs: shown in English", lang, key)
            return unicodedata.normalize("NFC", catalog.gettext(key))
    log.warning("no text for %r in the catalogs", key)
    return key


class Words(gettext.NullTranslations):
    """The catalog of one language as Jinja2's i18n extension takes it
    (``install_gettext_translations``): ``_("key")`` in a template is ``t("key", lang)``,
    so a template and the Python code look words up the one same way."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang

    def gettext(self, message: str) -> str:
        return t(message, self.lang)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        # Keys, not sentences: Vietnamese has one form; a key that needs two says so itself.
        return t(msgid1 if n == 1 else msgid2, self.lang)


@functools.cache
def words(lang: str) -> Words:
    return Words(lang if lang in LANGUAGES else LANGUAGES[0])


def _known(code: str) -> str | None:
    code = code.split(";")[0].strip().lower()[:2]
    return code if code in LANGUAGES else None


def pick_language(requested: str | None, accept_language: str | None = None) -> str:
    """``?lang=`` wins, then the browser's first known language, else Vietnamese."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        if known := _known(part):
            return known
    return "vi"


def error_language(
    authorization: str | None,
    logged_in: bool,
    requested: str | None,
    accept_language: str | None,
) -> str:
    """The language of an error answer. A script (Bearer token) reads the documented
    English; a browser reads what the dashboard would show it: ``?lang=``, then its
    languages, then Vietnamese for a dashboard user; anyone else English."""
    if authorization:
        return "en"
    if requested in LANGUAGES or any(_known(part) for part in (accept_language or "").split(",")):
        return pick_language(requested, accept_language)
    return "vi" if logged_in else "en"
