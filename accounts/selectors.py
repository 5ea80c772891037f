"""Reads about who a user is and what they belong to. Every portal decides access from here."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from .models import (
    ApiToken,
    CaseConsent,
    MemberInvitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    WebhookEndpoint,
)


def user_memberships(*, user) -> tuple[tuple[str, int | None, str | None, str | None], ...]:
    """(role, organisation id, organisation name, organisation kind) of each of the user's memberships,
    by organisation name and role. Asked many times per request (decorators, middleware, context
    processor, the staff scope, selectors): read once per user object, i.e. once per request
    (request.user is loaded afresh for every request). Code that changes memberships and asks again
    about the same object calls user_roles_forget()."""
    if not user.is_authenticated:
        return ()
    cached = user.__dict__.get("_wsa_memberships")
    if cached is None:
        cached = tuple(user.memberships.order_by("organisation__name", "role")
                       .values_list("role", "organisation_id", "organisation__name", "organisation__kind"))
        user.__dict__["_wsa_memberships"] = cached
    return cached


def user_roles(*, user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = user.__dict__.get("_wsa_roles")
    if cached is None:
        cached = frozenset(role for role, *_ in user_memberships(user=user))
        user.__dict__["_wsa_roles"] = cached
    roles = set(cached)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    return roles


def user_roles_forget(*, user) -> None:
    """After a change of the user's memberships: the next user_roles() reads them again."""
    if user is not None:
        user.__dict__.pop("_wsa_memberships", None)
        user.__dict__.pop("_wsa_roles", None)
        user.__dict__.pop("_wsa_staff_scope", None)
        user.__dict__.pop("_wsa_authorities", None)


def user_is_staff_member(*, user) -> bool:
    """Caseworkers, supervisors and admins: the people who see other people's cases."""
    return bool(user_roles(user=user) & Role.staff_roles()) or bool(user.is_authenticated and user.is_staff)


# An account deleted by its holder keeps its row (cases and the audit refer to it) under an address
# in this reserved domain (RFC 2606), so the real address is free for a new registration.
DELETED_ACCOUNT_DOMAIN = "deleted.invalid"


def user_is_deleted(*, user) -> bool:
    """Whether the account was deleted by its holder (accounts.services.account_deactivate)."""
    return (user is not None and not user.is_active
            and (user.email or "").endswith(f"@{DELETED_ACCOUNT_DOMAIN}"))


def user_is_employer(*, user) -> bool:
    return bool(user_roles(user=user) & Role.employer_roles())


def user_is_representative(*, user) -> bool:
    """A member of a relocation agency, law firm or welcome centre (they act for clients by mandate)."""
    return bool(user_roles(user=user) & Role.representative_roles())


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


def representative_organisations_for_user(*, user) -> QuerySet[Organisation]:
    return organisation_list_for_user(user=user, kinds=OrganisationKind.representative_kinds(),
                                      roles=Role.representative_roles())


def member_roles_of(organisation) -> set[str]:
    """The roles that make someone a member of this kind of organisation (owner and member)."""
    if organisation is not None and organisation.kind in OrganisationKind.representative_kinds():
        return Role.representative_roles()
    return Role.employer_roles()


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
    if user_is_representative(user=user):
        return "representative:home"
    return "applicant:home"


# --- Employer portal and HR API (issue 5) -----------------------------------------------------


def employer_role(*, user, organisation) -> str | None:
    """The user's role in an employer organisation (owner wins over member), or None."""
    if not user.is_authenticated or organisation is None or organisation.kind != OrganisationKind.EMPLOYER:
        return None
    roles = set(Membership.objects.filter(user=user, organisation=organisation, role__in=Role.employer_roles())
                .values_list("role", flat=True))
    if Role.EMPLOYER_OWNER in roles:
        return Role.EMPLOYER_OWNER
    if Role.EMPLOYER_MEMBER in roles:
        return Role.EMPLOYER_MEMBER
    return None


def employer_organisation_get(*, user, public_id) -> Organisation | None:
    try:
        return employer_organisations_for_user(user=user).filter(public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):  # a malformed id is no organisation of the user
        return None


def organisation_members(*, organisation) -> list[dict]:
    """Members of an employer or representative organisation, one row per person: user and their strongest role."""
    rows: dict[int, dict] = {}
    memberships = (Membership.objects.filter(organisation=organisation, role__in=member_roles_of(organisation))
                   .select_related("user").order_by("user__email"))
    for membership in memberships:
        row = rows.setdefault(membership.user_id, {"user": membership.user, "role": membership.role,
                                                   "since": membership.created_at})
        if membership.role in Role.owner_roles():
            row["role"] = membership.role
    for row in rows.values():
        row["role_label"] = Role(row["role"]).label
    return list(rows.values())


def member_invitation_list(*, organisation):
    return MemberInvitation.objects.filter(organisation=organisation, accepted_at__isnull=True,
                                           revoked_at__isnull=True, expires_at__gt=timezone.now())


def member_invitation_get(*, organisation, public_id):
    try:
        return MemberInvitation.objects.filter(organisation=organisation, public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def organisation_member_get(*, organisation, user_public_id):
    try:
        return User.objects.filter(public_id=user_public_id, memberships__organisation=organisation,
                                   memberships__role__in=member_roles_of(organisation)).distinct().first()
    except (ValueError, TypeError, ValidationError):
        return None


def api_token_list(*, organisation):
    return ApiToken.objects.filter(organisation=organisation).select_related("created_by")


def api_token_get(*, organisation, public_id):
    try:
        return ApiToken.objects.filter(organisation=organisation, public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def webhook_endpoint_list(*, organisation, include_disabled: bool = False):
    endpoints = WebhookEndpoint.objects.filter(organisation=organisation)
    if not include_disabled:
        endpoints = endpoints.filter(disabled_at__isnull=True)
    return endpoints


def webhook_endpoint_get(*, organisation, public_id):
    try:
        return webhook_endpoint_list(organisation=organisation).filter(public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        return None


def webhook_delivery_list(*, endpoint):
    return endpoint.deliveries.all()


def case_consent_in_force(*, case):
    """The consent the candidate gave the employer of the case and has not revoked, or None."""
    if case.employer_id is None:
        return None
    return CaseConsent.objects.filter(case=case, organisation_id=case.employer_id, revoked_at__isnull=True).first()
