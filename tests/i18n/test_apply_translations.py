"""scripts/apply_translations.py: corrections and new messages reach the catalogues, nothing else moves,
and a file that would lose a placeholder or give a plural message one form is refused."""

import json
import shutil
from pathlib import Path

import polib
import pytest

from scripts.apply_translations import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def locale(tmp_path):
    for language in ("de", "ar"):
        target = tmp_path / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", target / "django.po")
    return tmp_path


def entry(locale, language, msgid, msgctxt=None):
    po = polib.pofile(str(locale / language / "LC_MESSAGES" / "django.po"))
    return next((e for e in po if e.msgid == msgid and e.msgctxt == msgctxt), None)


def test_corrections_and_new_messages_are_applied_and_nothing_else(locale, tmp_path):
    before = polib.pofile(str(locale / "ar" / "LC_MESSAGES" / "django.po"))
    untouched = {(e.msgctxt, e.msgid): e.msgstr for e in before if e.msgid != "residence title"}
    items = [
        {"msgid": "residence title", "ar": "سند الإقامة"},
        {"msgid": "A new message for %(name)s", "de": "Eine neue Nachricht für %(name)s"},
        {"msgid": "%(count)s new file", "msgid_plural": "%(count)s new files",
         "de": ["%(count)s neue Datei", "%(count)s neue Dateien"]},
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps(items, ensure_ascii=False))
    assert main([str(path), "--locale", str(locale)]) == 0
    assert entry(locale, "ar", "residence title").msgstr == "سند الإقامة"
    assert entry(locale, "de", "A new message for %(name)s").msgstr == "Eine neue Nachricht für %(name)s"
    plural = entry(locale, "de", "%(count)s new file")
    assert plural.msgstr_plural == {0: "%(count)s neue Datei", 1: "%(count)s neue Dateien"}
    after = polib.pofile(str(locale / "ar" / "LC_MESSAGES" / "django.po"))
    assert {(e.msgctxt, e.msgid): e.msgstr for e in after if e.msgid != "residence title"} == untouched


@pytest.mark.parametrize("item", [
    {"msgid": "Hello %(name)s", "de": "Hallo"},
    {"msgid": "one file", "msgid_plural": "%(count)s files", "de": "eine Datei"},
    {"msgid": "Empty", "de": ""},
])
def test_a_file_that_would_break_a_message_is_refused_and_changes_nothing(locale, tmp_path, item):
    original = (locale / "de" / "LC_MESSAGES" / "django.po").read_bytes()
    path = tmp_path / "t.json"
    path.write_text(json.dumps([item]))
    assert main([str(path), "--locale", str(locale)]) == 1
    assert (locale / "de" / "LC_MESSAGES" / "django.po").read_bytes() == original
