"""Reads of documents. Every function takes the acting user and returns only what they may see.

An applicant sees the documents they own. Staff see the documents handed in with the cases they may read.
Employers do not see an applicant's documents (passport, certificates): they see the case only.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext

from accounts.selectors import user_is_staff_member
from applications.rules.formatting import eur, written_date, written_number

from .checks.findings import CATALOGUE, FIELD_LABELS, STAFF_MESSAGES
from .models import Document, DocumentType, Finding

PASSPORT_FIELDS = ("surname", "given_names", "birth_date", "nationality", "sex", "passport_number",
                   "document_number", "expiry_date", "issuing_state")


# Which cases a staff member may read is the rule of the case store, which stands above documents: it
# hands the rule down when it loads (case_reader_register). Without it staff read only their own documents.
_case_readers: list = []


def case_reader_register(reader) -> None:
    """Sets `reader(viewer=...)`: the cases (a queryset) a staff member may read, whose documents they may read too."""
    _case_readers[:] = [reader]


def _visible(*, viewer) -> Q | None:
    if not viewer.is_authenticated:
        return None
    visible = Q(owner__user=viewer)
    if _case_readers and user_is_staff_member(user=viewer):
        # Staff see the documents the cases they may read carry; never the person's library, which holds
        # what was not handed in.
        readable = _case_readers[0](viewer=viewer).values("pk")
        visible |= Q(case__in=readable)
        # A document shared by a family's cases: readable with any of them (a subquery: no duplicate rows).
        visible |= Q(pk__in=Document.linked_cases.through.objects.filter(case__in=readable).values("document_id"))
    return visible


def document_list(*, viewer, case=None) -> QuerySet[Document]:
    """The viewer's own documents (their library), newest first, with their findings."""
    if not viewer.is_authenticated:
        return Document.objects.none()
    documents = Document.objects.filter(owner__user=viewer).select_related("case")
    if case is not None:
        documents = documents.filter(case=case)
    return documents.prefetch_related(Prefetch("findings", queryset=Finding.objects.order_by("-severity", "code")))


def document_get(*, viewer, public_id) -> Document:
    """One document the viewer may read, or 404."""
    visible = _visible(viewer=viewer)
    if visible is None:
        raise Http404
    try:
        return Document.objects.select_related("case", "owner").get(visible, public_id=public_id)
    except (Document.DoesNotExist, Document.MultipleObjectsReturned, ValueError, TypeError) as exc:
        raise Http404 from exc


