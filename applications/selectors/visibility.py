"""The cases a viewer may read. Every function takes the acting user and returns only what they may see."""


from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import OrganisationKind, Role
from accounts.selectors import organisation_list_for_user, user_is_staff_member
from wsa.observability.context import bind_case

from ..mandates.selectors import represented_cases_q
from ..models import Case, Event
from .household_access import household_cases_q
from .office_requests import cases_requested_from_q
from .staff import staff_scope


def case_visibility_filter(*, viewer) -> Q | None:
    """The cases `viewer` may read, as a filter; None means none at all.

    WSA staff and admins see every case; caseworkers of an authority office (BA, visa office,
    foreigners' authority, recognition body) only the cases with a request to their office.
    """
    if not viewer.is_authenticated:
        return None
    if user_is_staff_member(user=viewer):
        scope = staff_scope(viewer=viewer)
        if scope.sees_all:
            return Q()
        staff_visible = cases_requested_from_q(scope.office_ids)
    else:
        staff_visible = None
    visible = Q(person__user=viewer)
    if staff_visible is not None:
        visible |= staff_visible
    employers = organisation_list_for_user(
        user=viewer, kinds=[OrganisationKind.EMPLOYER], roles=Role.employer_roles()
    )
    visible |= Q(employer__in=employers)
    # Families: the cases of household members the viewer acts for (selectors/household.py).
    visible |= household_cases_q(viewer=viewer)
    # Representatives: the cases their organisation's mandates in force cover (applications/mandates).
    represented = represented_cases_q(viewer=viewer)
    if represented is not None:
        visible |= represented
    return visible


def case_list(*, viewer, state: str | None = None) -> QuerySet[Case]:
    visible = case_visibility_filter(viewer=viewer)
    if visible is None:
        return Case.objects.none()
    cases = Case.objects.filter(visible).select_related("person", "employer")
    if state:
        cases = cases.filter(state=state)
    return cases


def case_get(*, viewer, public_id) -> Case:
    """One case by its public id, or 404 for a case that does not exist or is not the viewer's."""
    try:
        return bind_case(case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_timeline(*, viewer, case: Case) -> QuerySet[Event]:
    events = case.events.select_related("actor")
    if not user_is_staff_member(user=viewer):
        events = events.filter(internal=False)
    return events
