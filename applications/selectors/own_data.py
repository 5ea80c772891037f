"""The applicant's own data: everything the portal holds about them (GDPR Art. 15) and what deleting
their account would do (Art. 17)."""

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import CaseConsent, EmployerCaseDetails
from accounts.selectors import user_is_employer, user_is_staff_member
from documents.models import Document
from documents.selectors import document_list, finding_message
from documents.services import display_name

from ..lifecycle import CaseState
from ..models import Case
from ..retention import case_retained_until
from .applicant import (
    applicant_authority_steps,
    applicant_case_list,
    case_has_employment,
    case_issued_decisions,
    case_public_messages,
    person_for_user,
)
from .case_file import case_access_list
from .visibility import case_timeline


def _export_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _export_row(obj, fields) -> dict:
    return {name: _export_value(getattr(obj, name)) for name in fields}


def applicant_data_export(*, viewer) -> dict:
    """Everything the portal holds about the viewer as an applicant: account, profile, cases with
    their events, messages, decisions and documents (metadata; the files go into the ZIP)."""
    person = person_for_user(viewer=viewer)
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": _export_row(viewer, ["public_id", "email", "full_name", "preferred_language", "date_joined"]),
        "person": None,
        "cases": [],
        "documents": [],
    }
    data["account"].update(_export_account_extras(viewer=viewer))
    if person is None:
        return data
    data["person"] = {
        **_export_row(person, ["public_id", "surname", "given_names", "birth_date", "birth_place", "sex",
                               "nationality", "passport_number", "passport_issuing_state", "passport_expiry",
                               "email", "phone", "street", "postal_code", "city", "country_of_residence",
                               "created_at", "updated_at"]),
        "qualifications": [_export_row(q, ["kind", "title", "institution", "country", "completed_on", "recognition",
                                           "comparable"]) for q in person.qualifications.all()],
        "languages": [_export_row(s, ["language", "level", "certificate"]) for s in person.languages.all()],
        "work_experience": [_export_row(w, ["employer", "job_title", "occupation_isco", "started_on", "ended_on"])
                            for w in person.experience.all()],
    }
    for case in applicant_case_list(viewer=viewer).prefetch_related("events", "messages", "decisions"):
        row = _export_row(case, ["public_id", "reference", "title_code", "procedure_language", "accelerated", "state",
                                 "created_at", "submitted_at", "closed_at"])
        row["employer"] = case.employer.name if case.employer else None
        row["employment"] = (
            _export_row(case.employment, ["job_title", "occupation_kldb", "occupation_isco", "duties",
                                          "annual_gross_salary", "weekly_hours", "start_date", "duration_months",
                                          "collective_agreement", "workplace_street", "workplace_postal_code",
                                          "workplace_city", "workplace_state"])
            if case_has_employment(case=case) else None
        )
        row["events"] = [
            {**_export_row(e, ["kind", "from_state", "to_state", "payload", "created_at"]), "text": e.text}
            for e in case_timeline(viewer=viewer, case=case)
        ]
        row["messages"] = [
            {**_export_row(m, ["public_id", "body", "created_at"]), "from_me": m.author_id == viewer.pk}
            for m in case_public_messages(viewer=viewer, case=case)
        ]
        row["decisions"] = [
            _export_row(d, ["public_id", "kind", "outcome", "legal_basis", "reasons", "conditions", "valid_from",
                            "valid_until", "issued_at", "sha256", "verification_code"])
            for d in case_issued_decisions(viewer=viewer, case=case)
        ]
        row.update(_export_case_extras(viewer=viewer, case=case))
        data["cases"].append(row)
    for document in document_list(viewer=viewer):
        data["documents"].append({
            **_export_row(document, ["public_id", "document_type", "original_name", "sha256", "size", "content_type",
                                     "page_count", "state", "extracted", "created_at", "checked_at"]),
            "case": document.case.reference if document.case else None,
            "findings": [{"code": f.code, "severity": f.severity, "message": finding_message(f)}
                         for f in document.findings.all()],
        })
    return data


def _export_account_extras(*, viewer) -> dict:
    """The account's e-mail addresses, second factors (kinds and dates, never secrets) and roles."""
    return {
        "email_addresses": [_export_row(e, ["email", "verified", "primary"])
                            for e in EmailAddress.objects.filter(user=viewer).order_by("email")],
        "two_factor": [_export_row(a, ["type", "created_at", "last_used_at"])
                       for a in Authenticator.objects.filter(user=viewer).order_by("pk")],
        "memberships": [{"role": m.role, "organisation": m.organisation.name if m.organisation else None,
                         "since": _export_value(m.created_at)}
                        for m in viewer.memberships.select_related("organisation").order_by("pk")],
    }


