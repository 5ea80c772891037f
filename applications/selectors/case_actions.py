"""What the viewer may do on a case now: the one place that decides which buttons the workspace shows
and which POSTs the back office accepts. The stage of the case (its state) and the viewer's offices
and roles decide; the services check again when they write."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from authorities.models import Outcome, RequestState

from ..lifecycle import TRANSITIONS, CaseState
from ..models import Case, Decision
from ..services.ba_approvals import OPEN_STATES as BA_APPROVAL_OPEN_STATES
from ..services.backoffice import STEPS_DECIDED_BY_DECISION, decision_may_approve, decision_may_decide
from .case_file import case_information_needed
from .staff import staff_scope

# The lifecycle moves a WSA caseworker makes from the workspace, in the order of the procedure.
# Not the move to the visa decision: the hub makes it once every office has answered (procedure.case_advance_if_ready,
# and a sweep for a missed one); offered as a button it was refused whenever an office had not answered yet.
STAFF_TRANSITIONS = ("start_completeness_check", "start_authority_review")
REQUEST_DOCUMENTS_STATES = frozenset({CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK})


@dataclass(frozen=True)
class CaseActions:
    transitions: tuple = ()  # lifecycle Transition objects
    request_documents: bool = False
    record_ba_approval: bool = False  # a BA approval already on file (services.ba_approvals)
    message: bool = False
    note: bool = False
    claim: bool = False
    release: bool = False
    decide_visa: bool = False
    decide_permit: bool = False
    answer_steps: frozenset = field(default_factory=frozenset)  # pks of the requests the viewer's office answers
    approve_decisions: frozenset = field(default_factory=frozenset)  # pks of the rejections the viewer may approve
    reroute_steps: frozenset = field(default_factory=frozenset)  # pks of the steps that found no office (WSA)

    def allows_transition(self, name: str) -> bool:
        return any(t.name == name for t in self.transitions)

    @property
    def stage_actions(self) -> bool:
        """Whether the viewer has anything to do at this stage beyond notes and claims."""
        return bool(self.transitions or self.request_documents or self.record_ba_approval or self.decide_visa
                    or self.decide_permit or self.answer_steps or self.approve_decisions or self.reroute_steps)


def _information_needed(case: Case, steps) -> bool:
    """An office answered "information needed" and the step was not sent again (`steps`: None if not read)."""
    if steps is None:
        return case_information_needed(case=case)
    return any(s.state == RequestState.ANSWERED and s.outcome == Outcome.INFORMATION_NEEDED for s in steps)


def case_actions(*, viewer, case: Case, steps=None, decisions=()) -> CaseActions:
    """The actions `viewer` may take on `case` now. `steps` (from case_authority_steps) and `decisions`
    (from case_decisions) are passed when the caller has them, so that nothing is read twice."""
    scope = staff_scope(viewer=viewer)
    state = CaseState(case.state)
    is_wsa = scope.is_wsa
    assignment = getattr(case, "assignment", None)  # a missing one-to-one row raises an AttributeError
    mine = assignment is not None and assignment.user_id == viewer.pk
    decided = {d.kind for d in decisions if d.status in (Decision.Status.ISSUED, Decision.Status.AWAITING_APPROVAL)}
    return CaseActions(
        transitions=tuple(TRANSITIONS[name] for name in STAFF_TRANSITIONS
                          if is_wsa and state in TRANSITIONS[name].sources),
        # In the authority review only after an office asked for information (then the step is sent again).
        request_documents=is_wsa and (state in REQUEST_DOCUMENTS_STATES or (
            state == CaseState.AUTHORITY_REVIEW and _information_needed(case, steps))),
        record_ba_approval=is_wsa and state in BA_APPROVAL_OPEN_STATES,
        message=is_wsa,
        note=True,
        # A case someone else holds is taken over only by a supervisor (services.case_claim).
        claim=assignment is None or (not mine and scope.is_supervisor),
        release=assignment is not None and (mine or scope.is_supervisor),
        # One decision of a kind at a time: not while one is issued or waits for the four-eyes approval.
        decide_visa=Decision.Kind.VISA not in decided and decision_may_decide(
            actor=viewer, case=case, kind=Decision.Kind.VISA),
        decide_permit=Decision.Kind.RESIDENCE_PERMIT not in decided and decision_may_decide(
            actor=viewer, case=case, kind=Decision.Kind.RESIDENCE_PERMIT),
        # A step settled by a decision (Bescheid) is no longer answered once that decision is issued or waits
        # for the four-eyes approval.
        answer_steps=frozenset(s.pk for s in (steps or ()) if getattr(s, "wsa_answerable", False)
                               and STEPS_DECIDED_BY_DECISION.get(s.purpose) not in decided),
        approve_decisions=frozenset(d.pk for d in decisions if d.status == Decision.Status.AWAITING_APPROVAL
                                    and decision_may_approve(actor=viewer, decision=d)),
        reroute_steps=frozenset(s.pk for s in (steps or ()) if getattr(s, "wsa_reroutable", False)),
    )


def action_refused_text() -> str:
    return _("This action is not possible for you at this stage of the case. The workspace shows what "
             "you can do now.")
