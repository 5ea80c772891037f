"""Writes after arrival: the extension of a title with its certificate, the employer's report of an
early end of employment, the holder's report of a job change, the settlement application.

Every write appends an Event (kind `after_arrival`) to a case the holder, the employer (with consent)
and the back office read; the foreigners' authority learns of reports through that timeline (the
authority hub has no purpose for a mere notice).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.selectors import employer_role

from .. import services
from ..decisions import sha256_hex, sign_pdf
from ..models import Case, Employment, EventKind, FictionCertificate, ResidenceTitle, TitleExtension
from ..rules import after_arrival as rules
from ..rules import ba_approval_needed
from ..rules.catalogue import UnknownTitle
from . import selectors
from .certificate import render_certificate_pdf

# § 4a Abs. 5 S. 3 Nr. 3 AufenthG: within four weeks of learning of the early end.
EMPLOYER_REPORT_PERIOD = timedelta(weeks=4)
EMPLOYMENT_FIELDS = ("job_title", "occupation_kldb", "occupation_isco", "duties", "annual_gross_salary",
                     "weekly_hours", "start_date", "duration_months", "collective_agreement", "workplace_street",
                     "workplace_postal_code", "workplace_city", "workplace_state")


class AfterArrivalError(Exception):
    """A request the rules refuse; the message is for the person (translated)."""


@dataclass(frozen=True)
class ExtensionResult:
    case: Case
    extension: TitleExtension
    certificate: FictionCertificate | None


def _months_with_titles(person, *, today: date, employer=None) -> int:
    titles = ResidenceTitle.objects.filter(holder=person)
    if employer is not None:
        titles = titles.filter(employer=employer)
    periods = [rules.TitlePeriod("any", t.valid_from, t.valid_until) for t in titles]
    return rules.months_held(periods, ("any",), today)


def _ba_needed(title: ResidenceTitle, *, same_employment: bool, today: date) -> bool:
    try:
        needed = ba_approval_needed(title.title_code, reduced_threshold=True, in_company_measure=True)
    except UnknownTitle:
        needed = True
    return rules.extension_ba_needed(
        ba_needed_for_title=needed, same_employment=same_employment,
        months_with_titles=_months_with_titles(title.holder, today=today),
        months_same_employer=_months_with_titles(title.holder, today=today, employer=title.employer)
        if title.employer_id else 0)


@transaction.atomic
def title_extension_apply(*, title: ResidenceTitle, actor, same_employment: bool, address: dict | None = None,
                          today: date | None = None) -> ExtensionResult:
    """The holder applies to extend `title` (§ 81 Abs. 1 AufenthG). Once-only: the case reuses the
    profile and the employment of the title's case; only what changed is taken. Submitted at once
    (services.case_submit): the WSA checks it, then the foreigners' authority (and the BA where
    extension_ba_needed) receive it. Applied for before expiry, the holder gets the certificate of
    § 81 Abs. 5 at once; late, none (§ 81 Abs. 4 S. 3: the authority may order continuation)."""
    title = ResidenceTitle.objects.select_for_update().get(pk=title.pk)
    if title.holder.user_id != actor.pk:
        raise PermissionDenied
    if not selectors.extendable(title=title):
        raise AfterArrivalError(gettext("This residence title cannot be extended through the portal."))
    if selectors.open_extension(title=title) is not None:
        raise AfterArrivalError(gettext("You have already applied to extend this residence title."))
    today = today or timezone.localdate()
    person = title.holder
    if address:
        services.person_update(person=person, actor=actor, **address)
    case = services.case_create(person=person, actor=actor, employer=title.employer if same_employment else None,
                                title_code=title.title_code,
                                procedure_language=title.case.procedure_language if title.case_id else "de")
    previous = Employment.objects.filter(case_id=title.case_id).first() if title.case_id else None
    if previous is not None and same_employment:
        services.employment_set(case=case, actor=actor,
                                **{name: getattr(previous, name) for name in EMPLOYMENT_FIELDS})
    extension = TitleExtension.objects.create(
        case=case, title=title, same_employment=same_employment, address_changed=bool(address),
        ba_needed=_ba_needed(title, same_employment=same_employment, today=today), applied_on=today,
        in_time=rules.extension_in_time(valid_until=title.valid_until, applied_on=today))
    services.case_submit(case=case, actor=actor)
    services.event_append(case=case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "extension_applied", "title": str(title.public_id), "in_time": extension.in_time,
        "same_employment": same_employment, "ba_needed": extension.ba_needed})
    certificate = fiction_certificate_issue(extension=extension, actor=actor) if extension.in_time else None
    return ExtensionResult(case, extension, certificate)


def fiction_certificate_issue(*, extension: TitleExtension, actor=None) -> FictionCertificate:
    """Issues, renders, seals and stores the certificate of § 81 Abs. 5 AufenthG for an extension
    applied for in time; its effect lasts until the decision (§ 81 Abs. 4 S. 1)."""
    if not extension.in_time:
        raise AfterArrivalError(gettext("No certificate: the extension was applied for after the title expired."))
    certificate = FictionCertificate(case=extension.case, title=extension.title, issued_at=timezone.now(),
                                     verification_code=_new_code())
    pdf, _signed = sign_pdf(render_certificate_pdf(certificate), reason="Fiktionsbescheinigung")
    certificate.sha256 = sha256_hex(pdf)
    certificate.pdf.save(f"{extension.case.reference}-fiktion.pdf", ContentFile(pdf), save=False)
    certificate.save()
    services.event_append(case=extension.case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "certificate_issued", "certificate": str(certificate.public_id)})
    return certificate


def _new_code() -> str:
    while True:
        code = secrets.token_urlsafe(16)
        if not FictionCertificate.objects.filter(verification_code=code).exists():
            return code


@transaction.atomic
def fiction_certificate_end(*, case: Case, actor=None) -> bool:
    """The authority decided on the extension: the certificate's effect ends (§ 81 Abs. 4 S. 1)."""
    ended = FictionCertificate.objects.filter(case=case, ended_at__isnull=True).update(ended_at=timezone.now())
    return bool(ended)


