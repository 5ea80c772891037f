"""§ 20b AufenthG: Chancenkarte points, criterion by criterion (DOMAIN.md 1.3)."""

import pytest

from applications.rules import MINIMUM_POINTS, chancenkarte_points

from .builders import job, profile

# A profile worth no points at all: age 41+, no German, English B2, < 2 years, nothing else.
ZERO = {"age": 45, "german_level": "none", "english_level": "B2", "years_experience": 1}


def points_for(criterion: str, **overrides) -> int:
    breakdown = chancenkarte_points(profile(**{**ZERO, **overrides})).breakdown
    return next(item.points for item in breakdown if item.criterion == criterion)


def test_zero_profile_scores_nothing():
    assert chancenkarte_points(profile(**ZERO)).total == 0


@pytest.mark.parametrize(("recognition", "points"), [("partial", 4), ("full", 0), ("pending", 0), ("none", 0)])
def test_partial_recognition(recognition, points):
    assert points_for("partial_recognition", recognition=recognition) == points


@pytest.mark.parametrize(
    ("level", "points"), [("none", 0), ("A1", 0), ("A2", 1), ("B1", 2), ("B2", 3), ("C1", 3), ("C2", 3)]
)
def test_german(level, points):
    assert points_for("german", german_level=level) == points


@pytest.mark.parametrize(("level", "points"), [("none", 0), ("B2", 0), ("C1", 1), ("C2", 1)])
def test_english(level, points):
    assert points_for("english", english_level=level) == points


@pytest.mark.parametrize(("years", "points"), [("0", 0), ("1.99", 0), ("2", 2), ("4.99", 2), ("5", 3), ("12", 3)])
def test_experience(years, points):
    assert points_for("experience", years_experience=years) == points


@pytest.mark.parametrize(
    ("overrides", "points"),
    [
        ({}, 0),
        ({"shortage_occupation_qualification": True}, 1),
        # A job offer's label is no qualification in a shortage occupation.
        ({"job_offer": job(shortage_occupation=True)}, 0),
        ({"job_offer": job(shortage_occupation=False)}, 0),
    ],
)
def test_shortage_occupation(overrides, points):
    assert points_for("shortage_occupation", **overrides) == points


@pytest.mark.parametrize(("age", "points"), [(18, 2), (35, 2), (36, 1), (40, 1), (41, 0), (60, 0)])
def test_age(age, points):
    assert points_for("age", age=age) == points


@pytest.mark.parametrize(("months", "points"), [(0, 0), (5, 0), (6, 1), (60, 1)])
def test_prior_stay(months, points):
    assert points_for("prior_stay", months_in_germany_last_5_years=months) == points


@pytest.mark.parametrize(("eligible", "points"), [(False, 0), (True, 1)])
def test_spouse(eligible, points):
    assert points_for("spouse", spouse_eligible=eligible) == points


def test_maximum_and_breakdown():
    best = profile(
        age=25,
        recognition="partial",
        german_level="C2",
        english_level="C2",
        years_experience=7,
        shortage_occupation_qualification=True,
        months_in_germany_last_5_years=12,
        spouse_eligible=True,
    )
    result = chancenkarte_points(best)
    assert result.total == 16 == sum(item.max_points for item in result.breakdown)
    assert [item.criterion for item in result.breakdown] == [
        "partial_recognition",
        "german",
        "english",
        "experience",
        "shortage_occupation",
        "age",
        "prior_stay",
        "spouse",
    ]
    assert all(item.source.startswith("§ 20b Abs. 1 S. 1 Nr.") for item in result.breakdown)


@pytest.mark.parametrize(
    ("overrides", "total"),
    [
        # 2 (age 30) + 2 (B1) + 1 (C1) = 5: one short
        ({"age": 30, "german_level": "B1", "english_level": "C1"}, 5),
        # ... + 1 (spouse) = 6: just enough
        ({"age": 30, "german_level": "B1", "english_level": "C1", "spouse_eligible": True}, 6),
        # 4 (partial recognition) + 1 (age 36) = 5
        ({"age": 36, "recognition": "partial"}, 5),
        # 4 + 2 (age 35) = 6
        ({"age": 35, "recognition": "partial"}, 6),
        # 3 (5 years) + 2 (B1) + 1 (stay) = 6
        ({"years_experience": 5, "german_level": "B1", "months_in_germany_last_5_years": 6}, 6),
        # 2 (2 years) + 2 (B1) + 1 (stay) = 5
        ({"years_experience": "4.5", "german_level": "B1", "months_in_germany_last_5_years": 6}, 5),
    ],
)
def test_combinations_around_the_minimum(overrides, total):
    result = chancenkarte_points(profile(**{**ZERO, **overrides}))
    assert result.total == total
    assert result.sufficient is (total >= MINIMUM_POINTS)
    assert result.shortfall == max(0, MINIMUM_POINTS - total)
