"""The back office: claiming and releasing cases, decisions under the four-eyes rule and the answers
of an office to its authority step."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from authorities import services as authority_services

from ..decisions import (
    DECISION_OFFICE_KIND,
    DECISION_STEP,
    STEPS_DECIDED_BY_DECISION,
    letters_for,
    new_verification_code,
    render_decision_pdf,
    sha256_hex,
    sign_pdf,
)
from ..letters import LetterRefused
from ..lifecycle import CaseState
from ..models import Case, CaseAssignment, Decision, Event, EventKind
from ..selectors.case_file import conditions_text
from ..selectors.staff import staff_scope, viewer_authorities
from .cases import case_transition, event_append, message_post


class BackofficeError(Exception):
    """A back-office action that is not possible now; the message is translated and shown as is."""


def _bo_event(*, case: Case, actor, code: str, **payload) -> Event:
    """An internal timeline entry for staff (claims, four-eyes steps); never shown to applicants."""
    return event_append(case=case, kind=EventKind.NOTE, actor=actor, internal=True, payload={"bo": code, **payload})


@transaction.atomic
def case_claim(*, case: Case, actor) -> CaseAssignment:
    """The actor takes the case; a supervisor may take over a case someone else holds."""
    Case.objects.select_for_update().get(pk=case.pk)
    current = CaseAssignment.objects.filter(case=case).select_related("user").first()
    if current is not None and current.user_id != actor.pk and not staff_scope(viewer=actor).is_supervisor:
        raise BackofficeError(gettext("The case is already being worked on by %(name)s.")
                              % {"name": current.user.get_full_name()})
    if current is not None and current.user_id == actor.pk:
        return current
    CaseAssignment.objects.filter(case=case).delete()
    assignment = CaseAssignment.objects.create(case=case, user=actor)
    _bo_event(case=case, actor=actor, code="claimed")
    return assignment


@transaction.atomic
def case_release(*, case: Case, actor) -> None:
    Case.objects.select_for_update().get(pk=case.pk)
    current = CaseAssignment.objects.filter(case=case).first()
    if current is None:
        return
    if current.user_id != actor.pk and not staff_scope(viewer=actor).is_supervisor:
        raise BackofficeError(gettext("Only the person who claimed the case or a supervisor can release it."))
    current.delete()
    _bo_event(case=case, actor=actor, code="released")


DECISION_TRANSITIONS = {
    # kind: (state the case must be in, transition on grant, transition on rejection)
    Decision.Kind.VISA: (CaseState.VISA_DECISION, "grant_visa", "reject"),
    # The lifecycle has no move for a refused residence permit: the decision is issued, the case stays "entered".
    Decision.Kind.RESIDENCE_PERMIT: (CaseState.ENTERED, "issue_permit", None),
}
# An extension (§ 81 Abs. 4 AufenthG) is decided by the foreigners' authority from the authority review.
EXTENSION_TRANSITIONS = (CaseState.AUTHORITY_REVIEW, "extend_permit", "refuse_extension")


def _decision_moves(*, case: Case, kind: str) -> tuple:
    """(state the case must be in, transition on grant, transition on rejection) for this case."""
    if kind == Decision.Kind.RESIDENCE_PERMIT and getattr(case, "extension", None) is not None:
        return EXTENSION_TRANSITIONS
    return DECISION_TRANSITIONS[kind]


def _decision_office_kind(kind: str) -> str:
    return DECISION_OFFICE_KIND[kind]


def decision_may_decide(*, actor, case: Case, kind: str) -> bool:
    scope = staff_scope(viewer=actor)
    required_state = _decision_moves(case=case, kind=kind)[0]
    return scope.has_kind(_decision_office_kind(kind)) and case.state == required_state


@transaction.atomic
def decision_create(*, case: Case, actor, kind: str, outcome: str, legal_basis: str = "", reasons: str = "",
                    conditions: str = "", valid_from: date | None = None, valid_until: date | None = None) -> Decision:
    """A caseworker of the deciding office decides. A grant is issued at once; a rejection waits for a
    supervisor other than the decider (four-eyes rule)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not decision_may_decide(actor=actor, case=locked, kind=kind):
        raise PermissionDenied(gettext("Your office cannot take this decision in the current state of the case."))
    if Decision.objects.filter(case=locked, kind=kind, status__in=[Decision.Status.AWAITING_APPROVAL,
                                                                   Decision.Status.ISSUED]).exists():
        raise BackofficeError(gettext("There is already a decision of this kind for the case."))
    if outcome == Decision.Outcome.REJECTED and not reasons.strip():
        raise BackofficeError(gettext("A rejection must give its reasons."))
    decision = Decision.objects.create(
        case=locked, kind=kind, outcome=outcome, legal_basis=legal_basis.strip(), reasons=reasons.strip(),
        conditions=conditions.strip(), valid_from=valid_from, valid_until=valid_until, decided_by=actor,
        status=Decision.Status.DRAFT,
    )
    # A rejection is checked now too, so that its approval does not fail on the wording later.
    letters = _decision_letters(decision)
    if outcome == Decision.Outcome.GRANTED:
        _decision_issue(decision=decision, actor=actor, letters=letters)
    else:
        decision.status = Decision.Status.AWAITING_APPROVAL
        decision.save(update_fields=["status"])
        _bo_event(case=locked, actor=actor, code="awaiting_approval", decision=str(decision.public_id))
    case.refresh_from_db()
    return decision


