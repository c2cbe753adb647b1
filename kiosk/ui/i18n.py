"""Every string the citizen, officer or technician reads, looked up in the gettext
catalogs of the domain ``kiosk`` (kiosk/locale/<lang>/LC_MESSAGES/kiosk.po), and the
numbers, times and durations shown with them, formatted for the language by Babel.

Message ids are stable keys ("question", "closed_title"), not English text: a .kv rule
reads ``app.t('question', app.lang)``, and a reworded English sentence changes no code
and leaves the Vietnamese translation in place. English is a catalog like Vietnamese.
Extraction (``scripts/catalogs``) finds keys written as ``t('key')``, ``app.t('key')``
or ``N_('key')``; a key chosen at run time must appear once as ``N_('key')``. One
literal per call: Babel reads ``t('a' if x else 'b')`` as the one key "ab"; write
``t('a') if x else t('b')`` (``scripts/catalogs check`` catches it).

Strings are normalised to NFC once, here, so precomposed Vietnamese letters reach the
font: Roboto draws "ệ" as one glyph, but a decomposed "ê" + dot may stack badly.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from datetime import datetime, tzinfo

from babel.dates import format_datetime
from babel.numbers import format_decimal

from kiosk.catalogs import translations

log = logging.getLogger(__name__)

LANGUAGES = ("vi", "en")
DOMAIN = "kiosk"
FALLBACK = "en"  # a key missing from a catalog shows in English, never as a key
# Babel's English times put U+202F (narrow no-break space) before "PM"; Roboto has no
# glyph for it, so it becomes an ordinary no-break space.
_NARROW_NBSP = "\u202f"


def N_(key: str) -> str:  # noqa: N802 (the gettext convention, which extractors know)
    """Marks ``key`` for extraction where it is looked up later, under another name."""
    return key


def t(key: str, lang: str = "vi", **values: object) -> str:
    """The string ``key`` in ``lang`` ('vi' or 'en'), with ``{name}`` fields filled in.
    Integers are written as the language writes them (12.345 in Vietnamese)."""
    text = _lookup(key, lang if lang in LANGUAGES else LANGUAGES[0])
    if not values:
        return text
    return text.format(**{name: _shown(value, lang) for name, value in values.items()})


@functools.cache
def _lookup(key: str, lang: str) -> str:
    for source in dict.fromkeys((lang, FALLBACK)):
        if _has(source, key):
            if source != lang:
                log.warning("no %s text for %r in the catalogs: shown in English", lang, key)
            return nfc(translations(DOMAIN, source).gettext(key))
    log.warning("no text for %r in the catalogs", key)
    return key


def _has(lang: str, key: str) -> bool:
    # An English text may equal its key ("never"), so only the catalog itself can say
    # whether the key is in it (GNUTranslations keeps it in _catalog; Django and Babel
    # read it the same way).
    return key in getattr(translations(DOMAIN, lang), "_catalog", {})


def _shown(value: object, lang: str) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value, lang)
    return value


def number(value: float, lang: str) -> str:
    """``value`` as the language writes numbers: 12.345 / 12,345; 0,5 / 0.5."""
    return format_decimal(value, locale=lang)


def moment(when: datetime, lang: str, zone: tzinfo) -> str:
    """A time in the counter's time zone ``zone``, as the language writes it:
    "16:50:24 27 thg 11, 2026" / "Nov 27, 2026, 4:50:24 PM". Naive times are UTC."""
    shown = format_datetime(when, "medium", tzinfo=zone, locale=lang)
    return shown.replace(_NARROW_NBSP, "\u00a0")


def nfc(text: str | None) -> str:
    """Text from config or the roster, normalised before it is drawn."""
    return unicodedata.normalize("NFC", text or "")


def label_of(item: object, lang: str) -> str:
    """The label of a configured level or reason in ``lang`` (``label_vi`` / ``label_en``)."""
    return nfc(getattr(item, "label_en" if lang == "en" else "label_vi"))


def duration(seconds: float, lang: str) -> str:
    """How long a lockout still lasts, rounded up to the second: "4 phút 30 giây",
    "5 phút", "45 giây" ("4 min 30 s", "5 min", "45 s")."""
    total = max(0, int(seconds + 0.999))
    minutes, secs = divmod(total, 60)
    if minutes and secs:
        return t("minutes_seconds", lang, m=minutes, s=secs)
    if minutes:
        return t("minutes", lang, m=minutes)
    return t("seconds", lang, s=secs)
