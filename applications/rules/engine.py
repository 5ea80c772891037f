"""Eligibility of a profile for each residence title, with reasons, on a given date.

Each condition is one ``Reason`` built by one function below, with its legal source in a
comment and in ``Reason.source``. A title's verdict follows from its reasons:

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
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from . import catalogue
from .catalogue import AuthorityStep, DocumentRequirement, Fee
from .formatting import eur, plain_number
from .occupations import (
    BLUE_CARD_REDUCED_GROUPS,
    DEGREE_SKILL_LEVEL,
    ICT_GROUPS,
    IT_SPECIALIST_GROUPS,
    QUALIFIED_SKILL_LEVEL,
    in_groups,
    skill_level,
)
from .points import PointsResult, chancenkarte_points
from .profile import Profile, level_at_least
from .thresholds import (
    BUILT_IN,
    MEANS_MONTHLY,
    MEANS_STUDY_MONTHLY,
    MINIMUM_WAGE_HOURLY,
    Figures,
    SalaryThresholds,
    ThresholdNotFound,
    to_cents,
)

ELIGIBLE = "eligible"
ELIGIBLE_IF = "eligible_if"
NOT_ELIGIBLE = "not_eligible"

WEEKS_PER_YEAR = Decimal("52")


@dataclass(frozen=True)
class Reason:
    code: str
    message: Promise
    source: str
    met: bool
    # Whether an unmet condition can still be fulfilled (it then makes the verdict "eligible_if").
    fixable: bool = True


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


@dataclass(frozen=True)
class _Context:
    """The date of the evaluation and the figures that apply on it."""

    on_date: date
    figures: Figures

    @property
    def thresholds(self) -> SalaryThresholds:
        return self.figures.salary_thresholds_on(self.on_date)


@dataclass
class _Assessment:
    """What the checks of one title found, beyond the reasons."""

    reasons: list[Reason] = field(default_factory=list)
    points: PointsResult | None = None
    reduced_threshold: bool = False  # Blue Card below the standard threshold: BA approval
    it_route: bool = False  # Blue Card for IT specialists without a degree
    in_company_measure: bool = False  # § 16d Abs. 1 measure in a company: BA approval
    recognition_outstanding: bool = False  # a recognition / comparability step is still to run
    provisional: bool = False  # a figure of a year not yet recorded was used
    german_needed: bool = False  # a German level is a condition (language certificate)
    minor: bool = False  # the applicant is a minor (half visa fee)


# --- Shared conditions -----------------------------------------------------------------------


def _job_offer(profile: Profile, source: str) -> Reason:
    # § 18 Abs. 2 Nr. 1 AufenthG (and the title's own norm): a concrete job offer.
    offer = profile.job_offer
    if offer is None:
        return Reason("job_offer", _("A concrete job offer or employment contract is needed."), source, met=False)
    return Reason(
        "job_offer",
        format_lazy(
            _("Job offer for ISCO-08 occupation {isco} at {salary} a year."),
            isco=offer.occupation_isco,
            salary=eur(offer.annual_gross_salary_eur),
        ),
        source,
        met=True,
    )


def _licence_to_practise(profile: Profile) -> Reason | None:
    # § 18 Abs. 2 Nr. 3 AufenthG: in a regulated profession the licence to practise
    # (Berufsausübungserlaubnis) must be granted or promised.
    if not profile.regulated_profession:
        return None
    source = "§ 18 Abs. 2 Nr. 3 AufenthG"
    if profile.licence_to_practise:
        return Reason("licence_to_practise", _("The licence to practise has been granted."), source, met=True)
    return Reason(
        "licence_to_practise", _("The profession is regulated: a licence to practise is needed."), source, met=False
    )


def _age_on(profile: Profile, on_date: date, day: date) -> int:
    """Age on ``day``. With only the age at ``on_date`` known, a birthday may fall before ``day``:
    the older age is taken, which is the cautious one for the age-45 rules."""
    if profile.date_of_birth is not None:
        born = profile.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if day <= on_date:
        return profile.age
    years_later = day.year - on_date.year - ((day.month, day.day) < (on_date.month, on_date.day))
    return profile.age + years_later + 1


def _age_45_salary(
    profile: Profile, age: int, thresholds: SalaryThresholds, source: str, at: Promise
) -> Reason | None:
    # § 18 Abs. 2 Nr. 5 AufenthG (first § 18a / § 18b Abs. 1 permit after the 45th birthday) and
    # § 1 Abs. 2 BeschV (first BA approval under § 6, § 26 Abs. 2 BeschV when the employment starts
    # after the 45th birthday): a salary of at least 55 % of the BBG RV, or proof of adequate pension
    # provision. The exception for a public interest is the authorities' discretion, not assumed here.
    if age < 45:
        return None
    threshold = thresholds.age_45
    if profile.adequate_pension_provision:
        return Reason(
            "age_45_salary",
            _(
                "Adequate pension provision is proven, so the salary rule for applicants aged 45 or over "
                "does not apply."
            ),
            source,
            met=True,
        )
    offer = profile.job_offer
    if offer is not None and to_cents(offer.annual_gross_salary_eur) >= threshold:
        return Reason(
            "age_45_salary",
            format_lazy(
                _("Salary {salary} meets the threshold of {threshold} for applicants aged 45 or over."),
                salary=eur(offer.annual_gross_salary_eur),
                threshold=eur(threshold),
            ),
            source,
            met=True,
        )
    return Reason(
        "age_45_salary",
        format_lazy(
            _(
                "Aged {age} {at}: a salary of at least {threshold} a year ({year}) "
                "or proof of adequate pension provision is needed."
            ),
            age=age,
            at=at,
            threshold=eur(threshold),
            year=_year_label(thresholds.year, thresholds.provisional),
        ),
        source,
        met=False,
    )


def _year_label(year: int, provisional: bool) -> Promise | int:
    if provisional:
        return format_lazy(_("{year} figures, provisional until the new ones are published"), year=year)
    return year


def _qualified_employment(profile: Profile, minimum_level: int, source: str) -> Reason | None:
    # § 2 Abs. 12b AufenthG: qualified employment needs the skills of a qualified vocational
    # training or of studies; ISCO-08 skill level of the occupation (occupations.py). An elementary
    # occupation (level 1) never qualifies, whatever the pay.
    offer = profile.job_offer
    if offer is None:
        return None
    level = skill_level(offer.occupation_isco)
    if level >= minimum_level:
        return Reason(
            "qualified_employment",
            format_lazy(
                _("The occupation (ISCO-08 {isco}) needs the skills of a qualification (skill level {level})."),
                isco=offer.occupation_isco,
                level=level,
            ),
            source,
            met=True,
        )
    if minimum_level >= DEGREE_SKILL_LEVEL:
        message = _(
            "The job must match a university degree (ISCO-08 skill level 4, e.g. managers and "
            "professionals); occupation {isco} is at skill level {level}."
        )
    else:
        message = _(
            "The job must need the skills of a vocational training or of studies; occupation {isco} "
            "is an elementary occupation (ISCO-08 skill level {level})."
        )
    return Reason(
        "qualified_employment",
        format_lazy(message, isco=offer.occupation_isco, level=level),
        source,
        met=False,
        fixable=False,
    )


def _pay_floor(profile: Profile, context: _Context) -> Reason | None:
    # § 39 Abs. 2 S. 1 Nr. 1 AufenthG: the BA approves only employment on conditions not less
    # favourable than those of comparable German workers, and § 5 Abs. 1 Nr. 1 AufenthG requires a
    # secured livelihood. The engine checks the floor every job must meet, the statutory minimum
    # wage (§ 1 MiLoG) for the stated hours; the BA checks comparability beyond it.
    offer = profile.job_offer
    if offer is None:
        return None
    wage = context.figures.on(MINIMUM_WAGE_HOURLY, offer.start_date if offer.start_date > context.on_date
                              else context.on_date)
    floor = to_cents(wage.value * offer.hours_per_week * WEEKS_PER_YEAR)
    salary = to_cents(offer.annual_gross_salary_eur)
    message = _(
        "Salary {salary} a year for {hours} hours a week; the statutory minimum wage of {wage} an hour "
        "({year}) makes at least {floor}. The Federal Employment Agency also checks that the pay is "
        "comparable to that of German workers."
    )
    return Reason(
        "pay_floor",
        format_lazy(
            message,
            salary=eur(salary),
            hours=plain_number(offer.hours_per_week),
            wage=eur(wage.value),
            year=_year_label(wage.year, wage.provisional),
            floor=eur(floor),
        ),
        "§ 1 MiLoG; § 39 Abs. 2 S. 1 Nr. 1, § 5 Abs. 1 Nr. 1 AufenthG",
        met=salary >= floor,
    )


def _employment_assured(profile: Profile) -> Reason | None:
    # § 18 Abs. 2 Nr. 4a AufenthG (2026 text): employer and worker assure that the job will actually
    # be taken up. Asked in the application; only a refusal to assure is a missing condition here.
    offer = profile.job_offer
    if offer is None or offer.employment_assured is None:
        return None
    return Reason(
        "employment_assured",
        _("Employer and worker must both assure that the job will actually be taken up."),
        "§ 18 Abs. 2 Nr. 4a AufenthG",
        met=offer.employment_assured,
    )


def _foreign_qualification(profile: Profile, source: str) -> Reason:
    # A degree, or a vocational qualification of at least two years' training that is
    # state-recognised where it was gained (§ 6 BeschV, § 16d, § 20a Abs. 4 S. 3 Nr. 1 AufenthG).
    # The profile's "vocational" is taken to mean such a qualification.
    if profile.qualification == "none":
        return Reason(
            "foreign_qualification",
            _(
                "A university degree or a vocational qualification of at least two years, "
                "state-recognised in the country where it was gained, is needed."
            ),
            source,
            met=False,
            fixable=False,
        )
    return Reason(
        "foreign_qualification",
        format_lazy(_("Qualification: {kind}."), kind=_QUALIFICATION_LABELS[profile.qualification]),
        source,
        met=True,
    )


def _german_at_least(profile: Profile, minimum: str, source: str) -> Reason:
    if level_at_least(profile.german_level, minimum):
        return Reason(
            "german_level",
            format_lazy(
                _("German at level {level} meets the required {minimum}."), level=profile.german_level, minimum=minimum
            ),
            source,
            met=True,
        )
    return Reason(
        "german_level",
        format_lazy(
            _("German at level {minimum} is needed; the profile states {level}."),
            minimum=minimum,
            level=profile.german_level,
        ),
        source,
        met=False,
    )


def _academic_degree(profile: Profile, source: str) -> Reason:
    # § 18 Abs. 3 Nr. 2 AufenthG: a skilled worker with academic training holds a degree.
    if profile.qualification == "academic":
        return Reason("academic_qualification", _("University degree."), source, met=True)
    return Reason("academic_qualification", _("A university degree is needed."), source, met=False, fixable=False)


def _degree_comparable(profile: Profile) -> Reason:
    # § 18 Abs. 2 Nr. 4 AufenthG: the foreign degree is recognised or comparable to a German one
    # (anabin: institution H+ and degree "entspricht", otherwise a ZAB Statement of Comparability).
    source = "§ 18 Abs. 2 Nr. 4 AufenthG"
    if profile.degree_comparable or profile.recognition == "full":
        return Reason(
            "degree_comparable", _("The degree is recognised or comparable to a German degree."), source, met=True
        )
    return Reason(
        "degree_comparable",
        _("The degree must be shown to be comparable: anabin (H+, 'entspricht') or a ZAB Statement of Comparability."),
        source,
        met=False,
    )


# --- § 18a AufenthG: skilled worker with vocational training ---------------------------------


def _employment_conditions(profile: Profile, context: _Context, result: _Assessment) -> list[Reason]:
    """The conditions of § 18 Abs. 2 AufenthG every § 18a / § 18b permit shares: a job offer for
    qualified employment at no less than the minimum wage, the licence where the profession is
    regulated, the assurance of Nr. 4a, and the age-45 salary of Nr. 5 at the first issuance."""
    thresholds = context.thresholds
    result.provisional = result.provisional or thresholds.provisional
    return _present(
        _job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
        _qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 2 Abs. 12b, § 18a, § 18b AufenthG"),
        _pay_floor(profile, context),
        _licence_to_practise(profile),
        _employment_assured(profile),
        _age_45_salary(
            profile,
            _age_on(profile, context.on_date, context.on_date),
            thresholds,
            "§ 18 Abs. 2 Nr. 5 AufenthG",
            _("at the first issuance"),
        ),
    )


def _assess_18a(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    # § 18 Abs. 3 Nr. 1 AufenthG: a skilled worker with vocational training.
    source = "§ 18 Abs. 3 Nr. 1 AufenthG"
    if profile.qualification == "vocational":
        result.reasons.append(Reason("vocational_qualification", _("Vocational qualification."), source, met=True))
        result.reasons.append(_vocational_equivalence(profile))
        result.recognition_outstanding = profile.recognition != "full"
    else:
        message = (
            _("§ 18a is for vocational qualifications; with a degree see § 18b or the EU Blue Card.")
            if profile.qualification == "academic"
            else _("A vocational qualification is needed.")
        )
        result.reasons.append(Reason("vocational_qualification", message, source, met=False, fixable=False))
    result.reasons.extend(_employment_conditions(profile, context, result))
    return result


def _vocational_equivalence(profile: Profile) -> Reason:
    # § 18 Abs. 2 Nr. 4 AufenthG: the recognition body has declared the foreign vocational
    # qualification equivalent (Gleichwertigkeitsbescheid). Partial equivalence is not enough;
    # the route then is a qualification measure (§ 16d, § 81a Abs. 3 S. 2 AufenthG).
    source = "§ 18 Abs. 2 Nr. 4 AufenthG"
    messages = {
        "full": _("The recognition body has declared the qualification equivalent."),
        "pending": _("The recognition procedure is pending; a notice of full equivalence is needed."),
        "none": _("The recognition body must declare the qualification equivalent (Gleichwertigkeitsbescheid)."),
        "partial": _("Only partial equivalence was found; a qualification measure under § 16d comes first."),
    }
    return Reason(
        "recognition_equivalent",
        messages[profile.recognition],
        source,
        met=profile.recognition == "full",
        fixable=profile.recognition != "partial",
    )


# --- § 18b Abs. 1 AufenthG: skilled worker with academic training ----------------------------


def _assess_18b(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    result.reasons.append(_academic_degree(profile, "§ 18 Abs. 3 Nr. 2 AufenthG"))
    if profile.qualification == "academic":
        comparable = _degree_comparable(profile)
        result.reasons.append(comparable)
        result.recognition_outstanding = not comparable.met
    result.reasons.extend(_employment_conditions(profile, context, result))
    return result


# --- § 18g AufenthG: EU Blue Card ------------------------------------------------------------


def _assess_18g(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    thresholds = context.thresholds
    result.provisional = thresholds.provisional
    result.reasons.extend(_blue_card_qualification(profile, result))
    result.reasons.append(_job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    if not result.it_route:
        # § 18g Abs. 1 S. 1 AufenthG: employment commensurate with the degree.
        result.reasons.extend(
            _present(_qualified_employment(profile, DEGREE_SKILL_LEVEL, "§ 18g Abs. 1 S. 1 AufenthG"))
        )
    result.reasons.append(_blue_card_salary(profile, context, thresholds, result))
    result.reasons.extend(
        _present(_blue_card_contract_term(profile), _licence_to_practise(profile), _employment_assured(profile))
    )
    return result


def _has_comparable_degree(profile: Profile) -> bool:
    return profile.qualification == "academic" and (profile.degree_comparable or profile.recognition == "full")


def _blue_card_qualification(profile: Profile, result: _Assessment) -> list[Reason]:
    degree_route = "§ 18g Abs. 1 S. 1 AufenthG"
    if _has_comparable_degree(profile):
        return [_academic_degree(profile, degree_route), _degree_comparable(profile)]
    if profile.it_specialist:
        return _it_specialist_route(profile, result)
    if profile.qualification == "academic":
        result.recognition_outstanding = True
        return [_academic_degree(profile, degree_route), _degree_comparable(profile)]
    return [
        Reason(
            "academic_qualification",
            _("The EU Blue Card needs a university degree (IT specialists: 3 years of experience instead)."),
            degree_route,
            met=False,
            fixable=False,
        )
    ]


def _it_specialist_route(profile: Profile, result: _Assessment) -> list[Reason]:
    # § 18g Abs. 2 AufenthG: without a degree, a job in ISCO-08 group 133 or 25 and at least three
    # years of experience in such an occupation gained within the last seven years.
    source = "§ 18g Abs. 2 AufenthG"
    if profile.years_experience < 3:
        return [
            Reason(
                "it_specialist_experience",
                format_lazy(
                    _(
                        "IT specialists without a degree need at least 3 years of experience "
                        "within the last 7 years; the profile states {years}."
                    ),
                    years=plain_number(profile.years_experience),
                ),
                source,
                met=False,
                fixable=False,
            )
        ]
    reasons = [
        Reason(
            "it_specialist_experience",
            format_lazy(
                _(
                    "IT specialist with {years} years of experience in IT occupations (ISCO-08 133 or 25) "
                    "within the last 7 years: the Blue Card needs no degree."
                ),
                years=plain_number(profile.years_experience),
            ),
            source,
            met=True,
        )
    ]
    offer = profile.job_offer
    if offer is not None and not in_groups(offer.occupation_isco, IT_SPECIALIST_GROUPS):
        reasons.append(
            Reason(
                "it_specialist_occupation",
                format_lazy(
                    _(
                        "Without a degree the Blue Card is only open to IT jobs (ISCO-08 groups 133 and 25); "
                        "occupation {isco} is not one of them."
                    ),
                    isco=offer.occupation_isco,
                ),
                source,
                met=False,
                fixable=False,
            )
        )
        return reasons
    result.it_route = True
    return reasons


def _recent_graduate(profile: Profile, on_date: date) -> bool:
    # § 18g Abs. 1 S. 2 Nr. 2 AufenthG: the degree obtained not more than three years before the
    # application. Without the date, a whole number of years of exactly 3 may be more than three
    # years: the cautious reading counts only fewer.
    if profile.qualification != "academic":
        return False
    if profile.graduation_date is not None:
        return profile.graduation_date >= _years_before(on_date, 3)
    return profile.degree_years_ago is not None and profile.degree_years_ago < 3


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _blue_card_reduced_grounds(profile: Profile, on_date: date, it_route: bool) -> list[Promise]:
    """Why the reduced threshold (45.3 % of the BBG RV) applies, if it does."""
    if it_route:
        # § 18g Abs. 2 Nr. 1 AufenthG.
        return [_("IT specialist without a degree")]
    grounds = []
    offer = profile.job_offer
    # § 18g Abs. 1 S. 2 Nr. 1 AufenthG: an occupation in the listed ISCO-08 groups, by its code;
    # the employer's own "shortage occupation" label does not count.
    if offer is not None and in_groups(offer.occupation_isco, BLUE_CARD_REDUCED_GROUPS):
        grounds.append(_("occupation in a group with the reduced threshold"))
    # § 18g Abs. 1 S. 2 Nr. 2 AufenthG.
    if _recent_graduate(profile, on_date):
        grounds.append(_("degree obtained not more than 3 years ago"))
    return grounds


def _blue_card_salary(
    profile: Profile, context: _Context, thresholds: SalaryThresholds, result: _Assessment
) -> Reason:
    # § 18g Abs. 1 S. 1 AufenthG: salary of at least 50 % of the BBG RV, no BA approval; § 18g
    # Abs. 1 S. 2 and Abs. 2 Nr. 1: at least 45.3 % for the reduced grounds, with BA approval.
    # Compared to the cent.
    grounds = _blue_card_reduced_grounds(profile, context.on_date, result.it_route)
    standard, reduced = thresholds.blue_card_standard, thresholds.blue_card_reduced
    year = _year_label(thresholds.year, thresholds.provisional)
    offer = profile.job_offer
    if offer is None:
        return Reason(
            "blue_card_salary",
            format_lazy(
                _(
                    "A salary of at least {standard} a year ({year}; {reduced} in the occupation groups of "
                    "§ 18g Abs. 1 S. 2, for recent graduates and IT specialists) is needed."
                ),
                standard=eur(standard),
                reduced=eur(reduced),
                year=year,
            ),
            "§ 18g Abs. 1 AufenthG",
            met=False,
        )
    salary = to_cents(offer.annual_gross_salary_eur)
    if salary >= standard and not result.it_route:
        return Reason(
            "blue_card_salary",
            format_lazy(
                _("Salary {salary} meets the Blue Card threshold of {threshold} ({year})."),
                salary=eur(salary),
                threshold=eur(standard),
                year=year,
            ),
            "§ 18g Abs. 1 S. 1 AufenthG",
            met=True,
        )
    reduced_source = "§ 18g Abs. 2 Nr. 1 AufenthG" if result.it_route else "§ 18g Abs. 1 S. 2 AufenthG"
    if grounds and salary >= reduced:
        result.reduced_threshold = True
        return Reason(
            "blue_card_salary",
            format_lazy(
                _(
                    "Salary {salary} meets the reduced Blue Card threshold of {threshold} ({year}; {grounds}); "
                    "the Federal Employment Agency must approve."
                ),
                salary=eur(salary),
                threshold=eur(reduced),
                year=year,
                grounds=_join(grounds),
            ),
            reduced_source,
            met=True,
        )
    threshold = reduced if grounds else standard
    return Reason(
        "blue_card_salary",
        format_lazy(
            _("Salary {salary} is below the Blue Card threshold of {threshold} ({year})."),
            salary=eur(salary),
            threshold=eur(threshold),
            year=year,
        ),
        reduced_source if grounds else "§ 18g Abs. 1 S. 1 AufenthG",
        met=False,
    )


def _blue_card_contract_term(profile: Profile) -> Reason | None:
    # § 18g Abs. 3 AufenthG: the job offer provides for employment of at least six months.
    # Checked only when the term is given.
    offer = profile.job_offer
    if offer is None or offer.contract_months is None:
        return None
    return Reason(
        "contract_term",
        format_lazy(_("Contract term {months} months; at least 6 months are needed."), months=offer.contract_months),
        "§ 18g Abs. 3 AufenthG",
        met=offer.contract_months >= 6,
    )


# --- § 19c Abs. 2 AufenthG with § 6 BeschV: experience-based employment ----------------------


def _assess_19c(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    thresholds = context.thresholds
    result.provisional = thresholds.provisional
    offer = profile.job_offer
    result.reasons.append(_experienced_qualification(profile))
    result.reasons.append(_two_years_experience(profile))
    result.reasons.extend(
        _present(
            _job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
            # § 19c Abs. 2 AufenthG, § 6 Abs. 1 BeschV: qualified employment.
            _qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 19c Abs. 2 AufenthG, § 6 Abs. 1 BeschV"),
            _experienced_salary(profile, thresholds),
            # § 1 Abs. 2 BeschV: the age at the start of the employment counts.
            _age_45_salary(
                profile,
                _age_on(profile, context.on_date, offer.start_date if offer else context.on_date),
                thresholds,
                "§ 1 Abs. 2 BeschV",
                _("at the start of the employment"),
            ),
            # Neither § 19c Abs. 2 AufenthG nor § 6 BeschV excludes regulated professions; as for every
            # employment title the licence to practise is needed (§ 18 Abs. 2 Nr. 3 AufenthG).
            _licence_to_practise(profile),
            _employment_assured(profile),
        )
    )
    return result


def _experienced_qualification(profile: Profile) -> Reason:
    # § 6 Abs. 1 S. 1 Nr. 3 BeschV: a foreign vocational qualification of at least two years'
    # training or a degree, state-recognised where gained (or an AHK qualification); S. 3: not
    # needed in occupations of information and communication technology.
    offer = profile.job_offer
    if profile.qualification == "none" and offer is not None and in_groups(offer.occupation_isco, ICT_GROUPS):
        return Reason(
            "foreign_qualification",
            _("In IT occupations experience-based employment needs no formal qualification."),
            "§ 6 Abs. 1 S. 3 BeschV",
            met=True,
        )
    return _foreign_qualification(profile, "§ 6 Abs. 1 S. 1 Nr. 3 BeschV")


def _two_years_experience(profile: Profile) -> Reason:
    # § 6 Abs. 1 S. 1 Nr. 1 BeschV: at least two years of professional experience within the last
    # five years that qualifies for the job.
    met = profile.years_experience >= 2
    return Reason(
        "experience",
        format_lazy(
            _("{years} years of professional experience; at least 2 within the last 5 years are needed."),
            years=plain_number(profile.years_experience),
        ),
        "§ 6 Abs. 1 S. 1 Nr. 1 BeschV",
        met=met,
        fixable=False,
    )


def _experienced_salary(profile: Profile, thresholds: SalaryThresholds) -> Reason:
    # § 6 Abs. 1 S. 1 Nr. 2 BeschV: salary of at least 45 % of the BBG RV; S. 2: not for an
    # employer bound by a collective agreement paying the tariff wage. Compared to the cent.
    source = "§ 6 Abs. 1 S. 1 Nr. 2 BeschV"
    threshold, year = thresholds.experienced_19c, _year_label(thresholds.year, thresholds.provisional)
    offer = profile.job_offer
    if offer is not None and offer.collective_agreement:
        return Reason(
            "experienced_salary",
            _("The employer is bound by a collective agreement and pays the tariff wage."),
            "§ 6 Abs. 1 S. 2 BeschV",
            met=True,
        )
    if offer is not None and to_cents(offer.annual_gross_salary_eur) >= threshold:
        return Reason(
            "experienced_salary",
            format_lazy(
                _("Salary {salary} meets the threshold of {threshold} ({year})."),
                salary=eur(offer.annual_gross_salary_eur),
                threshold=eur(threshold),
                year=year,
            ),
            source,
            met=True,
        )
    return Reason(
        "experienced_salary",
        format_lazy(
            _("A salary of at least {threshold} a year ({year}) or a tariff-bound employer is needed."),
            threshold=eur(threshold),
            year=year,
        ),
        source,
        met=False,
    )


# --- § 20a AufenthG: Opportunity Card (Chancenkarte) ------------------------------------------


def _is_skilled_worker(profile: Profile) -> bool:
    # § 18 Abs. 3 AufenthG: a German or fully recognised vocational qualification (Nr. 1), or a
    # German, recognised or comparable foreign degree (Nr. 2).
    if profile.qualification == "vocational":
        return profile.recognition == "full"
    if profile.qualification == "academic":
        return profile.recognition == "full" or profile.degree_comparable
    return False


def _assess_20a(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    if _is_skilled_worker(profile):
        # § 20a Abs. 3 Nr. 1 AufenthG: skilled workers get the card without points.
        result.reasons.append(
            Reason(
                "skilled_worker",
                _("You count as a skilled worker (§ 18 Abs. 3 AufenthG): no points are needed."),
                "§ 20a Abs. 3 Nr. 1 AufenthG",
                met=True,
            )
        )
    else:
        result.points = chancenkarte_points(profile, _age_on(profile, context.on_date, context.on_date))
        result.reasons.extend(
            [_points_route_qualification(profile), _basic_language(profile), _enough_points(result.points)]
        )
    offer = profile.job_offer
    result.reasons.append(
        _livelihood(
            profile,
            context,
            "§ 20a Abs. 4 S. 1 AufenthG",
            result,
            job_counts=offer is not None and offer.hours_per_week <= 20,
        )
    )
    return result


def _points_route_qualification(profile: Profile) -> Reason:
    # § 20a Abs. 4 S. 3 Nr. 1 AufenthG: a degree or a vocational qualification of at least two
    # years, state-recognised where gained; § 20b Abs. 1 S. 2: waived with partial recognition.
    if profile.recognition == "partial":
        return Reason(
            "foreign_qualification",
            _("Partial recognition in Germany replaces proof of state recognition abroad."),
            "§ 20b Abs. 1 S. 2 AufenthG",
            met=True,
        )
    return _foreign_qualification(profile, "§ 20a Abs. 4 S. 3 Nr. 1 AufenthG")


def _basic_language(profile: Profile) -> Reason:
    # § 20a Abs. 4 S. 3 Nr. 2 AufenthG: German at least A1 or English at least B2.
    met = level_at_least(profile.german_level, "A1") or level_at_least(profile.english_level, "B2")
    return Reason(
        "basic_language",
        format_lazy(
            _(
                "German at least A1 or English at least B2 is needed; "
                "the profile states German {german}, English {english}."
            ),
            german=profile.german_level,
            english=profile.english_level,
        ),
        "§ 20a Abs. 4 S. 3 Nr. 2 AufenthG",
        met=met,
    )


def _enough_points(points: PointsResult) -> Reason:
    # § 20a Abs. 3 Nr. 2 AufenthG with § 20b and the Anlage: at least 6 points.
    return Reason(
        "points",
        format_lazy(_("{total} points; at least {minimum} are needed."), total=points.total, minimum=points.minimum),
        "§ 20a Abs. 3 Nr. 2 AufenthG, § 20b AufenthG",
        met=points.sufficient,
        fixable=False,
    )


def _livelihood(
    profile: Profile,
    context: _Context,
    source: str,
    result: _Assessment,
    *,
    job_counts: bool,
    kind: str = MEANS_MONTHLY,
) -> Reason:
    # § 5 Abs. 1 Nr. 1, § 2 Abs. 3 AufenthG: livelihood secured, at least the monthly amount the
    # BMI publishes (thresholds.py), compared to the cent. Income from a job the title allows counts
    # (``job_counts``): for the Opportunity Card a part-time job of up to 20 hours (§ 20a Abs. 4,
    # § 20a Abs. 2 AufenthG).
    try:
        required = context.figures.on(kind, context.on_date)
    except ThresholdNotFound:
        return Reason(
            "livelihood",
            format_lazy(
                _("The required means for {year} are not recorded; the authority will state them."),
                year=context.on_date.year,
            ),
            source,
            met=False,
        )
    result.provisional = result.provisional or required.provisional
    offer = profile.job_offer
    income = to_cents(offer.annual_gross_salary_eur / 12) if job_counts and offer is not None else Decimal("0.00")
    means = to_cents(profile.monthly_means_eur) + income
    if income:
        message = _(
            "Secured means of {means} a month, {income} of it from the job; at least {required} a month "
            "are needed ({year})."
        )
    else:
        message = _("Secured means of {means} a month; at least {required} a month are needed ({year}).")
    return Reason(
        "livelihood",
        format_lazy(
            message,
            means=eur(means),
            income=eur(income),
            required=eur(required.value),
            year=_year_label(required.year, required.provisional),
        ),
        source,
        met=means >= required.value,
    )


# --- § 16d Abs. 1 AufenthG: recognition measure ----------------------------------------------


def _assess_16d1(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    result.reasons.append(_foreign_qualification(profile, "§ 16d Abs. 1 S. 1 AufenthG"))
    result.reasons.append(_deficit_notice(profile))
    # § 16d Abs. 1 S. 2 Nr. 1 AufenthG: German matching the measure, as a rule at least A2.
    result.reasons.append(_german_at_least(profile, "A2", "§ 16d Abs. 1 S. 2 Nr. 1 AufenthG"))
    # § 16d Abs. 1 S. 2 Nr. 3 AufenthG: a mainly in-company measure needs BA approval; a job
    # offer is taken to mean the measure runs in the company.
    result.in_company_measure = profile.job_offer is not None
    # § 5 Abs. 1 Nr. 1 AufenthG applies to § 16d Abs. 1 as to every title; the pay of an
    # in-company measure counts.
    result.reasons.append(_livelihood(profile, context, "§ 5 Abs. 1 Nr. 1 AufenthG", result, job_counts=True))
    return result


def _deficit_notice(profile: Profile) -> Reason:
    # § 16d Abs. 1 S. 1 AufenthG: the recognition body found that adaptation or compensation
    # measures are needed (deficit notice).
    source = "§ 16d Abs. 1 S. 1 AufenthG"
    if profile.recognition == "full":
        return Reason(
            "deficit_notice",
            _("The qualification is already fully recognised: no measure is needed (see § 18a or § 18b)."),
            source,
            met=False,
            fixable=False,
        )
    if profile.recognition == "partial":
        return Reason("deficit_notice", _("The recognition body issued a deficit notice."), source, met=True)
    return Reason(
        "deficit_notice",
        _("A deficit notice from the recognition body naming the required measure is needed."),
        source,
        met=False,
    )


# --- § 16d Abs. 3 AufenthG: recognition partnership ------------------------------------------


def _assess_16d3(profile: Profile, context: _Context) -> _Assessment:
    source = "§ 16d Abs. 3 AufenthG"
    result = _Assessment()
    result.reasons.append(_foreign_qualification(profile, source))
    result.reasons.append(_recognition_not_completed(profile))
    # § 16d Abs. 3 AufenthG: German A2 (DOMAIN.md 1.2 [V haufe]).
    result.reasons.append(_german_at_least(profile, "A2", source))
    result.reasons.extend(
        _present(
            _job_offer(profile, source),
            # § 2a Abs. 1 BeschV: the job relates to the qualification, so it is a qualified one.
            _qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 16d Abs. 3 AufenthG, § 2a Abs. 1 BeschV"),
            _pay_floor(profile, context),
        )
    )
    return result


def _recognition_not_completed(profile: Profile) -> Reason:
    # § 16d Abs. 3 AufenthG: the partnership is for starting recognition after entry; a fully
    # recognised qualification leads to § 18a / § 18b instead.
    source = "§ 16d Abs. 3 AufenthG"
    if profile.recognition == "full":
        return Reason(
            "recognition_not_completed",
            _("The qualification is already fully recognised: see § 18a or § 18b instead."),
            source,
            met=False,
            fixable=False,
        )
    return Reason(
        "recognition_not_completed",
        _("Recognition is not yet complete and can be pursued within the partnership."),
        source,
        met=True,
    )


# --- § 19c Abs. 1 AufenthG with § 26 Abs. 2 BeschV: Western Balkans regulation ---------------

# § 26 Abs. 2 S. 1 BeschV: Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North Macedonia, Serbia.
WESTERN_BALKANS = ("AL", "BA", "XK", "ME", "MK", "RS")


def _assess_19c1(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    thresholds = context.thresholds
    result.provisional = thresholds.provisional
    offer = profile.job_offer
    if profile.nationality in WESTERN_BALKANS:
        result.reasons.append(
            Reason(
                "nationality",
                _(
                    "National of a Western Balkans state; the visa must be applied for at the German mission "
                    "in one of these states."
                ),
                "§ 26 Abs. 2 S. 1 and 2 BeschV",
                met=True,
            )
        )
    else:
        result.reasons.append(
            Reason(
                "nationality",
                _(
                    "Only for nationals of Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North Macedonia "
                    "and Serbia."
                ),
                "§ 26 Abs. 2 S. 1 BeschV",
                met=False,
                fixable=False,
            )
        )
    if profile.asylum_benefits_last_24_months:
        result.reasons.append(
            Reason(
                "asylum_benefits",
                _("Not open to people who received asylum seekers' benefits in the last 24 months."),
                "§ 26 Abs. 2 S. 4 BeschV",
                met=False,
                fixable=False,
            )
        )
    result.reasons.extend(
        _present(
            _job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
            _pay_floor(profile, context),
            _licence_to_practise(profile),
            _employment_assured(profile),
            _age_45_salary(
                profile,
                _age_on(profile, context.on_date, offer.start_date if offer else context.on_date),
                thresholds,
                "§ 1 Abs. 2 BeschV",
                _("at the start of the employment"),
            ),
        )
    )
    return result


# --- § 16a, § 17, § 16b AufenthG: training and studies ----------------------------------------


def _assess_16a(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    source = "§ 16a Abs. 1 AufenthG"
    if profile.training_place is None:
        result.reasons.append(
            Reason("training_place", _("A place in a qualified vocational training in Germany is needed."), source,
                   met=False)
        )
    else:
        result.reasons.append(
            Reason("training_place", _("A training place in Germany is confirmed."), source, met=True)
        )
    # § 8 Abs. 1 BeschV: the BA approves in-company training.
    result.in_company_measure = profile.training_place == "in_company"
    # § 16a Abs. 3 S. 1 AufenthG: sufficient German (B1) unless the training provider or a
    # preparatory course checked it; the engine asks for B1 (the cautious reading).
    result.reasons.append(_german_at_least(profile, "B1", "§ 16a Abs. 3 AufenthG"))
    result.german_needed = True
    # § 2 Abs. 3 S. 5 AufenthG: means of the BAföG amount; the training pay counts.
    result.reasons.append(
        _livelihood(profile, context, "§ 2 Abs. 3 S. 5 AufenthG", result, job_counts=True, kind=MEANS_STUDY_MONTHLY)
    )
    return result


def _assess_17(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    age = _age_on(profile, context.on_date, context.on_date)
    result.reasons.append(
        Reason(
            "age_under_35",
            format_lazy(_("Only before the 35th birthday; the profile states age {age}."), age=age),
            "§ 17 Abs. 1 S. 1 Nr. 1 AufenthG",
            met=age < 35,
            fixable=False,
        )
    )
    result.reasons.append(
        Reason(
            "school_leaving_certificate",
            _("A school-leaving certificate giving access to higher education (or from a German school abroad)."),
            "§ 17 Abs. 1 S. 1 Nr. 3 AufenthG",
            met=profile.university_entrance_qualification,
            fixable=False,
        )
    )
    result.reasons.append(_german_at_least(profile, "B1", "§ 17 Abs. 1 S. 1 Nr. 4 AufenthG"))
    result.german_needed = True
    result.reasons.append(_livelihood(profile, context, "§ 17 Abs. 1 S. 1 Nr. 2 AufenthG", result, job_counts=False))
    return result


def _assess_16b(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    result.reasons.append(
        Reason(
            "university_admission",
            _("Admission by a German university (or a preparatory course) is needed.")
            if not profile.university_admission
            else _("Admitted by a German university."),
            "§ 16b Abs. 1 AufenthG",
            met=profile.university_admission,
        )
    )
    # § 16b Abs. 1 S. 3 AufenthG: German only where the university did not check it at admission.
    result.reasons.append(
        _livelihood(profile, context, "§ 2 Abs. 3 S. 5 AufenthG", result, job_counts=False, kind=MEANS_STUDY_MONTHLY)
    )
    return result


# --- § 20 AufenthG: job search after studies or training in Germany --------------------------


def _assess_20(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    # § 20 Abs. 1 and 3 AufenthG: after a qualified vocational training, studies or a § 16d
    # recognition completed in Germany.
    result.reasons.append(
        Reason(
            "german_qualification",
            _("Studies, a qualified vocational training or a recognition completed in Germany.")
            if profile.german_qualification
            else _("Only after studies, a qualified vocational training or a recognition completed in Germany."),
            "§ 20 Abs. 1 and 3 AufenthG",
            met=profile.german_qualification is not None,
            fixable=False,
        )
    )
    result.reasons.append(_livelihood(profile, context, "§ 5 Abs. 1 Nr. 1 AufenthG", result, job_counts=False))
    return result


# --- § 18c AufenthG: settlement permit for skilled workers -----------------------------------


def _assess_18c(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    held = profile.current_title
    months = profile.months_holding_title or 0
    contributions = profile.pension_contribution_months or 0
    trained_here = profile.german_qualification in ("degree", "vocational")
    if held == "18g":
        # § 18c Abs. 2 AufenthG: 27 months of Blue Card employment with contributions and A1;
        # 21 months with B1.
        needed = 21 if level_at_least(profile.german_level, "B1") else 27
        source = "§ 18c Abs. 2 AufenthG"
        result.reasons.append(
            Reason(
                "title_period",
                format_lazy(
                    _("{months} months of employment with the Blue Card; {needed} are needed."),
                    months=months,
                    needed=needed,
                ),
                source,
                met=months >= needed,
            )
        )
        result.reasons.append(_contributions(contributions, needed, source))
        result.reasons.append(_german_at_least(profile, "A1", source))
    elif held in ("18a", "18b", "18d"):
        # § 18c Abs. 1 AufenthG: three years with the title (two after a German training or
        # studies), 36 months of contributions (24), sufficient German (B1).
        years = 2 if trained_here else 3
        source = "§ 18c Abs. 1 AufenthG"
        result.reasons.append(
            Reason(
                "title_period",
                format_lazy(
                    _("{months} months with the residence title; {needed} are needed."),
                    months=months,
                    needed=years * 12,
                ),
                source,
                met=months >= years * 12,
            )
        )
        result.reasons.append(_contributions(contributions, 24 if trained_here else 36, source))
        result.reasons.append(_german_at_least(profile, "B1", "§ 18c Abs. 1 S. 1 Nr. 4 AufenthG"))
    else:
        result.reasons.append(
            Reason(
                "title_period",
                _("The settlement permit for skilled workers needs a title under § 18a, § 18b, § 18d or § 18g."),
                "§ 18c Abs. 1 S. 1 Nr. 1 AufenthG",
                met=False,
                fixable=False,
            )
        )
    # § 18c Abs. 1 S. 1 Nr. 2, Abs. 2 AufenthG: a job the title allows.
    result.reasons.append(
        Reason(
            "current_job",
            _("A job that the title allows is needed."),
            "§ 18c Abs. 1 S. 1 Nr. 2 AufenthG",
            met=profile.job_offer is not None,
        )
    )
    return result


def _contributions(months: int, needed: int, source: str) -> Reason:
    return Reason(
        "pension_contributions",
        format_lazy(
            _("{months} months of pension contributions; {needed} are needed."), months=months, needed=needed
        ),
        source,
        met=months >= needed,
    )


# --- §§ 29, 30, 32 AufenthG: family joining a skilled worker ---------------------------------


def _sponsor(profile: Profile, relationship: str, source: str) -> list[Reason]:
    joining = profile.joining
    if joining is None or joining.relationship != relationship:
        message = (
            _("For the spouse of someone who lives in Germany with a residence title.")
            if relationship == "spouse"
            else _("For the child of someone who lives in Germany with a residence title.")
        )
        return [Reason("joining", message, source, met=False, fixable=False)]
    if joining.sponsor_title not in catalogue.FAMILY_SPONSOR_TITLES:
        return [
            Reason(
                "sponsor_title",
                format_lazy(
                    _(
                        "Whether family members can join a holder of title {code} depends on conditions the "
                        "portal does not check; ask the foreigners' authority."
                    ),
                    code=joining.sponsor_title,
                ),
                "§ 29 Abs. 1, § 30 Abs. 1 S. 1 Nr. 3 AufenthG",
                met=False,
                fixable=False,
            )
        ]
    return [
        Reason(
            "sponsor_title",
            format_lazy(_("The family member in Germany holds title {code}."), code=joining.sponsor_title),
            "§ 29 Abs. 1 AufenthG",
            met=True,
        )
    ]


def _assess_30(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    source = "§ 30 Abs. 1 AufenthG"
    result.reasons.extend(_sponsor(profile, "spouse", source))
    age = _age_on(profile, context.on_date, context.on_date)
    # § 30 Abs. 1 S. 1 Nr. 1 AufenthG: both spouses 18 or older (the hardship exception of
    # Abs. 2 is the authority's discretion).
    result.reasons.append(
        Reason(
            "spouse_adult",
            format_lazy(_("Both spouses must be 18 or older; the profile states age {age}."), age=age),
            "§ 30 Abs. 1 S. 1 Nr. 1 AufenthG",
            met=age >= 18,
            fixable=False,
        )
    )
    joining = profile.joining
    if joining is not None and joining.sponsor_title in catalogue.SKILLED_SPONSOR_TITLES:
        # § 30 Abs. 1 S. 3 Nr. 5 AufenthG (skilled workers' titles): no German needed; § 29 Abs. 5:
        # no proof of living space.
        result.reasons.append(
            Reason(
                "german_level",
                _("No German is needed to join a skilled worker."),
                "§ 30 Abs. 1 S. 3 AufenthG",
                met=True,
            )
        )
    else:
        result.reasons.append(_german_at_least(profile, "A1", "§ 30 Abs. 1 S. 1 Nr. 2 AufenthG"))
        result.german_needed = True
    return result


def _assess_32(profile: Profile, context: _Context) -> _Assessment:
    result = _Assessment()
    source = "§ 32 Abs. 1 AufenthG"
    result.reasons.extend(_sponsor(profile, "child", source))
    age = _age_on(profile, context.on_date, context.on_date)
    result.reasons.append(
        Reason(
            "minor_unmarried",
            format_lazy(_("The child must be under 18 and unmarried; the profile states age {age}."), age=age),
            source,
            met=age < 18 and not profile.married,
            fixable=False,
        )
    )
    result.minor = age < 18
    return result


# --- Evaluation ------------------------------------------------------------------------------

ASSESSMENTS: dict[str, Callable[[Profile, _Context], _Assessment]] = {
    "18a": _assess_18a,
    "18b": _assess_18b,
    "18g": _assess_18g,
    "19c": _assess_19c,
    "20a": _assess_20a,
    "16d1": _assess_16d1,
    "16d3": _assess_16d3,
    "19c1": _assess_19c1,
    "16a": _assess_16a,
    "17": _assess_17,
    "16b": _assess_16b,
    "20": _assess_20,
    "18c": _assess_18c,
    "30": _assess_30,
    "32": _assess_32,
}


def evaluate(profile: Profile, on_date: date, figures: Figures = BUILT_IN) -> Evaluation:
    """Evaluate every title on ``on_date`` with the dated ``figures`` (by default those the project
    ships; the portal passes the ones operators keep). Raises ``ThresholdNotFound`` only for a date
    before the first recorded figures."""
    context = _Context(on_date, figures)
    return Evaluation(
        on_date=on_date,
        profile=profile,
        titles=tuple(_evaluate_title(code, profile, context) for code in catalogue.TITLE_CODES),
    )


def evaluate_title(code: str, profile: Profile, on_date: date, figures: Figures = BUILT_IN) -> TitleResult:
    catalogue.title(code)  # raises UnknownTitle
    return _evaluate_title(code, profile, _Context(on_date, figures))


def _evaluate_title(code: str, profile: Profile, context: _Context) -> TitleResult:
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
    profile: Profile, assessment: _Assessment, code: str, accelerated: bool, on_date: date
) -> tuple[DocumentRequirement, ...]:
    """The documents this profile needs: the mandatory ones, plus each conditional one whose
    condition the profile meets (then marked mandatory too, as it applies)."""
    applies = {
        "regulated_profession": profile.regulated_profession,
        "reduced_threshold": assessment.reduced_threshold,
        "it_route": assessment.it_route,
        "age_45": _age_on(profile, on_date, on_date) >= 45,
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

_QUALIFICATION_LABELS = {"academic": _("university degree"), "vocational": _("vocational qualification")}


def _join(items: list[Promise]) -> Promise:
    return format_lazy("{}" + ", {}" * (len(items) - 1), *items)


def _present(*reasons: Reason | None) -> list[Reason]:
    return [reason for reason in reasons if reason is not None]


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
