"""Profile.from_dict: validation naming the field."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from applications.rules import JobOffer, Profile, ProfileError

VALID = {
    "age": 30,
    "qualification": "academic",
    "recognition": "none",
    "degree_comparable": True,
    "job_offer": {
        "annual_gross_salary_eur": 50700,
        "occupation_isco": "2512",
        "shortage_occupation": True,
        "hours_per_week": 40,
        "start_date": "2026-03-01",
    },
    "german_level": "A1",
    "english_level": "C1",
    "years_experience": 3,
    "months_in_germany_last_5_years": 0,
    "spouse_eligible": False,
    "monthly_means_eur": "1091.00",
    "it_specialist": True,
}


def with_(**changes):
    data = {**VALID, **changes}
    return {key: value for key, value in data.items() if value is not ...}


def with_job(**changes):
    job = {**VALID["job_offer"], **changes}
    return with_(job_offer={key: value for key, value in job.items() if value is not ...})


def test_valid_profile():
    profile = Profile.from_dict(VALID)
    assert profile.job_offer == JobOffer(
        annual_gross_salary_eur=Decimal("50700"),
        occupation_isco="2512",
        shortage_occupation=True,
        hours_per_week=Decimal("40"),
        start_date=date(2026, 3, 1),
    )
    assert profile.years_experience == Decimal("3")
    assert profile.monthly_means_eur == Decimal("1091.00")
    assert profile.accelerated_procedure is False
    assert profile.job_offer.collective_agreement is False


def test_profile_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Profile.from_dict(VALID).age = 31


def test_job_offer_may_be_null_and_extras_may_be_given():
    profile = Profile.from_dict(with_(job_offer=None, degree_years_ago=2, accelerated_procedure=True))
    assert profile.job_offer is None
    assert profile.degree_years_ago == 2
    assert profile.accelerated_procedure is True


def test_whole_numbers_may_come_as_form_strings():
    profile = Profile.from_dict(with_(age="31", months_in_germany_last_5_years=" 6 ", degree_years_ago="2"))
    assert (profile.age, profile.months_in_germany_last_5_years, profile.degree_years_ago) == (31, 6, 2)


def test_float_money_keeps_its_decimal_value():
    assert Profile.from_dict(with_(monthly_means_eur=1090.99)).monthly_means_eur == Decimal("1090.99")


@pytest.mark.parametrize(("given", "level"), [("b2", "B2"), ("NONE", "none"), (" c1 ", "C1")])
def test_language_levels_are_normalised(given, level):
    assert Profile.from_dict(with_(german_level=given)).german_level == level


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (with_(nationality="India"), "nationality"),
        (with_(colour="blue"), "colour"),
        (with_(joining={"relationship": "cousin", "sponsor_title": "18g", "sponsor_since": "2025-01-01"}),
         "joining.relationship"),
        (with_(joining={"relationship": "spouse", "sponsor_title": "blue card", "sponsor_since": "2025-01-01"}),
         "joining.sponsor_title"),
        (with_(joining={"relationship": "spouse", "sponsor_title": "18g"}), "joining.sponsor_since"),
        (with_(training_place="garage"), "training_place"),
        (with_(months_holding_title=-1), "months_holding_title"),
        (with_job(bonus=1), "job_offer.bonus"),
        (with_(age=...), "age"),
        (with_(job_offer=...), "job_offer"),
        (with_job(start_date=...), "job_offer.start_date"),
        (with_(age="30.5"), "age"),
        (with_(age="thirty"), "age"),
        (with_(age=30.5), "age"),
        (with_(age=True), "age"),
        (with_(age=-1), "age"),
        (with_(age=121), "age"),
        (with_(qualification="doctorate"), "qualification"),
        (with_(recognition="yes"), "recognition"),
        (with_(degree_comparable="yes"), "degree_comparable"),
        (with_(german_level="D1"), "german_level"),
        (with_(english_level=2), "english_level"),
        (with_(years_experience="many"), "years_experience"),
        (with_(years_experience=-1), "years_experience"),
        (with_(years_experience=True), "years_experience"),
        (with_(months_in_germany_last_5_years=61), "months_in_germany_last_5_years"),
        (with_(spouse_eligible=1), "spouse_eligible"),
        (with_(monthly_means_eur=-0.01), "monthly_means_eur"),
        (with_(monthly_means_eur="1091.001"), "monthly_means_eur"),
        (with_(monthly_means_eur="NaN"), "monthly_means_eur"),
        (with_(it_specialist=None), "it_specialist"),
        (with_(degree_years_ago=-2), "degree_years_ago"),
        (with_(job_offer=[]), "job_offer"),
        (with_job(annual_gross_salary_eur="50,700"), "job_offer.annual_gross_salary_eur"),
        (with_job(annual_gross_salary_eur="50700.005"), "job_offer.annual_gross_salary_eur"),
        (with_job(annual_gross_salary_eur=-1), "job_offer.annual_gross_salary_eur"),
        (with_job(occupation_isco="25a"), "job_offer.occupation_isco"),
        (with_job(occupation_isco="25121"), "job_offer.occupation_isco"),
        (with_job(occupation_isco=2512), "job_offer.occupation_isco"),
        (with_job(shortage_occupation="no"), "job_offer.shortage_occupation"),
        (with_job(hours_per_week=0), "job_offer.hours_per_week"),
        (with_job(start_date="01.03.2026"), "job_offer.start_date"),
        (with_job(contract_months=0), "job_offer.contract_months"),
        (with_job(collective_agreement="yes"), "job_offer.collective_agreement"),
    ],
)
def test_bad_input_names_the_field(data, field):
    with pytest.raises(ProfileError) as error:
        Profile.from_dict(data)
    assert error.value.field == field
    assert str(error.value).startswith(f"{field}: ")


def test_input_must_be_an_object():
    with pytest.raises(ProfileError) as error:
        Profile.from_dict([VALID])
    assert error.value.field == "profile"


def test_direct_construction_is_checked_too():
    with pytest.raises(ProfileError) as error:
        Profile(**{**Profile.from_dict(VALID).__dict__, "german_level": "X"})
    assert error.value.field == "german_level"
