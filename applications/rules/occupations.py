"""ISCO-08 occupations as the rules need them: skill levels and the groups statutes name.

The ILO's ISCO-08 (structure and definitions, 2012, Table 1 and 2) assigns each major group a skill
level: 1 elementary tasks, 2 the skills of a completed vocational training, 3 of short tertiary
education, 4 of a university degree. Sub-major group 14 (hospitality, retail and other services
managers) is at level 3, the other managers (11–13) at level 4; the armed forces (0) split by rank.
"""

from __future__ import annotations

_MAJOR_GROUP_SKILL_LEVEL = {"1": 4, "2": 4, "3": 3, "4": 2, "5": 2, "6": 2, "7": 2, "8": 2, "9": 1}
_SUB_MAJOR_GROUP_SKILL_LEVEL = {"14": 3, "01": 4, "02": 2, "03": 1}

# § 2 Abs. 12b AufenthG: qualified employment needs the skills of a qualified vocational training
# or of studies, so skill level 2 or higher.
QUALIFIED_SKILL_LEVEL = 2
# § 18g Abs. 1 S. 1 AufenthG: employment "commensurate with the qualification" of a university
# degree; Art. 2 Nr. 2, 9 Directive (EU) 2021/1883 (higher professional qualifications): skill level 4.
DEGREE_SKILL_LEVEL = 4

# § 18g Abs. 1 S. 2 Nr. 1 AufenthG: the occupation groups with the reduced Blue Card threshold.
BLUE_CARD_REDUCED_GROUPS = ("132", "133", "134", "21", "221", "222", "225", "226", "23", "25")
# § 18g Abs. 2 AufenthG: IT specialists without a degree, occupation groups 133 and 25.
IT_SPECIALIST_GROUPS = ("133", "25")
# § 6 Abs. 1 S. 3 BeschV: "occupations in the field of information and communication technology":
# ICT service managers (133), ICT professionals (25), ICT technicians (35).
ICT_GROUPS = ("133", "25", "35")


def skill_level(isco: str) -> int:
    """The ISCO-08 skill level (1–4) of an occupation code of one to four digits."""
    return _SUB_MAJOR_GROUP_SKILL_LEVEL.get(isco[:2], _MAJOR_GROUP_SKILL_LEVEL.get(isco[:1], 1))


def in_groups(isco: str, groups: tuple[str, ...]) -> bool:
    """Whether the code lies in one of the groups; a code less specific than a group (e.g. "2" for
    group 25) is not known to lie in it."""
    return isco.startswith(groups)
