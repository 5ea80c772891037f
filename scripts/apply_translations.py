"""Applies a translations file to the gettext catalogues.

    python scripts/apply_translations.py translations.json [--locale locale/] [--check]

The file is a JSON list of objects {"msgid", "msgctxt"?, "msgid_plural"?, "<language>": msgstr, ...}
(for a plural message each language's value is the list of its forms). A message already in a catalogue
gets the given translations (corrections); a message not yet there is added (new strings: run
`make messages-update` first so that the code's references are recorded). Only the languages named in an
object are touched; an applied message is no longer fuzzy. --check changes nothing and exits 1 when a
message or a placeholder would be lost.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import polib

PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}")
NOT_LANGUAGES = {"msgid", "msgctxt", "msgid_plural", "comment"}


def _forms(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def problems_of(item: dict) -> list[str]:
    """Placeholders must survive translation, and a plural message needs a list per language."""
    found = []
    source = sorted(PLACEHOLDER.findall(item["msgid"]))
    for language, value in item.items():
        if language in NOT_LANGUAGES:
            continue
        if item.get("msgid_plural") and not isinstance(value, list):
            found.append(f"{language}: {item['msgid']!r} is plural, give a list of forms")
        for form in _forms(value):
            if not form:
                found.append(f"{language}: empty translation of {item['msgid']!r}")
            elif not item.get("msgid_plural") and sorted(PLACEHOLDER.findall(form)) != source:
                found.append(f"{language}: placeholders differ in {item['msgid']!r}")
    return found


def apply(items: list[dict], locale: Path) -> dict[str, int]:
    """Writes the translations into locale/<language>/LC_MESSAGES/django.po; returns the count per language."""
    changed: dict[str, int] = {}
    languages = sorted({key for item in items for key in item if key not in NOT_LANGUAGES})
    for language in languages:
        path = locale / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(path))
        by_key = {(entry.msgctxt, entry.msgid): entry for entry in po if not entry.obsolete}
        for item in items:
            if language not in item:
                continue
            key = (item.get("msgctxt"), item["msgid"])
            entry = by_key.get(key)
            if entry is None:
                entry = polib.POEntry(msgid=item["msgid"], msgctxt=item.get("msgctxt"))
                if item.get("msgid_plural"):
                    entry.msgid_plural = item["msgid_plural"]
                po.append(entry)
                by_key[key] = entry
            if entry.msgid_plural:
                entry.msgstr_plural = dict(enumerate(_forms(item[language])))
            else:
                entry.msgstr = item[language]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            changed[language] = changed.get(language, 0) + 1
        po.save()
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("translations", type=Path)
    parser.add_argument("--locale", type=Path, default=Path(__file__).resolve().parents[1] / "locale")
    parser.add_argument("--check", action="store_true", help="only check the file")
    args = parser.parse_args(argv)
    items = json.loads(args.translations.read_text())
    problems = [problem for item in items for problem in problems_of(item)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems or args.check:
        return 1 if problems else 0
    for language, count in sorted(apply(items, args.locale).items()):
        print(f"{language}: {count} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
