"""Every piece of text a template shows is marked for translation: a template string that is not
goes out in English to everyone, whatever language they chose."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Proper names, codes and symbols that are the same in every language.
ALLOWED = {"WSA", "ISCO", "KldB", "ISO", "SHA", "PDF", "JSON", "CSV", "API", "OpenAPI", "AufenthG", "BeschV",
           "AufenthV", "BQFG", "TOTP", "QR", "EUR", "ZAB", "BA", "IHK", "FOSA", "HR", "ID", "URL", "Swagger", "UI"}
TEXT_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description")

STRIP = [
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
    re.compile(r"<code\b.*?</code>", re.S | re.I),  # literal codes and token formats are not prose
    # Proper names that stay in German in every language (HTML's own marker: translate="no").
    re.compile(r"<(\w+)\b[^>]*\btranslate=\"no\"[^>]*>.*?</\1>", re.S | re.I),
    re.compile(r"\{%.*?%\}", re.S),
    re.compile(r"\{\{.*?\}\}", re.S),
]
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"\b(" + "|".join(TEXT_ATTRIBUTES) + r")\s*=\s*\"([^\"]*)\"", re.I)
WORD = re.compile(r"[^\W\d_]{2,}")


def untranslated_words(source: str) -> list[str]:
    words = []
    for _, value in ATTRIBUTE.findall(source):
        text = value
        for pattern in STRIP:
            text = pattern.sub(" ", text)
        words += WORD.findall(text)
    text = source
    for pattern in STRIP:
        text = pattern.sub(" ", text)
    text = TAG.sub(" ", text)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    words += WORD.findall(text)
    return [word for word in words if word not in ALLOWED]


def user_facing_templates():
    # Plain-text e-mails and the German/English decision texts are rendered with {% translate %} too,
    # but the decision bodies are legal texts that stay German/English by law.
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield pytest.param(path, id=str(path.relative_to(TEMPLATES)))
    for path in sorted((TEMPLATES / "emails").glob("*.txt")):
        yield pytest.param(path, id=str(path.relative_to(TEMPLATES)))


@pytest.mark.parametrize("path", list(user_facing_templates()))
def test_template_text_is_marked_for_translation(path):
    assert untranslated_words(path.read_text(encoding="utf-8")) == [], (
        f"{path.name}: wrap the text in {{% translate %}} or {{% blocktranslate %}}"
    )


def test_the_scanner_finds_unmarked_text():
    assert sorted(untranslated_words('<p>Hello {{ name }}</p><img alt="Logo">')) == ["Hello", "Logo"]
    assert untranslated_words('<p>{% translate "Hello" %} {{ name }}</p><img alt="{% translate \'Logo\' %}">') == []
