"""Residence-title rules engine: eligibility, Chancenkarte points, thresholds, documents,
authority steps, legal deadlines and fees. Pure Python: no database, no models.

    from applications.rules import Profile, evaluate
    evaluation = evaluate(Profile.from_dict(data), date(2026, 1, 1))
    evaluation.title("18g").verdict  # "eligible" | "eligible_if" | "not_eligible"

See README.md ("Residence-title rules engine") for the input fields and the sources.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .catalogue import (
    APPLICATION_TITLE_CODES,
    FAMILY_SPONSOR_TITLES,
    LIVING_SPACE_WAIVED_SPONSOR_TITLES,
    SKILLED_SPONSOR_TITLES,
    STEP_PURPOSES,
    TITLE_CODES,
    AuthorityStep,
    Deadline,
    DocumentRequirement,
    Fee,
    Title,
    UnknownTitle,
    authority_steps,
    ba_approval_needed,
    fees,
    required_documents,
    title,
)
from .engine import (
    ELIGIBLE,
    ELIGIBLE_IF,
    NOT_ELIGIBLE,
    Evaluation,
    Reason,
    TimelineEntry,
    TitleResult,
    evaluate,
    evaluate_title,
)
from .points import MINIMUM_POINTS, PointsItem, PointsResult, chancenkarte_points
from .profile import JobOffer, Joining, Profile, ProfileError
from .routes import living_space_needed
from .thresholds import (
    BUILT_IN,
    BUILT_IN_FIGURES,
    FIGURE_KINDS,
    SHARES_OF_PENSION_CEILING,
    Figure,
    Figures,
    ThresholdNotFound,
    chancenkarte_means_on,
    salary_thresholds_on,
)


def salary_threshold(
    code: str, on_date: date, age: int | None = None, reduced: bool = False, figures: Figures = BUILT_IN
) -> Decimal | None:
    """The minimum annual gross salary (EUR) a title requires on ``on_date``, or None if it has none.

    ``18g``: standard (§ 18g Abs. 1 S. 1) or, with ``reduced``, the reduced threshold (§ 18g Abs. 1
    S. 2, Abs. 2). ``18a``/``18b``: only from age 45 (§ 18 Abs. 2 Nr. 5 AufenthG). ``19c``: § 6 BeschV
    (unless the employer is tariff-bound). Raises ``UnknownTitle`` or ``ThresholdNotFound``.
    """
    title(code)
    thresholds = figures.salary_thresholds_on(on_date)
    if code == "18g":
        return thresholds.blue_card_reduced if reduced else thresholds.blue_card_standard
    if code in ("18a", "18b"):
        return thresholds.age_45 if age is not None and age >= 45 else None
    if code == "19c":
        return thresholds.experienced_19c
    return None


__all__ = [
    "APPLICATION_TITLE_CODES",
    "FAMILY_SPONSOR_TITLES",
    "LIVING_SPACE_WAIVED_SPONSOR_TITLES",
    "living_space_needed",
    "SKILLED_SPONSOR_TITLES",
    "BUILT_IN",
    "BUILT_IN_FIGURES",
    "FIGURE_KINDS",
    "SHARES_OF_PENSION_CEILING",
    "Figure",
    "Figures",
    "ELIGIBLE",
    "ELIGIBLE_IF",
    "MINIMUM_POINTS",
    "NOT_ELIGIBLE",
    "STEP_PURPOSES",
    "TITLE_CODES",
    "AuthorityStep",
    "Deadline",
    "DocumentRequirement",
    "Evaluation",
    "Fee",
    "JobOffer",
    "Joining",
    "PointsItem",
    "PointsResult",
    "Profile",
    "ProfileError",
    "Reason",
    "ThresholdNotFound",
    "TimelineEntry",
    "Title",
    "TitleResult",
    "UnknownTitle",
    "authority_steps",
    "ba_approval_needed",
    "chancenkarte_means_on",
    "chancenkarte_points",
    "evaluate",
    "evaluate_title",
    "fees",
    "required_documents",
    "salary_threshold",
    "salary_thresholds_on",
    "title",
]
