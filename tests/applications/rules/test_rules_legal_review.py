"""The verdicts a legal review of the rules checked, each against the statute it names.

Sources (text as in force, gesetze-im-internet builds of 2026): § 2 Abs. 12b, § 18 Abs. 2–4, § 18g,
§ 19c Abs. 2, § 20a AufenthG; § 1 Abs. 2, § 6 BeschV; § 1 MiLoG.
"""

from datetime import date
from decimal import Decimal
from itertools import product

import pytest
from django.utils import translation

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE, Profile, ProfileError, evaluate
from applications.rules.occupations import skill_level

from .builders import FIRST_DAY_2026, job, missing_codes, profile, reason, reason_codes, result

EMPLOYMENT_TITLES = ("18a", "18b", "18g", "19c", "16d3")
VOCATIONAL = {"qualification": "vocational", "recognition": "full", "degree_comparable": False}
EXPERIENCED = {"qualification": "vocational", "degree_comparable": False, "years_experience": Decimal("2")}
PARTNERSHIP = {"qualification": "vocational", "recognition": "pending", "german_level": "A2",
               "degree_comparable": False}
PROFILES_BY_TITLE = {"18a": VOCATIONAL, "18b": {}, "18g": {}, "19c": EXPERIENCED, "16d3": PARTNERSHIP}


# --- Qualified employment (§ 2 Abs. 12b AufenthG) -------------------------------------------


@pytest.mark.parametrize("code", EMPLOYMENT_TITLES)
def test_a_cleaner_is_no_qualified_employment_for_any_employment_title(code):
    titled = result(code, **PROFILES_BY_TITLE[code], job_offer=job("90000.00", isco="9112"))
    assert titled.verdict == NOT_ELIGIBLE
    assert reason(titled, "qualified_employment").met is False


@pytest.mark.parametrize("code", EMPLOYMENT_TITLES)
def test_the_same_profile_with_a_skilled_job_is_eligible(code):
    isco = "2411" if code in ("18b", "18g") else "7411"
    titled = result(code, **PROFILES_BY_TITLE[code], job_offer=job("90000.00", isco=isco))
    assert titled.verdict == ELIGIBLE, missing_codes(titled)


# Every elementary occupation (ISCO-08 skill level 1), in every combination of the profile
# answers that matter, is never eligible for an employment title.
ELEMENTARY_CODES = ("9", "91", "9112", "9211", "9313", "9412", "9510", "9621", "9629", "03", "0310")
QUALIFICATIONS = ("academic", "vocational", "none")
RECOGNITION = ("full", "partial", "pending", "none")


@pytest.mark.parametrize("isco", ELEMENTARY_CODES)
def test_property_no_elementary_occupation_is_ever_eligible_for_an_employment_title(isco):
    assert skill_level(isco) == 1
    for qualification, recognition, comparable, it, salary in product(
        QUALIFICATIONS, RECOGNITION, (True, False), (True, False), ("0.00", "30000.00", "250000.00")
    ):
        evaluation = evaluate(
            profile(
                qualification=qualification,
                recognition=recognition,
                degree_comparable=comparable,
                it_specialist=it,
                years_experience=Decimal("10"),
                german_level="B2",
                job_offer=job(salary, isco=isco, collective_agreement=True),
            ),
            FIRST_DAY_2026,
        )
        for code in EMPLOYMENT_TITLES:
            assert evaluation.title(code).verdict == NOT_ELIGIBLE, (code, qualification, recognition, salary)


# --- Pay: the minimum wage floor (§ 39 Abs. 2 S. 1 Nr. 1, § 5 Abs. 1 Nr. 1 AufenthG) -----------


@pytest.mark.parametrize(
    ("salary", "verdict"),
    [
        ("0.00", ELIGIBLE_IF),
        ("3000.00", ELIGIBLE_IF),
        # 2026: € 13.90 × 40 h × 52 weeks = € 28,912.00
        ("28911.99", ELIGIBLE_IF),
        ("28912.00", ELIGIBLE),
    ],
)
@pytest.mark.parametrize("code", ["18a", "18b"])
def test_salary_below_the_minimum_wage_is_not_comparable_pay(code, salary, verdict):
    titled = result(code, **PROFILES_BY_TITLE[code], job_offer=job(salary, isco="2411"))
    assert titled.verdict == verdict
    assert reason(titled, "pay_floor").met is (verdict == ELIGIBLE)


