"""Eligibility of a profile for each residence title, with reasons, on a given date.

Each condition is one ``Reason`` built by one function (``conditions.py`` for the shared ones,
``employment.py`` and ``routes.py`` for each title's own), with its legal source in a comment and in
``Reason.source``. A title's verdict follows from its reasons:

- ``eligible``: every condition is met;
- ``eligible_if``: every unmet condition can still be fulfilled by the applicant or employer
  (a job offer, a higher salary, a recognition or comparability notice, a language level, means);
- ``not_eligible``: some unmet condition cannot (no qualification, too little experience,
  too few Chancenkarte points, a qualification already fully recognised for a § 16d route).

Conditions the engine cannot check from the profile (passport, no expulsion interest under § 5
AufenthG, whether the job matches the qualification) are left to the authorities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

from . import catalogue
from .catalogue import AuthorityStep, DocumentRequirement, Fee
from .conditions import Assessment, Context, Reason, age_on
from .employment import assess_18a, assess_18b, assess_18g, assess_19c, assess_19c1
from .points import PointsResult
from .profile import Profile
from .routes import (
    assess_16a,
    assess_16b,
    assess_16d1,
    assess_16d3,
    assess_17,
    assess_18c,
    assess_20,
    assess_20a,
    assess_30,
    assess_32,
)
from .thresholds import (
    BUILT_IN,
    Figures,
)

ELIGIBLE = "eligible"
ELIGIBLE_IF = "eligible_if"
NOT_ELIGIBLE = "not_eligible"

@dataclass(frozen=True)
class TimelineEntry:
    """When a step can start at the earliest and the last day of its legal deadline, counting
    from the evaluation date as if every step without a statutory deadline took no time."""

    purpose: str
    earliest_start: date
    legal_due: date | None


@dataclass(frozen=True)
class TitleResult:
    code: str
    name: Promise
    section: str
    verdict: str
    reasons: tuple[Reason, ...]
    missing: tuple[Reason, ...]
    points: PointsResult | None
    required_documents: tuple[DocumentRequirement, ...]
    authority_steps: tuple[AuthorityStep, ...]
    fees: tuple[Fee, ...]
    timeline: tuple[TimelineEntry, ...]
    ba_approval_required: bool
    accelerated: bool
    validity: Promise
    # The evaluation used last year's figures because this year's are not recorded yet.
    provisional: bool = False
    # Whether the portal takes the application for this title (catalogue.Title.portal_application).
    portal_application: bool = True

    @property
    def fees_eur(self) -> Decimal:
        return sum((fee.amount_eur for fee in self.fees), Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": str(self.name),
            "section": self.section,
            "verdict": self.verdict,
            "reasons": [_reason_dict(reason) for reason in self.reasons],
            "missing": [_reason_dict(reason) for reason in self.missing],
            "points": _points_dict(self.points),
            "ba_approval_required": self.ba_approval_required,
            "accelerated": self.accelerated,
            "required_documents": [_document_dict(document) for document in self.required_documents],
            "authorities": [_step_dict(step) for step in self.authority_steps],
            "fees": [_fee_dict(fee) for fee in self.fees],
            "fees_eur": str(self.fees_eur),
            "timeline": [_timeline_dict(entry) for entry in self.timeline],
            "validity": str(self.validity),
            "provisional": self.provisional,
            "portal_application": self.portal_application,
        }


@dataclass(frozen=True)
class Evaluation:
    on_date: date
    profile: Profile
    titles: tuple[TitleResult, ...]

    @property
    def provisional(self) -> bool:
        """Some figure of the evaluation date's year is not recorded yet; last year's was used."""
        return any(result.provisional for result in self.titles)

    def title(self, code: str) -> TitleResult:
        for result in self.titles:
            if result.code == code:
                return result
        raise catalogue.UnknownTitle(code)

    def to_dict(self) -> dict[str, Any]:
        return {"on_date": self.on_date.isoformat(), "titles": [result.to_dict() for result in self.titles]}


# --- Evaluation ------------------------------------------------------------------------------

ASSESSMENTS: dict[str, Callable[[Profile, Context], Assessment]] = {
    "18a": assess_18a,
    "18b": assess_18b,
    "18g": assess_18g,
    "19c": assess_19c,
    "20a": assess_20a,
    "16d1": assess_16d1,
    "16d3": assess_16d3,
    "19c1": assess_19c1,
    "16a": assess_16a,
    "17": assess_17,
    "16b": assess_16b,
    "20": assess_20,
    "18c": assess_18c,
    "30": assess_30,
    "32": assess_32,
}


def evaluate(profile: Profile, on_date: date, figures: Figures = BUILT_IN) -> Evaluation:
    """Evaluate every title on ``on_date`` with the dated ``figures`` (by default those the project
    ships; the portal passes the ones operators keep). Raises ``ThresholdNotFound`` only for a date
    before the first recorded figures."""
    context = Context(on_date, figures)
    return Evaluation(
        on_date=on_date,
        profile=profile,
        titles=tuple(_evaluate_title(code, profile, context) for code in catalogue.TITLE_CODES),
    )


def evaluate_title(code: str, profile: Profile, on_date: date, figures: Figures = BUILT_IN) -> TitleResult:
    catalogue.title(code)  # raises UnknownTitle
    return _evaluate_title(code, profile, Context(on_date, figures))


def _evaluate_title(code: str, profile: Profile, context: Context) -> TitleResult:
    on_date = context.on_date
    entry = catalogue.title(code)
    assessment = ASSESSMENTS[code](profile, context)
    reasons = tuple(assessment.reasons)
    # § 81a needs an employer to apply (§ 81a Abs. 1 AufenthG), so a job offer.
    accelerated = profile.accelerated_procedure and entry.accelerated_allowed and profile.job_offer is not None
    steps = catalogue.authority_steps(
        code,
        accelerated=accelerated,
        recognition=assessment.recognition_outstanding,
        reduced_threshold=assessment.reduced_threshold,
        in_company_measure=assessment.in_company_measure,
    )
    return TitleResult(
        code=code,
        name=entry.name,
        section=entry.section,
        verdict=verdict(reasons),
        reasons=reasons,
        missing=tuple(reason for reason in reasons if not reason.met),
        points=assessment.points,
        required_documents=_documents_for(profile, assessment, code, accelerated, on_date),
        authority_steps=steps,
        fees=catalogue.fees(code, accelerated=accelerated, minor=assessment.minor),
        timeline=timeline(steps, on_date),
        ba_approval_required=catalogue.ba_approval_needed(
            code, reduced_threshold=assessment.reduced_threshold, in_company_measure=assessment.in_company_measure
        ),
        accelerated=accelerated,
        validity=entry.validity,
        provisional=assessment.provisional,
        portal_application=entry.portal_application,
    )


def verdict(reasons: tuple[Reason, ...] | list[Reason]) -> str:
    unmet = [reason for reason in reasons if not reason.met]
    if not unmet:
        return ELIGIBLE
    if all(reason.fixable for reason in unmet):
        return ELIGIBLE_IF
    return NOT_ELIGIBLE


def _documents_for(
    profile: Profile, assessment: Assessment, code: str, accelerated: bool, on_date: date
) -> tuple[DocumentRequirement, ...]:
    """The documents this profile needs: the mandatory ones, plus each conditional one whose
    condition the profile meets (then marked mandatory too, as it applies)."""
    applies = {
        "regulated_profession": profile.regulated_profession,
        "reduced_threshold": assessment.reduced_threshold,
        "it_route": assessment.it_route,
        "age_45": age_on(profile, on_date, on_date) >= 45,
        "recognition_obtained": profile.recognition in ("full", "partial"),
        "academic_degree": profile.qualification == "academic",
        "job_offer": profile.job_offer is not None,
        "experience_points": profile.years_experience >= 2,
        "pre_approval_obtained": False,  # not in the profile; the wizard asks
        "german_language_needed": assessment.german_needed,
    }
    return tuple(
        replace(document, condition=None)
        for document in catalogue.required_documents(code, accelerated=accelerated)
        if document.mandatory or applies[document.condition]
    )


def timeline(steps: tuple[AuthorityStep, ...], on_date: date) -> tuple[TimelineEntry, ...]:
    """Legal deadline clock: steps run one after another from ``on_date``; steps ``during`` the
    visa start with it. A step with several deadlines (appointment, then decision) chains them."""
    entries = []
    cursor = on_date
    visa_start = on_date
    for step in steps:
        start = visa_start if step.during == "visa" else cursor
        due = start
        for deadline in step.deadlines:
            due = deadline.due(due)
        legal_due = due if step.deadlines else None
        entries.append(TimelineEntry(step.purpose, start, legal_due))
        if step.purpose == "visa":
            visa_start = start
        if step.during is None and legal_due is not None:
            cursor = legal_due
    return tuple(entries)


# --- Formatting ------------------------------------------------------------------------------


def _reason_dict(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "met": reason.met,
        "fixable": reason.fixable,
        "source": reason.source,
        "message": str(reason.message),
    }


def _points_dict(points: PointsResult | None) -> dict[str, Any] | None:
    if points is None:
        return None
    return {
        "total": points.total,
        "minimum": points.minimum,
        "breakdown": [
            {
                "criterion": item.criterion,
                "points": item.points,
                "max_points": item.max_points,
                "source": item.source,
                "message": str(item.message),
            }
            for item in points.breakdown
        ],
    }


def _document_dict(document: DocumentRequirement) -> dict[str, Any]:
    return {"code": document.code, "label": str(document.label), "stage": document.stage}


def _step_dict(step: AuthorityStep) -> dict[str, Any]:
    return {
        "purpose": step.purpose,
        "authority": step.authority,
        "authority_name": str(step.authority_label),
        "label": str(step.label),
        "source": step.source,
        "during": step.during,
        "deemed_approval": step.deemed_approval,
        "deadlines": [
            {
                "kind": deadline.kind,
                "amount": deadline.amount,
                "unit": deadline.unit,
                "deemed_approval": deadline.deemed_approval,
                "source": deadline.source,
            }
            for deadline in step.deadlines
        ],
    }


def _fee_dict(fee: Fee) -> dict[str, Any]:
    return {"code": fee.code, "label": str(fee.label), "amount_eur": str(fee.amount_eur), "source": fee.source}


def _timeline_dict(entry: TimelineEntry) -> dict[str, Any]:
    return {
        "purpose": entry.purpose,
        "earliest_start": entry.earliest_start.isoformat(),
        "legal_due": entry.legal_due.isoformat() if entry.legal_due else None,
    }