def decision_may_approve(*, actor, decision: Decision) -> bool:
    """Whether `actor` may approve `decision` at all (four-eyes rule): a supervisor of the deciding kind of
    office who is not the decider. Whether it still waits for approval is checked by decision_approve."""
    return (decision.decided_by_id != actor.pk
            and staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)))


@transaction.atomic
def decision_approve(*, decision: Decision, actor) -> Decision:
    """The second pair of eyes: a supervisor of the deciding kind of office, never the decider."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != Decision.Status.AWAITING_APPROVAL:
        raise BackofficeError(gettext("This decision is not waiting for approval."))
    if decision.decided_by_id == actor.pk:
        raise PermissionDenied(gettext("You cannot approve your own decision: a second person must approve it."))
    if not staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)):
        raise PermissionDenied(gettext("Only a supervisor of the deciding office can approve this decision."))
    decision.approved_by = actor
    decision.save(update_fields=["approved_by"])
    _decision_issue(decision=decision, actor=actor)
    return decision


@transaction.atomic
def decision_send_back(*, decision: Decision, actor, note: str = "") -> Decision:
    """The supervisor does not approve: the draft goes back to the decider (internal note)."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != Decision.Status.AWAITING_APPROVAL:
        raise BackofficeError(gettext("This decision is not waiting for approval."))
    if not staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)):
        raise PermissionDenied(gettext("Only a supervisor of the deciding office can return this decision."))
    decision.status = Decision.Status.DRAFT
    decision.save(update_fields=["status"])
    _bo_event(case=decision.case, actor=actor, code="sent_back", decision=str(decision.public_id))
    if note.strip():
        message_post(case=decision.case, author=actor, body=note, internal=True)
    return decision


def _decision_letters(decision: Decision) -> dict:
    """The letter templates to print from. Refused (production, unreviewed wording; or no template) as a
    BackofficeError: the callers' transaction then writes nothing, the draft stays as it was."""
    try:
        return letters_for(decision)
    except LetterRefused as refusal:
        raise BackofficeError(str(refusal)) from refusal


def decision_draft_pdf(*, decision: Decision) -> bytes:
    """The letter a decision waiting for its approval (or sent back) would be issued as, marked as a draft and
    without date of issue, verification code or seal: what the supervisor approves in the four-eyes review.
    BackofficeError when no letter may be printed for it."""
    if decision.status == Decision.Status.ISSUED:
        raise BackofficeError(gettext("This decision has already been issued: download its PDF from the case."))
    return render_decision_pdf(decision, _decision_letters(decision), draft=True)


