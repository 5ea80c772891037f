"""§ 18g AufenthG: EU Blue Card."""

from datetime import date

import pytest
from django.utils import translation

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE
from applications.rules.occupations import BLUE_CARD_REDUCED_GROUPS

from .builders import (
    FIRST_DAY_2026,
    LAST_DAY_2025,
    document_codes,
    job,
    missing_codes,
    purposes,
    reason,
    result,
)


@pytest.mark.parametrize(
    ("on_date", "salary", "verdict"),
    [
        # 2025: 50 % of 96,600 = 48,300.00
        (LAST_DAY_2025, "48299.99", ELIGIBLE_IF),
        (LAST_DAY_2025, "48300.00", ELIGIBLE),
        (LAST_DAY_2025, "48300.01", ELIGIBLE),
        # 2026: 50 % of 101,400 = 50,700.00
        (FIRST_DAY_2026, "50699.99", ELIGIBLE_IF),
        (FIRST_DAY_2026, "50700.00", ELIGIBLE),
        (FIRST_DAY_2026, "50700.01", ELIGIBLE),
    ],
)
def test_standard_threshold_to_the_cent(on_date, salary, verdict):
    blue_card = result("18g", on_date, job_offer=job(salary))
    assert blue_card.verdict == verdict
    assert reason(blue_card, "blue_card_salary").source == "§ 18g Abs. 1 S. 1 AufenthG"
    assert blue_card.ba_approval_required is False


@pytest.mark.parametrize(("on_date", "verdict"), [(LAST_DAY_2025, ELIGIBLE), (FIRST_DAY_2026, ELIGIBLE_IF)])
def test_year_change_raises_the_standard_threshold(on_date, verdict):
    assert result("18g", on_date, job_offer=job("48300.00")).verdict == verdict


@pytest.mark.parametrize(
    ("on_date", "salary", "verdict"),
    [
        (LAST_DAY_2025, "43759.79", ELIGIBLE_IF),
        (LAST_DAY_2025, "43759.80", ELIGIBLE),
        (LAST_DAY_2025, "43759.81", ELIGIBLE),
        (FIRST_DAY_2026, "45934.19", ELIGIBLE_IF),
        (FIRST_DAY_2026, "45934.20", ELIGIBLE),
        (FIRST_DAY_2026, "45934.21", ELIGIBLE),
    ],
)
def test_reduced_threshold_for_shortage_occupation_to_the_cent(on_date, salary, verdict):
    blue_card = result("18g", on_date, job_offer=job(salary, isco="2512"))  # software developers
    assert blue_card.verdict == verdict
    assert reason(blue_card, "blue_card_salary").source == "§ 18g Abs. 1 S. 2 AufenthG"


def test_reduced_threshold_needs_ba_approval_and_the_employment_declaration():
    blue_card = result("18g", job_offer=job("46000.00", isco="2512"))
    assert blue_card.verdict == ELIGIBLE
    assert blue_card.ba_approval_required is True
    assert "ba_approval" in purposes(blue_card)
    assert "employment_declaration" in document_codes(blue_card)
    assert all(document.mandatory for document in blue_card.required_documents)


def test_standard_threshold_needs_neither_ba_approval_nor_the_declaration():
    blue_card = result("18g", job_offer=job("50700.00", isco="2512"))
    assert blue_card.ba_approval_required is False
    assert "ba_approval" not in purposes(blue_card)
    assert "employment_declaration" not in document_codes(blue_card)


@pytest.mark.parametrize(("on_date", "verdict"), [(LAST_DAY_2025, ELIGIBLE), (FIRST_DAY_2026, ELIGIBLE_IF)])
def test_year_change_raises_the_reduced_threshold(on_date, verdict):
    assert result("18g", on_date, job_offer=job("44000.00", isco="2512")).verdict == verdict


def test_reduced_threshold_does_not_apply_without_a_ground():
    blue_card = result("18g", job_offer=job("46000.00"))
    assert blue_card.verdict == ELIGIBLE_IF
    with translation.override("en"):
        assert "€50,700.00" in str(reason(blue_card, "blue_card_salary").message)


