"""What a case records when something happens in a layer below it (which sends a signal and knows
nothing of cases). Connected in ApplicationsConfig.ready()."""

from django.utils import translation

from documents.models import Document

from .models import EventKind
from .services import event_append


def document_checked(sender, *, document: Document, **kwargs) -> None:
    """The check of a case's document is a public timeline entry (the applicant is told)."""
    if document.case_id is None:
        return
    # "what" is the English state label, i.e. its msgid, so the timeline can translate it.
    with translation.override("en"):
        what = str(Document.State(document.state).label)
    event_append(
        case=document.case, kind=EventKind.DOCUMENT, actor=None,
        payload={"document": str(document.public_id), "name": document.original_name,
                 "state": document.state, "what": what},
    )
