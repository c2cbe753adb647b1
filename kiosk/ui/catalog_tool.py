"""The translator's and developer's tool for the kiosk's gettext catalogs
(``scripts/catalogs`` runs it; no Kivy, no kiosk services):

    scripts/catalogs extract   # kiosk/locale/kiosk.pot from the code and the .kv files
    scripts/catalogs update    # extract, then merge into every <lang>/LC_MESSAGES/kiosk.po
    scripts/catalogs compile   # .po -> .mo (the wheel build does this by itself)
    scripts/catalogs check     # exit 1 when a used key lacks a translation somewhere

What is extracted is said once, in kiosk/locale/babel.cfg: Babel's Python extractor for
.py files, and ``extract_kv`` below for the Kivy language. Message ids are keys (see
``kiosk.ui.i18n``); each Vietnamese entry carries the English text as a comment for the
translator, so Poedit shows what the key says.
"""

from __future__ import annotations

import io
import re
import string
import sys
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import IO

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk import resources

PACKAGE = resources.package_dir("kiosk")  # the checkout's kiosk/: the tool edits sources
UI_DIR = PACKAGE / "ui"
LOCALE_DIR = PACKAGE / "locale"
MAPPING = LOCALE_DIR / "babel.cfg"
TEMPLATE = LOCALE_DIR / "kiosk.pot"
DOMAIN = "kiosk"
LANGUAGES = ("vi", "en")
REFERENCE = "en"  # shown to the translators of the other languages
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}  # t('key', lang, **values): the key is the msgid
COMMENT_TAGS = ("TRANSLATORS:",)
PROJECT = "counter-kiosk"


# --- extraction ---------------------------------------------------------------------


def extract_kv(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: dict
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for the Kivy language: string literals passed first to one of the
    keywords (``app.t('key', app.lang)``, ``N_('key')``) anywhere on a line. A comment
    line ``# TRANSLATORS: ...`` just above is handed to the translator."""
    names = "|".join(re.escape(name) for name in sorted(keywords, key=len, reverse=True))
    call = re.compile(rf"(?<![\w])({names})\(\s*(['\"])((?:\\.|(?!\2).)*)\2")
    comments: list[str] = []
    for lineno, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            text = line.lstrip("#").strip()
            if any(text.startswith(tag) for tag in comment_tags) or comments:
                comments.append(text)
            continue
        for match in call.finditer(line):
            yield lineno, match.group(1), match.group(3), list(comments)
        comments = []


def extract() -> Catalog:
    """Every key the UI uses, with where it is used, as Babel finds them."""
    with MAPPING.open(encoding="utf-8") as mapping:
        parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
        method_map, options_map = parse(mapping, str(MAPPING))
    template = Catalog(project=PROJECT, domain=DOMAIN, fuzzy=False)
    found = extract_from_dir(
        str(UI_DIR),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        where = (UI_DIR / filename).relative_to(PACKAGE.parent).as_posix()
        template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


# --- catalogs -----------------------------------------------------------------------


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.is_file():
        return Catalog(locale=lang, domain=DOMAIN, project=PROJECT, fuzzy=False)
    with path.open("rb") as source:
        return read_po(source, locale=lang, domain=DOMAIN)


def write(catalog: Catalog, path: Path) -> None:
    # No line numbers: a moved line must not make a diff in every catalog.
    buffer = io.BytesIO()
    write_po(buffer, catalog, ignore_obsolete=True, include_lineno=False, width=88)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def write_template() -> Catalog:
    template = extract()
    write(template, TEMPLATE)
    print(f"{TEMPLATE.relative_to(PACKAGE.parent)}: {len(template)} keys")
    return template


def cmd_extract() -> int:
    write_template()
    return 0


def cmd_update() -> int:
    template = write_template()
    reference = None
    for lang in (REFERENCE, *(lang for lang in LANGUAGES if lang != REFERENCE)):
        catalog = read(lang)
        before = {message.id for message in catalog if message.id}
        # Keys are not sentences: guessing a translation from a similar key is wrong.
        catalog.update(template, no_fuzzy_matching=True)
        if reference is not None:
            for message in catalog:
                english = reference.get(message.id) if message.id else None
                if english is not None and english.string:
                    message.auto_comments = [
                        *template[message.id].auto_comments,
                        f"English: {english.string}",
                    ]
        write(catalog, po_path(lang))
        after = {message.id for message in catalog if message.id}
        untranslated = sorted(m.id for m in catalog if m.id and not m.string)
        print(
            f"{po_path(lang).relative_to(PACKAGE.parent)}: {len(after)} keys, "
            f"{len(after - before)} new, {len(before - after)} dropped, "
            f"{len(untranslated)} to translate{': ' if untranslated else ''}"
            + ", ".join(untranslated)
        )
        if lang == REFERENCE:
            reference = catalog
    return 0


def cmd_compile() -> int:
    for lang in LANGUAGES:
        catalog = read(lang)
        target = po_path(lang).with_suffix(".mo")
        with target.open("wb") as compiled:
            write_mo(compiled, catalog)
        print(f"{target.relative_to(PACKAGE.parent)}: compiled")
    return 0


def problems() -> list[str]:
    """What keeps the catalogs from being complete: a used key missing from a catalog,
    an empty or fuzzy translation, a key no code uses any more, {fields} that differ."""
    used = {message.id for message in extract() if message.id}
    found: list[str] = []
    reference: dict[str, str] = {}
    for lang in (REFERENCE, *(lang for lang in LANGUAGES if lang != REFERENCE)):
        catalog = read(lang)
        have = {message.id: message for message in catalog if message.id}
        found += [f"{lang}: {key!r} is used but not in the catalog" for key in used - set(have)]
        found += [f"{lang}: {key!r} is in the catalog but not used" for key in set(have) - used]
        for key, message in have.items():
            if not message.string or not str(message.string).strip():
                found.append(f"{lang}: {key!r} has no translation")
            elif message.fuzzy:
                found.append(f"{lang}: {key!r} is marked fuzzy")
            elif key in reference and fields(message.string) != fields(reference[key]):
                found.append(f"{lang}: {key!r} has other {{fields}} than {REFERENCE}")
        if lang == REFERENCE:
            reference = {key: message.string for key, message in have.items()}
    return found


def fields(text: str) -> set[str]:
    """The ``{name}`` fields a text is filled in with."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def cmd_check() -> int:
    found = problems()
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print("catalogs complete: every key used has a translation in " + ", ".join(LANGUAGES))
    return 1 if found else 0


COMMANDS = {
    "extract": cmd_extract,
    "update": cmd_update,
    "compile": cmd_compile,
    "check": cmd_check,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    return COMMANDS[args[0]]()


if __name__ == "__main__":
    sys.exit(main())
