"""The rules engine's verdict for a case, from what its Person and Employment hold."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import rules
from ..figures import rule_figures
from ..models import Case, Employment
from ..rules.occupations import IT_SPECIALIST_GROUPS


@dataclass
class CaseEligibility:
    """The rules engine's verdict for a case, from what Person and Employment hold.

    `result` is the verdict for the case's title (or the best title when none is chosen yet);
    `missing` its unmet conditions (each fixable one makes the verdict "eligible_if");
    `missing_inputs` what the profile lacks to evaluate at all; `assumptions` what was assumed."""

    available: bool
    result: object | None = None
    others: list = field(default_factory=list)
    missing_inputs: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    on_date: object | None = None

    @property
    def verdict(self) -> str:
        return self.result.verdict if self.result is not None else ""

    @property
    def missing(self) -> list:
        return list(self.result.missing) if self.result is not None else []


def _years_of_experience(person, today):
    window_start = today.replace(year=today.year - 7) if not (today.month == 2 and today.day == 29) else (
        today.replace(year=today.year - 7, day=28))
    days = 0
    for item in person.experience.all():
        start = max(item.started_on, window_start)
        end = min(item.ended_on or today, today)
        if end > start:
            days += (end - start).days
    return min(Decimal(days) / Decimal("365.25"), Decimal(80)).quantize(Decimal("0.1"))


def case_profile(*, case: Case, today=None):
    """(Profile or None, missing inputs, assumptions) for the rules engine, from the case's data."""
    today = today or timezone.localdate()
    person = case.person
    missing: list[str] = []
    assumptions: list[str] = []
    if person.birth_date is None:
        missing.append(_("date of birth"))
    qualifications = list(person.qualifications.all())
    academic = [q for q in qualifications if q.kind == "academic"]
    vocational = [q for q in qualifications if q.kind == "vocational"]
    chosen = academic or vocational
    rank = {"full": 0, "partial": 1, "pending": 2, "none": 3}
    best = min(chosen, key=lambda q: rank.get(q.recognition, 3)) if chosen else None
    if best is None:
        missing.append(_("qualification"))
    levels = {s.language: s.level for s in person.languages.all()}
    try:  # the case's row, when its reader joined it (select_related), else one query
        employment = case.employment
    except Employment.DoesNotExist:
        employment = None
    job_offer = None
    if employment is None:
        missing.append(_("job offer"))
    elif not employment.occupation_isco:
        missing.append(_("occupation code (ISCO-08)"))
    else:
        job_offer = {
            "annual_gross_salary_eur": employment.annual_gross_salary,
            "occupation_isco": employment.occupation_isco,
            "hours_per_week": employment.weekly_hours,
            "start_date": employment.start_date or today,
            "collective_agreement": employment.collective_agreement,
            "contract_months": employment.duration_months,
        }
        if employment.start_date is None:
            assumptions.append(_("The job starts today (no start date given)."))
    if person.birth_date is None:
        return None, missing, assumptions
    assumptions.append(_("No earlier stays in Germany, no spouse applying jointly and no proof of means are "
                         "taken into account."))
    data = {
        "date_of_birth": person.birth_date,
        "qualification": best.kind if best else "none",
        "recognition": best.recognition if best else "none",
        "degree_comparable": any(q.comparable for q in academic),
        "job_offer": job_offer,
        "german_level": levels.get("de", "none") or "none",
        "english_level": levels.get("en", "none") or "none",
        "years_experience": _years_of_experience(person, today),
        "months_in_germany_last_5_years": 0,
        "spouse_eligible": False,
        "monthly_means_eur": 0,
        "it_specialist": bool(employment and employment.occupation_isco.startswith(IT_SPECIALIST_GROUPS)),
        "accelerated_procedure": bool(case.accelerated and job_offer is not None),
    }
    if best is not None and best.kind == "academic" and best.completed_on:
        data["graduation_date"] = best.completed_on
    try:
        return rules.Profile.from_dict(data), missing, assumptions
    except rules.ProfileError as exc:
        missing.append(f"{exc.field}: {exc.message}")
        return None, missing, assumptions


def case_eligibility(*, case: Case, today=None) -> CaseEligibility:
    """The rules engine's verdict for the case, for the candidate and (with full consent) the employer."""
    _order = {rules.ELIGIBLE: 0, rules.ELIGIBLE_IF: 1, rules.NOT_ELIGIBLE: 2}
    today = today or timezone.localdate()
    profile, missing_inputs, assumptions = case_profile(case=case, today=today)
    if profile is None:
        return CaseEligibility(available=False, missing_inputs=missing_inputs, assumptions=assumptions,
                               on_date=today)
    try:
        figures = rule_figures()
        if case.title_code in rules.TITLE_CODES:
            result = rules.evaluate_title(case.title_code, profile, today, figures=figures)
            others = []
        else:
            ranked = sorted(rules.evaluate(profile, today, figures=figures).titles,
                            key=lambda r: _order.get(r.verdict, 3))
            result, others = (ranked[0], [r for r in ranked[1:] if r.verdict != rules.NOT_ELIGIBLE])
    except rules.ThresholdNotFound:
        return CaseEligibility(available=False, missing_inputs=missing_inputs, assumptions=assumptions,
                               on_date=today)
    return CaseEligibility(available=True, result=result, others=others, missing_inputs=missing_inputs,
                           assumptions=assumptions, on_date=today)
