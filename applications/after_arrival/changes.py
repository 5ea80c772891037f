"""Writes of the holder's changes after arrival: the change of purpose from studies, training or job search
to work (an application like an extension, with the certificate of § 81 Abs. 4/5 AufenthG), and the
report of a new address in Germany to the responsible foreigners' authority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from authorities import routing

from .. import services
from ..models import Case, EventKind, FictionCertificate, ResidenceTitle, TitleExtension
from ..rules import after_arrival as rules
from ..rules import purpose_change as switch_rules
from . import selectors
from .services import AfterArrivalError, fiction_certificate_issue

# What the holder says about the new job; the rest comes from the profile and the title (once-only).
JOB_FIELDS = ("job_title", "annual_gross_salary", "weekly_hours", "start_date", "duration_months",
              "occupation_isco", "workplace_postal_code", "workplace_city", "workplace_state")
ADDRESS_FIELDS = ("street", "postal_code", "city")


@dataclass(frozen=True)
class PurposeChangeResult:
    case: Case
    extension: TitleExtension
    certificate: FictionCertificate | None


@transaction.atomic
def purpose_change_apply(*, title: ResidenceTitle, actor, target: str, employer_name: str = "",
                         job: dict | None = None, today: date | None = None) -> PurposeChangeResult:
    """The holder of a title for studies, training or job search applies for a title for work or job
    search (rules.purpose_change). Like an extension: a case for the target title, submitted at once, with
    no visa and no appointment abroad; the WSA checks it, then the foreigners' authority (and the BA where
    the target needs it) decide. Applied for before the current title expires, the certificate of § 81
    Abs. 5 follows at once; the decision's new title replaces the current one (titles.issuance)."""
    title = ResidenceTitle.objects.select_for_update().get(pk=title.pk)
    if title.holder.user_id != actor.pk:
        raise PermissionDenied
    today = today or timezone.localdate()
    start = selectors.switch_start(title=title, today=today)
    if not start.allowed:
        raise AfterArrivalError(start.text)
    if selectors.open_extension(title=title) is not None:
        raise AfterArrivalError(gettext("You have already applied for this residence title; wait for that decision."))
    verdict = switch_rules.target_verdict(current_code=title.title_code, target=target,
                                          qualifications=selectors.qualifications(person=title.holder))
    if verdict is None or not verdict.ok:
        raise AfterArrivalError(gettext("You cannot switch to this residence title: %(reason)s") % {
            "reason": verdict.text if verdict else gettext("it is not offered here.")})
    job = {name: value for name, value in (job or {}).items() if name in JOB_FIELDS and value not in (None, "")}
    employer_name = (employer_name or "").strip()[:200]
    if target != "20" and not (employer_name and job.get("job_title") and job.get("annual_gross_salary")
                               and job.get("weekly_hours")):
        raise AfterArrivalError(gettext("Please name the employer and the job of your job offer."))
    case = services.case_create(person=title.holder, actor=actor, title_code=target,
                                procedure_language=title.case.procedure_language if title.case_id else "de")
    if target != "20":
        services.employment_set(case=case, actor=actor, **job)
    extension = TitleExtension.objects.create(
        case=case, title=title, same_employment=False, address_changed=False, employer_name=employer_name,
        # The target's own rule decides in rules.authority_steps (for § 18g: the salary against the
        # threshold); § 9 BeschV is not presumed (rules.purpose_change).
        ba_needed=verdict.ba != switch_rules.NO, applied_on=today,
        in_time=rules.extension_in_time(valid_until=title.valid_until, applied_on=today))
    services.case_submit(case=case, actor=actor)
    services.event_append(case=case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "purpose_change_applied", "title": str(title.public_id), "from": title.title_code,
        "to": target, "in_time": extension.in_time, "employer": employer_name})
    certificate = fiction_certificate_issue(extension=extension, actor=actor) if extension.in_time else None
    return PurposeChangeResult(case, extension, certificate)


# --- New address ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AddressChangeResult:
    case: Case
    authority: object | None  # the foreigners' authority responsible for the new address (None: not found)
    previous: object | None  # the one that issued the current title
    moved_district: bool


@transaction.atomic
def address_change_report(*, person, actor, street: str, postal_code: str, city: str, state: str,
                          moved_on: date, today: date | None = None) -> AddressChangeResult:
    """The holder reports a new address in Germany. The profile is updated once (every open draft sees
    it); the report is an Event on the case of the holder's current title, read by the foreigners'
    authority in the back office (the hub has no purpose for a mere notice, as with the employer's
    report). The authority of the new place (routing.foreigners_authority_for_place) is named; when it is
    not the one that issued the title, the responsibility moves with the holder (Land law, § 71 Abs. 1
    AufenthG). Registering with the registration office (§ 17 Abs. 1 BMG) stays the holder's own duty."""
    if person is None or person.user_id != actor.pk:
        raise PermissionDenied
    address = {"street": (street or "").strip(), "postal_code": (postal_code or "").strip(),
               "city": (city or "").strip()}
    if not all(address.values()) or not (state or "").strip():
        raise AfterArrivalError(gettext("Please enter your complete new address."))
    today = today or timezone.localdate()
    if moved_on > today:
        raise AfterArrivalError(gettext("Report the move once you have moved in."))
    title = selectors.current_title(person=person, today=today)
    if title is None:
        raise AfterArrivalError(gettext("You have no valid residence title recorded in the portal to report a "
                                        "new address for."))
    case = title.case or Case.objects.filter(person=person).order_by("-created_at").first()
    if case is None:
        raise AfterArrivalError(gettext("There is no application in the portal to record this report on."))
    services.person_update(person=person, actor=actor, **address)
    try:
        authority = routing.foreigners_authority_for_place(state=state, city=address["city"])
    except routing.RoutingError:
        authority = None
    previous = title.issued_by if title.issued_by_id else None
    moved_district = authority is not None and previous is not None and authority.pk != previous.pk
    services.event_append(case=case, kind=EventKind.AFTER_ARRIVAL, actor=actor, payload={
        "what": "address_changed", "moved_on": moved_on.isoformat(), "city": address["city"],
        "postal_code": address["postal_code"], "state": state, "title": str(title.public_id),
        "authority": authority.name if authority else "", "previous": previous.name if previous else "",
        "moved_district": moved_district})
    return AddressChangeResult(case, authority, previous, moved_district)
