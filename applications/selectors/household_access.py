"""Which family members' data and cases a viewer may see through a household (the rule is explained
in selectors/household.py). Kept apart so that the case visibility can include it without a cycle."""

from django.db.models import Q

from ..models import HouseholdMember, Relationship


def member_q(viewer, prefix: str = "") -> Q:
    """The household members `viewer` may see (`prefix` reaches the HouseholdMember from another model)."""
    head = Q(**{f"{prefix}household__head__user": viewer})
    own_login_free = Q(**{f"{prefix}person__user__isnull": True})
    consented = Q(**{f"{prefix}head_may_see": True})
    child = Q(**{f"{prefix}relationship": Relationship.CHILD})
    co_parent = Q(**{f"{prefix}household__members__person__user": viewer,
                     f"{prefix}household__members__relationship": Relationship.SPOUSE})
    return (head & (own_login_free | consented | child)) | (child & co_parent)


def household_cases_q(*, viewer) -> Q | None:
    """The cases of family members `viewer` may see because of the household (None: none)."""
    if not viewer.is_authenticated:
        return None
    members = HouseholdMember.objects.filter(member_q(viewer)).values("person_id")
    return Q(person_id__in=members)
