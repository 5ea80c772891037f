"""Money thresholds of the residence-title rules, as data by validity date.

Every salary threshold is a share of the contribution ceiling of the statutory pension insurance
(Beitragsbemessungsgrenze der allgemeinen Rentenversicherung, BBG RV), which changes every
1 January. So each year is one frozen record with ``valid_from``/``valid_to``; a new year is a new
record, never an edit of an old one. Amounts are ``Decimal`` euros, exact to the cent, as the BMI
publishes them. ``tests/applications/rules/test_rules_thresholds.py`` checks each amount against
its statutory share of the ceiling, so a typo cannot slip in.

Figures: shared/DOMAIN.md section 1.1 (salary) and 1.3 (Chancenkarte means).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class ThresholdNotFound(LookupError):
    """No threshold record covers the date: add the new year's record to this module."""


@dataclass(frozen=True)
class SalaryThresholds:
    """Annual gross salary thresholds (EUR) derived from one year's BBG RV."""

    valid_from: date
    valid_to: date
    # BBG RV of the year; the base of every share below.
    pension_ceiling: Decimal
    # § 18g Abs. 1 S. 1 AufenthG: Blue Card, 50 % of the BBG RV.
    blue_card_standard: Decimal
    # § 18g Abs. 1 S. 2 and Abs. 2 AufenthG: Blue Card for shortage occupations, new entrants
    # (degree less than three years old) and IT specialists without a degree, 45.3 % of the BBG RV.
    blue_card_reduced: Decimal
    # § 18 Abs. 2 Nr. 5 AufenthG: first § 18a / § 18b Abs. 1 permit at 45 or older, 55 % of the
    # BBG RV (unless adequate pension provision is proven).
    age_45: Decimal
    # § 19c Abs. 2 AufenthG i. V. m. § 6 BeschV: experience-based employment, 45 % of the BBG RV
    # (unless the employer is bound by a collective agreement and pays the tariff wage).
    experienced_19c: Decimal

    def covers(self, on_date: date) -> bool:
        return self.valid_from <= on_date <= self.valid_to


@dataclass(frozen=True)
class ChancenkarteMeans:
    """Monthly livelihood means an Opportunity Card applicant must prove (§ 20a Abs. 4 S. 1 AufenthG)."""

    valid_from: date
    valid_to: date
    monthly: Decimal

    def covers(self, on_date: date) -> bool:
        return self.valid_from <= on_date <= self.valid_to


SALARY_THRESHOLDS: tuple[SalaryThresholds, ...] = (
    # 2024: BBG RV EUR 90,600. Computed from that ceiling [M]; the § 19c figure EUR 40,770 is the
    # published one [V, DOMAIN 1.1] and confirms the ceiling (45 % x 90,600 = 40,770).
    SalaryThresholds(
        valid_from=date(2024, 1, 1),
        valid_to=date(2024, 12, 31),
        pension_ceiling=Decimal("90600.00"),
        blue_card_standard=Decimal("45300.00"),
        blue_card_reduced=Decimal("41041.80"),
        age_45=Decimal("49830.00"),
        experienced_19c=Decimal("40770.00"),
    ),
    # 2025: BBG RV EUR 96,600 [V vialto]. Standard 48,300 [V]; reduced 43,759.80 [computed];
    # age-45 53,130 (4,427.50/month) [V]; § 19c 43,470 [computed]. DOMAIN 1.1.
    SalaryThresholds(
        valid_from=date(2025, 1, 1),
        valid_to=date(2025, 12, 31),
        pension_ceiling=Decimal("96600.00"),
        blue_card_standard=Decimal("48300.00"),
        blue_card_reduced=Decimal("43759.80"),
        age_45=Decimal("53130.00"),
        experienced_19c=Decimal("43470.00"),
    ),
    # 2026: BBG RV EUR 101,400 [V vialto]. Standard 50,700 [V]; reduced 45,934.20 [V];
    # age-45 55,770 [computed]; § 19c 45,630 [computed]. DOMAIN 1.1.
    SalaryThresholds(
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31),
        pension_ceiling=Decimal("101400.00"),
        blue_card_standard=Decimal("50700.00"),
        blue_card_reduced=Decimal("45934.20"),
        age_45=Decimal("55770.00"),
        experienced_19c=Decimal("45630.00"),
    ),
)

CHANCENKARTE_MEANS: tuple[ChancenkarteMeans, ...] = (
    # The Opportunity Card exists since 1 June 2024 (§ 20a AufenthG as amended by the
    # Act of 16 Aug 2023, BGBl. 2023 I Nr. 217). EUR 1,027/month in 2024 [V, DOMAIN 1.3].
    ChancenkarteMeans(date(2024, 6, 1), date(2024, 12, 31), Decimal("1027.00")),
    # EUR 1,091/month = 13,092/year in 2025 [V, DOMAIN 1.3].
    ChancenkarteMeans(date(2025, 1, 1), date(2025, 12, 31), Decimal("1091.00")),
    # 2026: a calculator still shows EUR 1,091 [V starting-in-germany, DOMAIN 1.3]; re-check each
    # January against the BMI notice under § 2 Abs. 3 S. 6 AufenthG.
    ChancenkarteMeans(date(2026, 1, 1), date(2026, 12, 31), Decimal("1091.00")),
)


def salary_thresholds_on(on_date: date) -> SalaryThresholds:
    for record in SALARY_THRESHOLDS:
        if record.covers(on_date):
            return record
    raise ThresholdNotFound(f"no salary thresholds recorded for {on_date.isoformat()}")


def chancenkarte_means_on(on_date: date) -> ChancenkarteMeans:
    for record in CHANCENKARTE_MEANS:
        if record.covers(on_date):
            return record
    raise ThresholdNotFound(f"no Chancenkarte livelihood means recorded for {on_date.isoformat()}")


def to_cents(amount: Decimal) -> Decimal:
    """Amounts are compared to the cent: 48,299.99 is below 48,300.00, 48,300.00 meets it.
    Commercial rounding (half up) for the rare computed amount with more decimals."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
