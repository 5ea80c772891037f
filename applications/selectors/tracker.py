"""The applicant's status as a stage tracker: the stages of the procedure for the case's title, each
done (when), now (who works on it, since when, the legal deadline) or next, read from the facts of the
case (transitions, the offices' requests and answers, the appointment, the fee, the decisions) so that
it never contradicts the rest of the status page.

The order is the law's (DOMAIN.md §8.1; applications.procedure): 1. the WSA's completeness check;
2. the approvals the case needs (BA § 39 AufenthG with § 36 Abs. 2 BeschV, recognition § 18 Abs. 2
Nr. 3–4 AufenthG, register and security consultation § 73 AufenthG, the § 81a pre-approval § 31
Abs. 3 AufenthV); 3. visa fee paid (§ 46 Abs. 2 Nr. 1 AufenthV) and the appointment at the visa office
attended (identity check and fingerprints, § 49 Abs. 5 Nr. 5, Abs. 6a AufenthG); 4. the visa decision
(§ 71 Abs. 2 AufenthG); 5. after entry the foreigners' authority's residence permit (§ 71 Abs. 1
AufenthG). An extension (§ 81 Abs. 4 AufenthG) has its own, shorter list: completeness, the approvals
and the foreigners' authority's review, its decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from authorities import routing
from authorities import selectors as authority_selectors
from authorities.events import information_needed_reason
from authorities.models import AppointmentBooking, AuthorityRequest, Outcome, Purpose, RequestState

from ..lifecycle import CaseState
from ..models import Case, EventKind, FeeDue, TitleKind, permit_title_kind
from ..payments.selectors import case_fees
from .deadlines import COMPLETENESS_CHECK_DAYS

DONE, CURRENT, NEXT = "done", "current", "next"
REFUSED, SKIPPED, NOT_REACHED, WITHDRAWN = "refused", "skipped", "not_reached", "withdrawn"

STATUS_LABELS = {
    DONE: pgettext_lazy("stage of the procedure", "Done"),
    CURRENT: pgettext_lazy("stage of the procedure", "In progress"),
    NEXT: pgettext_lazy("stage of the procedure", "Next"),
    REFUSED: pgettext_lazy("stage of the procedure", "Refused"),
    SKIPPED: pgettext_lazy("stage of the procedure", "Not needed any more"),
    NOT_REACHED: pgettext_lazy("stage of the procedure", "Not reached"),
    WITHDRAWN: pgettext_lazy("stage of the procedure", "Stopped: application withdrawn"),
}

WSA_NAME = gettext_lazy("Work-and-Stay-Agentur (WSA)")
PRE_REVIEW = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED)


@dataclass
class Item:
    """One office's part of a stage (an approval)."""

    label: str
    office: str
    text: str
    deadline: datetime | None = None
    basis: str = ""


@dataclass
class Stage:
    key: str
    number: int
    label: str
    status: str = NEXT
    done_at: datetime | None = None
    who: str = ""
    since: datetime | None = None
    deadline: datetime | None = None
    basis: str = ""  # where the deadline comes from (a statute, or the WSA's service target)
    notes: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Facts:
    """What the tracker reads of a case: its transitions and requests (two queries); the fee and the
    attendance only once the offices have the case."""

    state: str
    transitions: list[tuple[str, str, str, datetime]]  # (transition, from, to, at), oldest first
    requests: list[AuthorityRequest]
    attended_at: datetime | None = None
    fee: FeeDue | None = None

    def first(self, transition: str) -> datetime | None:
        return next((at for name, _f, _t, at in self.transitions if name == transition), None)

    def last(self, transition: str) -> datetime | None:
        return next((at for name, _f, _t, at in reversed(self.transitions) if name == transition), None)

    def request(self, purpose: str) -> AuthorityRequest | None:
        return next((r for r in self.requests if r.purpose == purpose), None)


