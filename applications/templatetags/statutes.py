"""``{{ reason.source|statute_links }}``: each "§ 18g" of a legal source links to the statute's text,
and the citation keeps its left-to-right order in right-to-left pages."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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
    # <bdi>: a German citation keeps its order inside right-to-left text.
    return mark_safe("<bdi>" + "".join(html) + "</bdi>")  # noqa: S308 - every piece was escaped or built by format_html
