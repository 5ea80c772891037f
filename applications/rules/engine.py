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
from .points import PointsResult, chancenkarte_points
from .profile import Profile, level_at_least
from .thresholds import SalaryThresholds, chancenkarte_means_on, salary_thresholds_on, to_cents

ELIGIBLE = "eligible"
ELIGIBLE_IF = "eligible_if"
NOT_ELIGIBLE = "not_eligible"

# § 18g Abs. 1 S. 2 AufenthG: ISCO-08 groups of the shortage occupations for the reduced Blue
# Card threshold (DOMAIN.md 1.2). A code matches when it starts with one of the groups.
BLUE_CARD_SHORTAGE_ISCO_GROUPS = tuple("132 133 134 141 142 143 21 221 222 225 226 23 25".split())


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
        }


@dataclass(frozen=True)
class Evaluation:
    on_date: date
    profile: Profile
    titles: tuple[TitleResult, ...]

    def title(self, code: str) -> TitleResult:
        for result in self.titles:
            if result.code == code:
                return result
        raise catalogue.UnknownTitle(code)

    def to_dict(self) -> dict[str, Any]:
        return {"on_date": self.on_date.isoformat(), "titles": [result.to_dict() for result in self.titles]}


@dataclass
class _Assessment:
    """What the checks of one title found, beyond the reasons."""

    reasons: list[Reason] = field(default_factory=list)
    points: PointsResult | None = None
    reduced_threshold: bool = False  # Blue Card below the standard threshold: BA approval
    it_route: bool = False  # Blue Card for IT specialists without a degree
    in_company_measure: bool = False  # § 16d Abs. 1 measure in a company: BA approval
    recognition_outstanding: bool = False  # a recognition / comparability step is still to run


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


def _age_45_salary(profile: Profile, thresholds: SalaryThresholds) -> Reason | None:
    # § 18 Abs. 2 Nr. 5 AufenthG: a first § 18a / § 18b Abs. 1 permit for someone aged 45 or over
    # needs a salary of at least 55 % of the BBG RV, or proof of adequate pension provision.
    # The engine assumes a first issuance (the visa stage).
    if profile.age < 45:
        return None
    source = "§ 18 Abs. 2 Nr. 5 AufenthG"
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
                "Applicants aged 45 or over need a salary of at least {threshold} a year ({year}) "
                "or proof of adequate pension provision."
            ),
            threshold=eur(threshold),
            year=thresholds.valid_from.year,
        ),
        source,
        met=False,
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