class CaseRows:
    """What several sections of one page read of the same case the viewer may already see (the tracker,
    the appointment, the fees), read once and only when a section asks. One per response: never kept
    beyond it, so never stale."""

    def __init__(self, case: Case):
        self.case = case

    @cached_property
    def requests(self) -> list[AuthorityRequest]:
        """Every authority request with its office, oldest first (not the request documents sent, nor
        the delivery errors)."""
        return list(self.case.authority_requests.select_related("authority").defer("request_body", "last_error")
                    .order_by("pk"))

    @cached_property
    def booking(self) -> AppointmentBooking | None:
        return authority_selectors.case_active_booking(case=self.case)

    def active_booking(self) -> AppointmentBooking | None:
        return self.booking

    @cached_property
    def fees(self) -> list[FeeDue]:
        """Every fee of the case with the state of its latest payment (payments.selectors.case_fees)."""
        return case_fees(case=self.case)

    def requests_if_read(self) -> list[AuthorityRequest] | None:
        """The requests if a section read them already, else None (the caller then asks for less)."""
        return self.__dict__.get("requests")


def _facts(case: Case, *, rows: CaseRows, events) -> Facts:
    if events is None:
        transitions = [((payload or {}).get("transition", ""), source, target, at)
                       for payload, source, target, at in
                       case.events.filter(kind=EventKind.TRANSITION).order_by("created_at", "pk")
                       .values_list("payload", "from_state", "to_state", "created_at")]
    else:  # transitions are public events (case_transition), so the viewer's timeline holds them all
        transitions = [((e.payload or {}).get("transition", ""), e.from_state, e.to_state, e.created_at)
                       for e in sorted(events, key=lambda e: (e.created_at, e.pk)) if e.kind == EventKind.TRANSITION]
    facts = Facts(state=case.state, transitions=transitions, requests=rows.requests)
    if facts.request(Purpose.VISA) is not None:
        booking = rows.booking
        facts.attended_at = booking.attended_at if booking is not None else None
        facts.fee = min(rows.fees, key=lambda fee: fee.pk, default=None)
    return facts


def _effective_state(facts: Facts) -> str:
    """A withdrawn or closed case is shown as it stood when it was withdrawn or closed."""
    state = facts.state
    for name, source, target, _at in reversed(facts.transitions):
        if state not in (CaseState.WITHDRAWN, CaseState.CLOSED):
            break
        if target == state and name in ("withdraw", "close"):
            state = source
    return state


def _office(request: AuthorityRequest | None) -> str:
    return request.authority.name if request is not None and request.authority_id else ""


def _deadline_basis(request: AuthorityRequest) -> str:
    return request.deadline_source or ""


def _approval_item(request: AuthorityRequest) -> Item:
    office = _office(request) or _("the responsible office")
    label = request.get_purpose_display()
    if request.state in (RequestState.PENDING, RequestState.FAILED):
        return Item(label, office, _("Being prepared by the WSA."))
    if request.state == RequestState.ANSWERED:
        if request.outcome == Outcome.APPROVED:
            text = _("Approved on %(date)s.") % {"date": _date(request.answered_at)}
            if request.deemed_approval:
                text += " (" + _("deemed approved: no answer within the legal deadline") + ")"
            return Item(label, office, text)
        if request.outcome == Outcome.REJECTED:
            return Item(label, office, _("Refused on %(date)s.") % {"date": _date(request.answered_at)})
        return Item(label, office, _("Needs more information: %(reason)s. The WSA completes your case and sends "
                                     "it again; if something is needed from you, it asks you here.")
                    % {"reason": information_needed_reason(request.response_body)})
    since = request.sent_at
    text = (_("Working on it since %(date)s.") % {"date": _date(since)}) if since else _("Sent.")
    if request.overdue_since:
        text += " " + _("The legal deadline has passed; the WSA follows it up.")
    return Item(label, office, text, deadline=request.due_at, basis=_deadline_basis(request))


def _date(moment) -> str:
    """A date in the words of the active language ("6 December 2026"): never ambiguous like 06/12."""
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment) if isinstance(moment, datetime) else moment,
                               "DATE_FORMAT")


def _completeness_stage(case: Case, facts: Facts, state: str) -> Stage:
    stage = Stage("completeness", 1, _("Completeness check by the WSA"), who=str(WSA_NAME))
    confirmed = facts.first("start_authority_review")
    if confirmed:
        stage.status, stage.done_at = DONE, confirmed
    elif state in PRE_REVIEW:
        stage.status, stage.since = CURRENT, case.submitted_at
        if case.submitted_at:
            stage.deadline = case.submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS)
            stage.basis = _("service target of the WSA; the law sets no deadline")
        if state == CaseState.DOCUMENTS_REQUESTED:
            stage.notes.append(_("Waiting for the documents you were asked for (see below)."))
    return stage


