"""Chancenkarte points (§ 20b AufenthG with the table in the Anlage to the AufenthG).

One function per criterion; each returns the points it awards and why. Table: DOMAIN.md 1.3
[V starting-in-germany, myvisaprompts]; the Anlage numbers criteria 1-12 of § 20b Abs. 1 S. 1 and
awards 4, 3, 2, 1, 1, 3, 2, 1, 2, 1, 1, 1 points in that order [V buzer, Anlage AufenthG].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .formatting import plain_number
from .profile import Profile, level_at_least

# § 20a Abs. 3 Nr. 2 AufenthG with the Anlage: "Die Mindestpunktzahl beträgt sechs Punkte."
MINIMUM_POINTS = 6


@dataclass(frozen=True)
class PointsItem:
    criterion: str
    points: int
    max_points: int
    source: str
    message: Promise


@dataclass(frozen=True)
class PointsResult:
    total: int
    breakdown: tuple[PointsItem, ...]
    minimum: int = MINIMUM_POINTS

    @property
    def sufficient(self) -> bool:
        return self.total >= self.minimum

    @property
    def shortfall(self) -> int:
        return max(0, self.minimum - self.total)


def _partial_recognition(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 1: the recognition body found that adaptation or compensation
    # measures are needed (partial recognition / deficit notice): 4 points. "Aptitude for a
    # regulated profession" is the same finding for a licence, recorded as recognition "partial".
    awarded = profile.recognition == "partial"
    return PointsItem(
        "partial_recognition",
        4 if awarded else 0,
        4,
        "§ 20b Abs. 1 S. 1 Nr. 1 AufenthG",
        _("Partial recognition of the foreign qualification")
        if awarded
        else _("No partial recognition of the foreign qualification"),
    )


def _german(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 2-4: German B2 ("gute") 3, B1 ("ausreichende") 2, A2 ("hinreichende")
    # 1; only the highest level counts. C1 and C2 are at least B2.
    for minimum, points, number in (("B2", 3, 2), ("B1", 2, 3), ("A2", 1, 4)):
        if level_at_least(profile.german_level, minimum):
            return PointsItem(
                "german",
                points,
                3,
                f"§ 20b Abs. 1 S. 1 Nr. {number} AufenthG",
                format_lazy(_("German at level {level}"), level=profile.german_level),
            )
    return PointsItem("german", 0, 3, "§ 20b Abs. 1 S. 1 Nr. 2-4 AufenthG", _("German below A2 earns no points"))


def _english(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 5: English at C1: 1 point (C2 includes C1).
    awarded = level_at_least(profile.english_level, "C1")
    return PointsItem(
        "english",
        1 if awarded else 0,
        1,
        "§ 20b Abs. 1 S. 1 Nr. 5 AufenthG",
        format_lazy(_("English at level {level}"), level=profile.english_level)
        if awarded
        else _("English below C1 earns no points"),
    )


def _experience(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 6: at least 5 years within the last 7: 3 points;
    # Nr. 7: at least 2 years within the last 5: 2 points. They do not add up.
    years = profile.years_experience
    if years >= 5:
        points, source = 3, "§ 20b Abs. 1 S. 1 Nr. 6 AufenthG"
    elif years >= 2:
        points, source = 2, "§ 20b Abs. 1 S. 1 Nr. 7 AufenthG"
    else:
        points, source = 0, "§ 20b Abs. 1 S. 1 Nr. 6-7 AufenthG"
    return PointsItem(
        "experience",
        points,
        3,
        source,
        format_lazy(_("{years} years of professional experience in the field"), years=plain_number(years)),
    )


def _shortage_occupation(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 8: qualification in a shortage occupation (Engpassberuf): 1 point.
    # The qualification counts, not a job offer's label.
    awarded = profile.shortage_occupation_qualification
    return PointsItem(
        "shortage_occupation",
        1 if awarded else 0,
        1,
        "§ 20b Abs. 1 S. 1 Nr. 8 AufenthG",
        _("Qualification in a shortage occupation") if awarded else _("Qualification not in a shortage occupation"),
    )


def _age(age: int) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 9-10: up to 35: 2 points; 36 to 40: 1 point (DOMAIN.md 1.3 bands).
    if age <= 35:
        points, source = 2, "§ 20b Abs. 1 S. 1 Nr. 9 AufenthG"
    elif age <= 40:
        points, source = 1, "§ 20b Abs. 1 S. 1 Nr. 10 AufenthG"
    else:
        points, source = 0, "§ 20b Abs. 1 S. 1 Nr. 9-10 AufenthG"
    return PointsItem("age", points, 2, source, format_lazy(_("Age {age}"), age=age))


def _prior_stay(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 11: legal stay in Germany of at least 6 months within the last
    # 5 years (tourism excluded): 1 point.
    months = profile.months_in_germany_last_5_years
    return PointsItem(
        "prior_stay",
        1 if months >= 6 else 0,
        1,
        "§ 20b Abs. 1 S. 1 Nr. 11 AufenthG",
        format_lazy(_("{months} months of legal stay in Germany in the last 5 years"), months=months),
    )


def _spouse(profile: Profile) -> PointsItem:
    # § 20b Abs. 1 S. 1 Nr. 12: spouse or partner also meets the criteria and applies jointly: 1 point.
    awarded = profile.spouse_eligible
    return PointsItem(
        "spouse",
        1 if awarded else 0,
        1,
        "§ 20b Abs. 1 S. 1 Nr. 12 AufenthG",
        _("Spouse also qualifies and applies jointly") if awarded else _("No jointly applying eligible spouse"),
    )


CRITERIA: tuple[Callable[[Profile], PointsItem], ...] = (
    _partial_recognition,
    _german,
    _english,
    _experience,
    _shortage_occupation,
    _prior_stay,
    _spouse,
)


def chancenkarte_points(profile: Profile, age: int | None = None) -> PointsResult:
    """Points of ``profile``; ``age`` is the age on the evaluation date (default: the stated age)."""
    items = [criterion(profile) for criterion in CRITERIA]
    items.insert(5, _age(profile.age if age is None else age))
    breakdown = tuple(items)
    return PointsResult(total=sum(item.points for item in breakdown), breakdown=breakdown)
