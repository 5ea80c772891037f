"""What an office's answer says, in sentences: the reason codes and the conditions an office (or the
simulator, `simulator/rules.py`) sends with its answer. The hub stores codes; a person reads these.
An unknown code never reaches a person: it gets a sentence that says so and where to look.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Outcome


def _reasons() -> dict[str, str]:
    return {
        # § 39 AufenthG: the BA decides on the job data of the employer's declaration.
        "employment_declaration_incomplete": _(
            "The employment declaration is incomplete: the salary or the weekly working hours are missing."),
        "weekly_hours": _("The weekly working hours are too low for the approval."),
        "salary_below_threshold": _("The salary is below the minimum salary for this residence title."),
        "no_assessable_qualification": _("No qualification that could be assessed was handed in."),
        # § 16d Abs. 1 AufenthG: a partial equivalence can be completed by a qualification measure.
        "partial_equivalence": _("The qualification is only partly equivalent; a qualification measure "
                                 "(§ 16d AufenthG) can close the gap."),
        "no_equivalence": _("The qualification is not equivalent to the German reference qualification."),
        "passport_data_missing": _("The passport number or the passport's date of expiry is missing."),
        "passport_validity": _("The passport is not valid long enough after the planned start of work."),
        "passport_expired": _("The passport has expired."),
        "approval_refused": _("A required approval was refused, so the visa can only be rejected."),
        "not_accelerated": _("The case is not in the accelerated skilled-worker procedure (§ 81a AufenthG)."),
        "employment_or_employer_missing": _("The data of the employment or of the employer are missing."),
        "no_address_in_germany": _("No address in Germany is known; the residence permit needs one."),
        # § 73 AufenthG: a hit in the register and security checks.
        "register_hit": _("The register and security checks found an entry about the person."),
    }


UNKNOWN_REASON = "unknown"


def answer_reason_text(code: str) -> str:
    """The office's reason as a sentence ("" for none)."""
    if not code:
        return ""
    return _reasons().get(code) or _("The office gave a reason the portal cannot describe; please read "
                                     "the office's note or ask the office.")


def answer_reason_codes() -> list[str]:
    """Every reason code with a sentence (for the tests that render each of them)."""
    return list(_reasons())


def answer_outcome_text(outcome: str, *, deemed: bool = False, by_decision: bool = False) -> str:
    """The answer in words: approved (deemed approved), refused, information needed, or no answer yet; for
    the deciding office's own step answered by its decision, granted or refused by it."""
    if by_decision:
        return _("Granted by the decision") if outcome == Outcome.APPROVED else _("Refused by the decision")
    if outcome == Outcome.APPROVED and deemed:
        return _("Deemed approved: the office did not answer within the legal deadline.")
    return {
        Outcome.APPROVED: _("Approved"),
        Outcome.REJECTED: _("Refused"),
        Outcome.INFORMATION_NEEDED: _("The office needs more information"),
    }.get(outcome, _("No answer yet"))


def _condition_line(key: str, value) -> str:
    if key == "employer":
        return _("Limited to the employer %(value)s.") % {"value": value}
    if key == "employer_ba_number":
        return _("Company number of the employer at the Federal Employment Agency: %(value)s.") % {"value": value}
    if key == "occupation":
        return _("Limited to the occupation %(value)s.") % {"value": value}
    if key == "occupation_isco":
        return _("Occupation code (ISCO-08): %(value)s.") % {"value": value}
    if key == "weekly_hours":
        return _("Weekly working hours: %(value)s.") % {"value": value}
    if key in ("duration_months", "valid_months") and str(value).isdigit():
        months = int(value)
        if key == "duration_months":
            return ngettext("Limited to %(months)s month.", "Limited to %(months)s months.", months) % {
                "months": months}
        return ngettext("Valid for %(months)s month.", "Valid for %(months)s months.", months) % {"months": months}
    if key == "equivalence":
        return {
            "full": _("The qualification is fully equivalent."),
            "partial": _("The qualification is partly equivalent."),
            "none": _("The qualification is not equivalent."),
        }.get(str(value), _("Equivalence of the qualification: see the office's note."))
    if key == "reference_occupation":
        return _("German reference occupation: %(value)s.") % {"value": value}
    if key == "measure":
        if value == "qualification_measure_16d":
            return _("A qualification measure (§ 16d AufenthG) is recommended.")
        return _("A measure is recommended; see the office's note.")
    if key == "hits":
        if not value:
            return _("No entries were found in the registers.")
        return _("Entries were found in: %(registers)s.") % {
            "registers": ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else value}
    if key == "other":
        return _("Further conditions: %(value)s") % {"value": value}
    return _("Further condition of the office: %(value)s") % {"value": value}


def answer_condition_lines(conditions) -> list[str]:
    """The conditions of an answer (a dict, a list or a text) as sentences. A register check without
    hits says so rather than showing an empty list."""
    if not conditions:
        return []
    if isinstance(conditions, dict):
        return [_condition_line(key, value) for key, value in conditions.items()
                if value not in ("", None) and not (value == [] and key != "hits")]
    if isinstance(conditions, list | tuple):
        return [str(c) for c in conditions if c]
    return [str(conditions)]