def _approvals_stage(case: Case, facts: Facts, state: str, number: int, label: str) -> Stage:
    stage = Stage("approvals", number, label)
    requests = [r for r in facts.requests if r.purpose in routing.APPROVAL_STEPS]
    if not facts.first("start_authority_review"):
        # Which offices must approve is settled with the completeness check (the recognition, the salary
        # threshold and the § 81a procedure are checked then): only those are named, once asked.
        stage.notes.append(_("Once your application is complete, the WSA asks the offices whose approval your "
                             "residence title needs, all at the same time."))
        return stage
    stage.items = [_approval_item(r) for r in requests]
    stage.who = ", ".join(dict.fromkeys(_office(r) for r in requests if r.state != RequestState.ANSWERED
                                        and _office(r)))
    answered = [r for r in requests if r.state == RequestState.ANSWERED]
    if any(r.outcome == Outcome.REJECTED for r in answered):
        stage.status = REFUSED
        stage.done_at = max(r.answered_at for r in answered if r.outcome == Outcome.REJECTED)
    elif len(answered) == len(requests) and all(r.outcome == Outcome.APPROVED for r in answered):
        stage.status = DONE
        stage.done_at = max((r.answered_at for r in answered), default=facts.first("start_authority_review"))
        if not requests:
            stage.notes.append(_("Your application needs no approval of another office."))
    else:
        stage.status = CURRENT
        stage.since = facts.first("start_authority_review")
        open_ = [r for r in requests if r.due_at and r.state in RequestState.open_states()]
        if open_:
            earliest = min(open_, key=lambda r: r.due_at)
            stage.deadline, stage.basis = earliest.due_at, _deadline_basis(earliest)
        if any(r.state == RequestState.ANSWERED and r.outcome == Outcome.INFORMATION_NEEDED for r in requests):
            stage.who = ", ".join(x for x in (str(WSA_NAME), stage.who) if x)
            if state == CaseState.DOCUMENTS_REQUESTED:
                stage.notes.append(_("Waiting for the documents you were asked for (see below)."))
    return stage


def _appointment_stage(case: Case, facts: Facts, approvals: Stage) -> Stage:
    stage = Stage("appointment", 3, _("Visa fee paid and appointment at the visa office attended"))
    visa = facts.request(Purpose.VISA)
    stage.who = _office(visa)
    if not facts.first("start_authority_review") or visa is None:
        return stage
    paid = facts.fee is None or facts.fee.paid_at is not None
    if facts.attended_at and paid:
        stage.status = DONE
        stage.done_at = max(x for x in (facts.attended_at, facts.fee.paid_at if facts.fee else None) if x)
        return stage
    if approvals.status == REFUSED:
        stage.status = SKIPPED
        return stage
    stage.status, stage.since = CURRENT, visa.acknowledged_at or visa.sent_at
    target = authority_selectors.appointment_target(case=case, request=visa) if not facts.attended_at else None
    if target and target["due"]:
        stage.deadline, stage.basis = target["due"], target["source"]
    stage.notes.append(_("Appointment attended on %(date)s.") % {"date": _date(facts.attended_at)}
                       if facts.attended_at else _("Appointment: not attended yet."))
    if facts.fee is not None:
        stage.notes.append(_("Fee paid on %(date)s.") % {"date": _date(facts.fee.paid_at)}
                           if facts.fee.paid_at else _("Fee: not paid yet."))
    return stage


def _decision_stage(facts: Facts, state: str, *, number: int, label: str, decided_by: str,
                    granted: tuple[str, ...], refused: tuple[str, ...], current_in: tuple[str, ...]) -> Stage:
    stage = Stage("decision", number, label, who=decided_by)
    granted_at = next((facts.last(t) for t in granted if facts.last(t)), None)
    refused_at = next((facts.last(t) for t in refused if facts.last(t)), None)
    if refused_at and state in (CaseState.REJECTED,):
        stage.status, stage.done_at = REFUSED, refused_at
    elif granted_at:
        stage.status, stage.done_at = DONE, granted_at
    elif state in current_in:
        stage.status = CURRENT
        stage.since = max((at for name, _f, target, at in facts.transitions if target in current_in), default=None)
    return stage


