"""Who a staff member is: their offices and roles, read once per request."""

from dataclasses import dataclass, field

from accounts.models import OrganisationKind, Role
from accounts.selectors import user_memberships
from authorities.models import Authority


@dataclass(frozen=True)
class StaffScope:
    """What a staff member may see and do: their offices and roles, read once per request."""

    user_id: int | None
    sees_all: bool = False
    is_admin: bool = False
    # (organisation id, organisation name, organisation kind, role) for every staff membership.
    memberships: tuple[tuple[int, str, str, str], ...] = ()
    office_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def office_kinds(self) -> frozenset[str]:
        return frozenset(kind for _, _, kind, _ in self.memberships)

    @property
    def is_wsa(self) -> bool:
        return OrganisationKind.WSA in self.office_kinds or self.is_admin

    def has_kind(self, kind: str) -> bool:
        return kind in self.office_kinds

    def is_supervisor_of_kind(self, kind: str) -> bool:
        """A supervisor in an office of this kind: the second pair of eyes on its decisions. The admin is
        not one: an admin administers, never decides."""
        return any(k == kind and r == Role.SUPERVISOR for _, _, k, r in self.memberships)

    @property
    def is_supervisor(self) -> bool:
        return self.is_admin or any(r == Role.SUPERVISOR for *_, r in self.memberships)

    def primary(self) -> tuple[int | None, str, str]:
        """(organisation id, name, role) to record as the "why" of an access."""
        if self.memberships:
            ranked = sorted(self.memberships, key=lambda m: (m[2] != OrganisationKind.WSA, m[3] != Role.SUPERVISOR))
            org_id, name, _, role = ranked[0]
            return org_id, name, role
        return None, "", Role.ADMIN if self.is_admin else ""

    def offices_of_kind(self, kind: str) -> frozenset[int]:
        return frozenset(org for org, _, k, _ in self.memberships if k == kind)


def staff_scope(*, viewer) -> StaffScope:
    """The staff scope of `viewer`, cached on the user object for the rest of the request."""
    cached = getattr(viewer, "_wsa_staff_scope", None)
    if cached is not None:
        return cached
    if not viewer.is_authenticated:
        return StaffScope(user_id=None)
    staff_roles, authority_kinds = Role.staff_roles(), OrganisationKind.authority_kinds()
    rows = tuple((org, name, kind, role) for role, org, name, kind in user_memberships(user=viewer)
                 if org is not None and role in staff_roles and kind in authority_kinds)
    is_admin = viewer.is_superuser or any(role == Role.ADMIN for *_, role in rows)
    sees_all = is_admin or any(kind == OrganisationKind.WSA for _, _, kind, _ in rows)
    offices = frozenset(org for org, _, kind, _ in rows if kind != OrganisationKind.WSA)
    scope = StaffScope(user_id=viewer.pk, sees_all=sees_all, is_admin=is_admin, memberships=rows,
                       office_ids=offices)
    viewer._wsa_staff_scope = scope
    return scope


def viewer_authorities(*, viewer, scope: StaffScope | None = None) -> list[Authority]:
    """The authorities (offices) of the viewer's organisations, by id: what the task lists and the
    queue's lanes need of them. Read once per request (cached on the user object like the scope)."""
    cached = getattr(viewer, "_wsa_authorities", None)
    if cached is None:
        office_ids = (scope or staff_scope(viewer=viewer)).office_ids
        cached = list(Authority.objects.filter(organisation_id__in=list(office_ids))
                      .only("kind", "name", "organisation_id").order_by("pk")) if office_ids else []
        viewer._wsa_authorities = cached
    return cached
