"""Deterministic decision rules of the simulated offices.

The same submission always gets the same answer, so demos and tests can rely on them. Every rule
reads only the submission data the adapter sent (authorities/adapters/contrib/*) and the day the
office received it. Outcomes: `approved`, `rejected`, `information_needed`.

BA — `ba_approval` (§ 39 AufenthG, § 36 BeschV)
  1. No employment, salary or weekly hours in the data → information_needed.
  2. Weekly hours below 20 → rejected (`reason: weekly_hours`).
  3. Salary below the title's threshold from the rules engine
     (`applications.rules.salary_threshold(title, received day, age, reduced=title == "18g")`:
     the reduced Blue Card threshold for 18g — the BA is only asked below the standard one —,
     § 6 BeschV for 19c unless the employer is bound by a collective agreement, the age-45 threshold
     for 18a/18b from 45; other titles have none) → rejected (`reason: salary_below_threshold`).
  4. Otherwise approved, limited to the employer, the occupation and the duration:
     conditions `employer`, `employer_ba_number`, `occupation`, `occupation_isco`,
     `duration_months` (the contract's, at most 48), `weekly_hours`.

Recognition body — `recognition` (BQFG): equivalence per qualification, the best one counts
  | qualification's `recognition` | academic                         | vocational |
  | full, pending                 | full                             | full       |
  | partial                       | partial                          | partial    |
  | none                          | full if `comparable`, else partial | none     |
  A qualification without a completion date cannot be assessed. No assessable qualification →
  information_needed. full → approved (`equivalence: full`); partial → rejected
  (`equivalence: partial`, `measure`: a § 16d qualification measure); none → rejected
  (`equivalence: none`).

Visa office — `visa` (§ 6 Abs. 3 AufenthG, § 31a AufenthV)
  The office assigns no appointment: its receipt asks the applicant to book one from the slots it
  publishes in the portal (`bookAppointment: true`). It decides only once the applicant attended
  the appointment and every required approval is granted (the hub says so when it asks for the
  answer); a refused approval → rejected (`reason: approval_refused`). The appointment is the booked slot (the data's
  `appointment`, which the hub passes once the applicant booked) or, before a booking, the legal
  target: three weeks after receipt (§ 31a AufenthV). Then the decision:
  no passport number or expiry date → information_needed; passport valid for less than 90 days
  after the job start (or the appointment) → rejected (`reason: passport_validity`);
  otherwise approved with `valid_months` (12 for the Chancenkarte, else 6) and, with a job,
  `employer` and `occupation`.

Foreigners' authority
  `pre_approval_81a`: not in the accelerated procedure → rejected (`reason: not_accelerated`);
  no employment, employer or workplace federal state → information_needed; otherwise approved
  with `valid_months: 6`.
  `residence_permit`: passport expired on receipt, or no address in Germany (city) →
  information_needed; otherwise approved with `valid_months` (20a: 12; else the contract's
  duration, plus 3 for 18g, at most 48) and, with a job, `employer` and `occupation`.

Register — `register_check` (AZR, SIS, visa warning file)
  No passport number → information_needed; a passport number starting with "SIS" (the
  simulator's watch list) is a hit → rejected (`hits: ["SIS"]`); otherwise approved (`hits: []`).

Demo adapter (`"demo": true` in the data) → approved. Anything else → information_needed.

Timing: the decision is ready `delay` seconds after receipt (setting
WSA_AUTHORITY_SIMULATOR_DELAY, `run_authority_simulator --delay`); before that the office
only acknowledges receipt (the visa office asking for a booking).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from applications.rules import ThresholdNotFound, UnknownTitle, salary_threshold

BERLIN = ZoneInfo("Europe/Berlin")
MIN_WEEKLY_HOURS = Decimal("20")
PASSPORT_MARGIN_DAYS = 90
EQUIVALENCE_RANK = {"none": 0, "partial": 1, "full": 2}


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def _age(birth: date | None, on: date) -> int | None:
    if birth is None:
        return None
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _decision(outcome: str, conditions: dict | None = None, reason: str = "", **extra) -> dict:
    return {"outcome": outcome, "conditions": conditions or {}, "reason": reason, **extra}


def _job_conditions(data: dict) -> dict:
    employment, employer = data.get("employment") or {}, data.get("employer") or {}
    if not employment:
        return {}
    return {"employer": employer.get("name", ""), "occupation": employment.get("jobTitle", "")}


def ba(data: dict, received: datetime) -> dict:
    employment = data.get("employment") or {}
    salary, hours = _decimal(employment.get("annualGrossSalary")), _decimal(employment.get("weeklyHours"))
    if not employment or salary is None or hours is None:
        return _decision("information_needed", reason="employment_declaration_incomplete")
    if hours < MIN_WEEKLY_HOURS:
        return _decision("rejected", reason="weekly_hours")
    title = data.get("title", "")
    on = received.astimezone(BERLIN).date()
    birth = _date((data.get("applicant") or {}).get("birthDate"))
    threshold = None
    if not (title == "19c" and employment.get("collectiveAgreement")):
        try:
            threshold = salary_threshold(title, on, age=_age(birth, on), reduced=title == "18g")
        except (ThresholdNotFound, UnknownTitle):
            threshold = None
    if threshold is not None and salary < threshold:
        return _decision("rejected", reason="salary_below_threshold")
    employer = data.get("employer") or {}
    return _decision("approved", {
        "employer": employer.get("name", ""),
        "employer_ba_number": employer.get("baCompanyNumber", ""),
        "occupation": employment.get("jobTitle", ""),
        "occupation_isco": employment.get("occupationIsco", ""),
        "duration_months": min(employment.get("durationMonths") or 48, 48),
        "weekly_hours": str(hours),
    })


def _equivalence(qualification: dict) -> str | None:
    if not qualification.get("completedOn"):
        return None
    recognition = qualification.get("recognition")
    if recognition in ("full", "pending"):
        return "full"
    if recognition == "partial":
        return "partial"
    if qualification.get("kind") == "academic":
        return "full" if qualification.get("comparable") else "partial"
    return "none"


def recognition(data: dict, received: datetime) -> dict:
    results = [r for r in (_equivalence(q) for q in data.get("qualifications") or []) if r is not None]
    if not results:
        return _decision("information_needed", reason="no_assessable_qualification")
    best = max(results, key=EQUIVALENCE_RANK.__getitem__)
    occupation = (data.get("targetOccupation") or {}).get("jobTitle", "")
    if best == "full":
        return _decision("approved", {"equivalence": "full", "reference_occupation": occupation})
    if best == "partial":
        return _decision("rejected", {"equivalence": "partial", "measure": "qualification_measure_16d"},
                         reason="partial_equivalence")
    return _decision("rejected", {"equivalence": "none"}, reason="no_equivalence")


# § 31a AufenthV: the appointment within three weeks of the pre-approval being presented.
APPOINTMENT_TARGET = timedelta(weeks=3)


def appointment_day(data: dict, received: datetime) -> date:
    """The day of the applicant's appointment: the booked slot's, else the legal target."""
    booked = data.get("appointment")
    try:
        moment = datetime.fromisoformat(booked) if isinstance(booked, str) and booked else None
    except ValueError:
        moment = None
    if moment is not None:
        return (moment if moment.tzinfo is None else moment.astimezone(BERLIN)).date()
    return (received.astimezone(BERLIN) + APPOINTMENT_TARGET).date()


def visa(data: dict, received: datetime) -> dict:
    booking = {"book_appointment": True}
    passport = data.get("passport") or {}
    valid_until = _date(passport.get("validUntil"))
    if not passport.get("number") or valid_until is None:
        return _decision("information_needed", reason="passport_data_missing", **booking)
    start = _date((data.get("employment") or {}).get("startDate")) or appointment_day(data, received)
    if valid_until < start + timedelta(days=PASSPORT_MARGIN_DAYS):
        return _decision("rejected", reason="passport_validity", **booking)
    conditions = {"valid_months": 12 if data.get("title") == "20a" else 6, **_job_conditions(data)}
    return _decision("approved", conditions, **booking)


def approval_refused() -> dict:
    """The visa office's answer once another office refused its required approval."""
    return _decision("rejected", reason="approval_refused", book_appointment=True)


