"""After arrival: the extension of a title (§ 81 Abs. 4 AufenthG), what a change of job needs, the
BA's part in an extension, and readiness for the settlement permit (§ 18c AufenthG).

Pure Python: the callers pass what the database holds (title kinds and codes, dates, levels) as
plain values. Every verdict carries its legal source; where the law leaves the outcome to the
foreigners' authority the verdict is the cautious one ("ask before you change").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from .catalogue import BLUE_CARD_CODE
from .title_terms import add_months

# The legal bases that count towards § 18c Abs. 1 Nr. 1 (§§ 18a, 18b, 18d, 18g) and Abs. 2 (§ 18g).
SKILLED_CODES = ("18a", "18b", "18d", "18g")
LEVELS = ("none", "A1", "A2", "B1", "B2", "C1", "C2")

# § 18c Abs. 1 S. 1 Nr. 1 and 3 AufenthG (as amended with effect from 1 March 2024): three years holding
# a title under §§ 18a, 18b, 18d or 18g, 36 months of pension contributions, German at B1 ("ausreichende
# Kenntnisse", § 2 Abs. 11). § 18c Abs. 2: Blue Card holders after 27 months with A1 ("einfache", § 2
# Abs. 9), after 21 months with B1; contributions for the same months.
SKILLED_MONTHS = 36
SKILLED_PENSION_MONTHS = 36
# § 18c Abs. 1 S. 2 AufenthG: two years and 24 months after a vocational training or studies completed in
# Germany (e.g. after a change of purpose from § 16a or § 16b).
SKILLED_MONTHS_GERMAN = 24
SKILLED_PENSION_MONTHS_GERMAN = 24
SOURCE_18C1_GERMAN = "§ 18c Abs. 1 S. 2 AufenthG"
SKILLED_LEVEL = "B1"
BLUE_CARD_MONTHS = 27
BLUE_CARD_LEVEL = "A1"
BLUE_CARD_MONTHS_B1 = 21
BLUE_CARD_LEVEL_B1 = "B1"
SOURCE_18C1 = "§ 18c Abs. 1 AufenthG"
SOURCE_18C2 = "§ 18c Abs. 2 AufenthG"


@dataclass(frozen=True)
class TitlePeriod:
    """One title of the holder's history: its legal basis code (e.g. "18g") and its validity."""

    code: str
    valid_from: date
    valid_until: date | None  # None: still running (or unlimited)


def level_at_least(level: str, wanted: str) -> bool:
    """CEFR comparison; an unknown level counts as none."""
    have = LEVELS.index(level) if level in LEVELS else 0
    return have >= LEVELS.index(wanted)


def full_months(start: date, end: date) -> int:
    """Whole months from `start` to `end` (0 if end is before start)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, months) > end:
        months -= 1
    return max(months, 0)


def _merged(periods: list[TitlePeriod], codes: tuple[str, ...], today: date) -> list[tuple[date, date]]:
    spans = sorted((p.valid_from, min(p.valid_until or today, today)) for p in periods
                   if p.code in codes and p.valid_from <= today)
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def months_held(periods: list[TitlePeriod], codes: tuple[str, ...], today: date) -> int:
    """Whole months the holder held a title under one of `codes` up to `today` (gaps not counted;
    whether an interruption is harmless, § 9 Abs. 4 / § 85 AufenthG, the foreigners' authority judges)."""
    return sum(full_months(start, end) for start, end in _merged(periods, codes, today))


@dataclass(frozen=True)
class Requirement:
    label: str
    met: bool
    detail: str
    source: str


@dataclass(frozen=True)
class Route:
    """One way to the settlement permit and what is met and missing on it."""

    name: str
    source: str
    requirements: tuple[Requirement, ...]
    earliest: date | None  # the first day the time conditions are met (None: no qualifying title held)

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)


@dataclass(frozen=True)
class Readiness:
    routes: tuple[Route, ...] = field(default_factory=tuple)

    @property
    def met(self) -> bool:
        return any(route.met for route in self.routes)

    @property
    def earliest(self) -> date | None:
        dates = [route.earliest for route in self.routes if route.earliest is not None]
        return min(dates) if dates else None


