from datetime import date, timedelta
from decimal import Decimal

import pytest

from applications.rules import ThresholdNotFound, UnknownTitle, salary_threshold
from applications.rules.thresholds import (
    BUILT_IN,
    BUILT_IN_FIGURES,
    FIGURE_KINDS,
    MEANS_MONTHLY,
    PENSION_CEILING,
    SHARES_OF_PENSION_CEILING,
    Figure,
    Figures,
    chancenkarte_means_on,
    salary_thresholds_on,
    to_cents,
)

SALARY_YEARS = (2024, 2025, 2026)


@pytest.mark.parametrize("year", SALARY_YEARS)
@pytest.mark.parametrize("kind", SHARES_OF_PENSION_CEILING)
def test_each_threshold_is_its_share_of_the_pension_ceiling_to_the_cent(year, kind):
    on_date = date(year, 6, 30)
    ceiling = BUILT_IN.on(PENSION_CEILING, on_date).value
    assert BUILT_IN.on(kind, on_date).value == to_cents(ceiling * SHARES_OF_PENSION_CEILING[kind])


def test_every_figure_names_its_source_and_kind():
    for figure in BUILT_IN_FIGURES:
        assert figure.kind in FIGURE_KINDS
        assert figure.source.strip()
        assert figure.value > 0


@pytest.mark.parametrize(
    ("year", "ceiling", "standard", "reduced", "age_45", "experienced"),
    [
        # DOMAIN.md 1.1
        (2025, "96600.00", "48300.00", "43759.80", "53130.00", "43470.00"),
        (2026, "101400.00", "50700.00", "45934.20", "55770.00", "45630.00"),
        # 2024: the § 19c figure 40,770 is published (DOMAIN.md 1.1); the rest follow from it.
        (2024, "90600.00", "45300.00", "41041.80", "49830.00", "40770.00"),
    ],
)
def test_published_figures(year, ceiling, standard, reduced, age_45, experienced):
    record = salary_thresholds_on(date(year, 6, 30))
    assert BUILT_IN.on(PENSION_CEILING, date(year, 6, 30)).value == Decimal(ceiling)
    assert record.blue_card_standard == Decimal(standard)
    assert record.blue_card_reduced == Decimal(reduced)
    assert record.age_45 == Decimal(age_45)
    assert record.experienced_19c == Decimal(experienced)


def test_monthly_equivalents_in_domain_notes():
    # DOMAIN.md 1.1 gives monthly figures: 4,025 / 4,225 (standard), 3,827.85 (reduced 2026),
    # 4,427.50 / 4,647.50 (age 45).
    assert salary_thresholds_on(date(2025, 1, 1)).blue_card_standard / 12 == Decimal("4025")
    assert salary_thresholds_on(date(2026, 1, 1)).blue_card_standard / 12 == Decimal("4225")
    assert salary_thresholds_on(date(2026, 1, 1)).blue_card_reduced / 12 == Decimal("3827.85")
    assert salary_thresholds_on(date(2025, 1, 1)).age_45 / 12 == Decimal("4427.5")
    assert salary_thresholds_on(date(2026, 1, 1)).age_45 / 12 == Decimal("4647.5")


@pytest.mark.parametrize(
    ("on_date", "year"),
    [
        (date(2025, 1, 1), 2025),
        (date(2025, 12, 31), 2025),
        (date(2026, 1, 1), 2026),
        (date(2026, 12, 31), 2026),
    ],
)
def test_lookup_switches_on_1_january(on_date, year):
    thresholds = salary_thresholds_on(on_date)
    assert (thresholds.year, thresholds.provisional) == (year, False)


def test_a_date_before_the_first_figures_raises():
    with pytest.raises(ThresholdNotFound, match="2023-12-31"):
        salary_thresholds_on(date(2023, 12, 31))


@pytest.mark.parametrize("on_date", [date(2027, 1, 1), date(2031, 7, 1)])
def test_a_year_without_figures_answers_with_the_last_ones_marked_provisional(on_date):
    thresholds = salary_thresholds_on(on_date)
    assert (thresholds.year, thresholds.provisional) == (2026, True)
    assert thresholds.blue_card_standard == Decimal("50700.00")


def test_a_new_years_figure_replaces_the_provisional_one():
    figures = Figures(
        [
            *BUILT_IN_FIGURES,
            Figure("blue_card_standard", Decimal("52000.00"), date(2027, 1, 1), date(2027, 12, 31), "test"),
        ]
    )
    standard = figures.on("blue_card_standard", date(2027, 1, 1))
    assert (standard.value, standard.year, standard.provisional) == (Decimal("52000.00"), 2027, False)
    assert figures.on("blue_card_reduced", date(2027, 1, 1)).provisional is True


@pytest.mark.parametrize("kind", FIGURE_KINDS)
def test_figures_of_a_kind_are_contiguous_and_do_not_overlap(kind):
    records = sorted((f for f in BUILT_IN_FIGURES if f.kind == kind), key=lambda f: f.valid_from)
    assert records
    for earlier, later in zip(records, records[1:], strict=False):
        assert earlier.valid_from <= earlier.valid_to
        assert later.valid_from == earlier.valid_to + timedelta(days=1)


@pytest.mark.parametrize(
    ("on_date", "monthly"),
    [
        (date(2024, 6, 1), "1027.00"),  # Chancenkarte in force since 1 June 2024
        (date(2024, 12, 31), "1027.00"),
        (date(2025, 1, 1), "1091.00"),
        (date(2026, 12, 31), "1091.00"),
    ],
)
def test_chancenkarte_means_by_date(on_date, monthly):
    assert chancenkarte_means_on(on_date).value == Decimal(monthly)
    assert BUILT_IN.on(MEANS_MONTHLY, on_date).provisional is False


def test_chancenkarte_means_before_the_card_existed():
    with pytest.raises(ThresholdNotFound):
        chancenkarte_means_on(date(2024, 5, 31))


@pytest.mark.parametrize(
    ("code", "on_date", "age", "reduced", "expected"),
    [
        ("18g", date(2025, 12, 31), None, False, "48300.00"),
        ("18g", date(2026, 1, 1), None, False, "50700.00"),
        ("18g", date(2025, 12, 31), None, True, "43759.80"),
        ("18g", date(2026, 1, 1), None, True, "45934.20"),
        ("18a", date(2026, 1, 1), 44, False, None),
        ("18a", date(2026, 1, 1), 45, False, "55770.00"),
        ("18b", date(2025, 12, 31), 45, False, "53130.00"),
        ("18b", date(2026, 1, 1), None, False, None),
        ("19c", date(2025, 12, 31), None, False, "43470.00"),
        ("19c", date(2026, 1, 1), None, False, "45630.00"),
        ("20a", date(2026, 1, 1), None, False, None),
        ("16d1", date(2026, 1, 1), None, False, None),
        ("16d3", date(2026, 1, 1), None, False, None),
    ],
)
def test_salary_threshold_helper(code, on_date, age, reduced, expected):
    assert salary_threshold(code, on_date, age=age, reduced=reduced) == (Decimal(expected) if expected else None)


def test_salary_threshold_unknown_title():
    with pytest.raises(UnknownTitle):
        salary_threshold("99z", date(2026, 1, 1))


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("48299.994", "48299.99"), ("48299.985", "48299.99"), ("48299.995", "48300.00"), ("1", "1.00")],
)
def test_to_cents(amount, cents):
    assert to_cents(Decimal(amount)) == Decimal(cents)