def _assess_18a(profile: Profile, on_date: date) -> _Assessment:
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
    result.reasons.append(_job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    result.reasons.extend(
        _present(_licence_to_practise(profile), _age_45_salary(profile, salary_thresholds_on(on_date)))
    )
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


def _assess_18b(profile: Profile, on_date: date) -> _Assessment:
    result = _Assessment()
    result.reasons.append(_academic_degree(profile, "§ 18 Abs. 3 Nr. 2 AufenthG"))
    if profile.qualification == "academic":
        comparable = _degree_comparable(profile)
        result.reasons.append(comparable)
        result.recognition_outstanding = not comparable.met
    result.reasons.append(_job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    result.reasons.extend(
        _present(_licence_to_practise(profile), _age_45_salary(profile, salary_thresholds_on(on_date)))
    )
    return result


# --- § 18g AufenthG: EU Blue Card ------------------------------------------------------------


def _assess_18g(profile: Profile, on_date: date) -> _Assessment:
    result = _Assessment()
    thresholds = salary_thresholds_on(on_date)
    result.reasons.extend(_blue_card_qualification(profile, result))
    result.reasons.append(_job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    result.reasons.append(_blue_card_salary(profile, thresholds, result))
    result.reasons.extend(_present(_blue_card_contract_term(profile), _licence_to_practise(profile)))
    return result


def _it_route_open(profile: Profile) -> bool:
    # § 18g Abs. 2 AufenthG: IT specialists without a degree with at least 3 years of comparable
    # experience within the last 7 years.
    return profile.it_specialist and profile.years_experience >= 3


def _blue_card_qualification(profile: Profile, result: _Assessment) -> list[Reason]:
    degree_route = "§ 18g Abs. 1 S. 1 AufenthG"
    if profile.qualification == "academic" and (profile.degree_comparable or profile.recognition == "full"):
        return [_academic_degree(profile, degree_route), _degree_comparable(profile)]
    if _it_route_open(profile):
        result.it_route = True
        return [
            Reason(
                "it_specialist_experience",
                format_lazy(
                    _("IT specialist with {years} years of experience: the Blue Card needs no degree."),
                    years=plain_number(profile.years_experience),
                ),
                "§ 18g Abs. 2 AufenthG",
                met=True,
            )
        ]
    if profile.qualification == "academic":
        result.recognition_outstanding = True
        return [_academic_degree(profile, degree_route), _degree_comparable(profile)]
    if profile.it_specialist:
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
                "§ 18g Abs. 2 AufenthG",
                met=False,
                fixable=False,
            )
        ]
    return [
        Reason(
            "academic_qualification",
            _("The EU Blue Card needs a university degree (IT specialists: 3 years of experience instead)."),
            degree_route,
            met=False,
            fixable=False,
        )
    ]


def _blue_card_reduced_grounds(profile: Profile, it_route: bool) -> list[Promise]:
    """Why the reduced threshold (45.3 % of the BBG RV) applies, if it does."""
    grounds = []
    offer = profile.job_offer
    # § 18g Abs. 1 S. 2 AufenthG: shortage occupation (ISCO-08 groups; the job-offer flag is the
    # employer's statement that the occupation is one of them) ...
    if offer is not None and (
        offer.shortage_occupation or offer.occupation_isco.startswith(BLUE_CARD_SHORTAGE_ISCO_GROUPS)
    ):
        grounds.append(_("shortage occupation"))
    # ... or a degree gained within the last three years before the application ...
    if profile.qualification == "academic" and profile.degree_years_ago is not None and profile.degree_years_ago < 3:
        grounds.append(_("degree less than 3 years old"))
    # ... and § 18g Abs. 2 AufenthG: IT specialists without a degree.
    if it_route:
        grounds.append(_("IT specialist without a degree"))
    return grounds


def _blue_card_salary(profile: Profile, thresholds: SalaryThresholds, result: _Assessment) -> Reason:
    # § 18g Abs. 1 S. 1 AufenthG: salary of at least 50 % of the BBG RV, no BA approval; § 18g
    # Abs. 1 S. 2 and Abs. 2: at least 45.3 % for the reduced grounds, with BA approval.
    # Compared to the cent.
    grounds = _blue_card_reduced_grounds(profile, result.it_route)
    standard, reduced = thresholds.blue_card_standard, thresholds.blue_card_reduced
    year = thresholds.valid_from.year
    offer = profile.job_offer
    if offer is None:
        return Reason(
            "blue_card_salary",
            format_lazy(
                _(
                    "A salary of at least {standard} a year ({year}; {reduced} in shortage occupations, "
                    "for new graduates and IT specialists) is needed."
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
    reduced_source = "§ 18g Abs. 2 AufenthG" if result.it_route else "§ 18g Abs. 1 S. 2 AufenthG"
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
    # § 18g Abs. 1 AufenthG with Art. 5 Abs. 1 lit. a Directive (EU) 2021/1883: a contract or
    # binding offer of at least six months [M, DOMAIN.md 1.2]. Checked only when the term is given.
    offer = profile.job_offer
    if offer is None or offer.contract_months is None:
        return None
    return Reason(
        "contract_term",
        format_lazy(_("Contract term {months} months; at least 6 months are needed."), months=offer.contract_months),
        "§ 18g Abs. 1 AufenthG",
        met=offer.contract_months >= 6,
    )


# --- § 19c Abs. 2 AufenthG with § 6 BeschV: experience-based employment ----------------------


def _assess_19c(profile: Profile, on_date: date) -> _Assessment:
    result = _Assessment()
    source = "§ 19c Abs. 2 AufenthG i. V. m. § 6 BeschV"
    result.reasons.append(_foreign_qualification(profile, source))
    result.reasons.append(_two_years_experience(profile))
    result.reasons.append(_job_offer(profile, "§ 18 Abs. 2 Nr. 1 AufenthG"))
    result.reasons.append(_experienced_salary(profile, salary_thresholds_on(on_date)))
    result.reasons.append(_not_regulated(profile))
    return result


def _two_years_experience(profile: Profile) -> Reason:
    # § 6 BeschV: at least two years of professional experience within the last five years.
    met = profile.years_experience >= 2
    return Reason(
        "experience",
        format_lazy(
            _("{years} years of professional experience; at least 2 within the last 5 years are needed."),
            years=plain_number(profile.years_experience),
        ),
        "§ 6 BeschV",
        met=met,
        fixable=False,
    )


def _experienced_salary(profile: Profile, thresholds: SalaryThresholds) -> Reason:
    # § 6 BeschV: salary of at least 45 % of the BBG RV, or an employer bound by a collective
    # agreement paying the tariff wage. Compared to the cent.
    source = "§ 6 BeschV"
    threshold, year = thresholds.experienced_19c, thresholds.valid_from.year
    offer = profile.job_offer
    if offer is not None and offer.collective_agreement:
        return Reason(
            "experienced_salary",
            _("The employer is bound by a collective agreement and pays the tariff wage."),
            source,
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


def _not_regulated(profile: Profile) -> Reason:
    # § 6 BeschV: experience-based employment is not open to professions regulated in Germany.
    if profile.regulated_profession:
        return Reason(
            "not_regulated_profession",
            _("Regulated professions are excluded from experience-based employment."),
            "§ 6 BeschV",
            met=False,
            fixable=False,
        )
    return Reason("not_regulated_profession", _("The profession is not regulated in Germany."), "§ 6 BeschV", met=True)


# --- § 20a AufenthG: Opportunity Card (Chancenkarte) ------------------------------------------


def _is_skilled_worker(profile: Profile) -> bool:
    # § 18 Abs. 3 AufenthG: a German or fully recognised vocational qualification (Nr. 1), or a
    # German, recognised or comparable foreign degree (Nr. 2).
    if profile.qualification == "vocational":
        return profile.recognition == "full"
    if profile.qualification == "academic":
        return profile.recognition == "full" or profile.degree_comparable
    return False


def _assess_20a(profile: Profile, on_date: date) -> _Assessment:
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
        result.points = chancenkarte_points(profile)
        result.reasons.extend(
            [_points_route_qualification(profile), _basic_language(profile), _enough_points(result.points)]
        )
    result.reasons.append(_chancenkarte_livelihood(profile, on_date))
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


def _chancenkarte_livelihood(profile: Profile, on_date: date) -> Reason:
    # § 20a Abs. 4 S. 1 AufenthG: livelihood secured; monthly amount by year in thresholds.py.
    # Compared to the cent.
    required = chancenkarte_means_on(on_date).monthly
    means = to_cents(profile.monthly_means_eur)
    return Reason(
        "livelihood",
        format_lazy(
            _("Secured means of {means} a month; at least {required} a month are needed ({year})."),
            means=eur(means),
            required=eur(required),
            year=on_date.year,
        ),
        "§ 20a Abs. 4 S. 1 AufenthG",
        met=means >= required,
    )


# --- § 16d Abs. 1 AufenthG: recognition measure ----------------------------------------------


def _assess_16d1(profile: Profile, on_date: date) -> _Assessment:
    result = _Assessment()
    result.reasons.append(_foreign_qualification(profile, "§ 16d Abs. 1 S. 1 AufenthG"))
    result.reasons.append(_deficit_notice(profile))
    # § 16d Abs. 1 S. 2 Nr. 1 AufenthG: German matching the measure, as a rule at least A2.
    result.reasons.append(_german_at_least(profile, "A2", "§ 16d Abs. 1 S. 2 Nr. 1 AufenthG"))
    # § 16d Abs. 1 S. 2 Nr. 3 AufenthG: a mainly in-company measure needs BA approval; a job
    # offer is taken to mean the measure runs in the company.
    result.in_company_measure = profile.job_offer is not None
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


def _assess_16d3(profile: Profile, on_date: date) -> _Assessment:
    source = "§ 16d Abs. 3 AufenthG"
    result = _Assessment()
    result.reasons.append(_foreign_qualification(profile, source))
    result.reasons.append(_recognition_not_completed(profile))
    # § 16d Abs. 3 AufenthG: German A2 (DOMAIN.md 1.2 [V haufe]).
    result.reasons.append(_german_at_least(profile, "A2", source))
    result.reasons.append(_job_offer(profile, source))
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


# --- Evaluation ------------------------------------------------------------------------------

ASSESSMENTS: dict[str, Callable[[Profile, date], _Assessment]] = {
    "18a": _assess_18a,
    "18b": _assess_18b,
    "18g": _assess_18g,
    "19c": _assess_19c,
    "20a": _assess_20a,
    "16d1": _assess_16d1,
    "16d3": _assess_16d3,
}


def evaluate(profile: Profile, on_date: date) -> Evaluation:
    """Evaluate every title on ``on_date``; raises ``ThresholdNotFound`` for a date without data."""
    return Evaluation(
        on_date=on_date,
        profile=profile,
        titles=tuple(_evaluate_title(code, profile, on_date) for code in catalogue.TITLE_CODES),
    )


def evaluate_title(code: str, profile: Profile, on_date: date) -> TitleResult:
    catalogue.title(code)  # raises UnknownTitle
    return _evaluate_title(code, profile, on_date)


def _evaluate_title(code: str, profile: Profile, on_date: date) -> TitleResult:
    entry = catalogue.title(code)
    assessment = ASSESSMENTS[code](profile, on_date)
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
        required_documents=_documents_for(profile, assessment, code, accelerated),
        authority_steps=steps,
        fees=catalogue.fees(code, accelerated=accelerated),
        timeline=timeline(steps, on_date),
        ba_approval_required=catalogue.ba_approval_needed(
            code, reduced_threshold=assessment.reduced_threshold, in_company_measure=assessment.in_company_measure
        ),
        accelerated=accelerated,
        validity=entry.validity,
    )


def verdict(reasons: tuple[Reason, ...] | list[Reason]) -> str:
    unmet = [reason for reason in reasons if not reason.met]
    if not unmet:
        return ELIGIBLE
    if all(reason.fixable for reason in unmet):
        return ELIGIBLE_IF
    return NOT_ELIGIBLE


def _documents_for(
    profile: Profile, assessment: _Assessment, code: str, accelerated: bool
) -> tuple[DocumentRequirement, ...]:
    """The documents this profile needs: the mandatory ones, plus each conditional one whose
    condition the profile meets (then marked mandatory too, as it applies)."""
    applies = {
        "regulated_profession": profile.regulated_profession,
        "reduced_threshold": assessment.reduced_threshold,
        "it_route": assessment.it_route,
        "age_45": profile.age >= 45,
        "recognition_obtained": profile.recognition in ("full", "partial"),
        "academic_degree": profile.qualification == "academic",
        "job_offer": profile.job_offer is not None,
        "experience_points": profile.years_experience >= 2,
        "pre_approval_obtained": False,  # not in the profile; the wizard asks
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