def test_the_minimum_wage_of_the_start_year_applies():
    # 2027: € 14.60 × 20 h × 52 = € 15,184.00 for a job starting in 2027.
    offer = job("15183.99", isco="2411", hours_per_week=Decimal("20"), start_date=date(2027, 2, 1))
    assert reason(result("18b", job_offer=offer), "pay_floor").met is False
    offer = job("15184.00", isco="2411", hours_per_week=Decimal("20"), start_date=date(2027, 2, 1))
    assert reason(result("18b", job_offer=offer), "pay_floor").met is True


# --- Ages at the relevant date --------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "needs_age_45_salary"),
    [
        (date(1981, 1, 2), False),  # 44 on 1 January 2026
        (date(1981, 1, 1), True),  # 45th birthday on the day
        (date(1980, 1, 1), True),  # 46
    ],
)
@pytest.mark.parametrize("code", ["18a", "18b"])
def test_age_45_rule_at_the_first_issuance_by_date_of_birth(code, born, needs_age_45_salary):
    titled = result(code, FIRST_DAY_2026, **PROFILES_BY_TITLE[code], age=None, date_of_birth=born,
                    job_offer=job("55769.99", isco="2411"))
    assert ("age_45_salary" in reason_codes(titled)) is needs_age_45_salary
    assert titled.verdict == (ELIGIBLE_IF if needs_age_45_salary else ELIGIBLE)


@pytest.mark.parametrize(
    ("born", "start", "needs_age_45_salary"),
    [
        (date(1981, 6, 1), date(2026, 5, 31), False),  # 44 when the job starts
        (date(1981, 6, 1), date(2026, 6, 1), True),  # 45 on the first working day
        (date(1980, 6, 1), date(2026, 6, 1), True),  # 46
    ],
)
def test_19c_age_45_rule_applies_at_the_start_of_employment(born, start, needs_age_45_salary):
    # § 1 Abs. 2 BeschV: "Aufnahme der Beschäftigung nach Vollendung des 45. Lebensjahres".
    titled = result("19c", FIRST_DAY_2026, **EXPERIENCED, age=None, date_of_birth=born,
                    job_offer=job("50000.00", isco="7411", start_date=start))
    assert ("age_45_salary" in reason_codes(titled)) is needs_age_45_salary
    if needs_age_45_salary:
        age_rule = reason(titled, "age_45_salary")
        assert (age_rule.met, age_rule.source) == (False, "§ 1 Abs. 2 BeschV")
        assert titled.verdict == ELIGIBLE_IF


def test_19c_age_45_rule_met_by_salary_or_pension_provision():
    offer = job("55770.00", isco="7411", start_date=date(2026, 6, 1))
    assert result("19c", **EXPERIENCED, age=46, job_offer=offer).verdict == ELIGIBLE
    offer = job("46000.00", isco="7411", start_date=date(2026, 6, 1))
    assert result("19c", **EXPERIENCED, age=46, adequate_pension_provision=True, job_offer=offer).verdict == ELIGIBLE


def test_without_a_date_of_birth_a_birthday_before_the_start_is_assumed():
    # Aged 44 today, the job starts in eight months: the person may be 45 by then (cautious).
    offer = job("50000.00", isco="7411", start_date=date(2026, 9, 1))
    titled = result("19c", FIRST_DAY_2026, **EXPERIENCED, age=44, job_offer=offer)
    assert "age_45_salary" in reason_codes(titled)


# --- § 6 BeschV as in force -----------------------------------------------------------------


@pytest.mark.parametrize(("isco", "verdict"), [("2512", ELIGIBLE), ("1330", ELIGIBLE), ("3512", ELIGIBLE),
                                               ("7411", NOT_ELIGIBLE)])
def test_19c_needs_no_formal_qualification_in_ict_occupations(isco, verdict):
    # § 6 Abs. 1 S. 3 BeschV.
    titled = result("19c", qualification="none", degree_comparable=False, years_experience=Decimal("3"),
                    job_offer=job("50000.00", isco=isco))
    assert titled.verdict == verdict


def test_19c_tariff_bound_employer_replaces_the_threshold():
    offer = job("32000.00", isco="7411", collective_agreement=True)
    experienced = result("19c", **EXPERIENCED, job_offer=offer)
    assert experienced.verdict == ELIGIBLE
    assert reason(experienced, "experienced_salary").source == "§ 6 Abs. 1 S. 2 BeschV"


