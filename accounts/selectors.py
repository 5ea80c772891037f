"""Reads about who a user is and what they belong to. Every portal decides access from here."""

from django.db.models import QuerySet

from .models import Membership, Organisation, OrganisationKind, Role


def user_roles(*, user) -> set[str]:
    if not user.is_authenticated:
        return set()
    roles = set(user.memberships.values_list("role", flat=True))
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def user_is_staff_member(*, user) -> bool:
    """Caseworkers, supervisors and admins: the people who see other people's cases."""
    return bool(user_roles(user=user) & Role.staff_roles()) or bool(user.is_authenticated and user.is_staff)


def user_is_employer(*, user) -> bool:
    return bool(user_roles(user=user) & Role.employer_roles())


def organisation_list_for_user(*, user, kinds=None, roles=None) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    memberships = Membership.objects.filter(user=user, organisation__isnull=False)
    if roles:
        memberships = memberships.filter(role__in=roles)
    organisations = Organisation.objects.filter(pk__in=memberships.values("organisation_id"))
    if kinds:
        organisations = organisations.filter(kind__in=kinds)
    return organisations


def employer_organisations_for_user(*, user) -> QuerySet[Organisation]:
    return organisation_list_for_user(user=user, kinds=[OrganisationKind.EMPLOYER], roles=Role.employer_roles())


def authority_organisations_for_user(*, user) -> QuerySet[Organisation]:
    return organisation_list_for_user(
        user=user, kinds=OrganisationKind.authority_kinds(), roles=Role.staff_roles()
    )


def user_home_url_name(*, user) -> str:
    """Where a user lands after login: the portal of their strongest role."""
    if user_is_staff_member(user=user):
        return "backoffice:home"
    if user_is_employer(user=user):
        return "employer:home"
    return "applicant:home"
