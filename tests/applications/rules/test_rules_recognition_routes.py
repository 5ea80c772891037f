"""§ 16d Abs. 1 (recognition measure) and § 16d Abs. 3 (recognition partnership) AufenthG."""

import pytest

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE

from .builders import document_codes, job, missing_codes, purposes, reason, result

MEASURE = {
    "qualification": "vocational",
    "recognition": "partial",
    "german_level": "A2",
    "degree_comparable": False,
    "monthly_means_eur": "1091.00",
}
PARTNERSHIP = {
    "qualification": "vocational",
    "recognition": "pending",
    "german_level": "A2",
    "degree_comparable": False,
}


@pytest.mark.parametrize(
    ("recognition", "verdict"),
    [("partial", ELIGIBLE), ("pending", ELIGIBLE_IF), ("none", ELIGIBLE_IF), ("full", NOT_ELIGIBLE)],
)
def test_16d1_needs_a_deficit_notice(recognition, verdict):
    measure = result("16d1", **{**MEASURE, "recognition": recognition})
    assert measure.verdict == verdict
    assert reason(measure, "deficit_notice").source == "§ 16d Abs. 1 S. 1 AufenthG"


@pytest.mark.parametrize(
    ("level", "verdict"), [("none", ELIGIBLE_IF), ("A1", ELIGIBLE_IF), ("A2", ELIGIBLE), ("B1", ELIGIBLE)]
)
def test_16d1_needs_german_a2(level, verdict):
    measure = result("16d1", **{**MEASURE, "german_level": level})
    assert measure.verdict == verdict
    assert reason(measure, "german_level").source == "§ 16d Abs. 1 S. 2 Nr. 1 AufenthG"


def test_16d1_needs_a_qualification():
    assert result("16d1", **{**MEASURE, "qualification": "none"}).verdict == NOT_ELIGIBLE


def test_16d1_ba_approval_only_for_in_company_measures():
    school = result("16d1", **MEASURE)
    assert school.ba_approval_required is False
    assert "ba_approval" not in purposes(school)
    assert "employment_contract" not in document_codes(school)
    in_company = result("16d1", **MEASURE, job_offer=job("30000"))
    assert in_company.ba_approval_required is True
    assert "ba_approval" in purposes(in_company)
    assert {"employment_contract", "employment_declaration"} <= set(document_codes(in_company))


def test_16d1_documents():
    assert {"deficit_notice", "qualification_plan", "financial_means", "language_certificate"} <= set(
        document_codes(result("16d1", **MEASURE))
    )


@pytest.mark.parametrize(
    ("recognition", "verdict"),
    [("pending", ELIGIBLE), ("none", ELIGIBLE), ("partial", ELIGIBLE), ("full", NOT_ELIGIBLE)],
)
def test_16d3_is_for_recognition_not_yet_completed(recognition, verdict):
    assert result("16d3", **{**PARTNERSHIP, "recognition": recognition}, job_offer=job("30000")).verdict == verdict


def test_16d3_needs_job_offer_and_german_a2():
    partnership = result("16d3", **{**PARTNERSHIP, "german_level": "A1"})
    assert partnership.verdict == ELIGIBLE_IF
    assert missing_codes(partnership) == ["german_level", "job_offer"]


def test_16d3_needs_a_qualification():
    assert result("16d3", **{**PARTNERSHIP, "qualification": "none"}, job_offer=job("30000")).verdict == NOT_ELIGIBLE


def test_16d3_always_needs_ba_approval_and_the_agreement():
    partnership = result("16d3", **PARTNERSHIP, job_offer=job("30000"))
    assert partnership.ba_approval_required is True
    assert "recognition" not in purposes(partnership)  # recognition runs after entry
    assert "recognition_partnership_agreement" in document_codes(partnership)
