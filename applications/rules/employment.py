"""The employment titles: § 18a, § 18b, § 18g (EU Blue Card), § 19c Abs. 2 with § 6 BeschV and
§ 19c Abs. 1 with § 26 Abs. 2 BeschV (Western Balkans)."""

from __future__ import annotations

from datetime import date

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .conditions import (
    Assessment,
    Context,
    Reason,
    academic_degree,
    age_45_salary,
    age_on,
    degree_comparable,
    employment_assured,
    foreign_qualification,
    job_offer,
    join,
    licence_to_practise,
    pay_floor,
    present,
    qualified_employment,
    year_label,
)
from .formatting import eur, plain_number
from .occupations import (
    BLUE_CARD_REDUCED_GROUPS,
    DEGREE_SKILL_LEVEL,
    ICT_GROUPS,
    IT_SPECIALIST_GROUPS,
    QUALIFIED_SKILL_LEVEL,
    in_groups,
)
from .profile import Profile
from .thresholds import SalaryThresholds, to_cents

# --- § 18a AufenthG: skilled worker with vocational training ---------------------------------


def _employment_conditions(profile: Profile, context: Context, result: Assessment) -> list[Reason]:
    """The conditions of § 18 Abs. 2 AufenthG every § 18a / § 18b permit shares: a job offer for
    qualified employment at no less than the minimum wage, the licence where the profession is
    regulated, the assurance of Nr. 4a, and the age-45 salary of Nr. 5 at the first issuance."""
    thresholds = context.thresholds
    result.provisional = result.provisional or thresholds.provisional
    return present(
        job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
        qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 2 Abs. 12b, § 18a, § 18b AufenthG"),
        pay_floor(profile, context),
        licence_to_practise(profile),
        employment_assured(profile),
        age_45_salary(
            profile,
            age_on(profile, context.on_date, context.on_date),
            thresholds,
            "§ 18 Abs. 2 Nr. 5 AufenthG",
            _("at the first issuance"),
        ),
    )


def assess_18a(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
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


def assess_18b(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    result.reasons.append(academic_degree(profile, "§ 18 Abs. 3 Nr. 2 AufenthG"))
    if profile.qualification == "academic":
        comparable = degree_comparable(profile)
        result.reasons.append(comparable)
        result.recognition_outstanding = not comparable.met
    result.reasons.extend(_employment_conditions(profile, context, result))
    return result


# --- § 18g AufenthG: EU Blue Card ------------------------------------------------------------


def assess_18g(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    thresholds = context.thresholds
    result.provisional = thresholds.provisional
    result.reasons.extend(_blue_card_qualification(profile, result))
    result.reasons.append(job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    if not result.it_route:
        # § 18g Abs. 1 S. 1 AufenthG: employment commensurate with the degree.
        result.reasons.extend(
            present(qualified_employment(profile, DEGREE_SKILL_LEVEL, "§ 18g Abs. 1 S. 1 AufenthG"))
        )
    result.reasons.append(_blue_card_salary(profile, context, thresholds, result))
    result.reasons.extend(
        present(_blue_card_contract_term(profile), licence_to_practise(profile), employment_assured(profile))
    )
    return result


def _has_comparable_degree(profile: Profile) -> bool:
    return profile.qualification == "academic" and (profile.degree_comparable or profile.recognition == "full")


def _blue_card_qualification(profile: Profile, result: Assessment) -> list[Reason]:
    degree_route = "§ 18g Abs. 1 S. 1 AufenthG"
    if _has_comparable_degree(profile):
        return [academic_degree(profile, degree_route), degree_comparable(profile)]
    if profile.it_specialist:
        return _it_specialist_route(profile, result)
    if profile.qualification == "academic":
        result.recognition_outstanding = True
        return [academic_degree(profile, degree_route), degree_comparable(profile)]
    return [
        Reason(
            "academic_qualification",
            _("The EU Blue Card needs a university degree (IT specialists: 3 years of experience instead)."),
            degree_route,
            met=False,
            fixable=False,
        )
    ]


def _it_specialist_route(profile: Profile, result: Assessment) -> list[Reason]:
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
    profile: Profile, context: Context, thresholds: SalaryThresholds, result: Assessment
) -> Reason:
    # § 18g Abs. 1 S. 1 AufenthG: salary of at least 50 % of the BBG RV, no BA approval; § 18g
    # Abs. 1 S. 2 and Abs. 2 Nr. 1: at least 45.3 % for the reduced grounds, with BA approval.
    # Compared to the cent.
    grounds = _blue_card_reduced_grounds(profile, context.on_date, result.it_route)
    standard, reduced = thresholds.blue_card_standard, thresholds.blue_card_reduced
    year = year_label(thresholds.year, thresholds.provisional)
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
                grounds=join(grounds),
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


def assess_19c(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
    thresholds = context.thresholds
    result.provisional = thresholds.provisional
    offer = profile.job_offer
    result.reasons.append(_experienced_qualification(profile))
    result.reasons.append(_two_years_experience(profile))
    result.reasons.extend(
        present(
            job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
            # § 19c Abs. 2 AufenthG, § 6 Abs. 1 BeschV: qualified employment.
            qualified_employment(profile, QUALIFIED_SKILL_LEVEL, "§ 19c Abs. 2 AufenthG, § 6 Abs. 1 BeschV"),
            _experienced_salary(profile, thresholds),
            # § 1 Abs. 2 BeschV: the age at the start of the employment counts.
            age_45_salary(
                profile,
                age_on(profile, context.on_date, offer.start_date if offer else context.on_date),
                thresholds,
                "§ 1 Abs. 2 BeschV",
                _("at the start of the employment"),
            ),
            # Neither § 19c Abs. 2 AufenthG nor § 6 BeschV excludes regulated professions; as for every
            # employment title the licence to practise is needed (§ 18 Abs. 2 Nr. 3 AufenthG).
            licence_to_practise(profile),
            employment_assured(profile),
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
    return foreign_qualification(profile, "§ 6 Abs. 1 S. 1 Nr. 3 BeschV")


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
    threshold, year = thresholds.experienced_19c, year_label(thresholds.year, thresholds.provisional)
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


# --- § 19c Abs. 1 AufenthG with § 26 Abs. 2 BeschV: Western Balkans regulation ---------------

# § 26 Abs. 2 S. 1 BeschV: Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North Macedonia, Serbia.
WESTERN_BALKANS = ("AL", "BA", "XK", "ME", "MK", "RS")


def assess_19c1(profile: Profile, context: Context) -> Assessment:
    result = Assessment()
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
        present(
            job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"),
            pay_floor(profile, context),
            licence_to_practise(profile),
            employment_assured(profile),
            age_45_salary(
                profile,
                age_on(profile, context.on_date, offer.start_date if offer else context.on_date),
                thresholds,
                "§ 1 Abs. 2 BeschV",
                _("at the start of the employment"),
            ),
        )
    )
    return result


