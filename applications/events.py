"""Timeline sentences. Stored events keep only kind and data; the sentence is made when it is read,
so every reader sees it in their own language."""

from django.utils.translation import gettext as _

from authorities.events import authority_event_text
from documents.models import Document

from .lifecycle import TRANSITIONS, CaseState


def _choice_label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _state_label(value: str) -> str:
    return _choice_label(CaseState, value)


def event_text(event) -> str:
    payload = event.payload or {}
    if event.kind == "created":
        return _("The case was created.")
    if event.kind == "transition":
        transition = TRANSITIONS.get(payload.get("transition", ""))
        if transition is not None and transition.name == "submit":
            return _("The application was submitted.")
        return _("Status changed from “%(from)s” to “%(to)s”.") % {
            "from": _state_label(event.from_state), "to": _state_label(event.to_state)
        }
    if event.kind == "message":
        return _("New message in the case.")
    if event.kind == "document":
        return _("Document “%(name)s”: %(what)s") % {
            "name": payload.get("name", ""), "what": _choice_label(Document.State, payload.get("state", "")),
        }
    if event.kind == "authority":
        return authority_event_text(payload)
    if event.kind == "decision":
        return _("A decision was issued.")
    if event.kind == "note":
        return _("Internal note added.")
    return event.get_kind_display()
