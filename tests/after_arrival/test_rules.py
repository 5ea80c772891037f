"""The pure rules of after arrival (applications.rules.after_arrival): settlement readiness at its
boundaries (§ 18c AufenthG), the BA's part in an extension, job change verdicts per title."""

from datetime import date

import pytest

from applications.rules import after_arrival as rules
from applications.rules import authority_steps

TODAY = date(2026, 6, 1)


def blue_card(months: int):
    return [rules.TitlePeriod("18g", rules.add_months(TODAY, -months), date(2028, 1, 1))]


@pytest.mark.parametrize("months, met", [(26, False), (27, True)])
def test_blue_card_with_a1_needs_27_months(months, met):
    readiness = rules.settlement_readiness(periods=blue_card(months), german_level="A1", pension_months=months,
                                           today=TODAY)
    route = readiness.routes[1]
    assert route.source == "§ 18c Abs. 2 AufenthG"
    assert route.met is met
    assert readiness.met is met  # B1 route (21 months) not met with A1, the skilled route not with 27 months


@pytest.mark.parametrize("months, met", [(20, False), (21, True)])
def test_blue_card_with_b1_needs_21_months(months, met):
    readiness = rules.settlement_readiness(periods=blue_card(months), german_level="B1", pension_months=months,
                                           today=TODAY)
    assert readiness.routes[2].met is met


@pytest.mark.parametrize("pension, met", [(35, False), (36, True)])
def test_skilled_worker_needs_36_pension_months(pension, met):
    periods = [rules.TitlePeriod("18b", date(2023, 1, 1), date(2027, 1, 1))]
    readiness = rules.settlement_readiness(periods=periods, german_level="B1", pension_months=pension, today=TODAY)
    assert len(readiness.routes) == 1  # no Blue Card: only § 18c Abs. 1
    assert readiness.routes[0].met is met
    pension_requirement = readiness.routes[0].requirements[1]
    assert pension_requirement.met is met


@pytest.mark.parametrize("months, met", [(23, False), (24, True)])
def test_after_a_german_degree_or_training_two_years_and_24_pension_months_suffice(months, met):
    start = date(2024, 12, 6)
    periods = [rules.TitlePeriod("18b", start, None)]
    today = rules.add_months(start, months)
    readiness = rules.settlement_readiness(periods=periods, german_level="B1", pension_months=months, today=today,
                                           german_qualification=True)
    assert readiness.routes[0].source == "§ 18c Abs. 1 S. 2 AufenthG" and readiness.routes[0].met is met
    without = rules.settlement_readiness(periods=periods, german_level="B1", pension_months=months, today=today)
    assert not without.met  # three years without a German qualification (§ 18c Abs. 1 S. 1)


def test_skilled_worker_needs_b1_not_a1():
    periods = [rules.TitlePeriod("18a", date(2022, 1, 1), None)]
    readiness = rules.settlement_readiness(periods=periods, german_level="A2", pension_months=60, today=TODAY)
    assert not readiness.met
    assert [r.met for r in readiness.routes[0].requirements] == [True, True, False]


def test_earliest_date_counts_forward_from_the_running_title():
    periods = [rules.TitlePeriod("18g", date(2025, 6, 1), date(2029, 6, 1))]
    readiness = rules.settlement_readiness(periods=periods, german_level="A1", pension_months=12, today=TODAY)
    assert readiness.routes[1].earliest == date(2027, 9, 1)  # 27 months from the start


def test_consecutive_titles_count_together_and_other_titles_not():
    periods = [rules.TitlePeriod("18b", date(2023, 6, 1), date(2024, 5, 31)),
               rules.TitlePeriod("18g", date(2024, 6, 1), None),
               rules.TitlePeriod("20a", date(2022, 1, 1), date(2023, 5, 31))]
    assert rules.months_held(periods, rules.SKILLED_CODES, TODAY) == 36
    assert rules.months_held(periods, ("18g",), TODAY) == 24


def test_extension_in_time_on_the_last_day_but_not_after():
    assert rules.extension_in_time(valid_until=TODAY, applied_on=TODAY)
    assert not rules.extension_in_time(valid_until=TODAY, applied_on=date(2026, 6, 2))


def test_extension_asks_the_ba_only_where_beschv_does_not_spare_it():
    base = {"ba_needed_for_title": True, "months_with_titles": 20, "months_same_employer": 20}
    assert rules.extension_ba_needed(same_employment=True, **base)
    assert not rules.extension_ba_needed(same_employment=True, **{**base, "months_same_employer": 24})
    assert rules.extension_ba_needed(same_employment=False, **{**base, "months_same_employer": 24})
    assert not rules.extension_ba_needed(same_employment=False, **{**base, "months_with_titles": 36})
    assert not rules.extension_ba_needed(same_employment=False, ba_needed_for_title=False,
                                         months_with_titles=0, months_same_employer=0)


def test_extension_steps_go_to_the_foreigners_authority():
    assert [s.purpose for s in authority_steps("18b", extension=True, extension_ba=True)] == [
        "ba_approval", "residence_permit"]
    assert [s.purpose for s in authority_steps("18b", extension=True, extension_ba=False)] == ["residence_permit"]
    assert [s.purpose for s in authority_steps("18g", extension=True, extension_ba=True)] == ["residence_permit"]


@pytest.mark.parametrize("kwargs, verdict, source", [
    ({"kind": "eu_blue_card", "code": "18g", "work_permission": "as_conditioned", "bound_to_employer": True,
      "months_in_employment": 11}, rules.NOTIFY, "§ 18g Abs. 4"),
    ({"kind": "eu_blue_card", "code": "18g", "work_permission": "as_conditioned", "bound_to_employer": True,
      "months_in_employment": 12}, rules.FREE, "§ 18g Abs. 4"),
    ({"kind": "residence_permit", "code": "18b", "work_permission": "as_conditioned", "bound_to_employer": True,
      "months_in_employment": 30}, rules.PERMISSION, "§ 4a Abs. 3"),
    ({"kind": "residence_permit", "code": "18a", "work_permission": "as_conditioned", "bound_to_employer": False,
      "months_in_employment": 5}, rules.ASK, "§ 4a Abs. 3"),
    ({"kind": "residence_permit", "code": "30", "work_permission": "any", "bound_to_employer": False,
      "months_in_employment": 5}, rules.FREE, "§ 4a Abs. 1"),
    ({"kind": "settlement_permit", "code": "18c", "work_permission": "as_conditioned", "bound_to_employer": False,
      "months_in_employment": 0}, rules.FREE, "§ 9"),
    ({"kind": "residence_permit", "code": "16b", "work_permission": "none", "bound_to_employer": False,
      "months_in_employment": 0}, rules.PERMISSION, "§ 4a"),
])
def test_job_change_verdicts(kwargs, verdict, source):
    result = rules.job_change_verdict(**kwargs)
    assert result.verdict == verdict
    assert source in result.source
    assert str(result.text) and str(result.next_step)
