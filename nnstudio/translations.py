"""The translator's command: re-extract, update, check and compile the catalogues.

    python -m nnstudio.translations update    extract every marked text, merge it into each
                                              language's .po (new entries appear empty, gone
                                              ones are dropped), report what needs work
    python -m nnstudio.translations check     report untranslated, fuzzy and stale entries
                                              and whether each .mo matches its .po; exit 1
                                              when anything needs work
    python -m nnstudio.translations compile   write each .po's .mo (shipped in the package)
    python -m nnstudio.translations init LANG start a new language (e.g. zh_TW)

Uses Babel (a development tool, in the ``test`` extra); the app itself reads the compiled
``.mo`` files with Python's own gettext. See docs/translating.md.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from nnstudio.i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
#: Call names whose first argument(s) are texts to translate (Babel's keyword spec).
KEYWORDS = {
    "_": None,
    "N_": None,
    "Text": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
}
#: Comments beginning with this tag, just above a marked text, reach the translator.
COMMENT_TAG = "Translators:"


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages() -> list[str]:
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def extract() -> Catalog:
    """Every marked text in the package, with where it is used."""
    template = Catalog(project="NN Studio", domain=DOMAIN, charset="utf-8")
    method_map = [("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE),
        method_map=method_map,
        keywords=KEYWORDS,
        comment_tags=(COMMENT_TAG,),
        strip_comment_tags=True,
    ):
        template.add(
            message,
            None,
            [(f"nnstudio/{filename}", lineno)],
            auto_comments=comments,
            context=context,
            flags=("python-brace-format",) if _has_braces(message) else (),
        )
    return template


def _has_braces(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any("{" in text for text in texts)


def load(path: Path) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, domain=DOMAIN)


def save(catalog: Catalog, path: Path) -> None:
    # The header is ours, not a guess to review: never fuzzy (a fuzzy header would leave
    # the compiled catalogue without its plural rule).
    catalog.fuzzy = False
    catalog.copyright_holder = "NN Studio contributors"
    catalog.last_translator = "NN Studio contributors"
    catalog.language_team = f"{catalog.locale_identifier} <https://github.com/nnstudio>"
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, include_previous=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


@dataclass
class Report:
    """What a language's catalogue still needs."""

    language: str
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    mo_current: bool = True

    @property
    def ok(self) -> bool:
        return not (self.untranslated or self.fuzzy or self.stale or self.missing) and (
            self.mo_current
        )

    def lines(self) -> Iterable[str]:
        yield (
            f"{self.language}: {self.total} texts, {len(self.untranslated)} untranslated, "
            f"{len(self.fuzzy)} fuzzy, {len(self.stale)} stale, {len(self.missing)} not in "
            f"the catalogue; compiled catalogue {'current' if self.mo_current else 'OUTDATED'}"
        )
        for label, items in (
            ("not in the catalogue (run update)", self.missing),
            ("untranslated", self.untranslated),
            ("fuzzy", self.fuzzy),
            ("stale (no longer in the code)", self.stale),
        ):
            for item in items[:20]:
                yield f"  {label}: {item!r}"
            if len(items) > 20:
                yield f"  … and {len(items) - 20} more {label}"


def _key(message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    return f"{message.context}|{text}" if message.context else text


def check(language: str, template: Catalog | None = None) -> Report:
    """Compare a language's .po with the code and its .mo."""
    template = template or extract()
    catalog = load(po_path(language))
    report = Report(language)
    wanted = {_key(m) for m in template if m.id}
    present = {}
    for message in catalog:
        if not message.id:
            continue
        key = _key(message)
        present[key] = message
        report.total += 1
        if key not in wanted:
            report.stale.append(key)
        elif message.fuzzy:
            report.fuzzy.append(key)
        elif not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            report.untranslated.append(key)
    report.stale += [_key(m) for m in catalog.obsolete.values()]
    report.missing = sorted(wanted - set(present))
    mo = po_path(language).with_suffix(".mo")
    report.mo_current = mo.exists() and _same_messages(mo, catalog)
    return report


def _same_messages(mo: Path, catalog: Catalog) -> bool:
    with open(mo, "rb") as handle:
        shipped = read_mo(handle)
    expected = read_mo(io.BytesIO(compiled(catalog)))

    def entries(cat: Catalog) -> dict[str, object]:
        return {_key(m): m.string for m in cat if m.id}

    return entries(shipped) == entries(expected)


def update() -> list[Report]:
    template = extract()
    reports = []
    for language in languages():
        path = po_path(language)
        catalog = load(path)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        save(catalog, path)
        reports.append(check(language, template))
    return reports


def compile_all() -> list[Path]:
    written = []
    for language in languages():
        path = po_path(language)
        target = path.with_suffix(".mo")
        target.write_bytes(compiled(load(path)))
        written.append(target)
    return written


def init(language: str) -> Path:
    path = po_path(language)
    if path.exists():
        raise SystemExit(f"{path} exists already")
    catalog = Catalog(
        locale=language, project="NN Studio", version="", domain=DOMAIN, charset="utf-8"
    )
    catalog.update(extract())
    save(catalog, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnstudio.translations")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="re-extract texts into every .po and report")
    sub.add_parser("check", help="report what needs translating (exit 1 if anything)")
    sub.add_parser("compile", help="write the .mo files")
    start = sub.add_parser("init", help="start a new language")
    start.add_argument("language", help="e.g. zh_TW")
    args = parser.parse_args(argv)
    if args.command == "init":
        print(f"created {init(args.language)}")
        return 0
    if args.command == "compile":
        for path in compile_all():
            print(f"wrote {path}")
        return 0
    reports = update() if args.command == "update" else [check(lang) for lang in languages()]
    for report in reports:
        for line in report.lines():
            print(line)
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