def _after_entry_stage(case: Case, facts: Facts, state: str) -> Stage:
    permit = facts.request(Purpose.RESIDENCE_PERMIT)
    blue_card = permit_title_kind(case.title_code) == TitleKind.EU_BLUE_CARD
    stage = Stage("after_entry", 5,
                  _("After your entry: EU Blue Card from the foreigners' authority") if blue_card
                  else _("After your entry: residence permit from the foreigners' authority"),
                  who=_office(permit) or _("the foreigners' authority at your place of residence"))
    if facts.last("issue_permit"):
        stage.status, stage.done_at = DONE, facts.last("issue_permit")
    elif state == CaseState.VISA_GRANTED:
        stage.status, stage.who = CURRENT, pgettext("who works on a stage", "you")
        stage.notes.append(
            _("Travel to Germany and report your entry and address here; then the foreigners' authority is asked "
              "for your EU Blue Card.") if blue_card
            else _("Travel to Germany and report your entry and address here; then the foreigners' authority is "
                   "asked for your residence permit."))
    elif state == CaseState.ENTERED:
        stage.status, stage.since = CURRENT, facts.last("report_entry")
        # A refused permit leaves the case entered: its answered step has no deadline left to show.
        if permit is not None and permit.due_at and permit.state in RequestState.open_states():
            stage.deadline, stage.basis = permit.due_at, _deadline_basis(permit)
    return stage


def _finish(stages: list[Stage], facts: Facts) -> list[Stage]:
    """After a withdrawal the stage then in progress stopped and nothing follows; after a refusal only
    the (rejecting) decision follows."""
    withdrawn = facts.state in (CaseState.WITHDRAWN, CaseState.CLOSED) and facts.last("withdraw") is not None
    refused = False
    for stage in stages:
        if withdrawn and stage.status == CURRENT:
            stage.status, stage.notes, stage.deadline = WITHDRAWN, [], None
        elif stage.status == NEXT and (withdrawn or (refused and stage.key != "decision")):
            stage.status = NOT_REACHED
        refused = refused or stage.status == REFUSED
    return stages


def applicant_case_stages(*, viewer, case: Case, rows: CaseRows | None = None, events=None) -> dict:
    """The stage tracker of the viewer's own case: {"kind": "visa" | "extension", "stages": [...],
    "current": the first stage in progress or None}. Empty for anyone else's case and for drafts.
    What the caller already read of the case is not read again: `rows` (shared with the page's other
    sections) and `events` (the viewer's timeline of the case, case_timeline)."""
    if not viewer.is_authenticated or case.person.user_id != viewer.pk or case.state == CaseState.DRAFT:
        return {"kind": "", "stages": [], "current": None}
    if rows is not None and rows.case.pk != case.pk:
        raise ValueError("rows of another case")
    facts = _facts(case, rows=rows or CaseRows(case), events=events)
    state = _effective_state(facts)
    if state == CaseState.DRAFT:
        return {"kind": "", "stages": [], "current": None}
    completeness = _completeness_stage(case, facts, state)
    if routing.case_extension(case) is not None:
        approvals = _approvals_stage(case, facts, state, 2, _("Approvals and review by the foreigners' authority"))
        decision = _decision_stage(
            facts, state, number=3, label=_("Decision of the foreigners' authority"),
            decided_by=_office(facts.request(Purpose.RESIDENCE_PERMIT)),
            granted=("extend_permit",), refused=("refuse_extension",), current_in=())
        if decision.status == NEXT and approvals.status == DONE and state == CaseState.AUTHORITY_REVIEW:
            decision.status, decision.since = CURRENT, approvals.done_at
        stages, kind = [completeness, approvals, decision], "extension"
    else:
        approvals = _approvals_stage(case, facts, state, 2, _("Approvals of the other offices"))
        stages = [
            completeness, approvals, _appointment_stage(case, facts, approvals),
            _decision_stage(facts, state, number=4, label=_("Visa decision"),
                            decided_by=_office(facts.request(Purpose.VISA)), granted=("grant_visa",),
                            refused=("reject",), current_in=(CaseState.VISA_DECISION,)),
            _after_entry_stage(case, facts, state),
        ]
        kind = "visa"
    stages = _finish(stages, facts)
    return {"kind": kind, "stages": stages, "current": next((s for s in stages if s.status == CURRENT), None)}
