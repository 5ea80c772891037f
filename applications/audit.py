"""The audit records: the access log, the account deletions and the figures of the rules.

The access log: every staff read of a case file, a document or a decision is recorded here.

Who (the user), when, what (case / document / decision and which one), how (viewed, previewed,
downloaded) and why (the role and office under which they acted). The applicant sees the list
(selectors.case_file.case_access_list) in the style of Estonia's Data Tracker.
"""

from accounts.models import AccountDeletion
from accounts.selectors import user_is_staff_member

from .models import Case, CaseAccess, RuleFigure, RuleFigureAudit
from .selectors.staff import staff_scope


def access_record(*, actor, case: Case, object_kind: str = CaseAccess.ObjectKind.CASE, obj=None,
                  action: str = CaseAccess.Action.VIEW) -> CaseAccess | None:
    """Writes one access record for a staff read; reads by the applicant or employer are not logged."""
    if actor is None or not actor.is_authenticated or not user_is_staff_member(user=actor):
        return None
    row = _access_row(actor=actor, case=case, object_kind=object_kind, obj=obj, action=action)
    row.save()
    return row


def access_record_cases(*, actor, cases) -> int:
    """One "viewed" record per case for a staff list that shows the cases' people (e.g. the visa
    office's appointment slots with who booked them), written in one statement."""
    if actor is None or not actor.is_authenticated or not user_is_staff_member(user=actor):
        return 0
    rows = [_access_row(actor=actor, case=case) for case in {case.pk: case for case in cases}.values()]
    CaseAccess.objects.bulk_create(rows)
    return len(rows)


def _access_row(*, actor, case: Case, object_kind: str = CaseAccess.ObjectKind.CASE, obj=None,
                action: str = CaseAccess.Action.VIEW) -> CaseAccess:
    organisation_id, organisation_name, role = staff_scope(viewer=actor).primary()
    object_id = str(getattr(obj, "public_id", "") or (case.public_id if obj is None else getattr(obj, "pk", "")))
    return CaseAccess(
        case=case, actor=actor, object_kind=CaseAccess.ObjectKind(object_kind), object_id=object_id,
        object_label=str(obj)[:200] if obj is not None else case.reference,
        action=CaseAccess.Action(action), role=role, organisation_id=organisation_id,
        organisation_name=organisation_name,
    )


def account_deletion_record(*, user, drafts: int, documents: int, retained_cases: int, retained_until=None):
    """Records that the holder of `user` deleted their account (GDPR Art. 17) and what was kept until when.
    Only the account's public id is kept: the record outlives the personal data it speaks about."""
    return AccountDeletion.objects.create(account=user.public_id, drafts_deleted=drafts, documents_deleted=documents,
                                          cases_retained=retained_cases, retained_until=retained_until)


def figure_record(*, actor, figure: RuleFigure, action: str) -> RuleFigureAudit:
    """Records that `actor` entered, approved or discarded `figure` (the four-eyes steps of the yearly
    figures); the label keeps what the figure said (its kind code, not a translated name), in case it
    is discarded later."""
    label = f"{figure.kind} {figure.value} {figure.valid_from.isoformat()}–{figure.valid_to.isoformat()}"
    return RuleFigureAudit.objects.create(figure=figure, figure_label=label, actor=actor,
                                          action=RuleFigureAudit.Action(action))
