"""Reads of mandates, with their access checks.

A representative reads a case only through a mandate in force (not revoked, today within its validity)
held by one of their organisations and covering the case: all of the principal's cases or the chosen
ones. Everything is decided on each request, so an expiry or a revocation ends access at once.
What they read follows the principal: an applicant's representative sees what the applicant sees
(decisions only with `receives_decisions`); an employer's representative sees what the employer sees
(the candidate's consent decides, applications/employer/selectors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from accounts.selectors import representative_organisations_for_user
from wsa.observability.context import bind_case

from ..employer.selectors import (
    employer_case_candidate,
    employer_case_messages,
    employer_case_timeline,
)
from ..lifecycle import CaseState
from ..models import DUE_LAST, Case, Decision, Event
from .models import ClientInvitation, Mandate, mandate_in_force_q

REPRESENTATIVE_PAGE_SIZE = 50
DEADLINE_FILTERS = {"overdue": None, "7": 7, "30": 30}


def mandates_in_force(*, viewer) -> QuerySet[Mandate]:
    """The mandates in force held by the viewer's representative organisations."""
    if not viewer.is_authenticated:
        return Mandate.objects.none()
    return Mandate.objects.filter(mandate_in_force_q(),
                                  representative__in=representative_organisations_for_user(user=viewer))


def represented_cases_q(*, viewer) -> Q | None:
    """The cases the viewer reads as a representative, as a filter on Case; None when they hold no mandate."""
    mandates = mandates_in_force(viewer=viewer)
    if not mandates.exists():
        return None
    chosen = Mandate.cases.through.objects.filter(mandate__in=mandates.filter(all_cases=False))
    return (Q(pk__in=chosen.values("case_id"))
            | Q(person_id__in=mandates.filter(all_cases=True, principal_person__isnull=False)
                .values("principal_person_id"))
            | Q(employer_id__in=mandates.filter(all_cases=True, principal_organisation__isnull=False)
                .values("principal_organisation_id")))


def _principal_q(case: Case) -> Q:
    principal = Q(principal_person_id=case.person_id)
    if case.employer_id is not None:
        principal |= Q(principal_organisation_id=case.employer_id)
    return principal


def _covers(mandate: Mandate, case: Case) -> bool:
    principal = (mandate.principal_person_id == case.person_id if mandate.principal_person_id
                 else mandate.principal_organisation_id == case.employer_id)
    return principal and (mandate.all_cases or mandate.cases.filter(pk=case.pk).exists())


def mandates_covering(*, viewer, case: Case) -> list[Mandate]:
    """The viewer's mandates in force that cover `case`, those that allow acting first."""
    candidates = mandates_in_force(viewer=viewer).filter(_principal_q(case)).select_related(
        "representative", "principal_person", "principal_organisation")
    covering = [m for m in candidates if _covers(m, case)]
    return sorted(covering, key=lambda m: (not m.may_act, not m.receives_decisions, m.pk))


@dataclass
class CaseFilters:
    state: str = ""
    deadline: str = ""  # "overdue", "7", "30" (days) or ""