def pre_approval_81a(data: dict, received: datetime) -> dict:
    if not data.get("accelerated"):
        return _decision("rejected", reason="not_accelerated")
    employment, employer = data.get("employment") or {}, data.get("employer") or {}
    if not employment or not employer or not (employment.get("workplace") or {}).get("federalState"):
        return _decision("information_needed", reason="employment_or_employer_missing")
    return _decision("approved", {"valid_months": 6})


def residence_permit(data: dict, received: datetime) -> dict:
    valid_until = _date((data.get("passport") or {}).get("validUntil"))
    if valid_until is None or valid_until < received.astimezone(BERLIN).date():
        return _decision("information_needed", reason="passport_expired")
    if not (data.get("address") or {}).get("city"):
        return _decision("information_needed", reason="no_address_in_germany")
    title = data.get("title")
    if title == "20a":
        months = 12
    else:
        months = (data.get("employment") or {}).get("durationMonths") or 48
        months = min(months + (3 if title == "18g" else 0), 48)
    return _decision("approved", {"valid_months": months, **_job_conditions(data)})


def register_check(data: dict, received: datetime) -> dict:
    number = (data.get("passport") or {}).get("number") or ""
    if not number:
        return _decision("information_needed", reason="passport_data_missing")
    if number.upper().startswith("SIS"):
        return _decision("rejected", {"hits": ["SIS"]}, reason="register_hit")
    return _decision("approved", {"hits": []})


RULES = {
    "ba_approval": ba,
    "recognition": recognition,
    "visa": visa,
    "pre_approval_81a": pre_approval_81a,
    "residence_permit": residence_permit,
    "register_check": register_check,
}


def decide(data: dict, received: datetime) -> dict:
    """The office's decision on `data`: {outcome, conditions, reason} (+ `book_appointment` for the visa)."""
    if data.get("demo"):
        return _decision("approved", {"demo": True})
    rule = RULES.get(data.get("purpose", ""))
    if rule is None:
        return _decision("information_needed", reason="unknown_purpose")
    return rule(data, received)
