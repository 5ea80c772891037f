"""Writes of the authority data hub. Views, tasks, the admin and commands change requests only here.

Flow: the `submit` transition (and `report_entry`) creates one AuthorityRequest and one Outbox row
per step inside its own transaction (`authority_requests_create`, registered in apps.py); after the
commit the relay task is enqueued. `outbox_relay_deliver` claims a row, sends it through the
office's adapter and the configured transport, and marks it delivered — or schedules the next
attempt with backoff, and after WSA_OUTBOX_MAX_ATTEMPTS makes it a dead letter. Answers arrive
through `authority_request_fetch_answer` (callback, poll) and `authority_request_record_answer`,
which moves the case to the visa decision once every approval step is approved.

Locks are always taken in the same order: Case, then AuthorityRequest, then Outbox.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, time, timedelta
from functools import partial
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from applications.lifecycle import CaseState
from applications.models import Case, EventKind
from applications.rules import UnknownTitle
from applications.services import case_transition, event_append

from . import routing
from .adapters.base import AdapterError, AnswerError
from .adapters.registry import adapter_for
from .models import AuthorityRequest, ErrorCode, Outbox, OutboxState, Outcome, RequestState
from .transports import Envelope, Receipt, TransportError, get_transport

logger = logging.getLogger("authorities")

CLOSED_CASE_STATES = {CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.CLOSED}

# Event payload `status` codes (kind "authority"); `purpose` and `outcome` are model codes.
STATUS_SENT = "sent"
STATUS_ACKNOWLEDGED = "acknowledged"
STATUS_APPOINTMENT = "appointment"
STATUS_ANSWERED = "answered"
STATUS_OVERDUE = "overdue"
STATUS_FAILED = "failed"


def _event(*, request: AuthorityRequest, status: str, internal: bool, actor=None, **extra) -> None:
    if internal:
        # Not in the applicant's timeline, but the step's state shows on their status page (whose
        # ETag and cached fragment follow Case.version): count the change (public events do so).
        Case.objects.filter(pk=request.case_id).update(version=F("version") + 1)
    event_append(
        case=request.case, kind=EventKind.AUTHORITY, actor=actor, internal=internal,
        payload={
            "purpose": request.purpose,
            "outcome": request.outcome,
            "status": status,
            "authority": request.authority.name if request.authority_id else "",
            "request": str(request.public_id),
            **extra,
        },
    )


# --- enqueueing: never fails the caller -------------------------------------------------------


# After a failed enqueue the broker is not tried again for a while (per process): redis-py retries
# a refused connection for several seconds, and a web request must not wait for that once per row.
BROKER_PAUSE_SECONDS = 30.0
_broker_down_until = 0.0


def broker_circuit_reset() -> None:
    global _broker_down_until
    _broker_down_until = 0.0


def _enqueue(task, args: tuple, **options) -> bool:
    """Hand a task to the broker; when the broker is down, log and leave it to the beat sweeps."""
    global _broker_down_until
    from wsa.celery import app

    eager = app.conf.task_always_eager
    if not eager and monotonic() < _broker_down_until:
        logger.info("Broker recently unreachable: %s%s left to the beat sweep.", task.name, args)
        return False
    if eager:  # runs in-process: its errors are the task's, not the broker's
        task.apply_async(args, **options)
        return True
    try:
        task.apply_async(args, retry=False, **options)
        return True
    except Exception as error:  # kombu.OperationalError, redis errors, ...: the rows stay due
        _broker_down_until = monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("Could not enqueue %s%s (%s); a beat sweep will pick it up.", task.name, args, error)
        return False


def outbox_enqueue(outbox_ids: list[int]) -> None:
    from .tasks import outbox_relay

    for outbox_id in outbox_ids:
        _enqueue(outbox_relay, (outbox_id,))


def answer_fetch_enqueue(request_id: int, countdown: float | None = None) -> None:
    from .tasks import authority_answer_fetch

    _enqueue(authority_answer_fetch, (request_id,), **({"countdown": countdown} if countdown else {}))


def _enqueue_on_commit(outbox_ids: list[int]) -> None:
    if outbox_ids:
        transaction.on_commit(partial(outbox_enqueue, list(outbox_ids)), robust=True)


def _locked_request(pk: int) -> AuthorityRequest:
    """The request under a row lock (only its own row: the office may be empty). Lock its case first."""
    return AuthorityRequest.objects.select_for_update(of=("self",)).select_related("case", "authority").get(pk=pk)


# --- fan-out --------------------------------------------------------------------------------


def idempotency_key(case: Case, purpose: str) -> str:
    return f"wsa:{case.public_id}:{purpose}"


def authority_requests_create(*, case: Case, purposes: set[str] | None = None,
                              exclude: set[str] | None = None) -> list[AuthorityRequest]:
    """One AuthorityRequest and one Outbox row per step of the case, in the caller's transaction.

    A step that already has a request is skipped. A step without a responsible office gets a
    `failed` request with error_code `no_office` and no outbox row: recorded, not raised
    (`authority_request_reroute` sends it once the office exists).
    """
    try:
        routes = routing.case_route(case, purposes=purposes, exclude=exclude)
    except UnknownTitle:
        logger.error("Case %s has no known residence title (%r): no authority steps.", case.reference, case.title_code)
        return []
    existing = set(AuthorityRequest.objects.filter(case=case).values_list("purpose", flat=True))
    now = timezone.now()
    created, outbox_ids = [], []
    for route in routes:
        if route.purpose in existing:
            continue
        deadline = route.step.deadline
        request = AuthorityRequest.objects.create(
            case=case, authority=route.authority, purpose=route.purpose,
            idempotency_key=idempotency_key(case, route.purpose),
            deadline_source=deadline.source if deadline else "",
            deemed_approval_on_silence=route.step.deemed_approval,
            state=RequestState.PENDING if route.authority else RequestState.FAILED,
            error_code="" if route.authority else ErrorCode.NO_OFFICE,
            last_error=route.error,
        )
        created.append(request)
        if route.authority is None:
            logger.warning("Case %s, step %s: %s", case.reference, route.purpose, route.error)
            continue
        outbox_ids.append(Outbox.objects.create(request=request, next_attempt_at=now).pk)
    _enqueue_on_commit(outbox_ids)
    return created


def on_submit(*, case: Case, actor=None, payload=None) -> None:
    """Hook of the `submit` transition: every step but the ones after entry."""
    authority_requests_create(case=case, exclude=routing.AFTER_ENTRY)


def on_report_entry(*, case: Case, actor=None, payload=None) -> None:
    """Hook of the `report_entry` transition: the residence permit at the local foreigners' authority."""
    authority_requests_create(case=case, purposes=routing.AFTER_ENTRY)


