"""ISCO-08 occupations as the rules need them: skill levels and the groups statutes name.

The ILO's ISCO-08 (structure and definitions, 2012, Table 1 and 2) assigns each major group a skill
level: 1 elementary tasks, 2 the skills of a completed vocational training, 3 of short tertiary
education, 4 of a university degree. Sub-major group 14 (hospitality, retail and other services
managers) is at level 3, the other managers (11–13) at level 4; the armed forces (0) split by rank.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


# ISCO-08 minor groups (three digits) with the ILO's English titles, for choosing an occupation
# by name; a person may still give a four-digit unit group code.
MINOR_GROUPS: tuple[tuple[str, Promise], ...] = (
    ("011", _("Commissioned armed forces officers")),
    ("021", _("Non-commissioned armed forces officers")),
    ("031", _("Armed forces occupations, other ranks")),
    ("111", _("Legislators and senior officials")),
    ("112", _("Managing directors and chief executives")),
    ("121", _("Business services and administration managers")),
    ("122", _("Sales, marketing and development managers")),
    ("131", _("Production managers in agriculture, forestry and fisheries")),
    ("132", _("Manufacturing, mining, construction and distribution managers")),
    ("133", _("Information and communications technology service managers")),
    ("134", _("Professional services managers")),
    ("141", _("Hotel and restaurant managers")),
    ("142", _("Retail and wholesale trade managers")),
    ("143", _("Other services managers")),
    ("211", _("Physical and earth science professionals")),
    ("212", _("Mathematicians, actuaries and statisticians")),
    ("213", _("Life science professionals")),
    ("214", _("Engineering professionals (excluding electrotechnology)")),
    ("215", _("Electrotechnology engineers")),
    ("216", _("Architects, planners, surveyors and designers")),
    ("221", _("Medical doctors")),
    ("222", _("Nursing and midwifery professionals")),
    ("223", _("Traditional and complementary medicine professionals")),
    ("224", _("Paramedical practitioners")),
    ("225", _("Veterinarians")),
    ("226", _("Other health professionals")),
    ("231", _("University and higher education teachers")),
    ("232", _("Vocational education teachers")),
    ("233", _("Secondary education teachers")),
    ("234", _("Primary school and early childhood teachers")),
    ("235", _("Other teaching professionals")),
    ("241", _("Finance professionals")),
    ("242", _("Administration professionals")),
    ("243", _("Sales, marketing and public relations professionals")),
    ("251", _("Software and applications developers and analysts")),
    ("252", _("Database and network professionals")),
    ("261", _("Legal professionals")),
    ("262", _("Librarians, archivists and curators")),
    ("263", _("Social and religious professionals")),
    ("264", _("Authors, journalists and linguists")),
    ("265", _("Creative and performing artists")),
    ("311", _("Physical and engineering science technicians")),
    ("312", _("Mining, manufacturing and construction supervisors")),
    ("313", _("Process control technicians")),
    ("314", _("Life science technicians and related associate professionals")),
    ("315", _("Ship and aircraft controllers and technicians")),
    ("321", _("Medical and pharmaceutical technicians")),
    ("322", _("Nursing and midwifery associate professionals")),
    ("323", _("Traditional and complementary medicine associate professionals")),
    ("324", _("Veterinary technicians and assistants")),
    ("325", _("Other health associate professionals")),
    ("331", _("Financial and mathematical associate professionals")),
    ("332", _("Sales and purchasing agents and brokers")),
    ("333", _("Business services agents")),
    ("334", _("Administrative and specialised secretaries")),
    ("335", _("Regulatory government associate professionals")),
    ("341", _("Legal, social and religious associate professionals")),
    ("342", _("Sports and fitness workers")),
    ("343", _("Artistic, cultural and culinary associate professionals")),
    ("351", _("Information and communications technology operations and user support technicians")),
    ("352", _("Telecommunications and broadcasting technicians")),
    ("411", _("General office clerks")),
    ("412", _("Secretaries (general)")),
    ("413", _("Keyboard operators")),
    ("421", _("Tellers, money collectors and related clerks")),
    ("422", _("Client information workers")),
    ("431", _("Numerical clerks")),
    ("432", _("Material-recording and transport clerks")),
    ("441", _("Other clerical support workers")),
    ("511", _("Travel attendants, conductors and guides")),
    ("512", _("Cooks")),
    ("513", _("Waiters and bartenders")),
    ("514", _("Hairdressers, beauticians and related workers")),
    ("515", _("Building and housekeeping supervisors")),
    ("516", _("Other personal services workers")),
    ("521", _("Street and market salespersons")),
    ("522", _("Shop salespersons")),
    ("523", _("Cashiers and ticket clerks")),
    ("524", _("Other sales workers")),
    ("531", _("Child care workers and teachers' aides")),
    ("532", _("Personal care workers in health services")),
    ("541", _("Protective services workers")),
    ("611", _("Market gardeners and crop growers")),
    ("612", _("Animal producers")),
    ("613", _("Mixed crop and animal producers")),
    ("621", _("Forestry and related workers")),
    ("622", _("Fishery workers, hunters and trappers")),
    ("631", _("Subsistence crop farmers")),
    ("632", _("Subsistence livestock farmers")),
    ("633", _("Subsistence mixed crop and livestock farmers")),
    ("634", _("Subsistence fishers, hunters, trappers and gatherers")),
    ("711", _("Building frame and related trades workers")),
    ("712", _("Building finishers and related trades workers")),
    ("713", _("Painters, building structure cleaners and related trades workers")),
    ("721", _("Sheet and structural metal workers, moulders and welders")),
    ("722", _("Blacksmiths, toolmakers and related trades workers")),
    ("723", _("Machinery mechanics and repairers")),
    ("731", _("Handicraft workers")),
    ("732", _("Printing trades workers")),
    ("741", _("Electrical equipment installers and repairers")),
    ("742", _("Electronics and telecommunications installers and repairers")),
    ("751", _("Food processing and related trades workers")),
    ("752", _("Wood treaters, cabinet-makers and related trades workers")),
    ("753", _("Garment and related trades workers")),
    ("754", _("Other craft and related workers")),
    ("811", _("Mining and mineral processing plant operators")),
    ("812", _("Metal processing and finishing plant operators")),
    ("813", _("Chemical and photographic products plant and machine operators")),
    ("814", _("Rubber, plastic and paper products machine operators")),
    ("815", _("Textile, fur and leather products machine operators")),
    ("816", _("Food and related products machine operators")),
    ("817", _("Wood processing and papermaking plant operators")),
    ("818", _("Other stationary plant and machine operators")),
    ("821", _("Assemblers")),
    ("831", _("Locomotive engine drivers and related workers")),
    ("832", _("Car, van and motorcycle drivers")),
    ("833", _("Heavy truck and bus drivers")),
    ("834", _("Mobile plant operators")),
    ("835", _("Ships' deck crews and related workers")),
    ("911", _("Domestic, hotel and office cleaners and helpers")),
    ("912", _("Vehicle, window, laundry and other hand cleaning workers")),
    ("921", _("Agricultural, forestry and fishery labourers")),
    ("931", _("Mining and construction labourers")),
    ("932", _("Manufacturing labourers")),
    ("933", _("Transport and storage labourers")),
    ("941", _("Food preparation assistants")),
    ("951", _("Street and related service workers")),
    ("952", _("Street vendors (excluding food)")),
    ("961", _("Refuse workers")),
    ("962", _("Other elementary workers")),
)
