"""Citations of German law in the UI.

``{{ reason.source|statute_links }}``: each "§ 18g" of a legal source links to the statute's text.
``{{ text|citations }}``: any text (a translated sentence, a rule's message) with each citation in it
kept together.

Both wrap every citation in ``<bdi dir="ltr">``: inside a right-to-left sentence the neutral "§" would
otherwise move to the far end ("18g AufenthG §"); a bare ``<bdi>`` guesses the direction from its
content, ``dir="ltr"`` states it."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# The laws the rules cite, with their address on gesetze-im-internet.de.
LAW_SLUGS = {
    "AufenthG": "aufenthg_2004",
    "AufenthV": "aufenthv",
    "BeschV": "beschv_2013",
    "MiLoG": "milog",
    "BQFG": "bqfg",
    "BGB": "bgb",
}
_LAW = "|".join(LAW_SLUGS)
_PARAGRAPH = re.compile(r"§§?\s*(\d+[a-z]?)")
_SEGMENT = re.compile(rf"(.*?\b({_LAW})\b)")


def _link_segment(text: str, law: str) -> str:
    slug = LAW_SLUGS[law]
    parts, last = [], 0
    for match in _PARAGRAPH.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(format_html(
            '<a class="kern-link" href="https://www.gesetze-im-internet.de/{}/__{}.html" rel="noopener">{}</a>',
            slug, match.group(1), match.group(0),
        ))
        last = match.end()
    parts.append(escape(text[last:]))
    return "".join(str(part) for part in parts)


@register.filter
def statute_links(source: str) -> str:
    """Every "§ n" before a law's abbreviation becomes a link to that paragraph of the law."""
    source = str(source or "")
    html, position = [], 0
    for match in _SEGMENT.finditer(source):
        html.append(_link_segment(match.group(1), match.group(2)))
        position = match.end()
    html.append(escape(source[position:]))
    return mark_safe(_ISOLATE.format("".join(html)))  # noqa: S308 - every piece was escaped or built by format_html


_ISOLATE = '<bdi dir="ltr">{}</bdi>'
# The laws the UI text cites, beyond those with a link.
_CITED_LAWS = [
    *LAW_SLUGS, "BGG", r"BITV\s2\.0", "TDDDG", "DDG", "GDPR", "DSGVO", "VwVfG", "VwGO", "BDSG", "StAG", r"SGB\s[IVX]+",
]
# "§ 81a AufenthG", "§§ 18a, 18b AufenthG", "§ 29 Abs. 1 Nr. 2 AufenthG", "Art. 6(1)(e) GDPR": from the sign to the
# law's name, never across another citation or a tag; "§ 81a" alone when no law follows.
_ONE_CITATION = rf"(?:§§?|\bArt\.)\s?\d+[a-z]?(?:[^§<>]{{0,40}}?\b(?:{'|'.join(_CITED_LAWS)})\b)?"
# "§ 19c Abs. 2 AufenthG i. V. m. § 6 BeschV" and "§ 18a, § 18 Abs. 3 Nr. 1 AufenthG" are one reference each:
# isolated apart, "i. V. m." or the comma would stand between the two in a right-to-left sentence in the wrong
# order, and a bare "§ 18a" apart from the law it belongs to.
_CITATION = re.compile(rf"{_ONE_CITATION}(?:(?:\s+i\.\s?V\.\s?m\.\s+|,\s?){_ONE_CITATION})*")


@register.filter
def citations(text) -> str:
    """Escapes ``text`` and isolates each citation of a German law in it as left-to-right."""
    html, position = [], 0
    text = str(text or "")
    for match in _CITATION.finditer(text):
        html.append(escape(text[position:match.start()]))
        html.append(format_html(_ISOLATE, match.group(0)))
        position = match.end()
    html.append(escape(text[position:]))
    return mark_safe("".join(str(piece) for piece in html))  # noqa: S308 - every piece was escaped or built by format_html


@register.filter
def hint(text) -> str:
    """A form field's help text: citations isolated as in ``citations``; a hint already built as HTML (Django's
    password rules as a list) is kept as it is."""
    return text if isinstance(text, SafeData) else citations(text)