def test_a_bare_shortage_flag_does_not_lower_the_threshold():
    # § 18g Abs. 1 S. 2 Nr. 1 AufenthG names ISCO-08 groups; the employer's label is no ground.
    blue_card = result("18g", job_offer=job("46000.00", shortage_occupation=True))
    assert blue_card.verdict == ELIGIBLE_IF
    assert reason(blue_card, "blue_card_salary").met is False


@pytest.mark.parametrize(
    ("isco", "shortage"),
    [
        ("1321", True),  # 132 manufacturing managers
        ("1330", True),  # 133 ICT service managers
        ("1341", True),  # 134
        ("1411", False),  # 141: not in § 18g Abs. 1 S. 2 Nr. 1
        ("1431", False),  # 143
        ("2142", True),  # 21 science and engineering
        ("2211", True),  # 221 medical doctors
        ("2221", True),  # 222 nurses
        ("2250", True),  # 225 veterinarians
        ("2261", True),  # 226
        ("2310", True),  # 23 teaching
        ("2512", True),  # 25 ICT professionals
        ("1311", False),
        ("1420", False),  # 142
        ("1439", False),
        ("1120", False),
        ("2230", False),  # 223 not listed
        ("2411", False),
        ("2611", False),
        ("3512", False),
    ],
)
def test_shortage_isco_groups(isco, shortage):
    assert isco.startswith(BLUE_CARD_REDUCED_GROUPS) is shortage
    assert (result("18g", job_offer=job("46000.00", isco=isco)).verdict == ELIGIBLE) is shortage


@pytest.mark.parametrize(
    ("degree_years_ago", "verdict"), [(0, ELIGIBLE), (2, ELIGIBLE), (3, ELIGIBLE_IF), (None, ELIGIBLE_IF)]
)
def test_new_entrants_with_a_recent_degree(degree_years_ago, verdict):
    blue_card = result("18g", job_offer=job("46000.00"), degree_years_ago=degree_years_ago)
    assert blue_card.verdict == verdict


def test_it_specialist_without_degree():
    blue_card = result(
        "18g",
        qualification="vocational",
        degree_comparable=False,
        it_specialist=True,
        years_experience=3,
        job_offer=job("45934.20", isco="2512"),
    )
    assert blue_card.verdict == ELIGIBLE
    assert reason(blue_card, "it_specialist_experience").source == "§ 18g Abs. 2 AufenthG"
    assert reason(blue_card, "blue_card_salary").source == "§ 18g Abs. 2 Nr. 1 AufenthG"
    assert blue_card.ba_approval_required is True
    assert "experience_proof" in document_codes(blue_card)


def test_it_specialist_without_degree_needs_three_years():
    blue_card = result(
        "18g",
        qualification="none",
        degree_comparable=False,
        it_specialist=True,
        years_experience="2.9",
        job_offer=job("60000.00", isco="2512"),
    )
    assert blue_card.verdict == NOT_ELIGIBLE
    assert reason(blue_card, "it_specialist_experience").fixable is False


def test_it_specialist_below_reduced_threshold():
    blue_card = result(
        "18g", qualification="none", degree_comparable=False, it_specialist=True,
        job_offer=job("45934.19", isco="2512"),
    )
    assert blue_card.verdict == ELIGIBLE_IF


@pytest.mark.parametrize(
    ("isco", "verdict"),
    [
        ("2512", ELIGIBLE),  # 25 ICT professionals
        ("2529", ELIGIBLE),
        ("1330", ELIGIBLE),  # 133 ICT service managers
        ("7411", NOT_ELIGIBLE),  # electricians
        ("3512", NOT_ELIGIBLE),  # 35 ICT technicians: not in § 18g Abs. 2
        ("2142", NOT_ELIGIBLE),  # civil engineers
        ("2", NOT_ELIGIBLE),  # a major group is not known to be group 25
    ],
)
def test_it_route_only_for_jobs_in_groups_133_and_25(isco, verdict):
    blue_card = result(
        "18g", qualification="none", degree_comparable=False, it_specialist=True, years_experience=5,
        job_offer=job("60000.00", isco=isco),
    )
    assert blue_card.verdict == verdict
    if verdict == NOT_ELIGIBLE:
        assert reason(blue_card, "it_specialist_occupation").source == "§ 18g Abs. 2 AufenthG"