def _earliest(periods: list[TitlePeriod], codes: tuple[str, ...], months: int, today: date) -> date | None:
    """The day the holder has held (or will have held, if the current title runs on) `codes` titles
    for `months` months; None when no qualifying title is held and none was long enough."""
    remaining = months
    for start, end in _merged(periods, codes, today):
        length = full_months(start, end)
        if length >= remaining:
            return add_months(start, remaining)
        remaining -= length
    running = any(p.code in codes and p.valid_from <= today and (p.valid_until is None or p.valid_until >= today)
                  for p in periods)
    return add_months(today, remaining) if running else None


def _route(name, source, periods, codes, months, pension_needed, level_needed, *, level, pension_months, today):
    held = months_held(periods, codes, today)
    time_req = Requirement(
        _("Time holding a qualifying residence title"), held >= months,
        _("%(held)s of %(needed)s months") % {"held": held, "needed": months}, source)
    pension_req = Requirement(
        _("Months of contributions to the statutory pension insurance (or comparable provision)"),
        pension_months >= pension_needed,
        _("%(held)s of %(needed)s months (as you entered them)") % {"held": pension_months, "needed": pension_needed},
        source)
    language_req = Requirement(
        _("German language level"), level_at_least(level, level_needed),
        _("needed: %(needed)s; your profile: %(level)s") % {"needed": level_needed,
                                                           "level": level if level in LEVELS[1:] else _("none")},
        source)
    earliest = _earliest(periods, codes, months, today)
    if earliest is not None and pension_months < pension_needed:
        earliest = max(earliest, add_months(today, pension_needed - pension_months))
    return Route(name, source, (time_req, pension_req, language_req), earliest)


def settlement_readiness(*, periods: list[TitlePeriod], german_level: str, pension_months: int,
                         today: date, german_qualification: bool = False) -> Readiness:
    """What § 18c AufenthG asks of the holder and what of it is met; `german_qualification`: the holder
    completed a vocational training or studies in Germany (§ 18c Abs. 1 S. 2). The general conditions of § 9 Abs. 2
    (livelihood, living space, basic knowledge of the legal and social order, no criminal record) and
    a job the title allows (§ 18c Abs. 1 Nr. 2) the foreigners' authority checks; they are not computed."""
    pension_months = max(int(pension_months or 0), 0)
    if german_qualification:
        routes = [_route(_("Skilled worker with a German vocational training or degree (two years)"),
                         SOURCE_18C1_GERMAN, periods, SKILLED_CODES, SKILLED_MONTHS_GERMAN,
                         SKILLED_PENSION_MONTHS_GERMAN, SKILLED_LEVEL, level=german_level,
                         pension_months=pension_months, today=today)]
    else:
        routes = [_route(_("Skilled worker (three years)"), SOURCE_18C1, periods, SKILLED_CODES, SKILLED_MONTHS,
                         SKILLED_PENSION_MONTHS, SKILLED_LEVEL, level=german_level, pension_months=pension_months,
                         today=today)]
    if any(p.code == BLUE_CARD_CODE for p in periods):
        routes.append(_route(_("EU Blue Card with simple German (A1)"), SOURCE_18C2, periods, (BLUE_CARD_CODE,),
                             BLUE_CARD_MONTHS, BLUE_CARD_MONTHS, BLUE_CARD_LEVEL, level=german_level,
                             pension_months=pension_months, today=today))
        routes.append(_route(_("EU Blue Card with sufficient German (B1)"), SOURCE_18C2, periods,
                             (BLUE_CARD_CODE,), BLUE_CARD_MONTHS_B1, BLUE_CARD_MONTHS_B1, BLUE_CARD_LEVEL_B1,
                             level=german_level, pension_months=pension_months, today=today))
    return Readiness(tuple(routes))


# --- Extension ---------------------------------------------------------------------------------

EXTENDABLE_KINDS = ("residence_permit", "eu_blue_card")


def extension_in_time(*, valid_until: date | None, applied_on: date) -> bool:
    """§ 81 Abs. 4 S. 1 AufenthG: applied for before the title expired (on its last day still counts)."""
    return valid_until is None or applied_on <= valid_until


