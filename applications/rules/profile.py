"""The applicant profile the rules engine evaluates, and its validation.

``Profile.from_dict`` takes plain JSON-like data (the title finder, the ``check_eligibility``
command) and raises ``ProfileError(field, message)`` naming the first bad or unknown field.
Building a ``Profile`` directly runs the same value checks in ``__post_init__``.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

QUALIFICATIONS = ("academic", "vocational", "none")
RECOGNITION_STATES = ("full", "partial", "pending", "none")
# CEFR levels in ascending order; "none" is below A1.
LANGUAGE_LEVELS = ("none", "A1", "A2", "B1", "B2", "C1", "C2")
MAX_MONTHS_IN_5_YEARS = 60
# Larger amounts are typing errors, and Decimal arithmetic on them would overflow the context.
MONEY_LIMIT = Decimal("1000000000")
ISCO_CODE = re.compile(r"^\d{1,4}$")  # ISCO-08: major group (1 digit) down to unit group (4 digits)
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2 (XK for Kosovo, as the EU uses it)
TITLE_CODE = re.compile(r"^[0-9]{2}[a-z0-9]{0,3}$")
TRAINING_PLACES = ("in_company", "school")
GERMAN_QUALIFICATIONS = ("degree", "vocational", "recognition")
RELATIONSHIPS = ("spouse", "child")


class ProfileError(ValueError):
    """Bad input, naming the field (``job_offer.start_date`` for nested fields)."""

    def __init__(self, field: str, message: str | Promise):
        self.field = field
        self.message = message
        super().__init__(field, message)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def level_at_least(level: str, minimum: str) -> bool:
    return LANGUAGE_LEVELS.index(level) >= LANGUAGE_LEVELS.index(minimum)


@dataclass(frozen=True, kw_only=True)
class JobOffer:
    annual_gross_salary_eur: Decimal
    occupation_isco: str
    hours_per_week: Decimal
    start_date: date
    # Accepted for compatibility and ignored: whether an occupation has the reduced Blue Card
    # threshold follows from its ISCO-08 code alone (§ 18g Abs. 1 S. 2 Nr. 1 AufenthG).
    shortage_occupation: bool = False
    # Employer bound by a collective agreement paying the tariff wage (§ 6 BeschV alternative).
    collective_agreement: bool = False
    # Contract term in months; None for an open-ended contract or when unknown.
    contract_months: int | None = None
    # § 18 Abs. 2 Nr. 4a AufenthG: employer and worker assure that the job will actually be taken
    # up; None while not yet declared (the application asks for the declaration).
    employment_assured: bool | None = None

    def __post_init__(self) -> None:
        _coerce_decimals(self, "job_offer.", "annual_gross_salary_eur", "hours_per_week")
        _check_money("job_offer.annual_gross_salary_eur", self.annual_gross_salary_eur)
        if not ISCO_CODE.match(self.occupation_isco):
            raise ProfileError("job_offer.occupation_isco", _("must be an ISCO-08 code of 1 to 4 digits"))
        if not 0 < self.hours_per_week <= 168:
            raise ProfileError("job_offer.hours_per_week", _("must be more than 0 and at most 168"))
        if self.contract_months is not None and self.contract_months < 1:
            raise ProfileError("job_offer.contract_months", _("must be at least 1"))


@dataclass(frozen=True, kw_only=True)
class Joining:
    """A family member joining someone who lives in Germany (§§ 29–32 AufenthG)."""

    relationship: str  # RELATIONSHIPS
    sponsor_title: str  # title code of the family member in Germany, e.g. "18g"
    sponsor_since: date  # since when the sponsor holds that title
    # False while the sponsor's own title is still applied for (a family applying together): § 29 Abs. 1
    # Nr. 1 AufenthG asks that the sponsor hold it, so the family's titles follow it.
    sponsor_holds: bool = True

    def __post_init__(self) -> None:
        _check_choice("joining.relationship", self.relationship, RELATIONSHIPS)
        if not TITLE_CODE.match(self.sponsor_title):
            raise ProfileError("joining.sponsor_title", _("must be a residence title code such as 18g"))


@dataclass(frozen=True, kw_only=True)
class Profile:
    # Age at the evaluation date; ``date_of_birth`` is preferred (rules that apply at another date,
    # such as the start of employment, need it) and wins when both are given. One is required.
    age: int | None = None
    qualification: str  # QUALIFICATIONS
    recognition: str  # RECOGNITION_STATES: state of the German recognition procedure
    degree_comparable: bool  # anabin H+ and "entspricht", or a ZAB Statement of Comparability
    job_offer: JobOffer | None
    german_level: str  # LANGUAGE_LEVELS
    english_level: str  # LANGUAGE_LEVELS
    # Years of professional experience in the field of the qualification, counted within the
    # windows the rules use (the last 5 or 7 years); the engine cannot tell the windows apart.
    years_experience: Decimal
    months_in_germany_last_5_years: int  # legal stays, tourism excluded
    spouse_eligible: bool  # spouse meets the Chancenkarte criteria and applies jointly
    monthly_means_eur: Decimal  # secured livelihood per month (blocked account, obligation, ...)
    it_specialist: bool
    # --- optional extras --------------------------------------------------------------------
    date_of_birth: date | None = None
    # Date the degree was obtained (§ 18g Abs. 1 S. 2 Nr. 2 AufenthG: not more than three years
    # before the application); ``degree_years_ago`` is the coarse answer when the date is unknown.
    graduation_date: date | None = None
    degree_years_ago: int | None = None
    accelerated_procedure: bool = False  # the employer wants the § 81a procedure
    regulated_profession: bool = False  # the target profession is regulated in Germany
    licence_to_practise: bool = False  # Berufsausübungserlaubnis already granted
    adequate_pension_provision: bool = False  # age-45 rule alternative (§ 18 Abs. 2 Nr. 5)
    shortage_occupation_qualification: bool = False  # qualification in a shortage occupation (§ 20b)
    # --- other routes (training, study, job search, settlement, family) -----------------------
    nationality: str | None = None  # ISO 3166-1 alpha-2
    asylum_benefits_last_24_months: bool = False  # § 26 Abs. 2 S. 4 BeschV
    training_place: str | None = None  # TRAINING_PLACES: a training contract or school place (§ 16a)
    university_admission: bool = False  # admitted by a German university (§ 16b)
    university_entrance_qualification: bool = False  # school-leaving certificate (§ 17 Abs. 1 Nr. 3)
    german_qualification: str | None = None  # GERMAN_QUALIFICATIONS: completed in Germany (§ 20, § 18c)
    current_title: str | None = None  # title held in Germany now (§ 18c)
    months_holding_title: int | None = None  # months holding it (or, for a Blue Card, employed under it)
    pension_contribution_months: int | None = None  # months of pension contributions (§ 18c)
    joining: Joining | None = None  # family reunion (§§ 30, 32)
    married: bool = False  # a child must be unmarried (§ 32 Abs. 1)

    def __post_init__(self) -> None:
        _coerce_decimals(self, "", "years_experience", "monthly_means_eur")
        if self.age is None and self.date_of_birth is None:
            raise ProfileError("age", _("is required (or give date_of_birth)"))
        if self.age is not None:
            _check_int("age", self.age, 0, 120)
        if self.date_of_birth is not None and not date(1900, 1, 1) <= self.date_of_birth <= date(2100, 1, 1):
            raise ProfileError("date_of_birth", _("must be a date after 1900"))
        _check_choice("qualification", self.qualification, QUALIFICATIONS)
        _check_choice("recognition", self.recognition, RECOGNITION_STATES)
        _check_choice("german_level", self.german_level, LANGUAGE_LEVELS)
        _check_choice("english_level", self.english_level, LANGUAGE_LEVELS)
        if not 0 <= self.years_experience <= 80:
            raise ProfileError("years_experience", _("must be between 0 and 80"))
        _check_int("months_in_germany_last_5_years", self.months_in_germany_last_5_years, 0, MAX_MONTHS_IN_5_YEARS)
        _check_money("monthly_means_eur", self.monthly_means_eur)
        if self.degree_years_ago is not None:
            _check_int("degree_years_ago", self.degree_years_ago, 0, 80)
        if self.nationality is not None and not COUNTRY_CODE.match(self.nationality):
            raise ProfileError("nationality", _("must be a two-letter country code such as RS"))
        if self.training_place is not None:
            _check_choice("training_place", self.training_place, TRAINING_PLACES)
        if self.german_qualification is not None:
            _check_choice("german_qualification", self.german_qualification, GERMAN_QUALIFICATIONS)
        if self.current_title is not None and not TITLE_CODE.match(self.current_title):
            raise ProfileError("current_title", _("must be a residence title code such as 18g"))
        for name in ("months_holding_title", "pension_contribution_months"):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), 0, 1200)

    @classmethod
    def from_dict(cls, data: Any) -> Profile:
        if not isinstance(data, dict):
            raise ProfileError("profile", _("must be an object"))
        return cls(**_parse_object(data, cls, _PROFILE_PARSERS, prefix=""))


# --- Parsing ---------------------------------------------------------------------------------


def _parse_bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ProfileError(field, _("must be true or false"))
    return value


def _parse_optional_bool(field: str, value: Any) -> bool | None:
    return None if value is None else _parse_bool(field, value)


def _parse_optional_date(field: str, value: Any) -> date | None:
    return None if value is None else _parse_date(field, value)


def _parse_int(field: str, value: Any) -> int:
    # Form posts arrive as strings: "31" is accepted, "31.5" and "thirty" are not.
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(field, _("must be a whole number"))
    return value


def _parse_optional_int(field: str, value: Any) -> int | None:
    return None if value is None else _parse_int(field, value)


def _parse_decimal(field: str, value: Any) -> Decimal:
    # Floats go through str() so that 48300.1 stays 48300.1 and not its binary neighbour.
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ProfileError(field, _("must be a number"))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ProfileError(field, _("must be a number")) from None
    if not number.is_finite():
        raise ProfileError(field, _("must be a number"))
    return number


def _parse_string(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ProfileError(field, _("must be a string"))
    return value.strip()


def _parse_level(field: str, value: Any) -> str:
    level = _parse_string(field, value)
    return "none" if level.lower() == "none" else level.upper()


def _parse_date(field: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_parse_string(field, value))
    except ValueError:
        raise ProfileError(field, _("must be a date in the form YYYY-MM-DD")) from None


def _parse_optional_string(field: str, value: Any) -> str | None:
    return None if value is None else _parse_string(field, value)


def _parse_country(field: str, value: Any) -> str | None:
    return None if value is None else _parse_string(field, value).upper()


def _parse_joining(field: str, value: Any) -> Joining | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProfileError(field, _("must be an object or null"))
    return Joining(**_parse_object(value, Joining, _JOINING_PARSERS, prefix=f"{field}."))


def _parse_job_offer(field: str, value: Any) -> JobOffer | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProfileError(field, _("must be an object or null"))
    return JobOffer(**_parse_object(value, JobOffer, _JOB_OFFER_PARSERS, prefix=f"{field}."))


_JOB_OFFER_PARSERS = {
    "annual_gross_salary_eur": _parse_decimal,
    "occupation_isco": _parse_string,
    "shortage_occupation": _parse_bool,
    "hours_per_week": _parse_decimal,
    "start_date": _parse_date,
    "collective_agreement": _parse_bool,
    "contract_months": _parse_optional_int,
    "employment_assured": _parse_optional_bool,
}

_JOINING_PARSERS = {
    "relationship": _parse_string,
    "sponsor_title": _parse_string,
    "sponsor_since": _parse_date,
}

_PROFILE_PARSERS = {
    "age": _parse_int,
    "qualification": _parse_string,
    "recognition": _parse_string,
    "degree_comparable": _parse_bool,
    "job_offer": _parse_job_offer,
    "german_level": _parse_level,
    "english_level": _parse_level,
    "years_experience": _parse_decimal,
    "months_in_germany_last_5_years": _parse_int,
    "spouse_eligible": _parse_bool,
    "monthly_means_eur": _parse_decimal,
    "it_specialist": _parse_bool,
    "date_of_birth": _parse_optional_date,
    "graduation_date": _parse_optional_date,
    "degree_years_ago": _parse_optional_int,
    "accelerated_procedure": _parse_bool,
    "regulated_profession": _parse_bool,
    "licence_to_practise": _parse_bool,
    "adequate_pension_provision": _parse_bool,
    "shortage_occupation_qualification": _parse_bool,
    "nationality": _parse_country,
    "asylum_benefits_last_24_months": _parse_bool,
    "training_place": _parse_optional_string,
    "university_admission": _parse_bool,
    "university_entrance_qualification": _parse_bool,
    "german_qualification": _parse_optional_string,
    "current_title": _parse_optional_string,
    "months_holding_title": _parse_optional_int,
    "pension_contribution_months": _parse_optional_int,
    "joining": _parse_joining,
    "married": _parse_bool,
}


def _parse_object(data: dict, target: type, parsers: dict, *, prefix: str) -> dict[str, Any]:
    """Parse ``data`` into keyword arguments for the dataclass ``target``."""
    for key in data:
        if key not in parsers:
            raise ProfileError(f"{prefix}{key}", _("unknown field"))
    values = {key: parsers[key](f"{prefix}{key}", value) for key, value in data.items()}
    for field in fields(target):
        if field.default is MISSING and field.name not in values:
            raise ProfileError(f"{prefix}{field.name}", _("is required"))
    return values


# --- Value checks ----------------------------------------------------------------------------


def _coerce_decimals(instance: object, prefix: str, *names: str) -> None:
    """Let callers pass 3 or "2.5" for Decimal fields; the rules always compare Decimals."""
    for name in names:
        value = getattr(instance, name)
        if not isinstance(value, Decimal):
            object.__setattr__(instance, name, _parse_decimal(f"{prefix}{name}", value))


def _check_int(field: str, value: int, minimum: int, maximum: int) -> None:
    if not minimum <= value <= maximum:
        raise ProfileError(
            field, format_lazy(_("must be between {minimum} and {maximum}"), minimum=minimum, maximum=maximum)
        )


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ProfileError(field, format_lazy(_("must be one of: {choices}"), choices=", ".join(choices)))


def _check_money(field: str, value: Decimal) -> None:
    # Money is compared to the cent, so more precision than a cent is an input error.
    if value < 0:
        raise ProfileError(field, _("must not be negative"))
    if value >= MONEY_LIMIT:
        raise ProfileError(field, _("must be less than one billion euros"))
    if value != value.quantize(Decimal("0.01")):
        raise ProfileError(field, _("must have at most 2 decimal places"))
