"""The translator's and developer's tool for the gettext catalogs of both domains
(``scripts/catalogs`` runs it; no Kivy, no kiosk services, no web service):

    scripts/catalogs update  [DOMAIN...]  # extract, then merge into every <lang>/.../DOMAIN.po
    scripts/catalogs check   [DOMAIN...]  # exit 1 when a used key lacks a translation somewhere
    scripts/catalogs extract [DOMAIN...]  # only <package>/locale/DOMAIN.pot
    scripts/catalogs compile [DOMAIN...]  # .po -> .mo (the wheel build does this by itself)

DOMAIN is ``kiosk`` (the kiosk's screens, kiosk/locale) or ``central`` (the dashboard and
the central's answers, sync/central/locale); none means both. What is extracted is said
once per domain, in its ``locale/babel.cfg``: Babel's Python extractor, Jinja2's for the
dashboard's templates, and ``extract_kv`` below for the Kivy language. Message ids are
keys; each Vietnamese entry carries the English text as a comment for the translator, so
Poedit shows what the key says.
"""

from __future__ import annotations

import io
import re
import string
import sys
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk import resources

# The checkout (the tool edits sources, never an installed copy).
ROOT = resources.package_dir("kiosk").parent
LANGUAGES = ("vi", "en")
REFERENCE = "en"  # shown to the translators of the other languages
# t('key', lang, **values) and N_('key'): the key is the msgid; _('key') in templates.
KEYWORDS = {**DEFAULT_KEYWORDS, "t": None}
COMMENT_TAGS = ("TRANSLATORS:",)
PROJECT = "counter-kiosk"


@dataclass(frozen=True)
class Domain:
    """One gettext domain: where its catalogs are and which code uses its keys."""

    name: str
    package: Path  # holds locale/babel.cfg, locale/<name>.pot, locale/<lang>/LC_MESSAGES
    sources: Path  # the folder extraction walks (babel.cfg's patterns are relative to it)

    @property
    def locale(self) -> Path:
        return self.package / "locale"

    @property
    def mapping(self) -> Path:
        return self.locale / "babel.cfg"

    @property
    def template(self) -> Path:
        return self.locale / f"{self.name}.pot"

    def po_path(self, lang: str) -> Path:
        return self.locale / lang / "LC_MESSAGES" / f"{self.name}.po"


KIOSK = Domain("kiosk", ROOT / "kiosk", ROOT / "kiosk" / "ui")
CENTRAL = Domain("central", ROOT / "sync" / "central", ROOT / "sync" / "central")
DOMAINS = {domain.name: domain for domain in (KIOSK, CENTRAL)}


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


def extract(domain: Domain) -> Catalog:
    """Every key the domain's code uses, with where it is used, as Babel finds them."""
    with domain.mapping.open(encoding="utf-8") as mapping:
        parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
        method_map, options_map = parse(mapping, str(domain.mapping))
    template = Catalog(project=PROJECT, domain=domain.name, fuzzy=False)
    found = extract_from_dir(
        str(domain.sources),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        where = (domain.sources / filename).relative_to(ROOT).as_posix()
        template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


# --- catalogs -----------------------------------------------------------------------


def read(domain: Domain, lang: str) -> Catalog:
    path = domain.po_path(lang)
    if not path.is_file():
        return Catalog(locale=lang, domain=domain.name, project=PROJECT, fuzzy=False)
    with path.open("rb") as source:
        return read_po(source, locale=lang, domain=domain.name)


def write(catalog: Catalog, path: Path) -> None:
    # No line numbers: a moved line must not make a diff in every catalog.
    buffer = io.BytesIO()
    write_po(buffer, catalog, ignore_obsolete=True, include_lineno=False, width=88)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def write_template(domain: Domain) -> Catalog:
    template = extract(domain)
    write(template, domain.template)
    print(f"{domain.template.relative_to(ROOT)}: {len(template)} keys")
    return template


def cmd_extract(domain: Domain) -> int:
    write_template(domain)
    return 0


def cmd_update(domain: Domain) -> int:
    template = write_template(domain)
    reference = None
    for lang in (REFERENCE, *(lang for lang in LANGUAGES if lang != REFERENCE)):
        catalog = read(domain, lang)
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
        path = domain.po_path(lang)
        write(catalog, path)
        after = {message.id for message in catalog if message.id}
        untranslated = sorted(m.id for m in catalog if m.id and not m.string)
        print(
            f"{path.relative_to(ROOT)}: {len(after)} keys, "
            f"{len(after - before)} new, {len(before - after)} dropped, "
            f"{len(untranslated)} to translate{': ' if untranslated else ''}"
            + ", ".join(untranslated)
        )
        if lang == REFERENCE:
            reference = catalog
    return 0


def cmd_compile(domain: Domain) -> int:
    for lang in LANGUAGES:
        catalog = read(domain, lang)
        target = domain.po_path(lang).with_suffix(".mo")
        with target.open("wb") as compiled:
            write_mo(compiled, catalog)
        print(f"{target.relative_to(ROOT)}: compiled")
    return 0


def problems(domain: Domain) -> list[str]:
    """What keeps the catalogs from being complete: a used key missing from a catalog,
    an empty or fuzzy translation, a key no code uses any more, {fields} that differ."""
    used = {message.id for message in extract(domain) if message.id}
    found: list[str] = []
    reference: dict[str, str] = {}
    for lang in (REFERENCE, *(lang for lang in LANGUAGES if lang != REFERENCE)):
        catalog = read(domain, lang)
        have = {message.id: message for message in catalog if message.id}
        where = f"{domain.name}/{lang}"
        found += [f"{where}: {key!r} is used but not in the catalog" for key in used - set(have)]
        found += [f"{where}: {key!r} is in the catalog but not used" for key in set(have) - used]
        for key, message in have.items():
            if not message.string or not str(message.string).strip():
                found.append(f"{where}: {key!r} has no translation")
            elif message.fuzzy:
                found.append(f"{where}: {key!r} is marked fuzzy")
            elif key in reference and fields(message.string) != fields(reference[key]):
                found.append(f"{where}: {key!r} has other {{fields}} than {REFERENCE}")
        if lang == REFERENCE:
            reference = {key: message.string for key, message in have.items()}
    return found


def fields(text: str) -> set[str]:
    """The ``{name}`` fields a text is filled in with."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def cmd_check(domain: Domain) -> int:
    found = problems(domain)
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print(
            f"{domain.name} catalogs complete: every key used has a translation in "
            + ", ".join(LANGUAGES)
        )
    return 1 if found else 0


COMMANDS = {
    "extract": cmd_extract,
    "update": cmd_update,
    "compile": cmd_compile,
    "check": cmd_check,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    names = args[1:] or list(DOMAINS)
    if not args or args[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    unknown = [name for name in names if name not in DOMAINS]
    if unknown:
        print(
            f"no catalog domain {', '.join(unknown)}: there are {', '.join(DOMAINS)}",
            file=sys.stderr,
        )
        return 2
    # Every domain is done even when one fails: a check names all the problems at once.
    results = [COMMANDS[args[0]](DOMAINS[name]) for name in names]
    return max(results)


if __name__ == "__main__":
    sys.exit(main())
