"""§ 20a AufenthG: Opportunity Card (Chancenkarte)."""

from datetime import date

import pytest

from applications.rules import ELIGIBLE, ELIGIBLE_IF, NOT_ELIGIBLE

from .builders import FIRST_DAY_2026, LAST_DAY_2025, missing_codes, purposes, reason, reason_codes, result

# Points route, exactly 6 points: partial recognition 4 + age <= 35 2. German A1 for the basic
# language requirement, means of 2026.
SIX_POINTS = {
    "qualification": "vocational",
    "recognition": "partial",
    "degree_comparable": False,
    "age": 35,
    "german_level": "A1",
    "english_level": "none",
    "years_experience": 0,
    "monthly_means_eur": "1091.00",
}


def test_points_route_at_six_points():
    card = result("20a", **SIX_POINTS)
    assert card.verdict == ELIGIBLE
    assert card.points.total == 6
    assert reason_codes(card) == ["foreign_qualification", "basic_language", "points", "livelihood"]


def test_points_route_at_five_points_is_not_eligible():
    card = result("20a", **{**SIX_POINTS, "age": 36})
    assert card.points.total == 5
    assert card.verdict == NOT_ELIGIBLE
    points = reason(card, "points")
    assert (points.met, points.fixable, points.source) == (False, False, "§ 20a Abs. 3 Nr. 2 AufenthG, § 20b AufenthG")


@pytest.mark.parametrize(
    ("german", "english", "verdict"),
    [
        ("none", "B1", ELIGIBLE_IF),  # neither German A1 nor English B2
        ("none", "none", ELIGIBLE_IF),
        ("A1", "none", ELIGIBLE),
        ("none", "B2", ELIGIBLE),
        ("none", "C1", ELIGIBLE),
    ],
)
def test_basic_language_requirement(german, english, verdict):
    card = result("20a", **{**SIX_POINTS, "german_level": german, "english_level": english})
    assert card.verdict == verdict
    assert reason(card, "basic_language").met is (verdict == ELIGIBLE)


@pytest.mark.parametrize(
    ("on_date", "means", "verdict"),
    [
        (date(2024, 12, 31), "1026.99", ELIGIBLE_IF),
        (date(2024, 12, 31), "1027.00", ELIGIBLE),
        (LAST_DAY_2025, "1090.99", ELIGIBLE_IF),
        (LAST_DAY_2025, "1091.00", ELIGIBLE),
        (FIRST_DAY_2026, "1090.99", ELIGIBLE_IF),
        (FIRST_DAY_2026, "1091.00", ELIGIBLE),
        (FIRST_DAY_2026, "1091.01", ELIGIBLE),
        (FIRST_DAY_2026, "0", ELIGIBLE_IF),
    ],
)
def test_livelihood_means_to_the_cent(on_date, means, verdict):
    card = result("20a", on_date, **{**SIX_POINTS, "monthly_means_eur": means})
    assert card.verdict == verdict
    assert reason(card, "livelihood").source == "§ 20a Abs. 4 S. 1 AufenthG"


def test_no_means_and_no_language_are_both_missing():
    card = result("20a", **{**SIX_POINTS, "german_level": "none", "monthly_means_eur": "0"})
    assert card.verdict == ELIGIBLE_IF
    assert missing_codes(card) == ["basic_language", "livelihood"]


def test_points_route_needs_a_qualification():
    card = result(
        "20a",
        **{
            **SIX_POINTS,
            "qualification": "none",
            "recognition": "none",
            "age": 30,
            "german_level": "B2",
            "years_experience": 2,
        },
    )
    assert card.points.total == 7
    assert card.verdict == NOT_ELIGIBLE
    assert missing_codes(card) == ["foreign_qualification"]


def test_partial_recognition_waives_proof_of_state_recognition():
    card = result("20a", **{**SIX_POINTS, "qualification": "none"})
    assert reason(card, "foreign_qualification").source == "§ 20b Abs. 1 S. 2 AufenthG"
    assert card.verdict == ELIGIBLE


@pytest.mark.parametrize(
    "overrides",
    [
        {"qualification": "vocational", "recognition": "full"},
        {"qualification": "academic", "recognition": "none", "degree_comparable": True},
        {"qualification": "academic", "recognition": "full", "degree_comparable": False},
    ],
)
def test_skilled_workers_need_no_points_or_language(overrides):
    card = result("20a", **{**SIX_POINTS, **overrides, "age": 60, "german_level": "none"})
    assert card.verdict == ELIGIBLE
    assert card.points is None
    assert reason_codes(card) == ["skilled_worker", "livelihood"]


def test_skilled_worker_still_needs_means():
    card = result("20a", **{**SIX_POINTS, "recognition": "full", "monthly_means_eur": "1000"})
    assert card.verdict == ELIGIBLE_IF
    assert missing_codes(card) == ["livelihood"]


def test_card_is_a_visa_without_ba_approval_or_accelerated_procedure():
    card = result("20a", **SIX_POINTS, accelerated_procedure=True)
    assert purposes(card) == ["visa", "register_check"]
    assert card.ba_approval_required is False
    assert card.accelerated is False
    assert card.fees_eur == 75
