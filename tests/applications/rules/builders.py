"""Profiles for the rules tests: a neutral baseline plus the fields a test is about."""

from datetime import date
from decimal import Decimal

from applications.rules import JobOffer, Profile, evaluate

LAST_DAY_2025 = date(2025, 12, 31)
FIRST_DAY_2026 = date(2026, 1, 1)

# Not a Blue Card shortage occupation (ISCO-08 2411: accountants).
NON_SHORTAGE_ISCO = "2411"


def job(salary="60000.00", isco=NON_SHORTAGE_ISCO, **overrides) -> JobOffer:
    values = {
        "annual_gross_salary_eur": Decimal(salary),
        "occupation_isco": isco,
        "shortage_occupation": False,
        "hours_per_week": Decimal("40"),
        "start_date": date(2026, 4, 1),
    }
    values.update(overrides)
    return JobOffer(**values)


def profile(**overrides) -> Profile:
    values = {
        "age": 30,
        "qualification": "academic",
        "recognition": "none",
        "degree_comparable": True,
        "job_offer": None,
        "german_level": "none",
        "english_level": "B2",
        "years_experience": Decimal("3"),
        "months_in_germany_last_5_years": 0,
        "spouse_eligible": False,
        "monthly_means_eur": Decimal("0"),
        "it_specialist": False,
    }
    values.update(overrides)
    return Profile(**values)


def result(code: str, on_date: date = FIRST_DAY_2026, **overrides):
    return evaluate(profile(**overrides), on_date).title(code)


def reason(title_result, code: str):
    matches = [r for r in title_result.reasons if r.code == code]
    assert len(matches) == 1, f"expected one reason {code!r}, got {[r.code for r in title_result.reasons]}"
    return matches[0]


def reason_codes(title_result) -> list[str]:
    return [r.code for r in title_result.reasons]


def missing_codes(title_result) -> list[str]:
    return [r.code for r in title_result.missing]


def purposes(title_result) -> list[str]:
    return [step.purpose for step in title_result.authority_steps]


def document_codes(title_result) -> list[str]:
    return [document.code for document in title_result.required_documents]


VOCATIONAL_JOB_PROFILE = {"qualification": "vocational", "recognition": "full", "degree_comparable": False}