def extension_ba_needed(*, ba_needed_for_title: bool, same_employment: bool, months_with_titles: int,
                        months_same_employer: int) -> bool:
    """Whether the BA is asked again for the extension of an employment title.

    - § 9 Abs. 1 Nr. 2 BeschV: no approval after three years of uninterrupted permitted stay (the
      title history shows it);
    - § 9 Abs. 1 Nr. 1 BeschV: none after two years of insured employment with a residence permit:
      counted only for the same employer and job the titles named (the foreigners' authority
      checks the insurance record);
    - otherwise the BA is asked: an approval lapses with its time limit (§ 35 Abs. 2 BeschV) and the
      portal does not know that limit; § 35 Abs. 5 BeschV only spares the priority check for
      continued employment with the same employer, not the approval itself (cautious choice).
    """
    if not ba_needed_for_title:
        return False
    if months_with_titles >= 36:
        return False
    if same_employment and months_same_employer >= 24:
        return False
    return True


# --- Change of job -----------------------------------------------------------------------------

PERMISSION = "permission"
NOTIFY = "notify"
ASK = "ask"
FREE = "free"


@dataclass(frozen=True)
class JobChangeVerdict:
    verdict: str  # PERMISSION | NOTIFY | ASK | FREE
    text: str
    next_step: str
    source: str


def job_change_verdict(*, kind: str, code: str, work_permission: str, bound_to_employer: bool,
                       months_in_employment: int) -> JobChangeVerdict:
    """What a change of employer or job needs for one title.

    `kind`/`code`: the title (TitleKind, legal basis code); `work_permission`: "any", "as_conditioned"
    or "none" (§ 4a Abs. 3 AufenthG: the title states restrictions); `bound_to_employer`: the title's
    conditions name an employer; `months_in_employment`: months since the holder took up employment
    under this title (for § 18g Abs. 4)."""
    if kind == "settlement_permit" or work_permission == "any":
        return JobChangeVerdict(
            FREE, _("Your title allows any employment. You may change your job without permission."),
            _("No report to the foreigners' authority is needed for the change itself."),
            "§ 4a Abs. 1 AufenthG" if kind != "settlement_permit" else "§ 9 Abs. 1 AufenthG")
    if work_permission == "none":
        return JobChangeVerdict(
            PERMISSION, _("Your title does not allow employment. You need a permission before you start work."),
            _("Apply to the foreigners' authority before you start the new job."), "§ 4a Abs. 1 and 3 AufenthG")
    if kind == "eu_blue_card" or code == "18g":
        if months_in_employment < 12:
            return JobChangeVerdict(
                NOTIFY,
                _("In the first 12 months of employment with the EU Blue Card you must tell the foreigners' "
                  "authority about every change of employer. You do not need its permission, but it may "
                  "suspend the change for 30 days and refuse it if the new job does not meet the Blue Card "
                  "conditions."),
                _("Report the change now; start the new job only when the 30 days have passed or the "
                  "authority agreed."),
                "§ 18g Abs. 4 AufenthG; § 82 Abs. 1 S. 6 AufenthG")
        return JobChangeVerdict(
            FREE,
            _("After 12 months of employment with the EU Blue Card a change of employer needs neither "
              "permission nor a report. The new job must still meet the Blue Card conditions."),
            _("We recorded your report for your own file; the foreigners' authority is not asked."),
            "§ 18g Abs. 4 AufenthG")
    if bound_to_employer:
        return JobChangeVerdict(
            PERMISSION,
            _("Your title names your employer or job in its conditions. A new employer or job needs the "
              "foreigners' authority's permission (and usually a new approval of the Federal Employment "
              "Agency) before you start."),
            _("Ask the foreigners' authority for the change before you start the new job."),
            "§ 4a Abs. 3 S. 3 AufenthG; § 39 AufenthG; § 35 Abs. 4 BeschV")
    return JobChangeVerdict(
        ASK,
        _("Whether your title allows the new job depends on its conditions. Ask the foreigners' authority "
          "before you change."),
        _("The foreigners' authority will tell you whether a permission is needed."),
        "§ 4a Abs. 3 AufenthG")
