"""A case's procedure as a list of plain records, for audits and appeals (`manage.py case_timeline`).

Reads the case's Events and names each one with a stable code, the kind of office it
concerns (the AuthorityKind codes) and its outcome. A system read, for operators with shell access,
not for a portal viewer; it carries no personal data (no names, no message or note text).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils import timezone

from authorities.models import AuthorityRequest

from .decisions import DECISION_OFFICE_KIND
from .models import Case, Event, EventKind

# Transition name -> timeline code (others keep the transition's own name).
TRANSITION_KINDS = {
    "submit": "submitted",
    "start_completeness_check": "completeness_check_started",
    "request_documents": "documents_requested",
    "documents_provided": "documents_provided",
    "start_authority_review": "completeness_confirmed",
    "refer_to_visa_decision": "referred_to_visa_decision",
    "grant_visa": "visa_granted",
    "reject": "rejected",
    "report_entry": "entry_reported",
    "issue_permit": "permit_issued",
    "extend_permit": "permit_issued",
    "refuse_extension": "rejected",
    "close": "closed",
    "withdraw": "withdrawn",
}
# Authority event status (authorities.services and .appointments STATUS_*) -> timeline code.
AUTHORITY_KINDS = {
    "sent": "request_sent",
    "acknowledged": "request_acknowledged",
    "booking_requested": "appointment_requested",
    "appointment": "appointment_assigned",
    "answered": "request_answered",
    "resent": "request_resent",
    "overdue": "request_overdue",
    "failed": "request_failed",
    "booked": "appointment_booked",
    "rebooked": "appointment_rebooked",
    "booking_cancelled": "appointment_cancelled",
    "slot_cancelled": "appointment_cancelled_by_office",
    "appointment_attended": "appointment_attended",
    "appointment_missed": "appointment_missed",
    "on_file": "ba_approval_on_file",
    "on_file_removed": "ba_approval_on_file_removed",
}
# Back-office note codes -> timeline code.
NOTE_KINDS = {
    "awaiting_approval": "decision_awaiting_approval",
    "sent_back": "decision_sent_back",
    "claimed": "case_claimed",
    "released": "case_released",
}


@dataclass
class TimelineEntry:
    at: str
    kind: str
    authority_kind: str = ""
    step: str = ""
    outcome: str = ""
    state: str = ""
    internal: bool = False
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Without the empty fields: one JSON object per line stays short."""
        return {key: value for key, value in asdict(self).items() if value not in ("", {}, None)
                or key in ("at", "kind", "internal")}


def case_by_reference(reference: str) -> Case | None:
    return Case.objects.filter(reference=reference.strip()).first()


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """Every event of the case, oldest first (two queries)."""
    events = list(Event.objects.filter(case=case).order_by("created_at", "pk"))
    request_ids = {e.payload.get("request") for e in events if e.kind == EventKind.AUTHORITY}
    offices = dict(AuthorityRequest.objects.filter(case=case, public_id__in=[r for r in request_ids if r])
                   .values_list("public_id", "authority__kind"))
    offices = {str(key): kind or "" for key, kind in offices.items()}
    return [_entry(event, offices) for event in events]


def _entry(event: Event, offices: dict[str, str]) -> TimelineEntry:
    payload = event.payload or {}
    entry = TimelineEntry(at=timezone.localtime(event.created_at).isoformat(), kind=event.kind,
                          internal=event.internal)
    if event.kind == EventKind.TRANSITION:
        transition = payload.get("transition", "")
        entry.kind = TRANSITION_KINDS.get(transition, transition or "state_changed")
        entry.state = event.to_state
    elif event.kind == EventKind.AUTHORITY:
        status = payload.get("status", "")
        entry.kind = AUTHORITY_KINDS.get(status, f"request_{status}" if status else "request")
        entry.authority_kind = offices.get(payload.get("request", ""), "")
        entry.step = payload.get("purpose", "")
        if status in ("on_file", "on_file_removed"):
            entry.authority_kind = "ba"
            entry.extra.update({key: payload[key] for key in ("ground", "valid_until") if payload.get(key)})
        if status == "answered":
            entry.outcome = payload.get("outcome", "")
            if payload.get("deemed_approval"):
                entry.extra["deemed_approval"] = True
        for key in ("appointment", "due_at", "error"):
            if payload.get(key):
                entry.extra[key] = payload[key]
    elif event.kind == EventKind.DECISION:
        entry.kind = "decision_issued"
        entry.step = payload.get("kind", "")
        entry.outcome = payload.get("outcome", "")
        entry.authority_kind = str(DECISION_OFFICE_KIND.get(entry.step, ""))
    elif event.kind == EventKind.FEE:
        entry.kind = {"paid": "fee_paid", "refunded": "fee_refunded"}.get(payload.get("what"), "fee")
        # Fees fixed before fee kinds existed were all the visa fee.
        entry.extra["fee_kind"] = payload.get("fee_kind", "visa")
        if payload.get("in_person"):
            entry.extra["in_person"] = True
    elif event.kind == EventKind.NOTE and payload.get("bo"):
        entry.kind = NOTE_KINDS.get(payload["bo"], f"case_{payload['bo']}")
    return entry
