"""Which steps a case needs, and which office gets each one.

The steps come from the rules engine (`applications.rules.authority_steps`, a pure package): the
title, the § 81a accelerated procedure, the recognition status of the person's qualification and
(for the Blue Card) the salary against the year's threshold decide them; the caller passes the
figures in force (`applications.figures.rule_figures`).
The office comes from the case:

- visa: the visa office whose `countries` holds the country of residence (else the nationality);
- pre_approval_81a, residence_permit: the foreigners' authority of the workplace's federal state
  (the one of the workplace's municipality first); for a family member's case without a job, the
  office of the case it joins;
- recognition: the recognition body whose `occupation_groups` holds the longest prefix of the
  job's ISCO-08 code (in the demo: first digit);
- ba_approval: the BA; register_check: the register authority.

A step without an office raises `RoutingError`; the fan-out records it on the request
(`error_code="no_office"`), it never breaks the transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from applications.rules import AuthorityStep, ThresholdNotFound, UnknownTitle, authority_steps, salary_threshold

from .models import Authority, AuthorityKind, Purpose

# Titles whose qualification is a degree: a comparable degree (anabin H+ / ZAB) needs no recognition.
ACADEMIC_TITLES = {"18b", "18g"}
# Steps that the hub sends on submit; the residence permit is applied for after entry (report_entry).
AFTER_ENTRY = {Purpose.RESIDENCE_PERMIT}
# Approvals that must all be granted before the case goes to the visa decision. The visa step is the
# visa procedure itself (appointment, then the mission's own decision) and does not gate it.
APPROVAL_STEPS = {Purpose.RECOGNITION, Purpose.BA_APPROVAL, Purpose.PRE_APPROVAL_81A, Purpose.REGISTER_CHECK}


class RoutingError(Exception):
    """No office is responsible for a step; the message names what was looked for (English, technical)."""


@dataclass(frozen=True)
class Route:
    step: AuthorityStep
    authority: Authority | None
    error: str = ""

    @property
    def purpose(self) -> str:
        return self.step.purpose


def _employment(case):
    try:
        return case.employment
    except ObjectDoesNotExist:
        return None


def today() -> date:
    """The day whose thresholds apply (a function, so tests can pin the rules engine's year)."""
    return timezone.localdate()


def recognition_outstanding(case) -> bool:
    """True while a German recognition or comparability procedure is still to run for the case."""
    qualifications = list(case.person.qualifications.all())
    if case.title_code in ACADEMIC_TITLES:
        return not any(q.kind == "academic" and (q.comparable or q.recognition == "full") for q in qualifications)
    return not any(q.recognition == "full" for q in qualifications)


def reduced_threshold(case, *, figures, on_date: date | None = None) -> bool:
    """§ 18g: a Blue Card below the standard threshold needs the BA (§ 18g Abs. 1 S. 2 AufenthG).
    Without a threshold for the date the BA is asked, to be on the safe side."""
    employment = _employment(case)
    if case.title_code != "18g" or employment is None:
        return False
    try:
        standard = salary_threshold("18g", on_date or today(), figures=figures)
    except ThresholdNotFound:
        return True
    return standard is not None and employment.annual_gross_salary < standard


def case_extension(case):
    """The extension link of a case that extends a title the holder has (None for a first application)."""
    try:
        return case.extension
    except (ObjectDoesNotExist, AttributeError):
        return None


def ba_approval_on_file(case, on_date: date | None = None):
    """The BA approval the case already has (`BaApprovalOnFile`, kept by the case store) if it is
    still valid on that day, else None."""
    try:
        on_file = case.ba_on_file
    except (ObjectDoesNotExist, AttributeError):
        return None
    return on_file if on_file.valid_until >= (on_date or today()) else None


def case_steps(case, *, figures, on_date: date | None = None) -> tuple[AuthorityStep, ...]:
    """Every step of the case from the rules engine, with the rules' `figures` in force; raises
    UnknownTitle for a case without a known title."""
    extension = case_extension(case)
    return authority_steps(
        case.title_code,
        accelerated=case.accelerated,
        recognition=recognition_outstanding(case),
        reduced_threshold=reduced_threshold(case, figures=figures, on_date=on_date),
        # § 16d Abs. 1: a measure with an employer counts as mainly in-company, so the BA is asked.
        in_company_measure=_employment(case) is not None,
        extension=extension is not None,
        extension_ba=extension is not None and extension.ba_needed,
        ba_on_file=ba_approval_on_file(case, on_date) is not None,
    )


def step_for(case, purpose: str) -> AuthorityStep | None:
    """The step `purpose` of the case's title and procedure (its legal deadlines, whether silence
    counts as approval), or None if the title has no such step. Asked about a step whose request was
    already made: what decided that the case needs it (salary, recognition, employment) is not asked
    again, and a step's deadlines depend only on the title and the procedure."""
    try:
        steps = authority_steps(case.title_code, accelerated=case.accelerated, recognition=True,
                                reduced_threshold=True, in_company_measure=True)
    except UnknownTitle:
        return None
    return next((step for step in steps if step.purpose == purpose), None)


def _visa_office(case) -> Authority:
    person = case.person
    for country in (person.country_of_residence, person.nationality):
        if not country:
            continue
        for office in Authority.objects.filter(kind=AuthorityKind.VISA_OFFICE).order_by("pk"):
            if country.upper() in {c.upper() for c in office.countries or []}:
                return office
    wanted = person.country_of_residence or person.nationality or "?"
    raise RoutingError(f"No visa office serves {wanted} (country of residence or nationality).")


def _foreigners_authority(case) -> Authority:
    extension = case_extension(case)
    issued_by = getattr(extension.title, "issued_by", None) if extension is not None else None
    if issued_by is not None and issued_by.kind == AuthorityKind.FOREIGNERS_AUTHORITY:
        # An extension goes to the office that issued the title (§ 71 Abs. 1 AufenthG: the local one).
        return issued_by
    employment = _employment(case)
    if employment is None and getattr(case, "joins_id", None):
        # A family member lives with the person they join: that person's foreigners' authority decides
        # (§ 71 Abs. 1 AufenthG, the local one; in the § 81a procedure the family is included, § 81a
        # Abs. 4, so the same office gives the pre-approval).
        return _foreigners_authority(case.joins)
    if employment is None or not employment.workplace_state:
        raise RoutingError("No foreigners' authority: the workplace's federal state is not known.")
    return foreigners_authority_for_place(state=employment.workplace_state, city=employment.workplace_city)


def foreigners_authority_for_place(*, state: str, city: str = "") -> Authority:
    """The foreigners' authority of a place: the one of its municipality, else the federal state's general
    one (no municipality), else the state's first. Which office is locally competent is Land law (§ 71
    Abs. 1 AufenthG); the portal's offices carry only a state and a municipality."""
    offices = list(Authority.objects.filter(kind=AuthorityKind.FOREIGNERS_AUTHORITY,
                                            federal_state__iexact=state).order_by("pk")) if state else []
    city = (city or "").strip().lower()
    for office in offices:
        if city and office.municipality.strip().lower() == city:
            return office
    for office in offices:
        if not office.municipality:
            return office
    if offices:
        return offices[0]
    raise RoutingError(f"No foreigners' authority for the federal state {state or '?'}.")


def _occupation_isco(case) -> str:
    employment = _employment(case)
    if employment is not None and employment.occupation_isco:
        return employment.occupation_isco
    latest = case.person.experience.exclude(occupation_isco="").order_by("-started_on").first()
    return latest.occupation_isco if latest else ""


def _recognition_body(case) -> Authority:
    isco = _occupation_isco(case)
    if not isco:
        raise RoutingError("No recognition body: the occupation (ISCO-08) is not known.")
    best, best_length = None, 0
    for office in Authority.objects.filter(kind=AuthorityKind.RECOGNITION_BODY).order_by("pk"):
        for prefix in office.occupation_groups or []:
            prefix = str(prefix)
            if isco.startswith(prefix) and len(prefix) > best_length:
                best, best_length = office, len(prefix)
    if best is None:
        raise RoutingError(f"No recognition body for the occupation group of ISCO-08 {isco}.")
    return best


def _single(kind: str, label: str) -> Authority:
    office = Authority.objects.filter(kind=kind).order_by("pk").first()
    if office is None:
        raise RoutingError(f"No {label} is configured.")
    return office


OFFICE_FINDERS = {
    Purpose.VISA: _visa_office,
    Purpose.PRE_APPROVAL_81A: _foreigners_authority,
    Purpose.RESIDENCE_PERMIT: _foreigners_authority,
    Purpose.RECOGNITION: _recognition_body,
    Purpose.BA_APPROVAL: lambda case: _single(AuthorityKind.BA, "Federal Employment Agency (BA) office"),
    Purpose.REGISTER_CHECK: lambda case: _single(AuthorityKind.REGISTER, "register authority"),
}


def office_for(case, purpose: str) -> Authority:
    """The office responsible for `purpose` on `case`, or RoutingError."""
    return OFFICE_FINDERS[purpose](case)


def case_route(case, *, figures, purposes: set[str] | None = None,
               exclude: set[str] | None = None) -> list[Route]:
    """The steps of the case (optionally only `purposes`, without `exclude`) with their offices."""
    routes = []
    for step in case_steps(case, figures=figures):
        if (purposes is not None and step.purpose not in purposes) or (exclude and step.purpose in exclude):
            continue
        try:
            routes.append(Route(step, office_for(case, step.purpose)))
        except RoutingError as error:
            routes.append(Route(step, None, str(error)))
    return routes
