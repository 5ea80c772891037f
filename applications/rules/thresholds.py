"""The dated figures of the residence-title rules: salary thresholds, livelihood means, minimum wage.

Every salary threshold is a share of the contribution ceiling of the statutory pension insurance
(Beitragsbemessungsgrenze der allgemeinen Rentenversicherung, BBG RV), which changes every
1 January; the BMI publishes the amounts by 31 December of the year before (§ 18g Abs. 7,
§ 18 Abs. 2 Nr. 5 AufenthG, § 1 Abs. 2, § 6 Abs. 2 BeschV). Each figure is one ``Figure`` with a
validity period and its source; a new year is a new figure, never an edit of an old one.

Operators keep the figures in the database (``applications.models.RuleFigure``, four-eyes in the
admin) and pass them in as ``Figures``; ``BUILT_IN_FIGURES`` are the figures the project ships and
seeds that table with. The rules stay pure: they never read the database.

When a date lies after the last recorded figure of a kind (a new year whose figures are not entered
yet), the last figure answers, marked provisional, so that the finder keeps answering; a date before
the first figure of a kind raises ``ThresholdNotFound``.

Amounts are ``Decimal`` euros, exact to the cent. ``tests/applications/rules/test_rules_thresholds.py``
checks each salary amount against its statutory share of the ceiling, so a typo cannot slip in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# The kinds of figure, with the statutory share of the BBG RV where the figure is one.
PENSION_CEILING = "pension_ceiling"
BLUE_CARD_STANDARD = "blue_card_standard"
BLUE_CARD_REDUCED = "blue_card_reduced"
AGE_45 = "age_45"
EXPERIENCED_19C = "experienced_19c"
MEANS_MONTHLY = "means_monthly"
MEANS_STUDY_MONTHLY = "means_study_monthly"
MINIMUM_WAGE_HOURLY = "minimum_wage_hourly"

SHARES_OF_PENSION_CEILING = {
    # § 18g Abs. 1 S. 1 AufenthG: Blue Card, 50 % of the BBG RV.
    BLUE_CARD_STANDARD: Decimal("0.50"),
    # § 18g Abs. 1 S. 2 and Abs. 2 Nr. 1 AufenthG: shortage occupations, new entrants, IT
    # specialists without a degree, 45.3 %.
    BLUE_CARD_REDUCED: Decimal("0.453"),
    # § 18 Abs. 2 Nr. 5 AufenthG, § 1 Abs. 2 BeschV: first permit at 45 or older, 55 %.
    AGE_45: Decimal("0.55"),
    # § 6 Abs. 1 S. 1 Nr. 2 BeschV: experience-based employment (§ 19c Abs. 2 AufenthG), 45 %.
    EXPERIENCED_19C: Decimal("0.45"),
}

FIGURE_KINDS = (
    PENSION_CEILING,
    BLUE_CARD_STANDARD,
    BLUE_CARD_REDUCED,
    AGE_45,
    EXPERIENCED_19C,
    MEANS_MONTHLY,
    MEANS_STUDY_MONTHLY,
    MINIMUM_WAGE_HOURLY,
)


class ThresholdNotFound(LookupError):
    """No figure of that kind is recorded for the date or any date before it."""


@dataclass(frozen=True)
class Figure:
    kind: str
    value: Decimal
    valid_from: date
    valid_to: date
    source: str

    def covers(self, on_date: date) -> bool:
        return self.valid_from <= on_date <= self.valid_to


@dataclass(frozen=True)
class FigureOnDate:
    """A figure as it applies on a date: ``provisional`` when it is the last recorded one and the
    date lies after its validity (the new figure is not entered yet)."""

    value: Decimal
    year: int
    provisional: bool
    source: str


class Figures:
    """The dated figures the rules use on a date."""

    def __init__(self, figures: Iterable[Figure]):
        by_kind: dict[str, list[Figure]] = {}
        for figure in figures:
            by_kind.setdefault(figure.kind, []).append(figure)
        self._by_kind = {kind: sorted(items, key=lambda f: f.valid_from) for kind, items in by_kind.items()}

    def on(self, kind: str, on_date: date) -> FigureOnDate:
        earlier = [figure for figure in self._by_kind.get(kind, ()) if figure.valid_from <= on_date]
        if not earlier:
            raise ThresholdNotFound(f"no {kind} figure recorded for {on_date.isoformat()}")
        figure = earlier[-1]
        return FigureOnDate(
            value=figure.value,
            year=figure.valid_from.year,
            provisional=not figure.covers(on_date),
            source=figure.source,
        )

    def salary_thresholds_on(self, on_date: date) -> SalaryThresholds:
        standard = self.on(BLUE_CARD_STANDARD, on_date)
        return SalaryThresholds(
            year=standard.year,
            provisional=standard.provisional,
            blue_card_standard=standard.value,
            blue_card_reduced=self.on(BLUE_CARD_REDUCED, on_date).value,
            age_45=self.on(AGE_45, on_date).value,
            experienced_19c=self.on(EXPERIENCED_19C, on_date).value,
        )

    def __iter__(self):
        for items in self._by_kind.values():
            yield from items


@dataclass(frozen=True)
class SalaryThresholds:
    """Annual gross salary thresholds (EUR) of one year."""

    year: int
    provisional: bool
    blue_card_standard: Decimal
    blue_card_reduced: Decimal
    age_45: Decimal
    experienced_19c: Decimal


def _year(kind: str, year: int, value: str, source: str) -> Figure:
    return Figure(kind, Decimal(value), date(year, 1, 1), date(year, 12, 31), source)


_BBG = "§ 159 SGB VI with the Sozialversicherungsrechengrößen-Verordnung {year}"
_BMI = "BMI notice under § 18g Abs. 7 AufenthG, § 18 Abs. 2 Nr. 5 AufenthG, § 6 Abs. 2 BeschV ({year})"
_MEANS = "§ 20a Abs. 4 S. 1, § 2 Abs. 3 S. 5 AufenthG: BMI notice ({year})"
_WAGE = "§ 1 Abs. 2 MiLoG with the minimum wage adjustment ordinance ({year})"


def _salary_year(year: int, ceiling: str, standard: str, reduced: str, age_45: str, experienced: str) -> list[Figure]:
    return [
        _year(PENSION_CEILING, year, ceiling, _BBG.format(year=year)),
        _year(BLUE_CARD_STANDARD, year, standard, _BMI.format(year=year)),
        _year(BLUE_CARD_REDUCED, year, reduced, _BMI.format(year=year)),
        _year(AGE_45, year, age_45, _BMI.format(year=year)),
        _year(EXPERIENCED_19C, year, experienced, _BMI.format(year=year)),
    ]


# Figures: shared/DOMAIN.md 1.1 (salary), 1.3 (means), 8.7 (2027 not yet published).
BUILT_IN_FIGURES: tuple[Figure, ...] = (
    # 2024: BBG RV EUR 90,600; the § 19c figure EUR 40,770 is the published one and confirms it.
    *_salary_year(2024, "90600.00", "45300.00", "41041.80", "49830.00", "40770.00"),
    # 2025: BBG RV EUR 96,600; standard 48,300 and age-45 53,130 published; the others computed.
    *_salary_year(2025, "96600.00", "48300.00", "43759.80", "53130.00", "43470.00"),
    # 2026: BBG RV EUR 101,400 (SVBezGrV 2026 § 4); standard 50,700 and reduced 45,934.20 published.
    *_salary_year(2026, "101400.00", "50700.00", "45934.20", "55770.00", "45630.00"),
    # The Opportunity Card exists since 1 June 2024 (Act of 16 Aug 2023, BGBl. 2023 I Nr. 217).
    Figure(MEANS_MONTHLY, Decimal("1027.00"), date(2024, 6, 1), date(2024, 12, 31), _MEANS.format(year=2024)),
    _year(MEANS_MONTHLY, 2025, "1091.00", _MEANS.format(year=2025)),
    # 2026: a calculator still shows EUR 1,091; re-check each January against the BMI notice.
    _year(MEANS_MONTHLY, 2026, "1091.00", _MEANS.format(year=2026)),
    # Studies and training (§ 2 Abs. 3 S. 5 AufenthG: the BAföG need, §§ 13, 13a BAföG): EUR 992 a
    # month from 2025 (Federal Foreign Office, DOMAIN.md 8.4); 2026 not verified, so it is left for
    # operators to enter and answers are provisional until then.
    Figure(MEANS_STUDY_MONTHLY, Decimal("992.00"), date(2025, 1, 1), date(2025, 12, 31),
           "§ 2 Abs. 3 S. 5 AufenthG: BMI notice (2025)"),
    # Statutory minimum wage per hour (MiLoG; adjustment ordinances of 2023 and of 29 October 2025,
    # which set 2026 and 2027).
    _year(MINIMUM_WAGE_HOURLY, 2024, "12.41", _WAGE.format(year=2024)),
    _year(MINIMUM_WAGE_HOURLY, 2025, "12.82", _WAGE.format(year=2025)),
    _year(MINIMUM_WAGE_HOURLY, 2026, "13.90", _WAGE.format(year=2026)),
    _year(MINIMUM_WAGE_HOURLY, 2027, "14.60", _WAGE.format(year=2027)),
)

BUILT_IN = Figures(BUILT_IN_FIGURES)


def salary_thresholds_on(on_date: date, figures: Figures = BUILT_IN) -> SalaryThresholds:
    return figures.salary_thresholds_on(on_date)


def chancenkarte_means_on(on_date: date, figures: Figures = BUILT_IN) -> FigureOnDate:
    return figures.on(MEANS_MONTHLY, on_date)


def to_cents(amount: Decimal) -> Decimal:
    """Amounts are compared to the cent: 48,299.99 is below 48,300.00, 48,300.00 meets it.
    Commercial rounding (half up) for the rare computed amount with more decimals."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