# --- § 18 Abs. 2 Nr. 4a and validity (2026 text) ---------------------------------------------


@pytest.mark.parametrize(("assured", "verdict"), [(True, ELIGIBLE), (False, ELIGIBLE_IF), (None, ELIGIBLE)])
@pytest.mark.parametrize("code", ["18a", "18b", "18g", "19c"])
def test_employer_and_worker_assure_the_job_will_be_taken_up(code, assured, verdict):
    isco = "2411" if code in ("18b", "18g") else "7411"
    titled = result(code, **PROFILES_BY_TITLE[code], job_offer=job("90000.00", isco=isco, employment_assured=assured))
    assert titled.verdict == verdict
    if assured is False:
        assert reason(titled, "employment_assured").source == "§ 18 Abs. 2 Nr. 4a AufenthG"


@pytest.mark.parametrize("code", ["18a", "18b", "18g", "19c"])
def test_validity_is_the_contract_term_plus_six_months(code):
    # § 18 Abs. 4 AufenthG (2026 text): four years, or the shorter contract term plus six months.
    with translation.override("en"):
        validity = str(result(code).validity)
    assert "plus 6 months" in validity and "4 years" in validity


# --- Livelihood -----------------------------------------------------------------------------


@pytest.mark.parametrize(("hours", "means_met"), [("20", True), ("20.5", False)])
def test_chancenkarte_part_time_job_counts_towards_the_means(hours, means_met):
    # § 20a Abs. 4 S. 1 with Abs. 2 AufenthG: € 600 blocked account + € 491 a month from a
    # part-time job of at most 20 hours = € 1,091.
    offer = job("5892.00", isco="5223", hours_per_week=Decimal(hours))
    card = result("20a", qualification="academic", recognition="full", monthly_means_eur=Decimal("600"),
                  job_offer=offer)
    assert reason(card, "livelihood").met is means_met


@pytest.mark.parametrize(("means", "verdict"), [("1090.99", ELIGIBLE_IF), ("1091.00", ELIGIBLE)])
def test_16d1_needs_a_secured_livelihood(means, verdict):
    measure = result("16d1", qualification="vocational", recognition="partial", german_level="A2",
                     degree_comparable=False, monthly_means_eur=Decimal(means))
    assert measure.verdict == verdict
    assert reason(measure, "livelihood").source == "§ 5 Abs. 1 Nr. 1 AufenthG"


# --- A year whose figures are not recorded --------------------------------------------------


def test_a_year_without_figures_still_answers_every_title():
    evaluation = evaluate(profile(job_offer=job("60000.00", start_date=date(2027, 3, 1))), date(2027, 1, 1))
    verdicts = {t.code: t.verdict for t in evaluation.titles}
    assert verdicts["18g"] == ELIGIBLE
    assert evaluation.title("18g").provisional is True
    assert evaluation.title("16d3").provisional is False  # needs no salary threshold


# --- Bad input ------------------------------------------------------------------------------


BASE_INPUT = {
    "age": 30, "qualification": "academic", "recognition": "none", "degree_comparable": True, "job_offer": None,
    "german_level": "none", "english_level": "B2", "years_experience": 3, "months_in_germany_last_5_years": 0,
    "spouse_eligible": False, "monthly_means_eur": 0, "it_specialist": False,
}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_means_eur", "1e400"),
        ("monthly_means_eur", 10**27),
        ("monthly_means_eur", "9" * 5000),
        ("years_experience", "1e400"),
        ("age", 10**27),
        ("age", "9" * 5000),
        ("date_of_birth", "1850-01-01"),
        ("graduation_date", "yesterday"),
    ],
)
def test_out_of_range_input_is_a_field_error(field, value):
    with pytest.raises(ProfileError) as error:
        Profile.from_dict({**BASE_INPUT, field: value})
    assert error.value.field == field


def test_date_of_birth_replaces_age():
    data = {key: value for key, value in BASE_INPUT.items() if key != "age"}
    with pytest.raises(ProfileError, match="age"):
        Profile.from_dict(data)
    assert Profile.from_dict({**data, "date_of_birth": "1990-05-05"}).date_of_birth == date(1990, 5, 5)
