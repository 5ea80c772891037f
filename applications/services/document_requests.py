"""A caseworker asks the applicant for documents, and the applicant answers with an upload."""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import Document, DocumentType
from documents.services import document_upload

from ..lifecycle import CaseState
from ..models import Case, DocumentRequest
from ..selectors.case_file import case_information_needed
from .backoffice import BackofficeError
from .cases import case_transition


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@transaction.atomic
def document_request_create(*, case: Case, actor, reason: str, note: str, due_on: date) -> DocumentRequest:
    """Asks the applicant for documents: a structured request plus the `request_documents` transition
    (whose public Event notifies the applicant in their language)."""
    if due_on <= timezone.localdate():
        raise BackofficeError(gettext("The deadline must be in the future."))
    if case.state == CaseState.SUBMITTED:
        case_transition(case=case, transition="start_completeness_check", actor=actor)
    if case.state == CaseState.AUTHORITY_REVIEW and not case_information_needed(case=case):
        raise BackofficeError(gettext("The authorities are working on this case: documents can only be asked "
                                      "for when an office needs more information."))
    request = DocumentRequest.objects.create(case=case, reason=reason, note=note.strip(), due_at=_end_of_day(due_on),
                                             requested_by=actor)
    case_transition(case=case, transition="request_documents", actor=actor,
                    payload={"reason": reason, "note": request.note, "deadline": due_on.isoformat(),
                             "request": str(request.public_id)})
    return request


def case_documents_provide(*, case, actor, file, document_type: str = DocumentType.OTHER,
                           note: str = "", extra: dict | None = None) -> Document:
    """Answers a caseworker's request for documents with one upload: stores the file and moves the
    case from "documents requested" back to the completeness check. All or nothing: if the case is
    no longer waiting for documents, the upload is undone and IllegalTransition is raised. `extra`
    goes into the timeline entry's payload (who acted on whose behalf)."""
    document = None
    try:
        with transaction.atomic():
            document = document_upload(person=case.person, uploaded_by=actor, file=file, case=case,
                                       document_type=document_type)
            payload = {"document": str(document.public_id), "name": document.original_name}
            if note.strip():
                payload["note"] = note.strip()[:2000]
            payload.update(extra or {})
            case_transition(case=case, transition="documents_provided", actor=actor, payload=payload)
    except BaseException:
        if document is not None and document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document