def on_start_authority_review(*, case: Case, actor=None, payload=None) -> None:
    """Hook of `start_authority_review`: approvals that came in early move the case on at once."""
    case_advance_if_ready(case=case, actor=actor)


@transaction.atomic
def authority_request_reroute(*, request: AuthorityRequest) -> bool:
    """Finds the office for a request that had none and sends it; False if there is still none."""
    Case.objects.select_for_update().get(pk=request.case_id)
    locked = AuthorityRequest.objects.select_for_update().get(pk=request.pk)
    if locked.authority_id is not None or locked.state != RequestState.FAILED:
        return False
    try:
        office = routing.office_for(locked.case, locked.purpose)
    except routing.RoutingError as error:
        AuthorityRequest.objects.filter(pk=locked.pk).update(last_error=str(error))
        return False
    locked.authority = office
    locked.state, locked.error_code, locked.last_error = RequestState.PENDING, "", ""
    locked.save(update_fields=["authority", "state", "error_code", "last_error", "updated_at"])
    outbox = Outbox.objects.create(request=locked, next_attempt_at=timezone.now())
    _enqueue_on_commit([outbox.pk])
    request.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return True


# --- relay ----------------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base·2^(attempt-1), capped, then between half and all of it."""
    ceiling = min(settings.WSA_OUTBOX_BACKOFF_MAX_SECONDS, settings.WSA_OUTBOX_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _outbox_claim(outbox_id: int) -> Outbox | None:
    """Locks a due row (skipping rows another worker holds), counts the attempt and pushes the row's
    due time ahead by the lease, so nobody else takes it while it is being sent."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            Outbox.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, state=OutboxState.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.next_attempt_at = now + timedelta(seconds=settings.WSA_OUTBOX_LEASE_SECONDS)
        row.save(update_fields=["attempts", "next_attempt_at"])
    return row


def outbox_relay_deliver(*, outbox_id: int) -> str:
    """Sends one outbox row. Returns "delivered", "retry", "dead" or "skipped" (not due / taken)."""
    row = _outbox_claim(outbox_id)
    if row is None:
        return "skipped"
    request = AuthorityRequest.objects.select_related("case__person", "case__employer", "authority").get(
        pk=row.request_id
    )
    if request.case.state in CLOSED_CASE_STATES:
        return _outbox_failed(row, "The case is no longer open.", permanent=True, code=ErrorCode.CASE_CLOSED)
    if request.authority is None:
        return _outbox_failed(row, "No office is responsible.", permanent=True, code=ErrorCode.NO_OFFICE)
    try:
        adapter = adapter_for(request.authority)
        built = adapter.build_request(request)
        envelope = Envelope(data=built["data"], attachments=list(built.get("attachments") or []))
        transport = get_transport()
        receipt = transport.send(request=request, envelope=envelope)
    except TransportError as error:
        return _outbox_failed(row, str(error), permanent=error.permanent)
    except AdapterError as error:
        return _outbox_failed(row, f"{type(error).__name__}: {error}", permanent=False)
    except Exception as error:
        logger.exception("Delivering outbox row %s failed unexpectedly.", row.pk)
        return _outbox_failed(row, f"{type(error).__name__}: {error}", permanent=False)
    _outbox_mark_delivered(row, request, envelope, receipt, transport)
    return "delivered"


@transaction.atomic
def _outbox_mark_delivered(row: Outbox, request: AuthorityRequest, envelope: Envelope, receipt: Receipt,
                           transport) -> None:
    now = timezone.now()
    case = Case.objects.select_for_update().get(pk=request.case_id)
    locked = AuthorityRequest.objects.select_for_update().get(pk=request.pk)
    delivered = Outbox.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
        state=OutboxState.DELIVERED, delivered_at=now, next_attempt_at=None, last_error=""
    )
    if not delivered:
        return
    locked.attempts += 1
    locked.remote_id = receipt.remote_id
    locked.request_body = {"data": envelope.data, **receipt.manifest, "remoteCaseId": receipt.remote_case_id}
    if locked.state in (RequestState.PENDING, RequestState.FAILED):
        locked.state = RequestState.SENT
        locked.sent_at = now
        locked.error_code, locked.last_error = "", ""
        locked.due_at = request_due_at(case, locked, now)
    locked.save()
    _event(request=locked, status=STATUS_SENT, internal=True)
    transaction.on_commit(partial(transport.after_delivery, locked.pk), robust=True)


def request_due_at(case: Case, request: AuthorityRequest, sent: datetime) -> datetime | None:
    """End of the last day of the legal period, counted from delivery (rules engine deadlines)."""
    step = routing.step_for(case, request.purpose)
    deadline = step.deadline if step else None
    if deadline is None:
        return None
    request.deadline_source = deadline.source
    request.deemed_approval_on_silence = step.deemed_approval
    last_day = deadline.due(timezone.localdate(sent))
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


@transaction.atomic
def _outbox_failed(row: Outbox, error: str, *, permanent: bool, code: str = ErrorCode.DELIVERY_FAILED) -> str:
    now = timezone.now()
    case_id = AuthorityRequest.objects.values_list("case_id", flat=True).get(pk=row.request_id)
    Case.objects.select_for_update().get(pk=case_id)
    request = _locked_request(row.request_id)
    locked = Outbox.objects.select_for_update().get(pk=row.pk)
    if locked.state != OutboxState.PENDING:
        return "skipped"
    request.attempts += 1
    request.last_error = error[:2000]
    locked.last_error = error[:2000]
    if permanent or locked.attempts >= settings.WSA_OUTBOX_MAX_ATTEMPTS:
        locked.state, locked.next_attempt_at = OutboxState.DEAD, None
        locked.save(update_fields=["state", "next_attempt_at", "last_error"])
        if request.state == RequestState.PENDING:
            request.state, request.error_code = RequestState.FAILED, code
        request.save()
        logger.error("Outbox row %s is a dead letter after %s attempts: %s", locked.pk, locked.attempts, error)
        _event(request=request, status=STATUS_FAILED, internal=True, error=code)
        return "dead"
    locked.next_attempt_at = now + timedelta(seconds=backoff_seconds(locked.attempts))
    locked.save(update_fields=["next_attempt_at", "last_error"])
    request.save(update_fields=["attempts", "last_error", "updated_at"])
    logger.warning("Outbox row %s, attempt %s failed (%s); next at %s.", locked.pk, locked.attempts, error,
                   locked.next_attempt_at)
    return "retry"


def outbox_sweep_run(*, limit: int = 500) -> int:
    """Enqueues every due pending row (after a failed attempt, a lost enqueue or a dead worker)."""
    due = (
        Outbox.objects.filter(state=OutboxState.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    outbox_enqueue(ids)
    return len(ids)


def outbox_retry_dead(*, outbox_ids=None, actor=None) -> int:
    """Gives dead letters a new round of attempts (admin action "retry dead letters")."""
    rows = Outbox.objects.filter(state=OutboxState.DEAD)
    if outbox_ids is not None:
        rows = rows.filter(pk__in=list(outbox_ids))
    retried = []
    for outbox_id, request_id in rows.values_list("pk", "request_id"):
        with transaction.atomic():
            request = AuthorityRequest.objects.select_for_update().get(pk=request_id)
            row = Outbox.objects.select_for_update().get(pk=outbox_id)
            if row.state != OutboxState.DEAD:
                continue
            row.state, row.attempts, row.next_attempt_at = OutboxState.PENDING, 0, timezone.now()
            row.save(update_fields=["state", "attempts", "next_attempt_at"])
            if request.state == RequestState.FAILED and request.error_code != ErrorCode.NO_OFFICE:
                request.state, request.error_code = RequestState.PENDING, ""
                request.save(update_fields=["state", "error_code", "updated_at"])
            retried.append(outbox_id)
            _enqueue_on_commit([outbox_id])
    if retried:
        logger.info("Dead letters %s retried by %s.", retried, actor)
    return len(retried)


# --- answers --------------------------------------------------------------------------------


def authority_request_fetch_answer(*, request_id: int) -> str:
    """Reads the office's answer (after a callback, on the poll) and records it.
    Returns "answered", "acknowledged", "nothing", "bad_answer", "error" or "skipped"."""
    request = AuthorityRequest.objects.select_related("authority", "case").filter(pk=request_id).first()
    if request is None or not request.remote_id or request.authority is None or request.state in (
        RequestState.ANSWERED,
    ):
        return "skipped"
    try:
        body = get_transport().fetch_answer(request=request)
    except TransportError as error:
        AuthorityRequest.objects.filter(pk=request.pk).update(last_error=f"fetch answer: {error}"[:2000])
        return "error"
    if body is None:
        return "nothing"
    try:
        answer = adapter_for(request.authority).parse_answer(body)
    except (AnswerError, AdapterError) as error:
        AuthorityRequest.objects.filter(pk=request.pk).update(
            error_code=ErrorCode.BAD_ANSWER, last_error=f"bad answer: {error}"[:2000]
        )
        logger.warning("Unreadable answer for request %s: %s", request.pk, error)
        return "bad_answer"
    if answer.final:
        authority_request_record_answer(request=request, outcome=answer.outcome, conditions=answer.conditions,
                                        body=answer.body)
        return "answered"
    if answer.status == "acknowledged":
        authority_request_acknowledge(request=request, body=answer.body, appointment=answer.appointment)
        return "acknowledged"
    return "nothing"


def authority_callback_received(*, submission_ids: list[str]) -> int:
    """A verified callback: fetch the answers of the named submissions (after the commit, in a task)."""
    request_ids = list(
        AuthorityRequest.objects.filter(remote_id__in=[str(s) for s in submission_ids if s])
        .exclude(state=RequestState.ANSWERED)
        .values_list("pk", flat=True)
    )
    for request_id in request_ids:
        transaction.on_commit(partial(answer_fetch_enqueue, request_id), robust=True)
    return len(request_ids)


def answers_poll_run(*, limit: int = 500) -> int:
    """Asks for the answers of every sent, unanswered request (lost callbacks, offices without them)."""
    ids = list(
        AuthorityRequest.objects.filter(state__in=RequestState.open_states())
        .exclude(remote_id="")
        .order_by("sent_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for request_id in ids:
        answer_fetch_enqueue(request_id)
    return len(ids)


@transaction.atomic
def authority_request_acknowledge(*, request: AuthorityRequest, body: dict | None = None,
                                  appointment: str = "") -> AuthorityRequest:
    """The office confirmed receipt (the visa office with an appointment slot)."""
    Case.objects.select_for_update().get(pk=request.case_id)
    locked = _locked_request(request.pk)
    if locked.state not in (RequestState.PENDING, RequestState.SENT):
        return locked
    locked.state, locked.acknowledged_at = RequestState.ACKNOWLEDGED, timezone.now()
    locked.response_body = body or {}
    locked.save(update_fields=["state", "acknowledged_at", "response_body", "updated_at"])
    if appointment:
        _event(request=locked, status=STATUS_APPOINTMENT, internal=False, appointment=appointment)
    else:
        _event(request=locked, status=STATUS_ACKNOWLEDGED, internal=True)
    return locked


@transaction.atomic
def authority_request_record_answer(*, request: AuthorityRequest, outcome: str, conditions: dict | None = None,
                                    body: dict | None = None, deemed_approval: bool = False,
                                    actor=None, note: str = "") -> AuthorityRequest:
    """Records the office's answer, appends the Event and moves the case on when every approval is in.

    Called for answers that come through a transport (body: the office's answer document), for
    deemed approvals, and by the back office when an office's caseworker answers there (actor, note).
    The first answer wins: a repeated answer (callback and poll, a redelivery) changes nothing.
    An answer is taken whatever our side thought of the delivery: the office evidently has it.
    """
    if outcome not in Outcome.values:
        raise ValueError(f"Unknown outcome {outcome!r}.")
    case = Case.objects.select_for_update().get(pk=request.case_id)
    locked = _locked_request(request.pk)
    if locked.state == RequestState.ANSWERED:
        return locked
    now = timezone.now()
    locked.case = case
    locked.state, locked.outcome, locked.answered_at = RequestState.ANSWERED, outcome, now
    locked.conditions = conditions or {}
    locked.response_body = {**(body or {}), **({"note": note.strip()} if note and note.strip() else {})}
    locked.deemed_approval = deemed_approval
    locked.error_code = ""
    locked.save()
    Outbox.objects.filter(request=locked).exclude(state=OutboxState.DELIVERED).update(
        state=OutboxState.DELIVERED, delivered_at=now, next_attempt_at=None
    )
    _event(request=locked, status=STATUS_ANSWERED, internal=False, actor=actor, deemed_approval=deemed_approval)
    case_advance_if_ready(case=case, actor=actor)
    request.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def case_approvals_complete(*, case: Case) -> bool:
    """Every approval step of the case exists and is answered `approved` (at least one step)."""
    outcomes = list(
        AuthorityRequest.objects.filter(case=case, purpose__in=routing.APPROVAL_STEPS).values_list("state", "outcome")
    )
    return bool(outcomes) and all(
        state == RequestState.ANSWERED and outcome == Outcome.APPROVED for state, outcome in outcomes
    )


def case_advance_if_ready(*, case: Case, actor=None) -> bool:
    """`refer_to_visa_decision` once the case is in authority review and all approvals are in."""
    if case.state != CaseState.AUTHORITY_REVIEW or not case_approvals_complete(case=case):
        return False
    case_transition(case=case, transition="refer_to_visa_decision", actor=actor)
    return True


@transaction.atomic
def case_send_to_authorities(*, case: Case, actor=None) -> Case:
    """Demo shortcut for the back office's steps: submitted → completeness check → authority review
    (the requests went out on submit; approvals already in move the case on at once)."""
    if case.state == CaseState.SUBMITTED:
        case_transition(case=case, transition="start_completeness_check", actor=actor)
    if case.state != CaseState.AUTHORITY_REVIEW:
        case_transition(case=case, transition="start_authority_review", actor=actor)
    return case


# --- legal deadlines ------------------------------------------------------------------------


@transaction.atomic
def authority_request_mark_overdue(*, request: AuthorityRequest, now: datetime | None = None) -> bool:
    Case.objects.select_for_update().get(pk=request.case_id)
    locked = _locked_request(request.pk)
    if locked.state not in RequestState.open_states() or locked.overdue_since is not None:
        return False
    locked.overdue_since = now or timezone.now()
    locked.save(update_fields=["overdue_since", "updated_at"])
    _event(request=locked, status=STATUS_OVERDUE, internal=False, due_at=locked.due_at.isoformat())
    return True


def deadlines_sweep_run(*, now: datetime | None = None) -> dict[str, int]:
    """Steps past their legal deadline: deemed approval where silence counts as approval (BA,
    § 36 Abs. 2 BeschV), otherwise marked overdue once. Also moves on cases whose approvals are all
    in but whose move was missed."""
    now = now or timezone.now()
    counts = {"deemed_approval": 0, "overdue": 0, "advanced": 0}
    overdue = AuthorityRequest.objects.filter(state__in=RequestState.open_states(), due_at__lt=now).order_by("due_at")
    for request in overdue.select_related("case"):
        if request.deemed_approval_on_silence:
            authority_request_record_answer(
                request=request, outcome=Outcome.APPROVED, deemed_approval=True,
                body={"deemedApproval": True, "legalBasis": request.deadline_source,
                      "dueAt": request.due_at.isoformat()},
            )
            counts["deemed_approval"] += 1
        elif request.overdue_since is None and authority_request_mark_overdue(request=request, now=now):
            counts["overdue"] += 1
    waiting = Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, authority_requests__isnull=False).distinct()
    for case_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case_advance_if_ready(case=case):
                counts["advanced"] += 1
    return counts
