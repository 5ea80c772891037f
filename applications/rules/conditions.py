"""What the titles' conditions share: the Reason a condition yields, the evaluation context, and
the conditions several titles check (job offer, licence, ages, qualified employment, pay, languages,
qualification, livelihood), each with its legal source."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .formatting import eur, plain_number
from .occupations import DEGREE_SKILL_LEVEL, skill_level
from .points import PointsResult
from .profile import Profile, level_at_least
from .thresholds import MEANS_MONTHLY, MINIMUM_WAGE_HOURLY, Figures, SalaryThresholds, ThresholdNotFound, to_cents

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
class Context:
    """The date of the evaluation and the figures that apply on it."""

    on_date: date
    figures: Figures

    @property
    def thresholds(self) -> SalaryThresholds:
        return self.figures.salary_thresholds_on(self.on_date)


@dataclass
class Assessment:
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


def job_offer(profile: Profile, source: str) -> Reason:
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


def licence_to_practise(profile: Profile) -> Reason | None:
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


def age_on(profile: Profile, on_date: date, day: date) -> int:
    """Age on ``day``. With only the age at ``on_date`` known, a birthday may fall before ``day``:
    the older age is taken, which is the cautious one for the age-45 rules."""
    if profile.date_of_birth is not None:
        born = profile.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if day <= on_date:
        return profile.age
    years_later = day.year - on_date.year - ((day.month, day.day) < (on_date.month, on_date.day))
    return profile.age + years_later + 1


def age_45_salary(
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
            year=year_label(thresholds.year, thresholds.provisional),
        ),
        source,
        met=False,
    )


def year_label(year: int, provisional: bool) -> Promise | int:
    if provisional:
        return format_lazy(_("{year} figures, provisional until the new ones are published"), year=year)
    return year


def qualified_employment(profile: Profile, minimum_level: int, source: str) -> Reason | None:
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


def pay_floor(profile: Profile, context: Context) -> Reason | None:
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
            year=year_label(wage.year, wage.provisional),
            floor=eur(floor),
        ),
        "§ 1 MiLoG; § 39 Abs. 2 S. 1 Nr. 1, § 5 Abs. 1 Nr. 1 AufenthG",
        met=salary >= floor,
    )


def employment_assured(profile: Profile) -> Reason | None:
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


def foreign_qualification(profile: Profile, source: str) -> Reason:
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
        format_lazy(_("Qualification: {kind}."), kind=QUALIFICATION_LABELS[profile.qualification]),
        source,
        met=True,
    )


def german_at_least(profile: Profile, minimum: str, source: str) -> Reason:
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


def academic_degree(profile: Profile, source: str) -> Reason:
    # § 18 Abs. 3 Nr. 2 AufenthG: a skilled worker with academic training holds a degree.
    if profile.qualification == "academic":
        return Reason("academic_qualification", _("University degree."), source, met=True)
    return Reason("academic_qualification", _("A university degree is needed."), source, met=False, fixable=False)


def degree_comparable(profile: Profile) -> Reason:
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


def livelihood(
    profile: Profile,
    context: Context,
    source: str,
    result: Assessment,
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
            year=year_label(required.year, required.provisional),
        ),
        source,
        met=means >= required.value,
    )



QUALIFICATION_LABELS = {"academic": _("university degree"), "vocational": _("vocational qualification")}


def join(items: list[Promise]) -> Promise:
    return format_lazy("{}" + ", {}" * (len(items) - 1), *items)


def present(*reasons: Reason | None) -> list[Reason]:
    return [reason for reason in reasons if reason is not None]


