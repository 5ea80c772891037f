"""The candidate's consent: what the employer of their case may see."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import CaseConsent, ConsentScope
from accounts.services import EmployerError

from ..models import Case
from .cases import event_append


def _require_candidate(*, case: Case, actor) -> None:
    if not actor.is_authenticated or case.person.user_id != actor.pk:
        raise PermissionDenied(gettext("Only the candidate of the case can decide this."))


@transaction.atomic
def case_consent_set(*, case: Case, actor, scope: str) -> CaseConsent:
    """The candidate decides what the employer of the case may see; the previous choice ends now."""
    scope = ConsentScope(scope)
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _require_candidate(case=locked, actor=actor)
    if locked.employer_id is None:
        raise EmployerError(gettext("This case has no employer."), code="no_employer")
    now = timezone.now()
    CaseConsent.objects.filter(case=locked, revoked_at__isnull=True).update(revoked_at=now)
    consent = CaseConsent.objects.create(case=locked, person=locked.person, organisation_id=locked.employer_id,
                                         scope=scope, granted_at=now, granted_by=actor)
    _consent_event(case=locked, actor=actor, scope=scope)
    return consent


@transaction.atomic
def case_consent_revoke(*, case: Case, actor) -> None:
    """Withdraws the consent at once: from the next request on the employer sees status and next step only."""
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    _require_candidate(case=locked, actor=actor)
    if CaseConsent.objects.filter(case=locked, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        _consent_event(case=locked, actor=actor, scope="revoked")


def _consent_event(*, case: Case, actor, scope: str) -> None:
    # Internal: an audit entry for staff; the candidate sees their choice on the consent page.
    event_append(case=case, kind="note", actor=actor, internal=True, payload={"employer_consent": str(scope)})
