"""The term and the work permission of an issued title, when the decision does not state them.

Pure Python: the services pass in what the case holds (contract length, the BA approval's length) and
get the dates back. A date the decision states always wins; these are the fallbacks.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from .catalogue import UnknownTitle, title

# Art. 18 Abs. 2 SDÜ (Schengen Implementing Convention, as amended by Regulation (EU) No 265/2010):
# a national (type D) visa is valid for at most one year; a longer stay needs a residence permit.
VISA_MAX_MONTHS = 12
# § 6 Abs. 3 AufenthG sets no term of its own, and the missions choose it (DOMAIN.md 3, step 5:
# usually 3 to 12 months, unverified). Without the term from the decision or the mission's answer, the
# shortest usual term: a date too early only brings the reminders and the extension forward, a date
# too late would tell the holder and every checker of a share code more than the visa says.
VISA_DEFAULT_MONTHS = 3

# § 18 Abs. 4 S. 1 AufenthG (text of 2026; the 2024 text said plus three months): titles under
# §§ 18a, 18b, 18g and 19c run four years, or the term of the employment contract or of the BA
# approval plus six months if that is shorter (DOMAIN.md 8.0).
EMPLOYMENT_TERM_TITLES = frozenset({"18a", "18b", "18g", "19c"})
EMPLOYMENT_MAX_MONTHS = 48
EMPLOYMENT_EXTRA_MONTHS = 6
# A title whose catalogue entry names no upper limit (e.g. § 16a, § 16b): one year, the shortest
# usual first term, for the same reason as the visa's default.
DEFAULT_PERMIT_MONTHS = 12

# § 4a Abs. 1 and 3 AufenthG: a title issued for employment allows the employment its conditions
# name (employer, occupation, BA approval); only the settlement permit allows every employment
# (§ 9 Abs. 1 S. 2, § 18c AufenthG).
ANY_WORK_TITLES = frozenset({"18c"})


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter (§ 188 Abs. 2, 3 BGB)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, months: int) -> date:
    """The last day of a term of `months` that starts on `start` (the day before the same date)."""
    return add_months(start, months) - timedelta(days=1)


def visa_valid_until(*, start: date, mission_months: int | None = None) -> date:
    """The visa's last day: the mission's term if it named one, else the cautious default; never past
    the one year Art. 18 Abs. 2 SDÜ allows."""
    months = mission_months if mission_months and mission_months > 0 else VISA_DEFAULT_MONTHS
    return term_end(start, min(months, VISA_MAX_MONTHS))


def permit_term_months(*, title_code: str, contract_months: int | None = None,
                       approval_months: int | None = None) -> int:
    """Months of a first residence permit (or Blue Card) for `title_code`.

    Employment titles (§ 18 Abs. 4 AufenthG): 48, or the shorter of contract and BA approval plus 6.
    `contract_months` None means a permanent contract; `approval_months` None an unlimited approval.
    Other titles: the catalogue's upper limit, or a year where it names none."""
    if title_code in EMPLOYMENT_TERM_TITLES:
        limits = [EMPLOYMENT_MAX_MONTHS]
        limits += [months + EMPLOYMENT_EXTRA_MONTHS for months in (contract_months, approval_months)
                   if months is not None and months > 0]
        return min(limits)
    try:
        entry = title(title_code)
    except UnknownTitle:
        return DEFAULT_PERMIT_MONTHS
    return entry.max_validity_months or DEFAULT_PERMIT_MONTHS


def permit_valid_until(*, title_code: str, start: date, contract_months: int | None = None,
                       approval_months: int | None = None) -> date:
    return term_end(start, permit_term_months(title_code=title_code, contract_months=contract_months,
                                              approval_months=approval_months))


def work_is_unrestricted(title_code: str) -> bool:
    return title_code in ANY_WORK_TITLES