def _decision_issue(*, decision: Decision, actor, letters: dict | None = None) -> None:
    """Moves the case, renders, seals, hashes and stores the PDF and appends the public Event."""
    letters = letters if letters is not None else _decision_letters(decision)
    _state, grant, reject = _decision_moves(case=decision.case, kind=decision.kind)
    transition = grant if decision.outcome == Decision.Outcome.GRANTED else reject
    if transition:
        case_transition(case=decision.case, transition=transition, actor=actor,
                        payload={"decision": str(decision.public_id)})
    decision.issued_at = timezone.now()
    decision.verification_code = new_verification_code()
    decision.status = Decision.Status.ISSUED
    pdf, _signed = sign_pdf(render_decision_pdf(decision, letters))
    decision.sha256 = sha256_hex(pdf)
    decision.pdf.save(f"{decision.case.reference}-{decision.public_id.hex[:12]}.pdf", ContentFile(pdf), save=False)
    decision.save(update_fields=["issued_at", "verification_code", "status", "sha256", "pdf"])
    event_append(case=decision.case, kind=EventKind.DECISION, actor=actor,
                 payload={"decision": str(decision.public_id), "outcome": decision.outcome, "kind": decision.kind})
    authority_services.authority_step_answer_by_decision(
        case=decision.case, purpose=DECISION_STEP[decision.kind], actor=actor,
        authorities=viewer_authorities(viewer=decision.decided_by),
        granted=decision.outcome == Decision.Outcome.GRANTED, decision_id=str(decision.public_id))


class AuthorityAnswer:
    APPROVED = "approved"
    REJECTED = "rejected"
    INFORMATION_NEEDED = "information_needed"


def authority_step_answer(*, request, actor, outcome: str, conditions: dict | None = None, note: str = ""):
    """Records the answer of the viewer's office to an authority step, through the authorities service.

    `conditions` is what an approval is limited to, e.g. {"employer": ..., "occupation": ...,
    "duration_months": 24, "other": "..."}; it is passed on in the shape AuthorityRequest.conditions has.
    The visa and the residence permit are decided by a Decision (legal basis, letters, four-eyes rule for a
    refusal): their steps take only "information needed" here.
    """
    if request.purpose in STEPS_DECIDED_BY_DECISION and outcome != AuthorityAnswer.INFORMATION_NEEDED:
        raise BackofficeError(gettext("This step is answered by the decision: use the button to decide."))
    outcome_value = _authority_outcome_value(request, outcome)
    conditions = {k: v for k, v in (conditions or {}).items() if v not in ("", None)}
    condition_field = next((f for f in request._meta.fields if f.name == "conditions"), None)
    if condition_field is not None and condition_field.get_internal_type() in {"TextField", "CharField"}:
        conditions_value = conditions_text(conditions)
    else:
        conditions_value = conditions
    return authority_services.authority_request_record_answer(
        request=request, outcome=outcome_value, conditions=conditions_value, actor=actor, note=note,
        body={"note": note, "answered_in": "backoffice"},
    )


def authority_step_approved_by_silence(*, request) -> bool:
    """If the office's deadline ended where silence counts as approval (§ 36 Abs. 2 BeschV), records that
    approval as of the deadline (what the deadline sweep would do) and says so: an answer given later has
    no effect in law, so none is taken."""
    if not request.approved_by_silence(timezone.now()):
        return False
    authority_services.authority_request_deem_approved(request=request)
    return True


def _authority_outcome_value(request, outcome: str) -> str:
    """Maps approve/reject/information needed onto the choices of AuthorityRequest.outcome, if any."""
    field = next((f for f in request._meta.fields if f.name == "outcome"), None)
    choices = [value for value, _label in (field.choices or [])] if field is not None else []
    if not choices or outcome in choices:
        return outcome
    keywords = {
        AuthorityAnswer.APPROVED: ("approv", "grant", "consent", "zustimm"),
        AuthorityAnswer.REJECTED: ("reject", "refus", "denied", "ablehn"),
        AuthorityAnswer.INFORMATION_NEEDED: ("info", "question", "more", "nachfrag"),
    }[outcome]
    for value in choices:
        if any(k in value.lower() for k in keywords) and "deem" not in value.lower():
            return value
    return outcome


def authority_step_reroute(*, request) -> bool:
    """A step that found no responsible office is routed again and sent (authorities.services); False if there
    is still none."""
    return authority_services.authority_request_reroute(request=request)


def authority_step_resend(*, request, actor) -> bool:
    """The WSA sends a step that its office answered "information needed" again (authorities.services)."""
    return authority_services.authority_request_resend(request=request, actor=actor)