# --- Employer: early end of employment ----------------------------------------------------------

@dataclass(frozen=True)
class EmploymentEndResult:
    late: bool
    ended_on: date
    title: ResidenceTitle


@transaction.atomic
def employment_end_report(*, case: Case, actor, ended_on: date, reason: str = "",
                          today: date | None = None) -> EmploymentEndResult:
    """The employer reports that the employment ended early (§ 4a Abs. 5 S. 3 Nr. 3 AufenthG: to the
    foreigners' authority within four weeks of learning of it). A late report is taken and marked
    late; the four weeks are counted from the end date (the portal cannot know when the employer
    learnt of it, so the mark errs on the side of "late")."""
    if employer_role(user=actor, organisation=case.employer) is None:
        raise PermissionDenied(gettext("You are not a member of this employer organisation."))
    title = selectors.employer_report_title(case=case)
    if title is None:
        raise AfterArrivalError(gettext("The person holds no residence title that names your organisation."))
    today = today or timezone.localdate()
    if ended_on > today:
        raise AfterArrivalError(gettext("The end of the employment cannot lie in the future."))
    if ended_on < title.valid_from:
        raise AfterArrivalError(gettext("The employment cannot have ended before the residence title began."))
    late = today > ended_on + EMPLOYER_REPORT_PERIOD
    services.event_append(case=case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "employment_end", "ended_on": ended_on.isoformat(), "late": late, "reason": reason.strip()[:500],
        "organisation": case.employer.name, "title": str(title.public_id)})
    return EmploymentEndResult(late, ended_on, title)


# --- Holder: change of job ----------------------------------------------------------------------

def _title_case(title: ResidenceTitle) -> Case | None:
    if title.case_id:
        return title.case
    return Case.objects.filter(person=title.holder).order_by("-created_at").first()


@transaction.atomic
def job_change_report(*, title: ResidenceTitle, actor, employer_name: str, job_title: str, starts_on: date,
                      today: date | None = None) -> rules.JobChangeVerdict:
    """The holder reports a new employer or job; the verdict (rules.after_arrival.job_change_verdict)
    says whether it needs permission first or only a report. Recorded on the title's case."""
    if title.holder.user_id != actor.pk:
        raise PermissionDenied
    today = today or timezone.localdate()
    verdict = rules.job_change_verdict(
        kind=title.kind, code=title.title_code, work_permission=title.work_permission,
        bound_to_employer=title.employer_id is not None or bool(title.occupation),
        months_in_employment=selectors.months_in_employment(title=title, today=today))
    case = _title_case(title)
    if case is None:
        raise AfterArrivalError(gettext("There is no application in the portal to record this report on."))
    services.event_append(case=case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "job_change", "employer": employer_name.strip()[:200], "job_title": job_title.strip()[:200],
        "starts_on": starts_on.isoformat(), "verdict": verdict.verdict, "title": str(title.public_id)})
    return verdict


# --- Holder: settlement permit ----------------------------------------------------------------

def settlement_apply(*, person, actor) -> Case:
    """Starts the application for the settlement permit (§ 18c AufenthG) as a draft the holder
    completes in the wizard (documents: pension record, language certificate)."""
    if person.user_id != actor.pk:
        raise PermissionDenied
    existing = Case.objects.filter(person=person, title_code="18c", state="draft").first()
    return existing or services.case_create(person=person, actor=actor, title_code="18c")
