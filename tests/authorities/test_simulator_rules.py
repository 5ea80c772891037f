"""The simulated offices decide deterministically by the documented rules (authorities/simulator/rules.py)."""

from datetime import UTC, datetime

import pytest

from authorities.simulator import rules

RECEIVED = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # a Monday; 2026 thresholds: Blue Card reduced 45,934.20


def ba_data(title="18g", salary="46000", hours="40", birth="1994-03-14", **employment):
    return {"purpose": "ba_approval", "title": title, "applicant": {"birthDate": birth},
            "employer": {"name": "Muster GmbH", "baCompanyNumber": "12345678"},
            "employment": {"annualGrossSalary": salary, "weeklyHours": hours, "jobTitle": "Developer",
                           "occupationIsco": "2512", "durationMonths": 24, **employment}}


@pytest.mark.parametrize(("data", "outcome", "reason"), [
    (ba_data(), "approved", ""),
    (ba_data(salary="45000"), "rejected", "salary_below_threshold"),          # below § 18g reduced threshold
    (ba_data(hours="19.5"), "rejected", "weekly_hours"),
    (ba_data(title="19c", salary="45000"), "rejected", "salary_below_threshold"),  # 45 % BBG: 45,630
    (ba_data(title="19c", salary="45000", collectiveAgreement=True), "approved", ""),
    (ba_data(title="18a", salary="30000"), "approved", ""),                   # no threshold under 45
    (ba_data(title="18a", salary="30000", birth="1970-01-01"), "rejected", "salary_below_threshold"),  # age 45
    ({"purpose": "ba_approval", "title": "18a"}, "information_needed", "employment_declaration_incomplete"),
])
def test_ba(data, outcome, reason):
    decision = rules.decide(data, RECEIVED)
    assert (decision["outcome"], decision["reason"]) == (outcome, reason)


def test_ba_approval_is_limited_to_employer_occupation_and_duration():
    assert rules.decide(ba_data(), RECEIVED)["conditions"] == {
        "employer": "Muster GmbH", "employer_ba_number": "12345678", "occupation": "Developer",
        "occupation_isco": "2512", "duration_months": 24, "weekly_hours": "40"}


def qualification(kind="vocational", recognition="none", comparable=False, completed="2018-07-01"):
    return {"kind": kind, "recognition": recognition, "comparable": comparable, "completedOn": completed}


@pytest.mark.parametrize(("qualifications", "outcome", "equivalence"), [
    ([qualification(recognition="pending")], "approved", "full"),
    ([qualification(recognition="partial")], "rejected", "partial"),
    ([qualification()], "rejected", "none"),
    ([qualification(kind="academic")], "rejected", "partial"),
    ([qualification(kind="academic", comparable=True)], "approved", "full"),
    ([qualification(), qualification(kind="academic")], "rejected", "partial"),  # the best one counts
    ([qualification(completed="")], "information_needed", None),
    ([], "information_needed", None),
])
def test_recognition(qualifications, outcome, equivalence):
    decision = rules.decide({"purpose": "recognition", "qualifications": qualifications}, RECEIVED)
    assert decision["outcome"] == outcome
    assert decision["conditions"].get("equivalence") == equivalence


def visa_data(valid_until="2032-01-01", start="2026-10-01", accelerated=False, number="C1234567", title="18b"):
    return {"purpose": "visa", "requestId": "b7f3", "title": title, "accelerated": accelerated,
            "passport": {"number": number, "validUntil": valid_until}, "employment": {"startDate": start,
                                                                                      "jobTitle": "Developer"},
            "employer": {"name": "Muster GmbH"}}


def test_visa_office_assigns_no_slot_but_asks_for_a_booking():
    decision = rules.decide(visa_data(), RECEIVED)
    assert decision["book_appointment"] is True and "appointment" not in decision
    assert rules.decide(visa_data(), RECEIVED) == decision  # deterministic


def test_the_appointment_is_the_booked_slot_else_the_legal_target_of_three_weeks():
    # § 31a AufenthV: the appointment within three weeks; before a booking the office counts from there.
    assert rules.appointment_day(visa_data(), RECEIVED).isoformat() == "2026-06-22"
    booked = {**visa_data(), "appointment": "2026-07-03T09:30:00+02:00"}
    assert rules.appointment_day(booked, RECEIVED).isoformat() == "2026-07-03"
    assert rules.appointment_day({**visa_data(), "appointment": "garbage"}, RECEIVED).isoformat() == "2026-06-22"


def test_without_a_job_start_the_passport_is_measured_from_the_booked_appointment():
    # Valid until 2026-09-25: 95 days after the legal target (2026-06-22), but only 80 after a booked 2026-07-07.
    data = {**visa_data(valid_until="2026-09-25"), "employment": {}}
    assert rules.decide(data, RECEIVED)["outcome"] == "approved"
    assert rules.decide({**data, "appointment": "2026-07-07T10:00:00+02:00"}, RECEIVED)["outcome"] == "rejected"


@pytest.mark.parametrize(("data", "outcome"), [
    (visa_data(), "approved"),
    (visa_data(valid_until="2026-12-01"), "rejected"),   # less than 90 days after the job start
    (visa_data(number=""), "information_needed"),
])
def test_visa_decision(data, outcome):
    assert rules.decide(data, RECEIVED)["outcome"] == outcome


def test_visa_conditions():
    assert rules.decide(visa_data(), RECEIVED)["conditions"] == {"valid_months": 6, "employer": "Muster GmbH",
                                                                 "occupation": "Developer"}
    assert rules.decide(visa_data(title="20a"), RECEIVED)["conditions"]["valid_months"] == 12


@pytest.mark.parametrize(("data", "outcome"), [
    ({"purpose": "pre_approval_81a", "accelerated": True, "employer": {"name": "X"},
      "employment": {"workplace": {"federalState": "BE"}}}, "approved"),
    ({"purpose": "pre_approval_81a", "accelerated": False}, "rejected"),
    ({"purpose": "pre_approval_81a", "accelerated": True, "employment": {}}, "information_needed"),
    ({"purpose": "residence_permit", "title": "18g", "passport": {"validUntil": "2030-01-01"},
      "address": {"city": "Berlin"}, "employment": {"durationMonths": 24}}, "approved"),
    ({"purpose": "residence_permit", "passport": {"validUntil": "2026-01-01"}, "address": {"city": "Berlin"}},
     "information_needed"),
    ({"purpose": "residence_permit", "passport": {"validUntil": "2030-01-01"}, "address": {}}, "information_needed"),
    ({"purpose": "register_check", "passport": {"number": "C1234567"}}, "approved"),
    ({"purpose": "register_check", "passport": {"number": "SIS12345"}}, "rejected"),
    ({"purpose": "register_check", "passport": {}}, "information_needed"),
    ({"purpose": "visa", "demo": True}, "approved"),
    ({"purpose": "unknown"}, "information_needed"),
])
def test_foreigners_authority_register_and_demo(data, outcome):
    assert rules.decide(data, RECEIVED)["outcome"] == outcome


def test_residence_permit_validity():
    data = {"purpose": "residence_permit", "title": "18g", "passport": {"validUntil": "2030-01-01"},
            "address": {"city": "Berlin"}, "employment": {"durationMonths": 24, "jobTitle": "Dev"},
            "employer": {"name": "M"}}
    assert rules.decide(data, RECEIVED)["conditions"] == {"valid_months": 27, "employer": "M", "occupation": "Dev"}
