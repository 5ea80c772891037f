"""Writes for documents: upload, reuse, replace, delete, and recording the automated checks.

An upload is accepted only if it is a PDF, JPEG or PNG by its first bytes (never by its name or
the browser's content type), not empty, not larger than ``WSA_UPLOAD_MAX_BYTES``, an image whose
header does not claim more pixels than the checks accept, and — when ``WSA_CLAMD_ADDRESS`` is set —
declared clean by the virus scanner (``documents.scanning``; a scanner that cannot be reached
refuses the upload). The file is
stored under the document's random id, in the same transaction as its row: when the row cannot
be written the stored file is deleted again, so nothing half-uploaded is left behind. The checks
run afterwards in a Celery task (``documents.tasks.check_document``), started on commit.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wsa.queueing import enqueue, enqueue_on_commit

from . import scanning
from .checks import limits
from .checks import sniff as checks_sniff
from .checks.findings import CATALOGUE, finding
from .models import Document, DocumentType, Finding
from .signals import document_checked

logger = logging.getLogger(__name__)

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 120
# The key under Document.extracted that remembers which checklist item (a rules document code
# such as "anabin_or_zab") the applicant uploaded the file for. Kept when the checks rewrite
# the extracted fields.
REQUIREMENT_KEY = "requirement"

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
ALLOWED_CONTENT_TYPES = (PDF, JPEG, PNG)
_EXTENSIONS = {PDF: ("pdf",), JPEG: ("jpg", "jpeg"), PNG: ("png",)}

# Findings that make a file unusable: the document is rejected and must be uploaded again.
REJECTING_CODES = frozenset({
    "empty_file", "file_too_large", "unsupported_type", "too_many_pages", "image_too_large",
    "file_damaged", "pdf_encrypted", "pdf_active_content", "content_too_large",
})

# Rules document codes that have a document type of their own; every other code is "other".
_TYPE_FOR_REQUIREMENT = {
    "passport": DocumentType.PASSPORT,
    "photo": DocumentType.PHOTO,
    "cv": DocumentType.CV,
    "employment_contract": DocumentType.EMPLOYMENT_CONTRACT,
    "degree_certificate": DocumentType.DEGREE_CERTIFICATE,
    "recognition_notice": DocumentType.RECOGNITION_NOTICE,
    "language_certificate": DocumentType.LANGUAGE_CERTIFICATE,
    "health_insurance": DocumentType.HEALTH_INSURANCE,
}


class DocumentRejected(ValidationError):
    """An upload that was refused; ``message`` says why and what to do, in the user's language."""

    def __init__(self, message, code: str = "rejected"):
        super().__init__(message, code=code)


class DocumentLocked(ValidationError):
    """The document belongs to a submitted case and can no longer be replaced or deleted."""

    def __init__(self):
        super().__init__(
            _("This document belongs to a submitted application and can no longer be changed. "
              "Please send a message to your case team if something is wrong with it."),
            code="locked",
        )


