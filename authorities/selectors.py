"""Reads of the authority hub; every function takes the viewer and returns only what they may see.

Caseworkers of an office see the requests to their office (Authority.organisation and their staff
memberships). The WSA runs the hub: its staff see every request, including those no office could
be found for.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from accounts.selectors import authority_organisations_for_user, organisation_list_for_user

from .models import Authority, AuthorityRequest, RequestState


def viewer_sees_all_requests(*, viewer) -> bool:
    if not viewer.is_authenticated:
        return False
    return viewer.is_superuser or organisation_list_for_user(
        user=viewer, kinds=[OrganisationKind.WSA], roles=Role.staff_roles()
    ).exists()


def authority_list(*, viewer) -> QuerySet[Authority]:
    """The offices whose requests the viewer may see."""
    if not viewer.is_authenticated:
        return Authority.objects.none()
    if viewer_sees_all_requests(viewer=viewer):
        return Authority.objects.all()
    return Authority.objects.filter(organisation__in=authority_organisations_for_user(user=viewer))


def _overdue_q(now) -> Q:
    return Q(state__in=RequestState.open_states(), due_at__lt=now)


def authority_request_list(*, viewer, authority: Authority | int | None = None, state: str | None = None,
                           overdue: bool | None = None) -> QuerySet[AuthorityRequest]:
    """Requests of the viewer's offices; optionally of one office, in one state, (not) overdue."""
    if not viewer.is_authenticated:
        return AuthorityRequest.objects.none()
    requests = AuthorityRequest.objects.select_related("case", "authority")
    if not viewer_sees_all_requests(viewer=viewer):
        requests = requests.filter(authority__in=authority_list(viewer=viewer))
    if authority is not None:
        requests = requests.filter(authority=authority)
    if state:
        requests = requests.filter(state=state)
    if overdue is True:
        requests = requests.filter(_overdue_q(timezone.now()))
    elif overdue is False:
        requests = requests.exclude(_overdue_q(timezone.now()))
    return requests.order_by("due_at", "created_at", "pk")


def authority_board(*, viewer) -> list[dict]:
    """The back-office overview: per office (and "no office" for the hub's staff) the overdue,
    the other open and the failed requests. Three queries whatever the number of offices."""
    now = timezone.now()
    waiting = [RequestState.PENDING, *RequestState.open_states(), RequestState.FAILED]
    requests = list(authority_request_list(viewer=viewer).filter(state__in=waiting))
    groups: dict[int | None, dict] = {}
    for office in authority_list(viewer=viewer).order_by("kind", "name"):
        groups[office.pk] = {"authority": office, "overdue": [], "open": [], "failed": []}
    for request in requests:
        group = groups.setdefault(request.authority_id, {"authority": request.authority, "overdue": [],
                                                         "open": [], "failed": []})
        if request.state == RequestState.FAILED:
            group["failed"].append(request)
        elif request.due_at and request.due_at < now and request.state in RequestState.open_states():
            group["overdue"].append(request)
        else:
            group["open"].append(request)
    unrouted = groups.pop(None, None)
    board = list(groups.values())
    if unrouted:
        board.append(unrouted)
    return board
