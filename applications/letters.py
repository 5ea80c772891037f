"""Which letter template a decision is printed from, and whether it may be issued from it.

The most specific template wins: one for the deciding office first, then one for the case's residence
title, then one for the kind of office (visa office, foreigners' authority), then a general one.

In production (DEBUG off and no demo, see letters_must_be_reviewed) a decision is issued only from
templates an administrator marked as legally reviewed; elsewhere an unreviewed template is printed
with a visible "sample wording" mark. `manage.py check --deploy --database default` lists the
unreviewed ones (wsa.E011).
Why the review matters: a written decision must carry a notice of legal remedies (§ 37 Abs. 6 VwVfG), and
a missing or wrong one lets the time limit for an appeal run for a year instead of a month (§ 58 Abs. 2
VwGO, § 70 Abs. 2 VwGO for the objection).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from .models import LetterKind, LetterTemplate
from .rules.letters import blocks_without_empty_sections, fill

REVIEW_PERMISSION = "applications.review_lettertemplate"
_LETTER = {
    ("visa", "granted"): LetterKind.VISA_GRANTED,
    ("visa", "rejected"): LetterKind.VISA_REJECTED,
    ("residence_permit", "granted"): LetterKind.PERMIT_GRANTED,
    ("residence_permit", "rejected"): LetterKind.PERMIT_REJECTED,
    ("extension", "granted"): LetterKind.EXTENSION_GRANTED,
    ("extension", "rejected"): LetterKind.EXTENSION_REJECTED,
}
_VALIDITY = {
    "de": {"both": "vom {start} bis zum {end}", "start": "ab dem {start}", "end": "bis zum {end}"},
    "en": {"both": "from {start} until {end}", "start": "from {start}", "end": "until {end}"},
}


class LetterRefused(Exception):
    """The decision cannot be issued from the templates there are; the message is translated."""


@dataclass(frozen=True)
class Letter:
    template: LetterTemplate

    @property
    def sample(self) -> bool:
        return not self.template.reviewed


def letters_must_be_reviewed() -> bool:
    """Production: no DEBUG and no demonstration (the same switch as the demo adapters)."""
    return not (settings.DEBUG or settings.WSA_DEMO_ADAPTERS)


def letter_kind(*, decision_kind: str, outcome: str, extension: bool) -> str:
    family = "extension" if extension and decision_kind == "residence_permit" else decision_kind
    return _LETTER[(family, outcome)]


def letter_template(*, kind: str, language: str, office, office_kind: str, title_code: str) -> LetterTemplate | None:
    """The most specific template for this letter, language, office (None: not known) of `office_kind`
    and title; None if none fits."""
    candidates = LetterTemplate.objects.filter(
        Q(office__isnull=True) | Q(office=office) if office is not None else Q(office__isnull=True),
        Q(office_kind="") | Q(office_kind=office_kind),
        Q(title_code="") | Q(title_code=title_code or "-"),
        kind=kind, language=language,
    )
    return max(candidates, key=lambda t: (t.office_id is not None, bool(t.title_code), bool(t.office_kind), -t.pk),
               default=None)


def decision_letters(*, case, kind: str, outcome: str, office, office_kind: str,
                     languages: list[str]) -> dict[str, Letter]:
    """The letter per language for a decision about to be issued, or LetterRefused with the reason."""
    letter = letter_kind(decision_kind=kind, outcome=outcome, extension=getattr(case, "extension", None) is not None)
    letters = {}
    for language in languages:
        template = letter_template(kind=letter, language=language, office=office, office_kind=office_kind,
                                   title_code=case.title_code)
        if template is None:
            raise LetterRefused(gettext(
                "There is no letter template for this decision (%(letter)s, %(language)s). Ask an administrator "
                "to add one under \"Letter templates\"; nothing has been issued.")
                % {"letter": LetterKind(letter).label, "language": language.upper()})
        if letters_must_be_reviewed() and not template.reviewed:
            raise LetterRefused(gettext(
                "This decision cannot be issued yet: its letter template \"%(template)s\" has not been legally "
                "reviewed. A wrong notice of legal remedies makes the time limit for an appeal one year "
                "(§ 58 Abs. 2 VwGO). Ask an administrator to have it reviewed and marked as reviewed; nothing has "
                "been issued.") % {"template": template})
        letters[language] = Letter(template)
    return letters


def letter_values(*, decision, language: str, office_name: str) -> dict[str, str]:
    """What the placeholders stand for in this decision (rules.letters.PLACEHOLDERS)."""
    case = decision.case

    def day(value):
        return f"{value:%d.%m.%Y}" if value else ""

    start, end = day(decision.valid_from), day(decision.valid_until)
    phrase = "both" if start and end else "start" if start else "end" if end else None
    return {
        "office_name": office_name,
        "reference": case.reference,
        "applicant_name": case.person.full_name,
        "submitted_on": day(timezone.localtime(case.submitted_at)) if case.submitted_at else "",
        "validity": _VALIDITY[language][phrase].format(start=start, end=end) if phrase else "",
        "valid_from": start,
        "valid_until": end,
        "legal_basis": decision.legal_basis,
        "conditions": decision.conditions,
        "reasons": decision.reasons,
    }


def letter_blocks(*, template: LetterTemplate, values: dict[str, str], parse) -> list[tuple[str, str]]:
    """The template's text as ("h1" | "h2" | "p", text) blocks; `parse` turns text into blocks."""
    return blocks_without_empty_sections(parse(fill(template.body, values)))


@register(Tags.database, deploy=True)
def letter_templates_reviewed(app_configs, databases=None, **kwargs):
    """A decision printed from wording no lawyer checked is no decision to issue (production refuses it).
    It reads the database, so like Django's own database checks it speaks only when asked for the
    databases: `check --deploy --database default`."""
    if not databases:
        return []
    try:
        unreviewed = [str(template) for template in LetterTemplate.objects.filter(reviewed_at__isnull=True)
                      .select_related("office")]
    except DatabaseError:  # before the first migrate there is nothing to list
        return []
    if not unreviewed:
        return []
    return [Error(
        f"{len(unreviewed)} decision letter template(s) are not legally reviewed: " + "; ".join(unreviewed) + ".",
        hint="Have them reviewed and mark them in the admin (Letter templates, action 'Mark as legally reviewed'); "
             "until then no decision can be issued from them (README, 'Decisions (Bescheide)').",
        id="wsa.E011",
    )]


def letter_template_mark_reviewed(*, template: LetterTemplate, actor, note: str = "") -> LetterTemplate:
    """Records who confirmed, and when, that the wording was legally reviewed (admins with the permission)."""
    if not actor.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(gettext("Only an administrator with the review permission can mark letter "
                                       "templates as reviewed."))
    template.reviewed_by, template.reviewed_at = actor, timezone.now()
    fields = ["reviewed_by", "reviewed_at", "updated_at"]
    if note.strip():
        template.review_note = note.strip()
        fields.append("review_note")
    template.save(update_fields=fields)
    return template