def document_get_own(*, viewer, public_id) -> Document:
    """One of the viewer's own documents (for replacing or deleting), or 404."""
    try:
        return document_list(viewer=viewer).select_related("owner").get(public_id=public_id)
    except (Document.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def document_is_changeable(document: Document) -> bool:
    """Library documents and those of a draft can be replaced or deleted; submitted ones cannot."""
    return document.case_id is None or document.case.state == "draft"


def document_is_pending(document: Document) -> bool:
    return document.state in (Document.State.UPLOADED, Document.State.CHECKING)


class _Placeholders(dict):
    def __missing__(self, key):
        return ""


def _field_text(field: str) -> str:
    """Field codes ("birth_date, composite") as their labels ("date of birth, overall check digit")."""
    return ", ".join(gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name
                     for name in (part.strip() for part in field.split(",")) if name)


def _document_types_text(value: str) -> str:
    """Document type codes ("passport, cv") as their names, for the document-type findings."""
    labels = dict(DocumentType.choices)
    return ", ".join(str(labels.get(code.strip(), code.strip())) for code in value.split(",") if code.strip())


# Findings whose expected and found values are amounts in euros, or weekly hours; every other finding's
# ISO dates ("2025-03-04") are written as pages write dates.
_AMOUNT_CODES = frozenset({"contract_salary_differs", "salary_below_threshold"})
_HOURS_CODES = frozenset({"contract_hours_differ"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _amount_text(value: str) -> str:
    try:
        return str(eur(Decimal(value)))
    except InvalidOperation:
        return value


def _date_text(value: str) -> str:
    return written_date(value) if _ISO_DATE.fullmatch(value or "") else value


def finding_message(finding: Finding, *, for_staff: bool = False) -> str:
    """The finding's message from the checks catalogue, in the active language: the applicant's, or with
    `for_staff` the caseworker's (``STAFF_MESSAGES``: "The passport expired …", not "Your passport expired …
    Please upload …"). A code the catalogue does not know (a finding of an older version of the checks) gets a
    sentence that sends the reader to the document, never the code."""
    spec = CATALOGUE.get(finding.code)
    if spec is None:
        return gettext("An automatic check noted something about this document that has no description. "
                       "Please look at the document itself.")
    expected, found = finding.expected, finding.found
    if finding.code == "document_type_unexpected":
        expected, found = _document_types_text(expected), _document_types_text(found)
    elif finding.code in _AMOUNT_CODES:
        expected, found = _amount_text(expected), _amount_text(found)
    elif finding.code in _HOURS_CODES:
        expected, found = written_number(expected), written_number(found)
    else:
        expected, found = _date_text(expected), _date_text(found)
    placeholders = _Placeholders(field=_field_text(finding.field), expected=expected, found=found)
    msgid = STAFF_MESSAGES.get(finding.code, spec.msgid) if for_staff else spec.msgid
    try:
        return gettext(msgid) % placeholders
    except (TypeError, ValueError, KeyError):
        return gettext(msgid)


def passport_prefill_source(*, viewer) -> Document | None:
    """The newest of the viewer's passports whose data page could be read, if any."""
    candidates = document_list(viewer=viewer).filter(document_type="passport").exclude(
        state__in=[Document.State.UPLOADED, Document.State.CHECKING, Document.State.REJECTED]
    )
    for document in candidates[:5]:
        fields = document.extracted or {}
        if fields.get("surname") and (fields.get("passport_number") or fields.get("document_number")):
            return document
    return None


def document_finding_items(document: Document, *, for_staff: bool = False) -> list[dict]:
    """The findings of a document (prefetched) as severity, its label and the message (the caseworker's with
    `for_staff`), worst first."""
    order = {"error": 0, "warning": 1, "info": 2}
    findings = sorted(document.findings.all(), key=lambda f: (order.get(f.severity, 3), f.code))
    return [{"severity": f.severity, "label": f.get_severity_display(),
             "message": finding_message(f, for_staff=for_staff)} for f in findings]


def documents_for_display(documents) -> list[Document]:
    """Documents with what the templates show: ``finding_items`` (severity and message, worst
    first), ``is_pending`` (checks still running) and ``is_changeable`` (may be replaced or deleted)."""
    shown = []
    for document in documents:
        document.finding_items = document_finding_items(document)
        document.is_pending = document_is_pending(document)
        document.is_changeable = document_is_changeable(document)
        shown.append(document)
    return shown


def documents_awaiting_check_count() -> int:
    """Documents uploaded but not yet through the checks, over all cases (the metrics endpoint; an
    index on `state`)."""
    return Document.objects.filter(state__in=[Document.State.UPLOADED, Document.State.CHECKING]).count()


def _extracted_labels() -> dict[str, str]:
    return {
        "surname": gettext("Surname"), "given_names": gettext("Given names"),
        "passport_number": gettext("Passport number"), "document_number": gettext("Document number"),
        "nationality": gettext("Nationality"), "issuing_state": gettext("Issuing state"),
        "birth_date": gettext("Date of birth"), "sex": gettext("Sex"), "expiry_date": gettext("Valid until"),
        "personal_number": gettext("Personal number"),
        "annual_gross_salary": gettext("Annual gross salary (EUR)"),
        "thirteenth_salary": gettext("13th monthly salary promised (not in the annual salary above)"),
        "weekly_hours": gettext("Weekly hours"),
        "start_date": gettext("Start date"), "degree": gettext("Degree"), "institution": gettext("Institution"),
        "degree_date": gettext("Date of the degree"), "language_level": gettext("Language level"),
        "language_test": gettext("Language test"),
    }


# Amounts and hours as the active language writes numbers ("58.200,00" in German, not "58200.00"): the
# decimal places each is shown with.
_NUMBERS = {"annual_gross_salary": 2}


def _number(value, places: int) -> str:
    try:
        return formats.number_format(Decimal(str(value)), decimal_pos=places, force_grouping=True)
    except InvalidOperation:
        return str(value)


def document_extracted_items(document: Document) -> list[tuple[str, str]]:
    """What the checks read from a document, as (label, value) for a person: known fields only, dates in
    the active language's format; internal keys (the checklist item, codes) stay out."""
    labels = _extracted_labels()
    items = []
    for key, label in labels.items():
        value = (document.extracted or {}).get(key)
        if value in ("", None):
            continue
        if value is True:
            value = gettext("yes")
        elif key.endswith("date"):
            parsed = parse_date(str(value)[:10])
            value = formats.date_format(parsed, "SHORT_DATE_FORMAT") if parsed else value
        elif key == "weekly_hours":
            value = written_number(value)
        elif key in _NUMBERS:
            value = _number(value, _NUMBERS[key])
        items.append((label, str(value)))
    return items
