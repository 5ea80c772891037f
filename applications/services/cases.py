"""The case itself: its reference, its timeline (and the applicant's e-mail about new entries), its
creation and its moves through the lifecycle, the employment declaration and messages. Every other
write of the case store builds on these."""

import logging
from datetime import date
from time import monotonic

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.dispatch import Signal
from django.utils import timezone

from documents import services as documents_services
from wsa.celery import app
from wsa.queueing import enqueue

from .. import status_poll
from ..lifecycle import CaseState, transition_for
from ..models import Case, Employment, Event, EventKind, Message, Person, ProcedureLanguage, ReferenceCounter
from ..selectors.deadlines import DATED_STATES, case_due_expression

logger = logging.getLogger(__name__)

# By name: applications.tasks imports these services.
NOTIFY_CASE_TASK = "applications.tasks.notify_case"

# Sent by case_transition after the move and its timeline entry, inside its transaction with the case
# locked (kwargs: case, transition, actor, payload). applications.procedure receives it and runs what
# the move sets off; what a receiver raises undoes the move.
case_transitioned = Signal()


def reference_allocate(*, today: date | None = None) -> str:
    """The next human reference of the year, e.g. WSA-2026-000123; gap-free under a row lock."""
    year = (today or timezone.localdate()).year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"WSA-{year}-{counter.last_number:06d}"


def event_append(*, case: Case, kind: str, actor=None, payload=None, internal=False,
                 from_state: str = "", to_state: str = "", case_changes: dict | None = None) -> Event:
    """Appends a timeline entry. A public one counts the case's version (the status page's ETag) and
    queues the applicant's e-mail; `case_changes` (a transition's new state, a new deadline: always
    public) go into that same UPDATE."""
    event = Event.objects.create(
        case=case, kind=kind, actor=actor, payload=payload or {}, internal=internal,
        from_state=from_state, to_state=to_state,
    )
    if not internal:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now(),
                                               **(case_changes or {}))
        status_poll.forget(case.public_id)
        transaction.on_commit(lambda: _notify(case.pk), robust=True)
    return event


def notify_pending_key(case_id: int) -> str:
    return f"wsa:notify-pending:{case_id}"


def _notify(case_id: int) -> None:
    """Queues the e-mail about the case's new timeline entries, unless one is queued already: the
    entries of a transaction, and those that follow within WSA_NOTIFY_DELAY_SECONDS, go out as one
    message (tasks.notify_case). A broker that is down must not turn a saved change into an error
    page: the change is committed, only this notice waits for the next one (and is logged)."""
    delay = settings.WSA_NOTIFY_DELAY_SECONDS
    # Queued by this process moments ago: that task has not run yet and will carry this entry too
    # (unless tasks run eagerly, i.e. at once).
    now = monotonic()
    waiting = 0.0 if app.conf.task_always_eager else delay - 1
    if now - _notify_queued_here.get(case_id, float("-inf")) < waiting:
        return
    try:
        # The mark outlives the delay: a lost task (worker killed) delays the e-mail, never stops it.
        if not cache.add(notify_pending_key(case_id), 1, timeout=delay + 600):
            return
    except Exception:
        logger.warning("No cache to mark the notification of case %s as queued; queueing it anyway.", case_id)
    enqueue(NOTIFY_CASE_TASK, (case_id,), countdown=delay or None)
    if waiting > 0:
        if len(_notify_queued_here) > 10_000:
            _notify_queued_here.clear()
        _notify_queued_here[case_id] = now


# case id -> when this process queued its e-mail (monotonic): spares the cache round trip for the
# other entries of the same burst (a case's transition and its hooks write several).
_notify_queued_here: dict[int, float] = {}


