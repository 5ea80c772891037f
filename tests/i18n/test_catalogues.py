"""Every shipped language is complete: no missing, empty or fuzzy message, and the catalogues hold
exactly the messages the code and templates use today."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import to_locale

from accounts.models import ApiToken, CaseConsent
from applications.models import Decision

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["manage.py", "wsa", "accounts", "applications", "documents", "authorities", "templates"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / to_locale(language) / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_every_message_is_translated_and_reviewed(language):
    po = catalogue(language)
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:3]}"


@pytest.mark.parametrize("language", [code for code, _ in settings.LANGUAGES])
def test_placeholders_survive_translation(language):
    import re

    placeholder = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w*\}")
    broken = [
        entry.msgid for entry in catalogue(language) if entry.msgstr and not entry.obsolete
        and sorted(placeholder.findall(entry.msgid)) != sorted(placeholder.findall(entry.msgstr))
    ]
    assert broken == [], f"{language}: placeholders differ in {broken[:3]}"


def _sort_key(entry: tuple) -> tuple:
    """(msgctxt, msgid) with msgctxt None for messages without a context: None does not sort with text."""
    return (entry[0] or "", entry[1])


@pytest.mark.slow
def test_catalogues_hold_every_message_the_code_uses(tmp_path):
    """Runs makemessages on a copy of the sources and compares its template with the German catalogue."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--keep-pot", "--no-obsolete", "-v0"],
        cwd=tmp_path, check=True, capture_output=True, env={"PATH": "/usr/bin:/bin", "DJANGO_ENV": "test"},
    )
    used = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(tmp_path / "locale" / "django.pot"))}
    shipped = {(entry.msgctxt, entry.msgid) for entry in catalogue("de") if not entry.obsolete}
    assert sorted(used - shipped, key=_sort_key)[:5] == [], "run `make messages-update` and translate the new messages"
    assert sorted(shipped - used, key=_sort_key)[:5] == [], "the catalogue holds messages no code uses any more"


def test_one_word_two_meanings_are_told_apart_by_context():
    """"granted" and "revoked" are a status (a decision's outcome, a token's state) and, with the context
    "date label", the label of a date: the verify page must not read "Ergebnis: erteilt am"."""
    with translation.override("de"):
        assert str(Decision.Outcome.GRANTED.label) == "erteilt"
        assert translation.gettext("revoked") == "widerrufen"
        assert str(CaseConsent._meta.get_field("granted_at").verbose_name) == "erteilt am"
        assert str(ApiToken._meta.get_field("revoked_at").verbose_name) == "widerrufen am"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "switch"), [("vi", "Đổi"), ("ar", "تغيير"), ("de", "Wechseln")])
def test_the_language_switchers_button_says_switch_not_edit(client, language, switch):
    """The header's button changes the language; the profile's "Change" links edit data (Vietnamese "Sửa",
    Arabic "تعديل": "edit", wrong on the switcher): one word, two meanings, told apart by context."""
    page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    form = page[page.index('class="wsa-language"'):]
    button = form[form.index("<button"):form.index("</button>")]
    assert f'<span class="kern-label">{switch}</span>' in button


def test_a_gendered_ending_never_breaks_from_its_word():
    """Ukrainian "партнер(-ка)", "подав(-ла)": at 360 px the line broke after "(-", leaving "ка)" alone on the
    next line; the endings are written with a non-breaking hyphen (U+2011)."""
    for language, _ in settings.LANGUAGES:
        broken = [entry.msgstr for entry in catalogue(language) if "(-" in entry.msgstr]
        assert not broken, (language, broken[:3])


def test_german_never_puts_a_preposition_before_an_office_s_name():
    """An office's name carries its own article and case ("Deutsche Botschaft Neu-Delhi", "Bundesagentur für
    Arbeit"): "bei Deutsche Botschaft", "von Bundesagentur" are wrong German. The name stands in brackets, after
    a colon or after "Dienststelle" instead."""
    import re

    wrong = re.compile(r"\b(bei|von|an|mit|zu|für|durch|aus|vom|beim|zur|zum|weil|dass) %\((office|authority)\)s"
                       # nor as the subject of a sentence: "Bundesagentur für Arbeit hat …" lacks its article
                       r"|(^|[:.] )%\((office|authority)\)s [a-zäöüß]")
    found = [entry.msgstr for entry in catalogue("de") if not entry.obsolete and wrong.search(entry.msgstr)]
    assert found == []