@pytest.mark.parametrize(
    ("graduation_date", "verdict"),
    [
        (date(2023, 1, 1), ELIGIBLE),  # exactly three years before 1 January 2026
        (date(2022, 12, 31), ELIGIBLE_IF),  # one day more
        (date(2025, 7, 1), ELIGIBLE),
    ],
)
def test_recent_graduate_by_graduation_date(graduation_date, verdict):
    # § 18g Abs. 1 S. 2 Nr. 2 AufenthG: "nicht mehr als drei Jahre vor der Beantragung".
    blue_card = result("18g", FIRST_DAY_2026, job_offer=job("46000.00"), graduation_date=graduation_date)
    assert blue_card.verdict == verdict


def test_graduation_date_wins_over_the_years_answer():
    blue_card = result(
        "18g", FIRST_DAY_2026, job_offer=job("46000.00"), graduation_date=date(2020, 1, 1), degree_years_ago=1
    )
    assert blue_card.verdict == ELIGIBLE_IF


@pytest.mark.parametrize(("isco", "verdict"), [("2411", ELIGIBLE), ("1411", NOT_ELIGIBLE), ("3112", NOT_ELIGIBLE),
                                               ("5120", NOT_ELIGIBLE), ("9112", NOT_ELIGIBLE)])
def test_the_job_must_match_a_degree(isco, verdict):
    # § 18g Abs. 1 S. 1 AufenthG: employment commensurate with the qualification (skill level 4).
    blue_card = result("18g", job_offer=job("90000.00", isco=isco))
    assert blue_card.verdict == verdict


@pytest.mark.parametrize("qualification", ["vocational", "none"])
def test_no_degree_and_not_it(qualification):
    blue_card = result("18g", qualification=qualification, degree_comparable=False, job_offer=job("90000"))
    assert blue_card.verdict == NOT_ELIGIBLE
    assert missing_codes(blue_card) == ["academic_qualification"]


def test_degree_not_yet_shown_comparable():
    blue_card = result("18g", degree_comparable=False, job_offer=job("60000"))
    assert blue_card.verdict == ELIGIBLE_IF
    assert missing_codes(blue_card) == ["degree_comparable"]
    assert purposes(blue_card)[0] == "recognition"


def test_full_recognition_replaces_comparability():
    assert result("18g", degree_comparable=False, recognition="full", job_offer=job("60000")).verdict == ELIGIBLE


def test_no_job_offer_names_the_salary_needed():
    blue_card = result("18g")
    assert blue_card.verdict == ELIGIBLE_IF
    assert missing_codes(blue_card) == ["job_offer", "blue_card_salary"]
    with translation.override("en"):
        assert "€50,700.00" in str(reason(blue_card, "blue_card_salary").message)


@pytest.mark.parametrize(("months", "verdict"), [(5, ELIGIBLE_IF), (6, ELIGIBLE), (None, ELIGIBLE)])
def test_contract_term_of_six_months(months, verdict):
    assert result("18g", job_offer=job("60000", contract_months=months)).verdict == verdict


def test_regulated_profession_needs_a_licence():
    assert result("18g", job_offer=job("60000"), regulated_profession=True).verdict == ELIGIBLE_IF
    licensed = result("18g", job_offer=job("60000"), regulated_profession=True, licence_to_practise=True)
    assert licensed.verdict == ELIGIBLE
    assert "licence_to_practise" in document_codes(licensed)


def test_no_age_rule_for_the_blue_card():
    assert result("18g", age=50, job_offer=job("50700.00")).verdict == ELIGIBLE


def test_2027_answers_with_the_2026_figures_marked_provisional():
    blue_card = result("18g", date(2027, 1, 1), job_offer=job("50700.00"))
    assert blue_card.verdict == ELIGIBLE
    assert blue_card.provisional is True
    with translation.override("en"):
        assert "provisional" in str(reason(blue_card, "blue_card_salary").message)
    assert blue_card.to_dict()["provisional"] is True
    assert result("18g", FIRST_DAY_2026, job_offer=job("50700.00")).provisional is False
