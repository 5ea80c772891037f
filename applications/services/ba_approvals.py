"""The WSA records a BA approval the case already has, so that the hub does not ask the BA again
(models.ba_approvals has the legal grounds). Only during the completeness check — once the requests
went out, the BA has been asked."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from authorities.models import ba_global_approval_for

from ..lifecycle import CaseState
from ..models import BaApprovalGround, BaApprovalOnFile, Case, EventKind
from ..rules.title_terms import add_months
from ..selectors.staff import staff_scope
from .backoffice import BackofficeError
from .cases import event_append

# DOMAIN.md 3, step 2a: the BA's eAMZ pre-approval is valid six months.
PRE_APPROVAL_MONTHS = 6
OPEN_STATES = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED)


def _check_may_record(*, case: Case, actor) -> None:
    if not staff_scope(viewer=actor).is_wsa:
        raise BackofficeError(_("Only the WSA records a BA approval that is already on file."))
    if case.state not in OPEN_STATES:
        raise BackofficeError(_("The requests to the authorities have gone out: the BA has already been asked."))


@transaction.atomic
def ba_approval_on_file_record(*, case: Case, actor, ground: str, reference: str = "",
                               issued_on: date | None = None, employer_assurance: bool = False,
                               today: date | None = None) -> BaApprovalOnFile:
    today = today or timezone.localdate()
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_may_record(case=case, actor=actor)
    reference = (reference or "").strip()
    designation = None
    if ground == BaApprovalGround.PRE_APPROVAL:
        if not reference or issued_on is None:
            raise BackofficeError(_("Enter the BA's reference and the date of its pre-approval."))
        if issued_on > today:
            raise BackofficeError(_("The date of the pre-approval cannot be in the future."))
        valid_until = add_months(issued_on, PRE_APPROVAL_MONTHS)
        if valid_until < today:
            raise BackofficeError(_("This pre-approval expired on %(date)s; the BA will be asked.") % {
                "date": formats.date_format(valid_until, "DATE_FORMAT")})
    elif ground == BaApprovalGround.GLOBAL_APPROVAL:
        employment = getattr(case, "employment", None)
        kldb = getattr(employment, "occupation_kldb", "") or ""
        designation = ba_global_approval_for(kldb, today)
        if designation is None:
            raise BackofficeError(_("The BA has designated no global approval for this occupation today; "
                                    "the BA will be asked."))
        if not employer_assurance:
            raise BackofficeError(_("A global approval needs the employer's written assurance that the "
                                    "conditions of employment are met."))
        valid_until = designation.valid_until
        reference = reference or designation.reference[:100]
    else:
        raise BackofficeError(_("Choose on what ground the BA's approval is on file."))
    on_file, _created = BaApprovalOnFile.objects.update_or_create(
        case=case, defaults={"ground": ground, "reference": reference, "valid_until": valid_until,
                             "global_approval": designation, "recorded_by": actor})
    event_append(case=case, kind=EventKind.AUTHORITY, actor=actor, payload={
        "purpose": "ba_approval", "status": "on_file", "ground": ground, "reference": reference,
        "valid_until": valid_until.isoformat()})
    return on_file


@transaction.atomic
def ba_approval_on_file_remove(*, case: Case, actor) -> None:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _check_may_record(case=case, actor=actor)
    if BaApprovalOnFile.objects.filter(case=case).delete()[0]:
        event_append(case=case, kind=EventKind.AUTHORITY, actor=actor,
                     payload={"purpose": "ba_approval", "status": "on_file_removed"})
