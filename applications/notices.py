"""What the applicant's e-mail about their case carries (tasks.notify_case): only what others did,
and for a request for documents what is asked for and by when."""

from documents.models import Document

from .models import DocumentRequest, EventKind

# An appointment the person booked, moved or cancelled themselves is still mailed: the message is
# their record of when and where to appear, which the booking page promises.
CONFIRMED_STATUSES = {"booked", "rebooked", "booking_cancelled"}

# The automatic check of a file ends here without asking anything of the person who uploaded it.
QUIET_CHECK_STATES = {Document.State.UPLOADED, Document.State.CHECKING, Document.State.PASSED}


def news_for(events, *, user_id: int | None) -> list:
    """The entries that are news to the account `user_id`: not its own steps (draft, uploads, messages,
    submission), nor the automatic check of a file it uploaded itself, unless the check asks it to
    act (the file needs attention or was rejected). Its own appointment bookings are confirmed."""
    if user_id is None:
        return list(events)
    events = [event for event in events if event.actor_id != user_id or _confirmation(event)]
    checked = {event.payload.get("document") for event in events
               if event.kind == EventKind.DOCUMENT and event.payload.get("state") in QUIET_CHECK_STATES}
    own = set(Document.objects.filter(public_id__in=[value for value in checked if value], uploaded_by_id=user_id)
              .values_list("public_id", flat=True)) if checked else set()
    own = {str(value) for value in own}
    return [event for event in events
            if not (event.kind == EventKind.DOCUMENT and event.payload.get("state") in QUIET_CHECK_STATES
                    and event.payload.get("document") in own)]


def document_requests_in(events) -> list[DocumentRequest]:
    """The requests for documents these entries made, with their reason, note and deadline."""
    ids = [event.payload.get("request") for event in events
           if event.kind == EventKind.TRANSITION and event.payload.get("transition") == "request_documents"]
    ids = [value for value in ids if value]
    return list(DocumentRequest.objects.filter(public_id__in=ids).order_by("created_at")) if ids else []


def _confirmation(event) -> bool:
    return event.kind == EventKind.AUTHORITY and event.payload.get("status") in CONFIRMED_STATUSES
