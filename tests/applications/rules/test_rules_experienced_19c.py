"""§ 19c Abs. 2 AufenthG with § 6 BeschV: experience-based employment."""

from decimal import Decimal

import pytest

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE

from .builders import FIRST_DAY_2026, LAST_DAY_2025, document_codes, job, missing_codes, purposes, reason, result

BASE = {"qualification": "vocational", "degree_comparable": False, "years_experience": Decimal("2")}


@pytest.mark.parametrize(
    ("on_date", "salary", "verdict"),
    [
        (LAST_DAY_2025, "43469.99", ELIGIBLE_IF),
        (LAST_DAY_2025, "43470.00", ELIGIBLE),
        (LAST_DAY_2025, "43470.01", ELIGIBLE),
        (FIRST_DAY_2026, "45629.99", ELIGIBLE_IF),
        (FIRST_DAY_2026, "45630.00", ELIGIBLE),
        (FIRST_DAY_2026, "45630.01", ELIGIBLE),
    ],
)
def test_salary_threshold_to_the_cent(on_date, salary, verdict):
    experienced = result("19c", on_date, **BASE, job_offer=job(salary))
    assert experienced.verdict == verdict
    assert reason(experienced, "experienced_salary").source == "§ 6 Abs. 1 S. 1 Nr. 2 BeschV"


@pytest.mark.parametrize(("on_date", "verdict"), [(LAST_DAY_2025, ELIGIBLE), (FIRST_DAY_2026, ELIGIBLE_IF)])
def test_year_change(on_date, verdict):
    assert result("19c", on_date, **BASE, job_offer=job("43470.00")).verdict == verdict


def test_tariff_bound_employer_replaces_the_salary_threshold():
    assert result("19c", **BASE, job_offer=job("30000", collective_agreement=True)).verdict == ELIGIBLE


@pytest.mark.parametrize(("years", "verdict"), [("1.99", NOT_ELIGIBLE), ("2", ELIGIBLE), ("10", ELIGIBLE)])
def test_two_years_of_experience(years, verdict):
    experienced = result("19c", **{**BASE, "years_experience": Decimal(years)}, job_offer=job("50000"))
    assert experienced.verdict == verdict


@pytest.mark.parametrize(
    ("qualification", "verdict"), [("academic", ELIGIBLE), ("vocational", ELIGIBLE), ("none", NOT_ELIGIBLE)]
)
def test_qualification_state_recognised_abroad(qualification, verdict):
    assert result("19c", **{**BASE, "qualification": qualification}, job_offer=job("50000")).verdict == verdict


def test_no_german_recognition_needed():
    experienced = result("19c", **BASE, recognition="none", job_offer=job("50000"))
    assert experienced.verdict == ELIGIBLE
    assert "recognition" not in purposes(experienced)


def test_regulated_professions_need_the_licence_to_practise():
    # § 6 BeschV and § 19c Abs. 2 AufenthG do not exclude regulated professions; § 18 Abs. 2 Nr. 3
    # AufenthG requires the licence, as for every employment title.
    without = result("19c", **BASE, regulated_profession=True, job_offer=job("50000"))
    assert without.verdict == ELIGIBLE_IF
    assert missing_codes(without) == ["licence_to_practise"]
    assert reason(without, "licence_to_practise").source == "§ 18 Abs. 2 Nr. 3 AufenthG"
    licensed = result("19c", **BASE, regulated_profession=True, licence_to_practise=True, job_offer=job("50000"))
    assert licensed.verdict == ELIGIBLE


def test_without_job_offer():
    experienced = result("19c", **BASE)
    assert experienced.verdict == ELIGIBLE_IF
    assert missing_codes(experienced) == ["job_offer", "experienced_salary"]


def test_ba_approval_and_documents():
    experienced = result("19c", **BASE, job_offer=job("50000"))
    assert experienced.ba_approval_required is True
    assert {"zab_state_recognition", "experience_proof", "employment_declaration"} <= set(document_codes(experienced))
