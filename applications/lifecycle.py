"""The case lifecycle: every state and every allowed move, in one table.

Nothing else in the code base writes `case.state`; services.case_transition() applies a named
transition from this table under a row lock and appends the Event in the same transaction.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETENESS_CHECK = "completeness_check", _("Completeness check")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    AUTHORITY_REVIEW = "authority_review", _("Review by the authorities")
    VISA_DECISION = "visa_decision", _("Visa decision")
    VISA_GRANTED = "visa_granted", _("Visa granted")
    REJECTED = "rejected", _("Rejected")
    ENTERED = "entered", _("Entered Germany")
    PERMIT_ISSUED = "permit_issued", _("Residence title issued")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def open_states(cls) -> frozenset["CaseState"]:
        """States from which an applicant may still withdraw: nothing final has happened yet."""
        return frozenset({
            cls.DRAFT, cls.SUBMITTED, cls.COMPLETENESS_CHECK, cls.DOCUMENTS_REQUESTED,
            cls.AUTHORITY_REVIEW, cls.VISA_DECISION, cls.VISA_GRANTED, cls.ENTERED,
        })

    @classmethod
    def final_states(cls) -> frozenset["CaseState"]:
        return frozenset({cls.CLOSED})


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[CaseState]
    target: CaseState
    label: str


def _t(name, sources, target, label):
    return Transition(name, frozenset(sources), target, label)


S = CaseState
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("submit", {S.DRAFT}, S.SUBMITTED, _("Submit")),
        _t("start_completeness_check", {S.SUBMITTED}, S.COMPLETENESS_CHECK, _("Start completeness check")),
        # Also from the authority review, when an office answered "information needed": the WSA asks the
        # applicant, checks again and sends the step anew (procedure.after_transition).
        _t("request_documents", {S.COMPLETENESS_CHECK, S.AUTHORITY_REVIEW}, S.DOCUMENTS_REQUESTED,
           _("Request documents")),
        _t("documents_provided", {S.DOCUMENTS_REQUESTED}, S.COMPLETENESS_CHECK, _("Documents provided")),
        _t("start_authority_review", {S.COMPLETENESS_CHECK}, S.AUTHORITY_REVIEW, _("Send to the authorities")),
        _t("refer_to_visa_decision", {S.AUTHORITY_REVIEW}, S.VISA_DECISION, _("Refer to the visa decision")),
        _t("grant_visa", {S.VISA_DECISION}, S.VISA_GRANTED, _("Grant the visa")),
        _t("reject", {S.VISA_DECISION}, S.REJECTED, _("Reject")),
        _t("report_entry", {S.VISA_GRANTED}, S.ENTERED, _("Report entry to Germany")),
        _t("issue_permit", {S.ENTERED}, S.PERMIT_ISSUED, _("Issue the residence permit")),
        # An extension (§ 81 Abs. 4 AufenthG) has no visa: the foreigners' authority decides it from the review.
        _t("extend_permit", {S.AUTHORITY_REVIEW}, S.PERMIT_ISSUED, _("Extend the residence permit")),
        _t("refuse_extension", {S.AUTHORITY_REVIEW}, S.REJECTED, _("Refuse the extension")),
        _t("close", {S.PERMIT_ISSUED, S.REJECTED, S.WITHDRAWN}, S.CLOSED, _("Close")),
        _t("withdraw", CaseState.open_states(), S.WITHDRAWN, _("Withdraw")),
    ]
}
del S


class IllegalTransition(Exception):
    """Raised when a transition does not start from the case's current state; nothing was changed."""

    def __init__(self, transition: str, state: str):
        self.transition = transition
        self.state = state
        known = TRANSITIONS.get(transition)
        super().__init__(
            gettext("“%(action)s” is not possible while the case is “%(state)s”.")
            % {"action": known.label if known else transition, "state": CaseState(state).label}
        )


def transition_for(name: str, state: str) -> Transition:
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise IllegalTransition(name, state)
    if CaseState(state) not in transition.sources:
        raise IllegalTransition(name, state)
    return transition


def available_transitions(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if CaseState(state) in t.sources]