def upload_max_bytes() -> int:
    return int(getattr(settings, "WSA_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def document_type_for_requirement(code: str) -> str:
    return _TYPE_FOR_REQUIREMENT.get(code, DocumentType.OTHER)


# --- pure helpers ----------------------------------------------------------------------------

def sniff_content_type(data: bytes) -> str | None:
    """The content type by the file's magic bytes: PDF, JPEG or PNG, otherwise None."""
    # The checks pipeline's sniffer knows more formats; we accept only three.
    sniffer = getattr(checks_sniff, "sniff_content_type", None) or getattr(checks_sniff, "sniff", None)
    if sniffer is not None:
        try:
            found = sniffer(data)
            found = getattr(found, "content_type", found)
            if found in ALLOWED_CONTENT_TYPES:
                return found
        except Exception:  # noqa: S110 - an unexpected interface: fall back to our own signatures
            pass
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def display_name(name: str, *, limit: int = 1000) -> str:
    """The last path component of ``name`` without control or format characters."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split()).strip(" .")[:limit]


def sanitise_filename(name: str, *, content_type: str) -> str:
    """A display name that is safe to show and to offer as a download name.

    Drops any directory part (``../../etc/passwd``, ``C:\\x``), control and format characters (null
    bytes, the right-to-left override U+202E and other bidi or zero-width marks), collapses white
    space, and makes the extension match the sniffed content type, so ``invoice\u202efdp.exe``
    cannot pose as something else.
    """
    text = display_name(name)
    stem, dot, extension = text.rpartition(".")
    if not dot:
        stem, extension = text, ""
    allowed = _EXTENSIONS.get(content_type, ("bin",))
    if extension.lower() not in allowed:
        # A wrong or missing extension is replaced by the one of the sniffed type.
        extension = allowed[0]
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .") or "document"
    return f"{stem}.{extension.lower()}"


def _reject(code: str, **params) -> DocumentRejected:
    template = gettext(CATALOGUE[code].msgid)
    return DocumentRejected(template % {"field": "", "expected": "", "found": "", **params}, code=code)


def _read_limited(file, limit: int) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        # limit + 1 bytes: the upload handler dropped the rest, the real size is not known.
        found = filesizeformat(size) if size > limit + 1 else _("more than %(limit)s") % {
            "limit": filesizeformat(limit)}
        raise _reject("file_too_large", found=found, expected=filesizeformat(limit))
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    data = file.read(limit + 1)
    if len(data) > limit:
        raise _reject("file_too_large", found=_("more than %(limit)s") % {"limit": filesizeformat(limit)},
                      expected=filesizeformat(limit))
    return data


def validate_upload(file) -> tuple[bytes, str]:
    """Reads and checks one uploaded file; returns (bytes, content type) or raises DocumentRejected."""
    data = _read_limited(file, upload_max_bytes())
    if not data:
        raise _reject("empty_file")
    content_type = sniff_content_type(data[:2048])
    if content_type is None:
        raise _reject("unsupported_type", found=_("unknown file type"))
    if content_type in (JPEG, PNG):
        _check_image_header(data, content_type)
    return data, content_type


def _check_image_header(data: bytes, content_type: str) -> None:
    """A decompression bomb is refused from its header alone, before it is stored or decoded."""
    size = limits.image_dimensions(data, content_type)
    if size is not None and size[0] * size[1] > limits.DEFAULT.max_pixels:
        raise _reject("image_too_large", found=f"{size[0]} × {size[1]}", expected=f"{limits.DEFAULT.max_pixels:,}")


def scan_for_viruses(data: bytes) -> None:
    """Raises DocumentRejected unless the virus scanner (when configured) says the bytes are clean."""
    result = scanning.scan(data)
    if result.status == scanning.Status.INFECTED:
        raise _reject("virus_found", found=result.signature)
    if not result.accepted:
        raise _reject("scanner_unavailable")


# --- writes ----------------------------------------------------------------------------------

def _store(*, document: Document, data: bytes) -> None:
    """Saves the document row and its file together; deletes the file if the row fails."""
    stored_name = None
    try:
        with transaction.atomic():
            document.file.save(document.original_name, ContentFile(data), save=False)
            stored_name = document.file.name
            document.save()
            _queue_check(document.pk, after_commit=True)
    except BaseException:
        if stored_name:
            document.file.storage.delete(stored_name)
        raise


def _queue_check(document_id: int, *, after_commit: bool = False) -> None:
    """Queues the check. A broker that is down must not turn a stored upload into an error page:
    the document stays "uploaded" and ``document_check_sweep`` (beat) queues it later. The task is
    named: documents.tasks imports this module."""
    (enqueue_on_commit if after_commit else enqueue)("documents.tasks.check_document", (document_id,))


def document_upload(*, person, uploaded_by, file, case=None, document_type: str = DocumentType.UNKNOWN,
                    requirement: str = "") -> Document:
    """Stores one uploaded file as a Document of ``person`` (and ``case``) and starts its checks.

    Raises DocumentRejected (a ValidationError with a translated message) for an empty, too large
    or unsupported file, an image bomb, or a file the virus scanner refuses or cannot vouch for;
    then nothing is stored.
    """
    if case is not None and case.person_id != person.pk:
        raise ValueError("The case belongs to another person.")
    data, content_type = validate_upload(file)
    scan_for_viruses(data)
    if requirement and document_type in ("", DocumentType.UNKNOWN):
        document_type = document_type_for_requirement(requirement)
    document = Document(
        owner=person, case=case, document_type=document_type or DocumentType.UNKNOWN,
        original_name=sanitise_filename(getattr(file, "name", ""), content_type=content_type),
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type=content_type,
        state=Document.State.UPLOADED, uploaded_by=uploaded_by,
        extracted={REQUIREMENT_KEY: requirement} if requirement else {},
    )
    _store(document=document, data=data)
    return document


def _check_changeable(document: Document) -> None:
    if document.case_id is not None and document.case.state != "draft":
        raise DocumentLocked()


def document_reuse(*, document: Document, case, actor, requirement: str = "") -> Document:
    """Attaches a copy of a library document to ``case``: its own row and file, with the findings
    of the original (the bytes are the same, so the checks need not run again)."""
    if case.person_id != document.owner_id:
        raise ValueError("The document belongs to another person.")
    if case.state != "draft":
        raise DocumentLocked()
    with document.file.open("rb") as handle:
        data = handle.read()
    extracted = {k: v for k, v in (document.extracted or {}).items() if k != REQUIREMENT_KEY}
    if requirement:
        extracted[REQUIREMENT_KEY] = requirement
    document_type = document.document_type
    if requirement and document_type in (DocumentType.UNKNOWN, DocumentType.OTHER):
        document_type = document_type_for_requirement(requirement)
    copy = Document(
        owner_id=document.owner_id, case=case, document_type=document_type, original_name=document.original_name,
        sha256=document.sha256, size=document.size, content_type=document.content_type,
        page_count=document.page_count, extracted=extracted, uploaded_by=actor,
        state=document.state if document.state in _FINAL_STATES else Document.State.UPLOADED,
        checked_at=document.checked_at,
    )
    stored_name = None
    try:
        with transaction.atomic():
            copy.file.save(document.original_name, ContentFile(data), save=False)
            stored_name = copy.file.name
            copy.save()
            Finding.objects.bulk_create([
                Finding(document=copy, code=f.code, severity=f.severity, field=f.field, expected=f.expected,
                        found=f.found, confidence=f.confidence, evidence=f.evidence)
                for f in document.findings.all()
            ])
            if copy.state not in _FINAL_STATES:
                _queue_check(copy.pk, after_commit=True)
    except BaseException:
        if stored_name:
            copy.file.storage.delete(stored_name)
        raise
    return copy


def document_delete(*, document: Document, actor) -> None:
    """Deletes a library document, or one of a draft application; refused after submission."""
    _check_changeable(document)
    documents_remove([document])


def documents_remove(documents) -> int:
    """Deletes the rows of `documents` (their findings go with them) and, once the transaction commits,
    their stored files: a rollback keeps rows and files together. No permission check: callers are
    document_delete, the retention jobs and the account deletion. Returns how many were deleted."""
    count = 0
    with transaction.atomic():
        for document in documents:
            stored_name, storage = document.file.name, document.file.storage
            document.delete()
            if stored_name:
                transaction.on_commit(partial(_stored_file_delete, storage, stored_name), robust=True)
            count += 1
    return count


def _stored_file_delete(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # already gone, or the storage is unreachable: the row is gone either way
        logger.warning("Stored file %s could not be deleted", name)


def document_replace(*, document: Document, file, actor) -> Document:
    """Uploads ``file`` in place of ``document`` (same person, case, type and checklist item)."""
    _check_changeable(document)
    with transaction.atomic():
        new = document_upload(
            person=document.owner, uploaded_by=actor, file=file, case=document.case,
            document_type=document.document_type,
            requirement=(document.extracted or {}).get(REQUIREMENT_KEY, ""),
        )
        try:
            document_delete(document=document, actor=actor)
        except BaseException:
            new.file.storage.delete(new.file.name)
            raise
    return new


# --- recording the checks --------------------------------------------------------------------

_FINAL_STATES = frozenset({Document.State.PASSED, Document.State.NEEDS_ATTENTION, Document.State.REJECTED})


MAX_CHECK_ATTEMPTS = 3
# The sweep re-queues checks that never started (the broker was down) or never finished (the
# message was lost with a broker's data); a check that is merely slow is left alone.
SWEEP_UPLOADED_AFTER = timedelta(minutes=10)
SWEEP_CHECKING_AFTER = timedelta(minutes=30)


def document_check_start(*, document_id: int) -> Document | None:
    """Marks the document as being checked and counts the attempt; None if it no longer exists or
    is already checked (a duplicate message). After ``MAX_CHECK_ATTEMPTS`` starts (the worker died
    each time: a file that crashes or hangs it) the check is given up and recorded as failed."""
    updated = (
        Document.objects.filter(pk=document_id)
        .exclude(state__in=_FINAL_STATES)
        .update(state=Document.State.CHECKING, check_attempts=F("check_attempts") + 1)
    )
    if not updated:
        return None
    document = Document.objects.select_related("owner", "case").get(pk=document_id)
    if document.check_attempts > MAX_CHECK_ATTEMPTS:
        logger.error("document %s: check given up after %s attempts", document_id, document.check_attempts - 1)
        document_check_failed(document=document, reason=f"gave up after {document.check_attempts - 1} attempts")
        return None
    return document


def case_contracts_recheck(*, case_id: int) -> int:
    """Checks a case's employment contracts again (after the commit): their comparison with the declared
    employment (salary, hours, start date) is a finding of the check, so when the declaration changes the
    finding must follow. Not a rejected file (nothing was read from it). Returns how many."""
    ids = list(Document.objects.filter(
        case_id=case_id, document_type=DocumentType.EMPLOYMENT_CONTRACT,
        state__in=[Document.State.PASSED, Document.State.NEEDS_ATTENTION],
    ).values_list("pk", flat=True))
    if ids:
        Document.objects.filter(pk__in=ids).update(state=Document.State.UPLOADED, check_attempts=0)
        for document_id in ids:
            _queue_check(document_id, after_commit=True)
    return len(ids)


def document_check_sweep_run(*, limit: int = 200) -> int:
    """Queues the check of every document stuck before a final state; returns how many."""
    now = timezone.now()
    stuck = (
        Document.objects.filter(
            Q(state=Document.State.UPLOADED, created_at__lte=now - SWEEP_UPLOADED_AFTER)
            | Q(state=Document.State.CHECKING, created_at__lte=now - SWEEP_CHECKING_AFTER)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stuck)
    for document_id in ids:
        _queue_check(document_id)
    return len(ids)


def check_context(document: Document) -> dict[str, Any]:
    """What the applicant entered, for the checks to compare the document with."""
    person = document.owner
    context: dict[str, Any] = {
        "surname": person.surname,
        "given_names": person.given_names,
        "birth_date": person.birth_date,
        "nationality": person.nationality,
    }
    if document.document_type not in (DocumentType.UNKNOWN, DocumentType.OTHER):
        context["expected_document_type"] = document.document_type
    context.update(_declared_work(document))
    return context


def _declared_work(document: Document) -> dict[str, Any]:
    """The employment the document's case declares, for a contract to be compared with; reached through the
    case as the owner's names are through the owner (this app imports none of the case's models)."""
    if document.case_id is None:
        return {}
    try:
        employment = document.case.employment
    except ObjectDoesNotExist:
        return {}
    return {"declared_annual_salary": employment.annual_gross_salary,
            "declared_weekly_hours": employment.weekly_hours,
            "declared_start_date": employment.start_date}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _state_for(findings) -> str:
    severities = {str(getattr(f, "severity", "")) for f in findings}
    if any(str(getattr(f, "severity", "")) == "error" and f.code in REJECTING_CODES for f in findings):
        return Document.State.REJECTED
    if "error" in severities or "warning" in severities:
        return Document.State.NEEDS_ATTENTION
    return Document.State.PASSED


def _severity(finding) -> str:
    severity = str(getattr(finding, "severity", ""))
    return severity if severity in Finding.Severity.values else Finding.Severity.WARNING


def _clip(value: Any, length: int) -> str:
    return ("" if value is None else str(value))[:length]


@transaction.atomic
def document_check_record(*, document: Document, result) -> Document:
    """Writes the findings and extracted fields of one check run and sets the final state.

    ``result`` has ``content_type``, ``page_count``, ``document_type``, ``fields`` and ``findings``
    (as returned by ``documents.checks.pipeline.inspect_bytes``).
    """
    locked = Document.objects.select_for_update().filter(pk=document.pk).first()
    if locked is None:  # deleted while it was being checked
        return document
    findings = list(getattr(result, "findings", None) or [])
    Finding.objects.filter(document=locked).delete()
    Finding.objects.bulk_create([
        Finding(
            document=locked, code=_clip(getattr(f, "code", "check_failed"), 60),
            severity=_severity(f),
            field=_clip(getattr(f, "field", ""), 60), expected=_clip(getattr(f, "expected", ""), 200),
            found=_clip(getattr(f, "found", ""), 200), confidence=getattr(f, "confidence", None),
            evidence=_clip(getattr(f, "evidence", ""), 2000),
        )
        for f in findings
    ])
    requirement = (locked.extracted or {}).get(REQUIREMENT_KEY)
    extracted = _jsonable(dict(getattr(result, "fields", None) or {}))
    if requirement:
        extracted[REQUIREMENT_KEY] = requirement
    locked.extracted = extracted
    locked.state = _state_for(findings)
    page_count = getattr(result, "page_count", None)
    locked.page_count = page_count if isinstance(page_count, int) and page_count >= 0 else locked.page_count
    found_type = str(getattr(result, "document_type", "") or "")
    if locked.document_type == DocumentType.UNKNOWN and found_type in DocumentType.values:
        locked.document_type = found_type
    locked.checked_at = timezone.now()
    locked.save(update_fields=["extracted", "state", "page_count", "document_type", "checked_at"])
    document_checked.send(sender=Document, document=locked)
    return locked


class _FailedCheck:
    """A check result for when the pipeline could not run: the document is kept for a caseworker."""

    content_type = ""
    page_count = None
    document_type = ""
    fields: dict = {}

    def __init__(self, reason: str):
        self.findings = [finding("check_failed", found=reason[:200])]


def document_check_failed(*, document: Document, reason: str) -> Document:
    return document_check_record(document=document, result=_FailedCheck(reason))
