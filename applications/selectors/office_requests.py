"""The authority requests as the back office reads them: which still wait for an answer, which cases
an office was asked about."""

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import apps
from django.db.models import Q

from ..models import Case

# --- Back office: the authorities app, read defensively -------------------------------------------
# The authorities app (AuthorityRequest) is built alongside; these helpers find its fields by their
# type so that the back office keeps working (and fails closed) whatever their exact names are.


@dataclass(frozen=True)
class _RequestSchema:
    model: type
    case: str               # FK to Case
    office: str             # lookup path to the Organisation id
    authority: str | None   # FK to authorities.Authority, when there is one
    due: str | None         # legal deadline field
    open_q: Q               # filter for requests still waiting for an answer
    answered_at: str | None
    public_id: str


@cache
def _request_schema() -> _RequestSchema | None:
    try:
        model = apps.get_model("authorities", "AuthorityRequest")
    except LookupError:
        return None
    fields = {f.name: f for f in model._meta.get_fields() if getattr(f, "concrete", False)}
    case_fk = next((n for n, f in fields.items() if f.many_to_one and f.related_model is Case), None)
    organisation_model = apps.get_model("accounts", "Organisation")
    office = authority = None
    for name, f in fields.items():
        if f.many_to_one and f.related_model is not None and f.related_model._meta.label == "authorities.Authority":
            authority, office = name, f"{name}__organisation"
            break
    if office is None:
        office = next((n for n, f in fields.items() if f.many_to_one and f.related_model is organisation_model), None)
    if case_fk is None or office is None:
        return None
    due = next((n for n in ("due_at", "deadline", "due_on") if n in fields), None)
    answered_at = next((n for n in ("answered_at", "completed_at", "closed_at") if n in fields), None)
    if answered_at:
        open_q = Q(**{f"{answered_at}__isnull": True})
    elif "outcome" in fields:
        open_q = Q(outcome="") | (Q(outcome__isnull=True) if fields["outcome"].null else Q(pk__in=[]))
    else:
        open_q = Q()
    request_states = getattr(import_module(model.__module__), "RequestState", None)
    if "state" in fields and hasattr(request_states, "open_states"):
        # The authorities app says which states owe an answer (sent, acknowledged); a request that
        # is still on its way (pending) is already the office's to answer in the back office.
        waiting = list(request_states.open_states()) + ([request_states.PENDING] if hasattr(
            request_states, "PENDING") else [])
        open_q = Q(state__in=waiting)
    elif "state" in fields:
        closed = {"answered", "approved", "rejected", "deemed_approved", "cancelled", "closed", "done", "completed",
                  "failed", "withdrawn"}
        choices = {value for value, _ in (fields["state"].choices or [])}
        closed_here = closed & choices if choices else closed
        if closed_here:
            open_q &= ~Q(state__in=closed_here)
    public_id = "public_id" if "public_id" in fields else "pk"
    return _RequestSchema(model=model, case=case_fk, office=office, authority=authority, due=due, open_q=open_q,
                          answered_at=answered_at, public_id=public_id)


def _cases_requested_from_q(office_ids) -> Q | None:
    """Cases with a request to one of `office_ids`; None when there is no such case (fail closed)."""
    schema = _request_schema()
    if schema is None or not office_ids:
        return None
    requests = schema.model.objects.filter(**{f"{schema.office}__in": list(office_ids)}).values(schema.case)
    return Q(pk__in=requests)


def authority_requests_available() -> bool:
    return _request_schema() is not None


def _open_request_states() -> list[str]:
    """The request states that still owe an answer in the back office (see _request_schema)."""
    schema = _request_schema()
    request_states = getattr(import_module(schema.model.__module__), "RequestState", None)
    states = list(request_states.open_states()) if hasattr(request_states, "open_states") else []
    if hasattr(request_states, "PENDING"):
        states.append(request_states.PENDING)
    return [str(s) for s in states]
