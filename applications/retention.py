"""Retention: what the portal keeps, for how long, and the two jobs that delete or anonymise the rest.

- ``purge_stale_drafts``: a draft nobody touched for WSA_DRAFT_RETENTION_DAYS is deleted with the
  documents uploaded for it (``draft_delete``, also used by the account deletion); a candidate record
  an employer created for it (no account, no other case) goes with it.
- ``purge_closed_cases``: a case closed (or withdrawn) more than WSA_CLOSED_CASE_RETENTION_DAYS ago is
  anonymised: its documents and the decision PDFs are deleted, messages, notes, addresses and the
  data sent to the authorities are removed, and the case is detached from the person. What stays:
  the reference, title, states and dates (statistics), the timeline without its texts, the access
  log (append-only) and each decision's verification record (kind, outcome, dates, SHA-256 and
  verification code), so that a copy of a decision can still be checked at /verify/<code>/.
  When the person's account was deleted (services.account_delete), the profile that was kept for
  the case is deleted with its last case (``_person_is_orphan``).

The documents' stored files are removed once the transaction commits (documents.services.documents_remove).

Both run daily from Celery beat (applications.tasks) and as management commands with ``--dry-run``,
which only reports what would happen. See docs/security.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from accounts.models import CandidateInvitation, CaseConsent, EmployerCaseDetails
from accounts.selectors import user_is_deleted
from authorities.models import AuthorityRequest, SimulatedSubmission
from documents.models import Document
from documents.services import documents_remove

from .lifecycle import CaseState
from .models import (
    Case,
    CaseAssignment,
    Decision,
    DocumentRequest,
    Employment,
    Event,
    EventKind,
    HouseholdMember,
    Message,
    Person,
    case_search_text,
)

logger = logging.getLogger("wsa.retention")

ANONYMISED_MARK = "anonymised"
# Event payload keys without personal data; everything else of a purged case's timeline is dropped.
EVENT_PAYLOAD_KEPT = ("transition", "decision", "outcome", "kind", "bo", "retention")


@dataclass
class RetentionReport:
    job: str
    retention_days: int
    cutoff: datetime
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    oldest: dict[str, datetime] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)

    def add(self, kind: str, amount: int = 1, when: datetime | None = None) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + amount
        if when is not None and (kind not in self.oldest or when < self.oldest[kind]):
            self.oldest[kind] = when

    def lines(self) -> list[str]:
        head = f"{self.job}{' (dry run)' if self.dry_run else ''}: retention {self.retention_days} days, " \
               f"cut-off {timezone.localtime(self.cutoff):%Y-%m-%d %H:%M}"
        rows = [head]
        if not self.counts:
            rows.append("  nothing to do")
        for kind in sorted(self.counts):
            oldest = self.oldest.get(kind)
            since = f" (oldest {timezone.localtime(oldest):%Y-%m-%d})" if oldest else ""
            rows.append(f"  {kind.replace('_', ' ')}: {self.counts[kind]}{since}")
        if self.dry_run:
            rows.append("Nothing was changed (--dry-run).")
        return rows


def _person_is_orphan(person: Person) -> bool:
    """A person record nobody needs any more: no case, and no account (an employer's candidate record)
    or an account its holder deleted (the profile was only kept for the cases)."""

    if person.user_id is not None and not user_is_deleted(user=person.user):
        return False
    if HouseholdMember.objects.filter(person=person).exists():
        return False  # a family member's profile stays with the household when a draft of theirs goes
    return not Case.objects.filter(person=person).exists()


def person_delete(person: Person) -> int:
    """Deletes a person record with its documents (the caller made sure no case needs it); returns
    how many documents went with it."""

    removed = documents_remove(Document.objects.filter(owner=person))
    person.delete()
    return removed


def case_retained_until(case: Case) -> datetime | None:
    """When purge_closed_cases anonymises a closed or withdrawn case (see closed_cases_due); None for
    a case that is not finished."""
    if case.state == CaseState.CLOSED:
        since = case.closed_at or case.updated_at
    elif case.state == CaseState.WITHDRAWN:
        since = case.updated_at
    else:
        return None
    return since + timedelta(days=settings.WSA_CLOSED_CASE_RETENTION_DAYS)


# --- Stale drafts ----------------------------------------------------------------------------------


def draft_delete(case: Case) -> tuple[int, bool]:
    """Deletes a draft (or a withdrawn case that was never submitted), locked by the caller, with
    the documents uploaded for it; an employer's candidate record nobody needs any more goes with it.
    Returns (documents deleted, whether a candidate record went too). Raises ProtectedError when
    another record still refers to the case; the caller's transaction then keeps everything."""

    if not case.never_submitted:
        raise ValueError(f"{case.reference} was submitted: it is anonymised, never deleted")
    person = case.person
    removed = documents_remove(Document.objects.filter(case=case))
    case.delete()
    if _person_is_orphan(person):
        person_delete(person)
        return removed, True
    return removed, False


def stale_drafts(*, now: datetime | None = None):
    cutoff = (now or timezone.now()) - timedelta(days=settings.WSA_DRAFT_RETENTION_DAYS)
    return Case.objects.filter(state=CaseState.DRAFT, updated_at__lt=cutoff).select_related("person"), cutoff


def purge_stale_drafts(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Deletes drafts untouched for WSA_DRAFT_RETENTION_DAYS with the documents uploaded for them."""

    drafts, cutoff = stale_drafts(now=now)
    report = RetentionReport(job="purge_stale_drafts", retention_days=settings.WSA_DRAFT_RETENTION_DAYS,
                             cutoff=cutoff, dry_run=dry_run)
    for case in drafts.order_by("updated_at", "pk"):
        kind = "employer_drafts" if case.person.user_id is None else "applicant_drafts"
        documents = Document.objects.filter(case=case)
        if dry_run:
            report.add(kind, when=case.updated_at)
            report.add("documents", documents.count())
            continue
        try:
            with transaction.atomic():
                locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
                if locked.state != CaseState.DRAFT or locked.updated_at >= cutoff:
                    continue  # touched since it was selected
                removed, candidate_record = draft_delete(locked)
                if candidate_record:
                    report.add("candidate_records")
        except ProtectedError:
            logger.warning("Retention: draft %s is referenced elsewhere and was kept", case.reference)
            report.add("kept_referenced")
            continue
        report.add(kind, when=case.updated_at)
        report.add("documents", removed)
        report.references.append(case.reference)
        logger.info("Retention: stale draft %s deleted (last change %s)", case.reference, case.updated_at.isoformat())
    return report


# --- Closed cases ----------------------------------------------------------------------------------


def closed_cases_due(*, now: datetime | None = None):
    """Closed cases past the retention period (and withdrawn ones, counted from their last change)
    that have not been anonymised yet."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WSA_CLOSED_CASE_RETENTION_DAYS)
    done = Event.objects.filter(kind=EventKind.NOTE, payload__retention=ANONYMISED_MARK).values("case_id")
    cases = (Case.objects.filter(Q(state=CaseState.CLOSED, closed_at__lt=cutoff)
                                 | Q(state=CaseState.WITHDRAWN, updated_at__lt=cutoff))
             .exclude(pk__in=done).select_related("person"))
    return cases, cutoff


def purge_closed_cases(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Anonymises every closed case past the retention period (see the module docstring)."""

    cases, cutoff = closed_cases_due(now=now)
    report = RetentionReport(job="purge_closed_cases", retention_days=settings.WSA_CLOSED_CASE_RETENTION_DAYS,
                             cutoff=cutoff, dry_run=dry_run)
    for case in cases.order_by("closed_at", "updated_at", "pk"):
        kind = "closed_cases" if case.state == CaseState.CLOSED else "withdrawn_cases"
        since = case.closed_at or case.updated_at
        if dry_run:
            report.add(kind, when=since)
            report.add("documents", Document.objects.filter(case=case).count())
            report.add("decision_pdfs", case.decisions.filter(status=Decision.Status.ISSUED).exclude(pdf="").count())
            report.add("messages", case.messages.count())
            continue
        counts = case_anonymise(case=case)
        report.add(kind, when=since)
        for name, amount in counts.items():
            report.add(name, amount)
        report.references.append(case.reference)
    return report


@transaction.atomic
def case_anonymise(*, case: Case) -> dict[str, int]:
    """Removes the personal data of one finished case and keeps its verification record. Idempotent."""
    from .services.cases import event_append  # services (account deletion) import this module as they load

    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    person = locked.person
    applicant_user_id = person.user_id
    counts = {"documents": documents_remove(Document.objects.filter(case=locked))}

    decisions = 0
    for decision in Decision.objects.filter(case=locked):
        if decision.status != Decision.Status.ISSUED:
            decision.delete()  # drafts never became an act
            continue
        if decision.pdf:
            decision.pdf.delete(save=False)
            decisions += 1
        decision.reasons = decision.conditions = ""
        decision.save(update_fields=["pdf", "reasons", "conditions"], anonymise=True)
    counts["decision_pdfs"] = decisions

    counts["messages"] = Message.objects.filter(case=locked).count()
    Message.objects.filter(case=locked).delete()
    Employment.objects.filter(case=locked).delete()
    DocumentRequest.objects.filter(case=locked).update(note="")
    EmployerCaseDetails.objects.filter(case=locked).update(working_conditions="", required_qualification_detail="")
    CandidateInvitation.objects.filter(case=locked).update(email="")
    _anonymise_authority_requests(locked)

    events = list(Event.objects.filter(case=locked))
    for event in events:
        event.payload = {k: v for k, v in (event.payload or {}).items() if k in EVENT_PAYLOAD_KEPT}
        if applicant_user_id is not None and event.actor_id == applicant_user_id:
            event.actor_id = None
    Event.objects.bulk_update(events, ["payload", "actor"])

    # Detach the case from the person: the profile belongs to the account (deleted with it), not to the case.
    stand_in = Person.objects.create(surname="", given_names="")
    CaseConsent.objects.filter(case=locked).update(person=stand_in)
    detached = {"person": stand_in, "search_text": case_search_text(locked.reference, stand_in)}
    if applicant_user_id is not None and locked.created_by_id == applicant_user_id:
        detached["created_by"] = None
    Case.objects.filter(pk=locked.pk).update(**detached)
    CaseAssignment.objects.filter(case=locked).delete()
    if _person_is_orphan(person):
        person_delete(person)
        counts["candidate_records" if applicant_user_id is None else "deleted_account_profiles"] = 1
    event_append(case=locked, kind=EventKind.NOTE, internal=True,
                 payload={"retention": ANONYMISED_MARK, "at": timezone.now().isoformat()})
    logger.info("Retention: case %s anonymised", locked.reference)
    return counts


def _anonymise_authority_requests(case: Case) -> None:
    """What was sent to and received from the authorities held personal data; the steps' states stay."""
    requests = AuthorityRequest.objects.filter(case=case)
    SimulatedSubmission.objects.filter(idempotency_key__in=requests.values("idempotency_key")).delete()
    requests.update(request_body={}, response_body={})
