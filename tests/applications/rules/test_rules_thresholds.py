from datetime import date, timedelta
from decimal import Decimal

import pytest

from applications.rules import ThresholdNotFound, UnknownTitle, salary_threshold
from applications.rules.thresholds import (
    CHANCENKARTE_MEANS,
    SALARY_THRESHOLDS,
    chancenkarte_means_on,
    salary_thresholds_on,
    to_cents,
)

# Statutory shares of the BBG RV (DOMAIN.md 1.1).
SHARES = {
    "blue_card_standard": Decimal("0.50"),  # § 18g Abs. 1 S. 1 AufenthG
    "blue_card_reduced": Decimal("0.453"),  # § 18g Abs. 1 S. 2, Abs. 2 AufenthG
    "age_45": Decimal("0.55"),  # § 18 Abs. 2 Nr. 5 AufenthG
    "experienced_19c": Decimal("0.45"),  # § 6 BeschV
}


@pytest.mark.parametrize("record", SALARY_THRESHOLDS, ids=lambda r: str(r.valid_from.year))
@pytest.mark.parametrize("name", SHARES)
def test_each_threshold_is_its_share_of_the_pension_ceiling_to_the_cent(record, name):
    assert getattr(record, name) == to_cents(record.pension_ceiling * SHARES[name])


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
    assert record.pension_ceiling == Decimal(ceiling)
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
    assert salary_thresholds_on(on_date).valid_from.year == year


@pytest.mark.parametrize("on_date", [date(2023, 12, 31), date(2027, 1, 1)])
def test_dates_without_data_raise(on_date):
    with pytest.raises(ThresholdNotFound, match=on_date.isoformat()):
        salary_thresholds_on(on_date)


@pytest.mark.parametrize("records", [SALARY_THRESHOLDS, CHANCENKARTE_MEANS])
def test_records_are_contiguous_and_do_not_overlap(records):
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
    assert chancenkarte_means_on(on_date).monthly == Decimal(monthly)


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
