"""The placeholders a decision letter template may use, and how a body with them becomes text.

A placeholder is a name in braces, e.g. {office_name}. A line whose placeholders are all empty for
this decision is left out (so "## Nebenbestimmungen" / "{conditions}" disappears without conditions,
see blocks_without_empty_sections); braces are for placeholders only.
"""

import re

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .catalogue import TITLES

PLACEHOLDERS = {
    "office_name": _("the issuing office"),
    "reference": _("the case reference"),
    "applicant_name": _("the applicant's full name"),
    "submitted_on": _("the date the application was submitted (empty if none)"),
    "validity": _("the period of validity in words, e.g. \"vom 01.03.2027 bis zum 28.02.2029\" (empty if none)"),
    "valid_from": _("first day of validity (empty if none)"),
    "valid_until": _("last day of validity (empty if none)"),
    "legal_basis": _("the legal basis the caseworker entered"),
    "conditions": _("the conditions (Nebenbestimmungen) the caseworker entered (empty if none)"),
    "reasons": _("the reasons the caseworker entered (empty if none)"),
}
_BRACED = re.compile(r"\{([^{}]*)\}")


def placeholder_errors(body: str) -> list[str]:
    """What is wrong with the placeholders of `body`: unknown names, braces that open or close nothing."""
    errors = []
    unknown = sorted({name for name in _BRACED.findall(body) if name not in PLACEHOLDERS})
    if unknown:
        errors.append(gettext("Unknown placeholder(s): %(names)s. Allowed: %(allowed)s.") % {
            "names": ", ".join("{%s}" % name for name in unknown),
            "allowed": ", ".join("{%s}" % name for name in PLACEHOLDERS)})
    if "{" in _BRACED.sub("", body) or "}" in _BRACED.sub("", body):
        errors.append(gettext("A brace { or } is not part of a placeholder; braces are only for placeholders."))
    if not body.strip():
        errors.append(gettext("The text is empty."))
    return errors


def title_code_known(code: str) -> bool:
    return code in TITLES


def fill(body: str, values: dict[str, str]) -> str:
    """`body` with its placeholders replaced; lines whose placeholders are all empty are left out."""
    lines = []
    for line in body.splitlines():
        names = _BRACED.findall(line)
        if names and not any(values.get(name, "").strip() for name in names):
            continue
        lines.append(_BRACED.sub(lambda match: values.get(match.group(1), ""), line))
    return "\n".join(lines)


def blocks_without_empty_sections(blocks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drops a heading ("h2") that no paragraph follows before the next heading."""
    kept = []
    for index, (kind, text) in enumerate(blocks):
        following = blocks[index + 1][0] if index + 1 < len(blocks) else None
        if kind == "h2" and following in (None, "h1", "h2"):
            continue
        kept.append((kind, text))
    return kept
