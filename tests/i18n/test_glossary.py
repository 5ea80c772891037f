"""One glossary (locale/glossary/terms.json): every message that names a key term of residence law uses
the glossary's word for it in every language, never a forbidden one (a residence title is not a residence
permit), and the German term in brackets where the glossary asks for it."""

import json
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = json.loads((ROOT / "locale" / "glossary" / "terms.json").read_text())
TERMS = {term["key"]: term for term in GLOSSARY["terms"]}
LANGUAGES = sorted({language for term in GLOSSARY["terms"] for language in term["languages"]})


def _search(pattern: str, text: str):
    return re.search(pattern, text, re.IGNORECASE)


def _texts(entry) -> list[str]:
    return [entry.msgstr] if not entry.msgid_plural else [form for _, form in sorted(entry.msgstr_plural.items())]


def glossary_problems(po: polib.POFile, language: str) -> list[str]:
    """What breaks the glossary in one catalogue, one line per message and term."""
    problems = []
    for entry in po:
        if entry.obsolete or not entry.translated():
            continue
        source = f"{entry.msgid} {entry.msgid_plural or ''}"
        for term in GLOSSARY["terms"]:
            rule = term["languages"].get(language)
            if not rule or not _search(term["msgid"], source):
                continue
            rival_named = any(_search(TERMS[rival]["msgid"], source) for rival in term["rivals"])
            for text in _texts(entry):
                if not any(_search(word, text) for word in rule["required"]):
                    problems.append(f"{term['key']}: missing the glossary word in {entry.msgid!r} -> {text!r}")
                if not rival_named:
                    problems += [f"{term['key']}: forbidden {word!r} in {entry.msgid!r} -> {text!r}"
                                 for word in rule.get("forbidden", ()) if _search(word, text)]
                if rule.get("german_in_brackets") and f"({term['german']})" not in text:
                    problems.append(f"{term['key']}: no ({term['german']}) in {entry.msgid!r} -> {text!r}")
    return problems


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_uses_the_glossary(language):
    problems = glossary_problems(catalogue(language), language)
    assert problems == [], f"{language}: {len(problems)} problems, e.g.\n" + "\n".join(problems[:15])


def test_the_glossary_covers_every_shipped_language_and_its_patterns_compile():
    shipped = {to_locale(code) for code, _ in settings.LANGUAGES} - {"en"}
    for term in GLOSSARY["terms"]:
        re.compile(term["msgid"])
        assert set(term["rivals"]) <= set(TERMS)
        if term["key"] != "decision_letter":  # a German-only rule: 'Bescheid' against 'Entscheidung'
            assert set(term["languages"]) == shipped, term["key"]
        for rule in term["languages"].values():
            assert rule["required"]
            for word in [*rule["required"], *rule.get("forbidden", ())]:
                re.compile(word)


def test_the_check_catches_what_it_should():
    """A residence permit called a residence title, a missing word and a missing bracket are each found."""
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Issue the residence permit.", msgstr="Aufenthaltstitel erteilen."))
    po.append(polib.POEntry(msgid="Ask the foreigners' authority.", msgstr="Demandez à la préfecture."))
    po.append(polib.POEntry(msgid="Ask the foreigners' authority first.",
                            msgstr="Demandez d'abord à l'autorité des étrangers."))
    po.append(polib.POEntry(msgid="The residence title and the residence permit",
                            msgstr="Le titre de séjour et le permis de séjour"))
    german = glossary_problems(po, "de")
    assert any("residence_permit: missing" in problem for problem in german)
    assert any("residence_permit: forbidden" in problem for problem in german)
    french = glossary_problems(po, "fr")
    assert any("foreigners_authority: missing" in problem and "préfecture" in problem for problem in french)
    assert any("no (Ausländerbehörde)" in problem and "d'abord" in problem for problem in french)
    assert not any("The residence title and" in problem for problem in french)  # both named: both words allowed
