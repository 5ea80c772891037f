"""The access log: every staff read of a case file, a document or a decision is recorded here.

Who (the user), when, what (case / document / decision and which one), how (viewed, previewed,
downloaded) and why (the role and office under which they acted). The applicant sees the list
(selectors.case_access_list) in the style of Estonia's Data Tracker.
"""

from accounts.selectors import user_is_staff_member

from .models import Case, CaseAccess


def access_record(*, actor, case: Case, object_kind: str = CaseAccess.ObjectKind.CASE, obj=None,
                  action: str = CaseAccess.Action.VIEW) -> CaseAccess | None:
    """Writes one access record for a staff read; reads by the applicant or employer are not logged."""
    from .selectors import staff_scope

    if actor is None or not actor.is_authenticated or not user_is_staff_member(user=actor):
        return None
    organisation_id, organisation_name, role = staff_scope(viewer=actor).primary()
    object_id = str(getattr(obj, "public_id", "") or (case.public_id if obj is None else getattr(obj, "pk", "")))
    return CaseAccess.objects.create(
        case=case, actor=actor, object_kind=CaseAccess.ObjectKind(object_kind), object_id=object_id,
        object_label=str(obj)[:200] if obj is not None else case.reference,
        action=CaseAccess.Action(action), role=role, organisation_id=organisation_id,
        organisation_name=organisation_name,
    )