def _export_case_extras(*, viewer, case: Case) -> dict:
    """What else the portal holds about one of the viewer's cases: the requests for documents, the
    authority steps, what the employer declared and may see, and who at which office read the case
    file (the access log, Art. 15(1)(c) GDPR)."""
    details = EmployerCaseDetails.objects.filter(case=case).first()
    return {
        "document_requests": [_export_row(r, ["reason", "note", "due_at", "created_at", "fulfilled_at"])
                              for r in case.document_requests.order_by("created_at", "pk")],
        "authority_steps": [{k: _export_value(v) for k, v in step.items()}
                            for step in applicant_authority_steps(viewer=viewer, case=case)],
        "employer_declaration": _export_row(details, ["employer_reference", "required_qualification",
                                                      "required_qualification_detail", "working_conditions"])
        if details else None,
        "consents": [{**_export_row(c, ["scope", "granted_at", "revoked_at"]), "employer": c.organisation.name}
                     for c in CaseConsent.objects.filter(case=case).select_related("organisation")
                     .order_by("granted_at", "pk")],
        "access_log": [_export_row(a, ["created_at", "object_kind", "object_label", "action", "role",
                                       "organisation_name"])
                       for a in case_access_list(viewer=viewer, case=case).order_by("created_at", "pk")],
    }


# The archive stays in memory up to this size, then goes to a temporary file on disk (the move copies
# what was in memory once more: a web worker briefly holds about three times this).
EXPORT_SPOOL_BYTES = 4 * 1024 * 1024
# Each file goes into the archive in pieces of this size: a web worker never holds a whole document.
EXPORT_COPY_CHUNK_BYTES = 1024 * 1024


def applicant_data_export_zip(*, viewer):
    """The export as a ZIP file object (spooled to disk when large): ``data.json``, ``documents/``
    and ``decisions/``. Files that cannot be read are listed in ``missing_files`` of data.json."""
    data = applicant_data_export(viewer=viewer)
    data["missing_files"] = []
    archive = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115 - returned open
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for document in document_list(viewer=viewer):
            name = f"documents/{document.public_id}-{display_name(document.original_name, limit=80)}"
            if not _copy_into(zipped, name, document.file):
                data["missing_files"].append(name)
        for case in applicant_case_list(viewer=viewer):
            for decision in case_issued_decisions(viewer=viewer, case=case):
                if not decision.pdf:
                    continue
                name = f"decisions/{case.reference}-{decision.public_id}.pdf"
                if not _copy_into(zipped, name, decision.pdf):
                    data["missing_files"].append(name)
        zipped.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
    archive.seek(0)
    return archive


def _copy_into(zipped: zipfile.ZipFile, name: str, stored_file) -> bool:
    """Copies a stored file into the archive piece by piece; False if it cannot be read. A file that
    fails in the middle (storage gone away) stays in the archive as far as it was read and is listed
    in missing_files like one that could not be opened."""
    try:
        with stored_file.open("rb") as handle, zipped.open(name, "w", force_zip64=True) as member:
            shutil.copyfileobj(handle, member, EXPORT_COPY_CHUNK_BYTES)
    except (OSError, ValueError):
        return False
    return True


# --- Own data: account deletion (GDPR Art. 17) ---------------------------------------------------

@dataclass
class RetainedCase:
    case: Case
    until: datetime  # when purge_closed_cases anonymises it


@dataclass
class AccountDeletionOverview:
    """What deleting the viewer's account would do (services.account_delete acts on the same answer)."""

    open_cases: list[Case] = field(default_factory=list)  # under way: they block the deletion
    organisation_access: bool = False  # employer or authority access: blocks it too (ask to be removed first)
    drafts: list[Case] = field(default_factory=list)  # deleted, with their documents
    documents: int = 0  # deleted: the library and the drafts' documents
    retained: list[RetainedCase] = field(default_factory=list)  # closed or withdrawn: kept for the period

    @property
    def blocked(self) -> bool:
        return bool(self.open_cases) or self.organisation_access

    @property
    def retained_until(self) -> datetime | None:
        return max((r.until for r in self.retained), default=None)

    @property
    def refusal(self) -> str:
        """Why the account cannot be deleted now, in the reader's language ("" when it can)."""
        reasons = []
        if self.open_cases:
            reasons.append(ngettext(
                "Your account cannot be deleted while your application %(references)s is under way. "
                "Please withdraw it first, or wait until it is closed.",
                "Your account cannot be deleted while your applications %(references)s are under way. "
                "Please withdraw them first, or wait until they are closed.",
                len(self.open_cases)) % {"references": ", ".join(c.reference for c in self.open_cases)})
        if self.organisation_access:
            reasons.append(gettext(
                "Your account also gives access to an employer's or an authority's cases. Please ask the "
                "organisation's owner or your administrator to remove that access first."))
        return " ".join(reasons)


def account_deletion_overview(*, viewer) -> AccountDeletionOverview:
    """Sorts the viewer's cases for the deletion of their account: never submitted (drafts and discarded
    drafts) → deleted; finished (closed, or withdrawn after submission) → kept until the retention period
    ends; anything else is still under way and must be withdrawn first."""
    overview = AccountDeletionOverview(
        organisation_access=user_is_staff_member(user=viewer) or user_is_employer(user=viewer))
    for case in applicant_case_list(viewer=viewer).order_by("created_at", "pk"):
        if case.never_submitted:
            overview.drafts.append(case)
        elif case.state in (CaseState.CLOSED, CaseState.WITHDRAWN):
            overview.retained.append(RetainedCase(case=case, until=case_retained_until(case)))
        else:
            overview.open_cases.append(case)
    overview.documents = Document.objects.filter(owner__user=viewer).filter(
        Q(case__isnull=True) | Q(case__in=[c.pk for c in overview.drafts])).count()
    return overview