def case_due_refresh(*, case_ids=None) -> int:
    """Writes Case.due_at anew from the cases' states and requests (all cases: `case_ids` None), for
    rows written without the services (the national seed, a migration); the services keep it in the
    UPDATEs that move it. Returns the number of cases written."""
    cases = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=list(case_ids))
    return cases.filter(Q(state__in=DATED_STATES) | Q(due_at__isnull=False)).update(due_at=case_due_expression())


@transaction.atomic
def case_create(*, person: Person, actor=None, employer=None, title_code: str = "",
                procedure_language: str = ProcedureLanguage.GERMAN, accelerated: bool = False) -> Case:
    case = Case.objects.create(
        reference=reference_allocate(), person=person, employer=employer, title_code=title_code,
        procedure_language=procedure_language, accelerated=accelerated, created_by=actor,
    )
    event_append(case=case, kind=EventKind.CREATED, actor=actor, to_state=case.state)
    return case


@transaction.atomic
def case_transition(*, case: Case, transition: str, actor=None, payload: dict | None = None) -> Case:
    """Applies one transition of the lifecycle table, or raises IllegalTransition and changes nothing.
    What the move sets off (webhooks, requests to the offices, the procedure's guards) is
    procedure.after_transition, which receives case_transitioned, in this transaction."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    move = transition_for(transition, locked.state)
    from_state = locked.state
    changes = {"state": move.target}
    now = timezone.now()
    if move.target == CaseState.SUBMITTED:
        changes["submitted_at"] = now
    if move.target == CaseState.CLOSED:
        changes["closed_at"] = now
    due = case_due_expression(state=move.target, submitted_at=changes.get("submitted_at"))
    event_append(
        case=locked, kind=EventKind.TRANSITION, actor=actor, from_state=from_state, to_state=move.target,
        payload={"transition": transition, **(payload or {})}, case_changes={**changes, "due_at": due},
    )
    locked.__dict__.update(changes)
    case_transitioned.send(sender=Case, case=locked, transition=transition, actor=actor, payload=payload or {})
    # What the UPDATEs counted and what the procedure moved (an approval already in: the next state).
    locked.refresh_from_db(fields=["state", "version", "updated_at", "submitted_at", "closed_at", "due_at"])
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return case


def case_submit(*, case: Case, actor) -> Case:
    """The applicant (or the employer for them) submits the application. Everything that follows:

    - the case goes to the WSA's queue: state `submitted`, `submitted_at`, and the deadline of the
      completeness check (Case.due_at), in one UPDATE with the timeline entry (case_transition);
    - the applicant gets the e-mail about the new entry (event_append queues it after the commit);
    - the employer's HR system gets its webhook (procedure.after_transition).

    No office hears of the case yet: the requests go out when the WSA confirms its completeness
    (`start_authority_review`). Raises IllegalTransition if the case is not a draft any more."""
    return case_transition(case=case, transition="submit", actor=actor)


# What a contract is compared with (documents.checks.crosscheck.check_contract_terms).
CONTRACT_TERMS = ("annual_gross_salary", "weekly_hours", "start_date")


@transaction.atomic
def employment_set(*, case: Case, actor=None, **fields) -> Employment:
    """Writes the declared employment. When its salary, hours or start date change, the case's contracts
    are checked again, so that their comparison with the declaration is the current one."""
    before = Employment.objects.filter(case=case).values(*CONTRACT_TERMS).first()
    employment, _ = Employment.objects.update_or_create(case=case, defaults=fields)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    status_poll.forget(case.public_id)
    if Employment.objects.filter(case=case).values(*CONTRACT_TERMS).first() != before:
        documents_services.case_contracts_recheck(case_id=case.pk)
    return employment


@transaction.atomic
def message_post(*, case: Case, author, body: str, internal: bool = False) -> Message:
    message = Message.objects.create(case=case, author=author, body=body.strip(), internal=internal)
    event_append(
        case=case, kind=EventKind.NOTE if internal else EventKind.MESSAGE, actor=author, internal=internal,
        payload={"message": str(message.public_id)},
    )
    return message
