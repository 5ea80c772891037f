"""The procedure after a transition: what each move of a case sets off, and the law's order of the
steps at the offices. The case store runs it; the authority hub below only keeps the requests,
answers and appointments and tells the case store what happened (authorities.signals).

Everything here runs inside the transaction of the transition or of the hub's change, with the case
locked: raising undoes the move, and what is written commits with it.

The order of the procedure (DOMAIN.md 8.1): approvals (BA § 39 AufenthG / § 36 Abs. 2 BeschV,
recognition, register and security consultation § 73 AufenthG) in parallel after the completeness
check; the visa decision only once every required approval is granted (or deemed granted), the
applicant attended the appointment at the visa office and paid the visa fee (§ 46 Abs. 2 Nr. 1
AufenthV; the fee is fixed when completeness is confirmed, applications.payments). A refused
approval leaves only the rejection.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities import appointments, routing
from authorities import selectors as authority_selectors
from authorities import services as authority_services
from authorities import signals as authority_signals
from authorities.models import AuthorityRequest, Purpose

from . import household, services, status_poll
from .after_arrival import services as after_arrival_services
from .employer import webhooks
from .figures import rule_figures
from .lifecycle import CaseState
from .models import Case, DocumentRequest, EventKind, FeeKind
from .payments import selectors as payment_selectors
from .payments import services as payment_services
from .payments import signals as payment_signals
from .selectors.deadlines import case_due_expression
from .services.cases import case_transitioned
from .titles import issuance as title_issuance


def after_transition(*, case: Case, transition: str, actor=None, payload: dict | None = None) -> None:
    """Run for `services.case_transition` after the move and its timeline entry, in its transaction
    (`case` is locked and already in its new state). By transition:

    - documents_provided: the open document requests count as fulfilled;
    - start_authority_review also fixes the visa fee and, in the § 81a procedure, the employer's fee
      (payments.services.fee_due_create); report_entry the residence permit fee;
    - every transition: the employer's HR system gets its webhook (webhooks.deliveries_create);
    - start_authority_review (the WSA confirmed completeness): the approvals and the visa office
      receive the case, all at once; confirmed again after an office asked for information
      (request_documents from the authority review), that office's step is sent anew; in the § 81a
      procedure the pre-approval once the employer paid its fee (after_fee_paid);
    - refer_to_visa_decision, grant_visa: refused unless the offices are done (the law's order);
    - grant_visa: the holder's national visa is issued as a title (titles.issuance);
    - report_entry: the foreigners' authority is asked for the residence permit;
    - issue_permit: refused while the residence permit fee is unpaid (permit_fee_guard); then the
      residence permit (or EU Blue Card) is issued as a title and replaces the visa;
    - extend_permit, refuse_extension (extensions only, once their approvals are in): the new title
      replaces the extended one, or not; either way the Fiktionsbescheinigung ends with the decision
      (§ 81 Abs. 4 S. 1 AufenthG);
    - withdraw: an appointment booked at the visa office is cancelled;
    - families (household.family_after_transition): a main case's submission takes its complete
      family drafts along; a family case's visa waits for the main applicant's.
    """
    if transition == "documents_provided":
        DocumentRequest.objects.filter(case=case, fulfilled_at__isnull=True).update(fulfilled_at=timezone.now())
    webhooks.deliveries_create(case=case, transition=transition)
    if transition == "start_authority_review":
        # An extension is applied for in Germany: its residence permit step is not one "after entry".
        exclude = set() if routing.case_extension(case) is not None else set(routing.AFTER_ENTRY)
        # § 81a: the foreigners' authority starts once the employer has paid the procedure's fee
        # (pre_approval_after_fee).
        accelerated_fee = payment_services.fee_due_create(case=case, kind=FeeKind.ACCELERATED)
        if accelerated_fee is not None and accelerated_fee.paid_at is None:
            exclude.add(Purpose.PRE_APPROVAL_81A)
        authority_services.authority_requests_create(case=case, figures=rule_figures(), exclude=exclude or None)
        # Confirmed complete again after an office asked for information: that step goes out anew.
        authority_services.authority_requests_resend_information_needed(case=case, actor=actor)
        payment_services.fee_due_create(case=case, kind=FeeKind.VISA)
    elif transition == "refer_to_visa_decision":
        visa_decision_guard(case=case, granting=False)
    elif transition == "grant_visa":
        visa_decision_guard(case=case, granting=True)
        title_issuance.titles_after_transition(case=case, transition=transition, payload=payload)
    elif transition == "report_entry":
        authority_services.authority_requests_create(case=case, figures=rule_figures(), purposes=routing.AFTER_ENTRY)
        payment_services.fee_due_create(case=case, kind=FeeKind.RESIDENCE_PERMIT)
    elif transition == "issue_permit":
        permit_fee_guard(case=case)
        title_issuance.titles_after_transition(case=case, transition=transition, payload=payload)
    elif transition == "extend_permit":
        extension_decision_guard(case=case, granting=True)
        title_issuance.titles_after_transition(case=case, transition=transition, payload=payload)
        after_arrival_services.fiction_certificate_end(case=case, actor=actor)
    elif transition == "refuse_extension":
        extension_decision_guard(case=case, granting=False)
        after_arrival_services.fiction_certificate_end(case=case, actor=actor)
    elif transition == "withdraw":
        appointments.appointment_bookings_end(case=case, actor=actor)
    household.family_after_transition(case=case, transition=transition, actor=actor)


# --- the order of the procedure -------------------------------------------------------------


def case_approvals_complete(*, case: Case) -> bool:
    """Every approval step of the case is answered `approved` (true for a case without one)."""
    return authority_selectors.case_approvals_state(case=case) == authority_selectors.APPROVALS_GRANTED


def case_visa_decision_blocker(*, case: Case, granting: bool) -> str:
    """Why the visa may not be decided (granted, if `granting`) now, or "" if it may. A case with no
    authority step at all (no known title) has no procedure to wait for."""
    if not AuthorityRequest.objects.filter(case=case).exists():
        return ""
    approvals = authority_selectors.case_approvals_state(case=case)
    if approvals == authority_selectors.APPROVALS_REFUSED:
        return "approval_refused" if granting else ""
    if approvals == authority_selectors.APPROVALS_PENDING:
        return "approvals_pending"
    if not authority_selectors.case_appointment_attended(case=case):
        return "appointment_not_attended"
    if payment_selectors.case_fee_unpaid(case=case):
        # The visa office decides once the fee is paid (§ 46 Abs. 2 Nr. 1 AufenthV; a rejection does
        # not wait for it: it is not asked of an applicant whose approval was refused).
        return "fee_not_paid"
    if payment_selectors.case_fee_unpaid(case=case, kind=FeeKind.ACCELERATED):
        # § 81a AufenthG with § 47 Abs. 1 Nr. 15 AufenthV: the employer's application at the foreigners'
        # authority costs EUR 411. Whether the authority may work before it is paid is its own
        # practice; cautiously the visa is decided only once the employer has paid it.
        return "fee_81a_not_paid"
    return ""


def visa_decision_error(code: str) -> Exception:
    messages = {
        "approval_refused": _("A required approval was refused: the visa can only be rejected."),
        "approvals_pending": _("The visa cannot be decided yet: not every required approval has been granted."),
        "appointment_not_attended": _("The visa cannot be decided yet: the applicant has not attended the "
                                      "appointment at the visa office."),
        "fee_not_paid": _("The visa cannot be decided yet: the applicant has not paid the visa fee."),
        "fee_81a_not_paid": _("The visa cannot be decided yet: the employer has not paid the fee of the "
                              "accelerated skilled-worker procedure (§ 47 Abs. 1 Nr. 15 AufenthV)."),
    }
    return services.BackofficeError(messages[code])


def visa_decision_guard(*, case: Case, granting: bool) -> None:
    """The guard of `refer_to_visa_decision` and `grant_visa`: the law's order holds whichever way the
    case is moved (automatically, or by a caseworker)."""
    blocker = case_visa_decision_blocker(case=case, granting=granting)
    if blocker:
        raise visa_decision_error(blocker)


def permit_fee_guard(*, case: Case) -> None:
    """The residence permit is issued once its fee (§ 45 Nr. 1 AufenthV) is paid online or recorded
    by the foreigners' authority as paid in person. A case entered before the fee existed has no fee
    row and is not held up."""
    if payment_selectors.case_fee_unpaid(case=case, kind=FeeKind.RESIDENCE_PERMIT):
        raise services.BackofficeError(_("The residence title cannot be issued yet: the fee for it (§ 45 Nr. 1 "
                                         "AufenthV) has not been paid online or recorded as paid at the office."))


def extension_decision_guard(*, case: Case, granting: bool) -> None:
    """Only an extension is decided from the authority review, and a grant only once every approval
    it needs is in (a refused approval leaves only the refusal)."""
    if routing.case_extension(case) is None:
        raise services.BackofficeError(_("Only an application to extend a residence title is decided this way."))
    approvals = authority_selectors.case_approvals_state(case=case)
    if granting and approvals != authority_selectors.APPROVALS_GRANTED:
        raise services.BackofficeError(_("The extension cannot be granted yet: not every required approval "
                                         "has been granted."))


def case_advance_if_ready(*, case: Case, actor=None) -> bool:
    """`refer_to_visa_decision` once the case is in authority review and either every approval is in
    and the appointment attended and the fee paid, or an approval was refused (then only a rejection can follow). An
    extension has no visa: the foreigners' authority decides it from the authority review."""
    if case.state != CaseState.AUTHORITY_REVIEW or not AuthorityRequest.objects.filter(case=case).exists():
        return False
    if routing.case_extension(case) is not None:
        return False
    if case_visa_decision_blocker(case=case, granting=False):
        return False
    services.case_transition(case=case, transition="refer_to_visa_decision", actor=actor)
    return True


@transaction.atomic
def case_send_to_authorities(*, case: Case, actor=None) -> Case:
    """Demo shortcut for the back office's steps: submitted → completeness check → authority review
    (confirming completeness sends the requests)."""
    if case.state == CaseState.SUBMITTED:
        services.case_transition(case=case, transition="start_completeness_check", actor=actor)
    if case.state != CaseState.AUTHORITY_REVIEW:
        services.case_transition(case=case, transition="start_authority_review", actor=actor)
    return case


# --- what the case store and the authority hub tell the procedure ---------------------------


def case_moved(sender, *, case: Case, transition: str, actor=None, payload: dict | None = None, **kwargs) -> None:
    """A case was moved (services.cases.case_transitioned): what the move sets off."""
    after_transition(case=case, transition=transition, actor=actor, payload=payload)


def authority_event_record(sender, *, request: AuthorityRequest, status: str, internal: bool, actor=None,
                           moves_deadline: bool = False, extra: dict | None = None, **kwargs) -> None:
    """The timeline entry (kind "authority") of a request's change. `moves_deadline`: the request got
    or lost a due date (delivered, answered). In authority review the case's deadline (Case.due_at) is
    its earliest open request's, written anew in the UPDATE that counts the change; in any other state
    the requests do not make it (case_due_expression). The case's state is the one read under its
    lock, which every sender holds."""
    due = {}
    if moves_deadline and request.case.state == CaseState.AUTHORITY_REVIEW:
        due["due_at"] = case_due_expression(state=CaseState.AUTHORITY_REVIEW)
    if internal:
        # Not in the applicant's timeline, but the step's state shows on their status page (whose
        # ETag and cached fragment follow Case.version): count the change (public events do so).
        Case.objects.filter(pk=request.case_id).update(version=F("version") + 1, **due)
        status_poll.forget(request.case.public_id)
    services.event_append(
        case=request.case, kind=EventKind.AUTHORITY, actor=actor, internal=internal,
        case_changes=None if internal else due,
        payload={
            "purpose": request.purpose,
            "outcome": request.outcome,
            "status": status,
            "authority": request.authority.name if request.authority_id else "",
            "request": str(request.public_id),
            **(extra or {}),
        },
    )


def case_advance_after_step(sender, *, case: Case, actor=None, **kwargs) -> None:
    """An approval was answered, the appointment attended or the fee paid: perhaps on to the visa decision."""
    case_advance_if_ready(case=case, actor=actor)


def after_fee_paid(sender, *, case: Case, kind: str = "", actor=None, **kwargs) -> None:
    """A fee was paid. The § 81a fee (§ 47 Abs. 1 Nr. 15 AufenthV) is part of the employer's application
    at the foreigners' authority (§ 81a Abs. 2 AufenthG; DOMAIN.md 1.4, step 1): the law does not say
    in so many words that the authority waits for it, so cautiously its pre-approval request goes out
    only now. Then perhaps on to the visa decision."""
    if kind == FeeKind.ACCELERATED and case.state == CaseState.AUTHORITY_REVIEW:
        authority_services.authority_requests_create(case=case, figures=rule_figures(),
                                                      purposes={Purpose.PRE_APPROVAL_81A})
    case_advance_if_ready(case=case, actor=actor)


def cases_advance_missed(sender, **kwargs) -> int:
    """The cases in authority review whose move to the visa decision was missed; returns how many moved."""
    moved = 0
    waiting = Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, authority_requests__isnull=False).distinct()
    for case_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case_advance_if_ready(case=case):
                moved += 1
    return moved


def refunds_retry_on_sweep(sender, **kwargs) -> int:
    """The periodic sweep also asks the payment provider again for the refunds it failed; it counts the
    cases moved on, so this adds none."""
    payment_services.refunds_retry()
    return 0


def receivers_connect() -> None:
    """From ApplicationsConfig.ready()."""
    case_transitioned.connect(case_moved, dispatch_uid="procedure_case_moved")
    authority_signals.request_event.connect(authority_event_record, dispatch_uid="procedure_authority_event")
    authority_signals.procedure_step_done.connect(case_advance_after_step, dispatch_uid="procedure_step_done")
    authority_signals.deadlines_swept.connect(cases_advance_missed, dispatch_uid="procedure_deadlines_swept")
    payment_signals.fee_paid.connect(after_fee_paid, dispatch_uid="procedure_fee_paid")
    authority_signals.deadlines_swept.connect(refunds_retry_on_sweep, dispatch_uid="payments_refunds_retry")