def representative_cases(*, viewer, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The viewer's clients' cases, by legal deadline (the nearest first; none last), then reference."""
    visible = represented_cases_q(viewer=viewer)
    if visible is None:
        return Case.objects.none()
    filters = filters or CaseFilters()
    cases = Case.objects.filter(visible).select_related("person", "employer")
    if filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    now = timezone.now()
    if filters.deadline == "overdue":
        cases = cases.filter(due_at__lt=now)
    elif filters.deadline in DEADLINE_FILTERS:
        cases = cases.filter(due_at__lte=now + timedelta(days=DEADLINE_FILTERS[filters.deadline]))
    return cases.annotate(due_sort=Coalesce("due_at", Value(DUE_LAST))).order_by("due_sort", "reference")


def represented_person_ids(*, viewer) -> set[int]:
    """The applicants who granted the viewer's organisations a mandate in force: their names may be shown."""
    return set(mandates_in_force(viewer=viewer).filter(principal_person__isnull=False)
               .values_list("principal_person_id", flat=True))


@dataclass
class RepresentedCase:
    case: Case
    mandate: Mandate  # the widest of the viewer's mandates covering the case

    @property
    def may_act(self) -> bool:
        return self.mandate.may_act

    @property
    def for_employer(self) -> bool:
        return self.mandate.principal_organisation_id is not None

    @property
    def receives_decisions(self) -> bool:
        return self.mandate.receives_decisions and not self.for_employer


def representative_case_get(*, viewer, public_id) -> RepresentedCase:
    """A case the viewer reads by mandate, with that mandate; 404 without one in force that covers it."""
    try:
        case = representative_cases(viewer=viewer).get(public_id=public_id)
    except (Case.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc
    mandates = mandates_covering(viewer=viewer, case=case)
    if not mandates:
        raise Http404
    return RepresentedCase(case=bind_case(case), mandate=mandates[0])


def client_label(*, represented: RepresentedCase) -> str:
    """The client's name; an employer's representative sees it only where the employer may."""
    case = represented.case
    if represented.for_employer:
        candidate = employer_case_candidate(case=case)
        return candidate["full_name"] if candidate else ""
    return case.person.full_name


def representative_case_timeline(*, represented: RepresentedCase) -> QuerySet[Event]:
    case = represented.case
    if represented.for_employer:
        return employer_case_timeline(case=case)
    events = case.events.filter(internal=False).order_by("created_at", "pk")
    if not represented.receives_decisions:
        events = events.exclude(kind="decision")
    return events


def representative_case_messages(*, viewer, represented: RepresentedCase):
    case = represented.case
    if represented.for_employer:
        return employer_case_messages(viewer=viewer, case=case)
    return case.messages.filter(internal=False).select_related("author").order_by("created_at", "pk")


def representative_case_documents(*, represented: RepresentedCase):
    """The documents of the case (names and check states): an applicant's representative only."""
    if represented.for_employer:
        return []
    return represented.case.documents.order_by("-created_at", "-pk")


def representative_case_decisions(*, represented: RepresentedCase) -> QuerySet[Decision]:
    """Issued decisions, only where the mandate says they are delivered to the representative too."""
    if not represented.receives_decisions:
        return Decision.objects.none()
    return represented.case.decisions.filter(status=Decision.Status.ISSUED).order_by("-issued_at")


def representative_decision_get(*, viewer, case_public_id, public_id) -> Decision:
    represented = representative_case_get(viewer=viewer, public_id=case_public_id)
    try:
        return representative_case_decisions(represented=represented).get(public_id=public_id)
    except (Decision.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def representative_export_rows(*, viewer, cases: QuerySet[Case]):
    """CSV rows for the export, one query per page of cases plus one per case for its mandate."""
    for case in cases.iterator(chunk_size=500):
        mandates = mandates_covering(viewer=viewer, case=case)
        if not mandates:
            continue
        represented = RepresentedCase(case=case, mandate=mandates[0])
        yield [_csv_cell(v) for v in [
            case.reference, client_label(represented=represented), case.get_state_display(),
            timezone.localtime(case.due_at).date().isoformat() if case.due_at else "", case.title_code,
            represented.mandate.get_scope_display(),
            represented.mandate.valid_until.isoformat() if represented.mandate.valid_until else "",
        ]]


REPRESENTATIVE_EXPORT_HEADER = ["reference", "client", "state", "legal_deadline", "title", "mandate_scope",
                                "mandate_valid_until"]


def _csv_cell(value) -> str:
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def client_invitations_open(*, representative: Organisation) -> QuerySet[ClientInvitation]:
    """The invitations no client has accepted, the expired ones too (the agency sends them again or
    withdraws them): soonest expiry first."""
    return ClientInvitation.objects.filter(representative=representative, accepted_at__isnull=True,
                                           revoked_at__isnull=True).select_related("case").order_by("expires_at")


def client_invitation_open_get(*, representative: Organisation, public_id) -> ClientInvitation | None:
    """One of this representative's invitations that no client has accepted; another's: None."""
    try:
        return client_invitations_open(representative=representative).filter(public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


# --- The principal's side -------------------------------------------------------------------------


def mandates_granted(*, person=None, organisation=None) -> QuerySet[Mandate]:
    """Every mandate the principal granted (active, expired and revoked), newest first."""
    if person is None and organisation is None:
        return Mandate.objects.none()
    rows = Mandate.objects.filter(principal_person=person) if person is not None else \
        Mandate.objects.filter(principal_organisation=organisation)
    return rows.select_related("representative", "power_of_attorney").prefetch_related("cases")


def mandate_granted_get(*, person=None, organisation=None, public_id) -> Mandate:
    try:
        return mandates_granted(person=person, organisation=organisation).get(public_id=public_id)
    except (Mandate.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def representatives_search(*, term: str) -> QuerySet[Organisation]:
    """Verified representatives whose name contains `term` (at least two characters), at most 20."""
    term = (term or "").strip()
    if len(term) < 2:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind__in=OrganisationKind.representative_kinds(), verified_at__isnull=False,
                                       name__icontains=term).order_by("name")[:20]


def representative_get_verified(*, public_id) -> Organisation | None:
    try:
        return Organisation.objects.filter(kind__in=OrganisationKind.representative_kinds(),
                                           verified_at__isnull=False, public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def case_mandates_for_staff(*, case: Case) -> list[Mandate]:
    """For the back office's case file: the mandates in force that cover the case."""
    candidates = Mandate.objects.filter(mandate_in_force_q()).filter(_principal_q(case)).select_related(
        "representative", "principal_person", "principal_organisation")
    return [m for m in candidates if _covers(m, case)]
