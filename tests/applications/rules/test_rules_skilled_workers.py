"""§ 18a and § 18b Abs. 1 AufenthG, with the age-45 rule (§ 18 Abs. 2 Nr. 5 AufenthG)."""

import pytest
from django.utils import translation

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE

from .builders import (
    FIRST_DAY_2026,
    LAST_DAY_2025,
    VOCATIONAL_JOB_PROFILE,
    document_codes,
    job,
    missing_codes,
    purposes,
    reason,
    reason_codes,
    result,
)


@pytest.mark.parametrize(
    ("recognition", "verdict"),
    [("full", ELIGIBLE), ("pending", ELIGIBLE_IF), ("none", ELIGIBLE_IF), ("partial", NOT_ELIGIBLE)],
)
def test_18a_needs_full_equivalence(recognition, verdict):
    skilled = result("18a", qualification="vocational", recognition=recognition, job_offer=job("30000"))
    assert skilled.verdict == verdict
    equivalence = reason(skilled, "recognition_equivalent")
    assert equivalence.met is (recognition == "full")
    assert equivalence.source == "§ 18 Abs. 2 Nr. 4 AufenthG"


def test_18a_recognition_step_only_while_recognition_is_outstanding():
    assert "recognition" not in purposes(result("18a", **VOCATIONAL_JOB_PROFILE, job_offer=job("30000")))
    pending = result("18a", qualification="vocational", recognition="pending", job_offer=job("30000"))
    assert purposes(pending)[0] == "recognition"


@pytest.mark.parametrize("qualification", ["academic", "none"])
def test_18a_is_for_vocational_qualifications(qualification):
    skilled = result("18a", qualification=qualification, job_offer=job("30000"))
    assert skilled.verdict == NOT_ELIGIBLE
    assert missing_codes(skilled) == ["vocational_qualification"]


def test_18a_without_job_offer():
    skilled = result("18a", **VOCATIONAL_JOB_PROFILE)
    assert skilled.verdict == ELIGIBLE_IF
    assert missing_codes(skilled) == ["job_offer"]


def test_18a_needs_ba_approval_and_recognition_notice():
    skilled = result("18a", **VOCATIONAL_JOB_PROFILE, job_offer=job("30000"))
    assert skilled.ba_approval_required is True
    assert {"recognition_notice", "employment_declaration"} <= set(document_codes(skilled))


def test_18a_regulated_profession_needs_licence():
    assert result("18a", **VOCATIONAL_JOB_PROFILE, job_offer=job("30000"), regulated_profession=True).verdict == (
        ELIGIBLE_IF
    )


@pytest.mark.parametrize(
    ("comparable", "recognition", "verdict"),
    [
        (True, "none", ELIGIBLE),
        (False, "full", ELIGIBLE),
        (False, "none", ELIGIBLE_IF),
        (False, "pending", ELIGIBLE_IF),
    ],
)
def test_18b_needs_a_comparable_degree(comparable, recognition, verdict):
    academic = result("18b", degree_comparable=comparable, recognition=recognition, job_offer=job("40000"))
    assert academic.verdict == verdict


@pytest.mark.parametrize("qualification", ["vocational", "none"])
def test_18b_needs_a_degree(qualification):
    academic = result("18b", qualification=qualification, job_offer=job("40000"))
    assert academic.verdict == NOT_ELIGIBLE
    assert reason(academic, "academic_qualification").fixable is False


def test_18b_without_job_offer():
    assert missing_codes(result("18b")) == ["job_offer"]


# --- Age-45 rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["18a", "18b"])
def test_age_44_has_no_salary_rule(code):
    profile = VOCATIONAL_JOB_PROFILE if code == "18a" else {}
    skilled = result(code, age=44, **profile, job_offer=job("30000"))
    assert skilled.verdict == ELIGIBLE
    assert "age_45_salary" not in reason_codes(skilled)


@pytest.mark.parametrize("code", ["18a", "18b"])
@pytest.mark.parametrize(
    ("on_date", "salary", "verdict"),
    [
        (LAST_DAY_2025, "53129.99", ELIGIBLE_IF),
        (LAST_DAY_2025, "53130.00", ELIGIBLE),
        (LAST_DAY_2025, "53130.01", ELIGIBLE),
        (FIRST_DAY_2026, "55769.99", ELIGIBLE_IF),
        (FIRST_DAY_2026, "55770.00", ELIGIBLE),
        (FIRST_DAY_2026, "55770.01", ELIGIBLE),
    ],
)
def test_age_45_salary_to_the_cent(code, on_date, salary, verdict):
    profile = VOCATIONAL_JOB_PROFILE if code == "18a" else {}
    skilled = result(code, on_date, age=45, **profile, job_offer=job(salary))
    assert skilled.verdict == verdict
    assert reason(skilled, "age_45_salary").source == "§ 18 Abs. 2 Nr. 5 AufenthG"


@pytest.mark.parametrize(("on_date", "verdict"), [(LAST_DAY_2025, ELIGIBLE), (FIRST_DAY_2026, ELIGIBLE_IF)])
def test_age_45_year_change(on_date, verdict):
    assert result("18b", on_date, age=50, job_offer=job("53130.00")).verdict == verdict


def test_age_45_pension_provision_replaces_the_salary():
    skilled = result("18b", age=45, job_offer=job("30000"), adequate_pension_provision=True)
    assert skilled.verdict == ELIGIBLE
    assert reason(skilled, "age_45_salary").met is True


def test_age_45_without_job_offer_names_the_threshold():
    skilled = result("18b", age=45)
    assert missing_codes(skilled) == ["job_offer", "age_45_salary"]
    with translation.override("en"):
        assert "€55,770.00" in str(reason(skilled, "age_45_salary").message)


def test_age_45_asks_for_the_pension_document():
    assert "pension_provision" in document_codes(result("18b", age=45, job_offer=job("60000")))
    assert "pension_provision" not in document_codes(result("18b", age=44, job_offer=job("60000")))
