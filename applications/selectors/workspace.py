"""The caseworker workspace of one case: what the page shows besides the case's own rows, in words.

The conditions checklist comes from the rules engine (applications/rules, through
`selectors.eligibility.case_eligibility`); the general conditions of § 5 AufenthG that the engine
cannot check from the data are listed as "to check". Documents carry what the checks read and their
findings as sentences (documents.selectors); authority steps carry the answer, its reason and its
conditions as sentences (authorities.answer_texts). Nothing here writes.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext as _

from authorities.answer_texts import answer_condition_lines, answer_outcome_text, answer_reason_text
from documents.checks.crosscheck import CONTRACT_TERM_FINDINGS
from documents.selectors import document_extracted_items, document_finding_items, document_is_pending

from .. import rules
from ..decisions import STEPS_DECIDED_BY_DECISION
from ..lifecycle import CaseState
from ..models import DUE_LAST, Case, Decision
from .deadlines import deadline_status
from .eligibility import case_eligibility
from .staff import StaffScope

MET, NOT_MET, TO_CHECK = "met", "not_met", "to_check"


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    source: str
    status: str  # MET, NOT_MET or TO_CHECK

    @property
    def status_label(self) -> str:
        # The engine judges what the application states (a degree "recognised" is the applicant's word until the
        # certificate or the recognition body's answer shows it): the label says so.
        return {MET: _("met as entered"), NOT_MET: _("not met as entered"), TO_CHECK: _("to check")}[self.status]


def _general_conditions() -> list[ChecklistItem]:
    """§ 5 Abs. 1 AufenthG: the general conditions of every residence title, which the rules engine
    leaves to the authorities (identity, no expulsion interest, passport); a person checks them."""
    return [
        ChecklistItem(_("Identity and nationality are clarified (passport data page, register checks)."),
                      "§ 5 Abs. 1 Nr. 1a AufenthG", TO_CHECK),
        ChecklistItem(_("There is no interest in expulsion (register and security checks)."),
                      "§ 5 Abs. 1 Nr. 2 AufenthG, § 73 AufenthG", TO_CHECK),
        ChecklistItem(_("The passport obligation is fulfilled: a valid, recognised passport."),
                      "§ 5 Abs. 1 Nr. 4, § 3 AufenthG", TO_CHECK),
    ]


@dataclass
class Checklist:
    available: bool
    title_name: str = ""
    items: tuple = ()
    verdict: str = ""
    missing_inputs: tuple = ()
    assumptions: tuple = ()


def _contract_differs(documents) -> list[ChecklistItem]:
    """The engine judges the application's salary, hours and start: where a contract (findings read with the
    documents) states others, that judgement is only as good as the application, and the list says so."""
    if not any(f.code in CONTRACT_TERM_FINDINGS for document in documents for f in document.findings.all()):
        return []
    return [ChecklistItem(_("The employment contract states other terms than the application (salary, weekly hours "
                            "or start date): the conditions above are judged on the application's; see the "
                            "documents."), "", TO_CHECK)]


def case_checklist(*, case: Case, documents=()) -> Checklist:
    """The conditions of the case's residence title, each met / not met (from the rules engine) or to
    check (the general conditions, whatever the engine could not evaluate, and a contract that says other than
    the application; `documents` with their findings, as the workspace reads them)."""
    eligibility = case_eligibility(case=case)
    general = _contract_differs(documents) + _general_conditions()
    try:
        chosen = rules.title(case.title_code)
        title_name = f"{chosen.name} ({chosen.section})"
    except rules.UnknownTitle:
        title_name = ""
    if not eligibility.available:
        unknown = [ChecklistItem(_("Not yet known: %(what)s") % {"what": what}, "", TO_CHECK)
                   for what in eligibility.missing_inputs]
        return Checklist(available=False, title_name=title_name, items=tuple(unknown + general),
                         missing_inputs=tuple(eligibility.missing_inputs),
                         assumptions=tuple(eligibility.assumptions))
    result = eligibility.result
    items = [ChecklistItem(str(reason.message), reason.source, MET if reason.met else NOT_MET)
             for reason in result.reasons]
    return Checklist(available=True, title_name=title_name or f"{result.name} ({result.section})",
                     items=tuple(items + general),
                     verdict=result.verdict, missing_inputs=tuple(eligibility.missing_inputs),
                     assumptions=tuple(eligibility.assumptions))


def workspace_documents(documents) -> list:
    """Documents with their findings as sentences (worst first) and what the checks read from them."""
    shown = list(documents)
    for document in shown:
        document.finding_items = document_finding_items(document, for_staff=True)
        document.is_pending = document_is_pending(document)
        document.wsa_extracted = document_extracted_items(document)
    return shown


def workspace_steps(steps) -> list:
    """Authority steps with the answer, its reason, its conditions and the office's note in words."""
    for step in steps:
        body = step.response_body or {}
        step.wsa_answer = answer_outcome_text(
            step.outcome, deemed=step.deemed_approval,
            by_decision=body.get("answered_in") == "decision") if step.outcome else ""
        step.wsa_reason = answer_reason_text(str(body.get("reason") or ""))
        step.wsa_condition_lines = answer_condition_lines(step.conditions)
        step.wsa_note = str(body.get("note") or "")
        # Answered by the visa or permit decision: the office's step itself only asks for information.
        step.wsa_decided_by_decision = step.purpose in STEPS_DECIDED_BY_DECISION
    return steps


@dataclass
class DecisionGroups:
    current: list
    earlier: list  # drafts that are not (or no longer) in play: never shown as the case's decision


def decision_groups(*, case: Case, decisions) -> DecisionGroups:
    """Issued decisions and rejections waiting for approval are current. A draft (a rejection the
    supervisor sent back) is current only while the case still waits for that decision; once a decision
    of its kind was issued or the case moved on, it is an earlier draft that is not in force."""
    deciding_state = {Decision.Kind.VISA: CaseState.VISA_DECISION, Decision.Kind.RESIDENCE_PERMIT: CaseState.ENTERED}
    settled = {d.kind for d in decisions if d.status in (Decision.Status.ISSUED, Decision.Status.AWAITING_APPROVAL)}
    current, earlier = [], []
    for decision in decisions:
        if decision.status != Decision.Status.DRAFT:
            current.append(decision)
        elif decision.kind not in settled and case.state == deciding_state.get(decision.kind):
            current.append(decision)
        else:
            earlier.append(decision)
    return DecisionGroups(current=current, earlier=earlier)


def viewer_deadline(*, scope: StaffScope, case: Case, steps, actions) -> tuple:
    """(deadline or None, badge status) that matters to the viewer: the WSA's is the case's (Case.due_at,
    whose far-future placeholder means none), an office's the earliest legal deadline of its own open
    requests that are still to be answered (case_actions)."""
    if scope.sees_all:
        deadline = case.due_at
        if deadline is not None and deadline >= DUE_LAST - timedelta(days=1):
            deadline = None
    else:
        deadline = min((s.due_at for s in steps if s.due_at and s.pk in actions.answer_steps), default=None)
    return deadline, deadline_status(deadline=deadline)
