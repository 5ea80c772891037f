"""Writes of the authority data hub. Views, tasks, the admin and commands change requests only here.

Flow: the `start_authority_review` transition (the WSA confirmed completeness; nothing goes to
another office before it) and `report_entry` create one AuthorityRequest and one Outbox row per
step inside their own transaction (`authority_requests_create`, registered in apps.py); after the
commit the relay task is enqueued. `outbox_relay_deliver` claims a row, sends it through the
office's adapter and the configured transport, and marks it delivered — or schedules the next
attempt with backoff, and after WSA_OUTBOX_MAX_ATTEMPTS makes it a dead letter. Answers arrive
through `authority_request_fetch_answer` (callback, poll) and `authority_request_record_answer`,
which moves the case to the visa decision once every approval step is approved and the applicant
attended the appointment at the visa office (see "the order of the procedure" below).

Locks are always taken in the same order: Case, then AuthorityRequest, then Outbox.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from applications import status_poll
from applications.lifecycle import CaseState
from applications.models import Case, EventKind
from applications.rules import UnknownTitle
from applications.selectors import case_due_expression
from applications.services import case_transition, event_append
from wsa import queueing
from wsa.observability.context import case_scope
from wsa.observability.metrics import ba_deemed_approvals

from . import routing, selectors
from .adapters.base import AdapterError, AnswerError
from .adapters.registry import adapter_for
from .models import (
    AppointmentBooking,
    AppointmentSlot,
    AuthorityRequest,
    BookingState,
    ErrorCode,
    Outbox,
    OutboxState,
    Outcome,
    Purpose,
    RequestState,
)
from .transports import Envelope, Receipt, TransportError, get_transport

logger = logging.getLogger("authorities")

CLOSED_CASE_STATES = {CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.CLOSED}

# Event payload `status` codes (kind "authority"); `purpose` and `outcome` are model codes.
STATUS_SENT = "sent"
STATUS_ACKNOWLEDGED = "acknowledged"
STATUS_APPOINTMENT = "appointment"  # earlier events only: offices used to assign a fixed slot
STATUS_ANSWERED = "answered"
STATUS_OVERDUE = "overdue"
STATUS_FAILED = "failed"
# Appointments at the visa office (see the section "appointments" below).
STATUS_BOOKING_REQUESTED = "booking_requested"
STATUS_BOOKED = "booked"
STATUS_REBOOKED = "rebooked"
STATUS_BOOKING_CANCELLED = "booking_cancelled"
STATUS_SLOT_CANCELLED = "slot_cancelled"
STATUS_ATTENDED = "appointment_attended"


def _event(*, request: AuthorityRequest, status: str, internal: bool, actor=None, moves_deadline=False,
           **extra) -> None:
    """`moves_deadline`: the request got or lost a due date (delivered, answered). In authority review
    the case's deadline (Case.due_at) is its earliest open request's, written anew in the UPDATE that
    counts the change; in any other state the requests do not make it (case_due_expression). The
    case's state is the one read under its lock, which every caller holds."""
    due = {}
    if moves_deadline and request.case.state == CaseState.AUTHORITY_REVIEW:
        due["due_at"] = case_due_expression(state=CaseState.AUTHORITY_REVIEW)
    if internal:
        # Not in the applicant's timeline, but the step's state shows on their status page (whose
        # ETag and cached fragment follow Case.version): count the change (public events do so).
        Case.objects.filter(pk=request.case_id).update(version=F("version") + 1, **due)
        status_poll.forget(request.case.public_id)
    event_append(
        case=request.case, kind=EventKind.AUTHORITY, actor=actor, internal=internal,
        case_changes=None if internal else due,
        payload={
            "purpose": request.purpose,
            "outcome": request.outcome,
            "status": status,
            "authority": request.authority.name if request.authority_id else "",
            "request": str(request.public_id),
            **extra,
        },
    )


# One task carries up to this many rows or requests: a case's fan-out is one relay task, and the
# answers it calls for are one fetch task (a task costs the broker and the worker more than a row).
TASK_BATCH_SIZE = 20
_fetch_batch = threading.local()


def _batches(ids: list[int]):
    for start in range(0, len(ids), TASK_BATCH_SIZE):
        yield ids[start:start + TASK_BATCH_SIZE]


def outbox_enqueue(outbox_ids: list[int], *, after_commit: bool = False) -> None:
    from .tasks import outbox_relay

    queue = queueing.enqueue_on_commit if after_commit else queueing.enqueue
    for batch in _batches(list(outbox_ids)):
        queue(outbox_relay, (batch,))


def answer_fetch_enqueue(request_id: int, countdown: float | None = None) -> None:
    """Queues the fetch of a request's answer; inside answer_fetches_batched() it waits for the batch."""
    from .tasks import authority_answer_fetch

    pending = getattr(_fetch_batch, "ids", None)
    if pending is not None and not countdown:
        pending.append(request_id)
        return
    queueing.enqueue(authority_answer_fetch, ([request_id],), **({"countdown": countdown} if countdown else {}))


@contextmanager
def answer_fetches_batched():
    """Collects the answer fetches queued inside (a relay batch, the poll) into tasks of TASK_BATCH_SIZE."""
    from .tasks import authority_answer_fetch

    if getattr(_fetch_batch, "ids", None) is not None:  # already collecting: the outer scope sends them
        yield
        return
    _fetch_batch.ids = []
    try:
        yield
    finally:
        ids, _fetch_batch.ids = _fetch_batch.ids, None
        for batch in _batches(list(dict.fromkeys(ids))):
            queueing.enqueue(authority_answer_fetch, (batch,))


def _locked_case(pk: int) -> Case:
    """The case under a row lock, reading only its id and state: the lock is what the callers need."""
    return Case.objects.select_for_update().only("id", "state").get(pk=pk)


def _locked_state(request: AuthorityRequest) -> str:
    """Locks the request's row (its case first) and returns its current state."""
    return AuthorityRequest.objects.select_for_update().values_list("state", flat=True).get(pk=request.pk)


def _request_update(request: AuthorityRequest, **changes) -> None:
    """One UPDATE of the changed columns (a full save would rewrite the request's JSON bodies too)."""
    AuthorityRequest.objects.filter(pk=request.pk).update(**changes)
    request.__dict__.update(changes)


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
    created = []
    for route in routes:
        if route.purpose in existing:
            continue
        deadline = route.step.deadline
        created.append(AuthorityRequest(
            case=case, authority=route.authority, purpose=route.purpose,
            idempotency_key=idempotency_key(case, route.purpose),
            deadline_source=deadline.source if deadline else "",
            deemed_approval_on_silence=route.step.deemed_approval,
            state=RequestState.PENDING if route.authority else RequestState.FAILED,
            error_code="" if route.authority else ErrorCode.NO_OFFICE,
            last_error=route.error,
        ))
        if route.authority is None:
            logger.warning("Case %s, step %s: %s", case.reference, route.purpose, route.error)
    # Two INSERTs for the whole fan-out (PostgreSQL returns the new keys; so does SQLite 3.35+).
    AuthorityRequest.objects.bulk_create(created)
    now = timezone.now()
    outbox = Outbox.objects.bulk_create(
        [Outbox(request=request, next_attempt_at=now) for request in created if request.authority_id]
    )
    outbox_enqueue([row.pk for row in outbox], after_commit=True)
    return created


def on_report_entry(*, case: Case, actor=None, payload=None) -> None:
    """Hook of the `report_entry` transition: the residence permit at the local foreigners' authority."""
    authority_requests_create(case=case, purposes=routing.AFTER_ENTRY)


def on_start_authority_review(*, case: Case, actor=None, payload=None) -> None:
    """Hook of `start_authority_review`, the WSA's confirmation that the case is complete: only now do
    the approvals (BA, recognition, register and security consultation) and the visa office (which
    asks the applicant to book the appointment) receive the case, all in parallel."""
    authority_requests_create(case=case, exclude=routing.AFTER_ENTRY)


@transaction.atomic
def authority_request_reroute(*, request: AuthorityRequest) -> bool:
    """Finds the office for a request that had none and sends it; False if there is still none."""
    _locked_case(request.case_id)
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
    outbox_enqueue([outbox.pk], after_commit=True)
    request.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return True


# --- relay ----------------------------------------------------------------------------------


def _outbox_claim(outbox_ids: list[int]) -> list[Outbox]:
    """Locks the due rows (skipping rows another worker holds), counts the attempt and pushes each
    row's due time ahead by the lease, so nobody else takes it while it is being sent."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.WSA_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        rows = list(
            Outbox.objects.select_for_update(skip_locked=True)
            .filter(pk__in=outbox_ids, state=OutboxState.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("pk")
        )
        if rows:
            Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(
                attempts=F("attempts") + 1, next_attempt_at=lease_until
            )
    for row in rows:
        row.attempts, row.next_attempt_at = row.attempts + 1, lease_until
    return rows


def _requests_to_deliver(request_ids: list[int]) -> dict[int, AuthorityRequest]:
    """The requests with what the adapters and the deadline need, in one read; the requests of one
    case share one Case object, so its person, qualifications and employment are read once."""
    from applications.models import Qualification

    requests = list(
        AuthorityRequest.objects.filter(pk__in=request_ids)
        .defer("request_body", "response_body")
        .select_related("case__person", "case__employer", "case__employment", "authority")
        .prefetch_related(Prefetch("case__person__qualifications", queryset=Qualification.objects.order_by("pk")))
    )
    cases: dict[int, Case] = {}
    for request in requests:
        request.case = cases.setdefault(request.case_id, request.case)
    return {request.pk: request for request in requests}


def outbox_relay_deliver_many(*, outbox_ids: list[int]) -> list[str]:
    """Sends the rows one after the other ("delivered", "retry", "dead", or "skipped": not due or
    taken); the answers they call for are fetched by one task."""
    results = dict.fromkeys(outbox_ids, "skipped")
    with answer_fetches_batched():
        rows = _outbox_claim(list(outbox_ids))
        requests = _requests_to_deliver([row.request_id for row in rows])
        for row in rows:
            request = requests.get(row.request_id)
            if request is not None:  # else its case was deleted since the claim (retention)
                with case_scope(request.case):
                    results[row.pk] = _outbox_deliver(row, request)
    return [results[outbox_id] for outbox_id in outbox_ids]


def outbox_relay_deliver(*, outbox_id: int) -> str:
    """Sends one outbox row. Returns "delivered", "retry", "dead" or "skipped" (not due / taken)."""
    return outbox_relay_deliver_many(outbox_ids=[outbox_id])[0]


def _outbox_deliver(row: Outbox, request: AuthorityRequest) -> str:
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
    """Records the delivery on the row and the request (one UPDATE each), under the locks of the case
    and the request; the deadline is counted from now, with the case as read for the delivery."""
    now = timezone.now()
    # The lock; the request keeps the case it was built from, with the state as it is now.
    request.case.state = _locked_case(request.case_id).state
    state, attempts = AuthorityRequest.objects.select_for_update().values_list("state", "attempts").get(pk=request.pk)
    delivered = Outbox.objects.filter(pk=row.pk, state=OutboxState.PENDING).update(
        state=OutboxState.DELIVERED, delivered_at=now, next_attempt_at=None, last_error=""
    )
    if not delivered:
        return
    changes = {
        "remote_id": receipt.remote_id,
        "request_body": {"data": envelope.data, **receipt.manifest, "remoteCaseId": receipt.remote_case_id},
        "updated_at": now,
    }
    if state in (RequestState.PENDING, RequestState.FAILED):
        changes.update(state=RequestState.SENT, sent_at=now, error_code="", last_error="",
                       due_at=request_due_at(request.case, request, now),
                       deadline_source=request.deadline_source,
                       deemed_approval_on_silence=request.deemed_approval_on_silence)
    _request_update(request, attempts=attempts + 1, **changes)
    _event(request=request, status=STATUS_SENT, internal=True, moves_deadline="due_at" in changes)
    transaction.on_commit(partial(transport.after_delivery, request.pk), robust=True)


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
    _locked_case(case_id)
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
    locked.next_attempt_at = now + timedelta(seconds=queueing.backoff_seconds(
        locked.attempts, base=settings.WSA_OUTBOX_BACKOFF_SECONDS, cap=settings.WSA_OUTBOX_BACKOFF_MAX_SECONDS))
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
            outbox_enqueue([outbox_id], after_commit=True)
    if retried:
        logger.info("Dead letters %s retried by %s.", retried, actor)
    return len(retried)


# --- answers --------------------------------------------------------------------------------


def authority_requests_fetch_answers(*, request_ids: list[int]) -> list[str]:
    """Reads the offices' answers (after a callback, on the poll) and records them; the requests are
    read in one query. Per request: "answered", "acknowledged", "nothing", "bad_answer", "error" or
    "skipped"."""
    requests = (AuthorityRequest.objects.select_related("authority").defer("request_body", "response_body")
                .in_bulk(list(request_ids)))
    return [_fetch_answer(requests.get(request_id)) for request_id in request_ids]


def authority_request_fetch_answer(*, request_id: int) -> str:
    return authority_requests_fetch_answers(request_ids=[request_id])[0]


def _fetch_answer(request: AuthorityRequest | None) -> str:
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
        authority_request_acknowledge(request=request, body=answer.body)
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
    with answer_fetches_batched():
        for request_id in ids:
            answer_fetch_enqueue(request_id)
    return len(ids)


@transaction.atomic
def authority_request_acknowledge(*, request: AuthorityRequest, body: dict | None = None) -> AuthorityRequest:
    """The office confirmed receipt. The visa office then expects the applicant in person: a public
    event asks them to book an appointment from the office's slots (no slot is assigned any more)."""
    request.case = _locked_case(request.case_id)
    if _locked_state(request) not in (RequestState.PENDING, RequestState.SENT):
        return request
    now = timezone.now()
    _request_update(request, state=RequestState.ACKNOWLEDGED, acknowledged_at=now, response_body=body or {},
                    updated_at=now)
    if request.purpose == Purpose.VISA:
        _event(request=request, status=STATUS_BOOKING_REQUESTED, internal=False)
    else:
        _event(request=request, status=STATUS_ACKNOWLEDGED, internal=True)
    return request


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
    case = request.case = _locked_case(request.case_id)
    state = _locked_state(request)
    if state == RequestState.ANSWERED:
        request.refresh_from_db()
        return request
    now = timezone.now()
    _request_update(
        request, state=RequestState.ANSWERED, outcome=outcome, answered_at=now, conditions=conditions or {},
        response_body={**(body or {}), **({"note": note.strip()} if note and note.strip() else {})},
        deemed_approval=deemed_approval, error_code="", updated_at=now,
    )
    if state not in RequestState.open_states():
        # The answer overtook our record of the delivery: its rows need not be sent (again). A sent
        # request's rows were all marked delivered with it (_outbox_mark_delivered).
        Outbox.objects.filter(request=request).exclude(state=OutboxState.DELIVERED).update(
            state=OutboxState.DELIVERED, delivered_at=now, next_attempt_at=None
        )
    _event(request=request, status=STATUS_ANSWERED, internal=False, actor=actor, deemed_approval=deemed_approval,
           moves_deadline=True)
    if request.purpose in routing.APPROVAL_STEPS:
        _ask_visa_office(case)
    case_advance_if_ready(case=case, actor=actor)
    return request


# --- the order of the procedure -------------------------------------------------------------
# DOMAIN.md 8.1: approvals (BA § 39 AufenthG / § 36 Abs. 2 BeschV, recognition, register and security
# consultation § 73 AufenthG) in parallel after the completeness check; the visa decision only once
# every required approval is granted (or deemed granted) and the applicant attended the appointment
# at the visa office. A refused approval leaves only the rejection.

APPROVALS_GRANTED, APPROVALS_PENDING, APPROVALS_REFUSED = (
    selectors.APPROVALS_GRANTED, selectors.APPROVALS_PENDING, selectors.APPROVALS_REFUSED)
case_approvals_state = selectors.case_approvals_state
case_appointment_attended = selectors.case_appointment_attended


def case_approvals_complete(*, case: Case) -> bool:
    """Every approval step of the case is answered `approved` (true for a case without one)."""
    return case_approvals_state(case=case) == APPROVALS_GRANTED


def case_visa_decision_blocker(*, case: Case, granting: bool) -> str:
    """Why the visa may not be decided (granted, if `granting`) now, or "" if it may. A case with no
    authority step at all (no known title) has no procedure to wait for."""
    if not AuthorityRequest.objects.filter(case=case).exists():
        return ""
    approvals = case_approvals_state(case=case)
    if approvals == APPROVALS_REFUSED:
        return "approval_refused" if granting else ""
    if approvals == APPROVALS_PENDING:
        return "approvals_pending"
    if not case_appointment_attended(case=case):
        return "appointment_not_attended"
    return ""


def visa_decision_error(code: str) -> Exception:
    from django.utils.translation import gettext as _

    from applications.services import BackofficeError

    messages = {
        "approval_refused": _("A required approval was refused: the visa can only be rejected."),
        "approvals_pending": _("The visa cannot be decided yet: not every required approval has been granted."),
        "appointment_not_attended": _("The visa cannot be decided yet: the applicant has not attended the "
                                      "appointment at the visa office."),
    }
    return BackofficeError(messages[code])


def on_refer_to_visa_decision(*, case: Case, actor=None, payload=None) -> None:
    """Guard of `refer_to_visa_decision` (raising undoes the transition): the law's order holds
    whichever way the case is moved (automatically, or by a caseworker)."""
    blocker = case_visa_decision_blocker(case=case, granting=False)
    if blocker:
        raise visa_decision_error(blocker)


def on_grant_visa(*, case: Case, actor=None, payload=None) -> None:
    """Guard of `grant_visa`: never without every approval and the attended appointment."""
    blocker = case_visa_decision_blocker(case=case, granting=True)
    if blocker:
        raise visa_decision_error(blocker)


def case_advance_if_ready(*, case: Case, actor=None) -> bool:
    """`refer_to_visa_decision` once the case is in authority review and either every approval is in
    and the appointment attended, or an approval was refused (then only a rejection can follow)."""
    if case.state != CaseState.AUTHORITY_REVIEW or not AuthorityRequest.objects.filter(case=case).exists():
        return False
    if case_visa_decision_blocker(case=case, granting=False):
        return False
    case_transition(case=case, transition="refer_to_visa_decision", actor=actor)
    return True


def _ask_visa_office(case: Case) -> None:
    """The visa office decides on what it has: after the attendance or an approval's answer, it is
    asked again for its answer (after the commit)."""
    for request_id in AuthorityRequest.objects.filter(
        case=case, purpose=Purpose.VISA, state__in=RequestState.open_states()
    ).exclude(remote_id="").values_list("pk", flat=True):
        transaction.on_commit(partial(answer_fetch_enqueue, request_id), robust=True)


@transaction.atomic
def case_send_to_authorities(*, case: Case, actor=None) -> Case:
    """Demo shortcut for the back office's steps: submitted → completeness check → authority review
    (confirming completeness sends the requests)."""
    if case.state == CaseState.SUBMITTED:
        case_transition(case=case, transition="start_completeness_check", actor=actor)
    if case.state != CaseState.AUTHORITY_REVIEW:
        case_transition(case=case, transition="start_authority_review", actor=actor)
    return case


# --- legal deadlines ------------------------------------------------------------------------


@transaction.atomic
def authority_request_mark_overdue(*, request: AuthorityRequest, now: datetime | None = None) -> bool:
    _locked_case(request.case_id)
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
            ba_deemed_approvals.inc()
        elif request.overdue_since is None and authority_request_mark_overdue(request=request, now=now):
            counts["overdue"] += 1
    waiting = Case.objects.filter(state=CaseState.AUTHORITY_REVIEW, authority_requests__isnull=False).distinct()
    for case_id in waiting.values_list("pk", flat=True):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if case_advance_if_ready(case=case):
                counts["advanced"] += 1
    return counts


# --- appointments at the visa office --------------------------------------------------------
# The applicant books the in-person appointment (biometrics, identity check, fee) from the slots
# the visa office published. Locks: Case, then AppointmentBooking, then AppointmentSlot (by pk), as
# above Case before AuthorityRequest. The check constraints of the models are the last line: a
# slot's `booked` never exceeds its capacity, and a case never has two active bookings.

# Publishing at most this many days and slots at once (a quarter of a year of a busy office).
SLOTS_PUBLISH_MAX_DAYS = 92
SLOTS_PUBLISH_MAX = 3000


class AppointmentError(Exception):
    """A booking that is not possible; `code` for tests and callers, the message is translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def appointment_error(code: str) -> AppointmentError:
    """The AppointmentError for `code`, its message in the active language (also for the views)."""
    from django.utils.translation import gettext as _

    hours = int(selectors.APPOINTMENT_CUTOFF.total_seconds() // 3600)
    messages = {
        "not_at_step": _("Your application is not at the step where you book an appointment at the visa office."),
        "unknown_slot": _("This appointment does not exist (any more). Please choose another one."),
        "other_office": _("This appointment belongs to another visa office. Please choose one of the "
                          "appointments listed for your application."),
        "slot_cancelled": _("The visa office has cancelled this appointment. Please choose another one."),
        "slot_past": _("This appointment is in the past. Please choose a later one."),
        "slot_taken": _("Someone else has just booked the last place of this appointment. Please choose another one."),
        "already_booked": _("You have already booked an appointment for this application. You can change it below."),
        "booking_changed": _("Your appointment has already been changed or cancelled (perhaps the form was sent "
                             "twice). Please check your appointment below."),
        "same_slot": _("This is already your appointment."),
        "too_late": _("Appointments can only be changed or cancelled until %(hours)d hours before they start. "
                      "Please contact the visa office.") % {"hours": hours},
        "not_started": _("The appointment has not begun yet: attendance can be recorded from its start."),
    }
    return AppointmentError(code, messages[code])


def _booking_request(case: Case) -> AuthorityRequest:
    request = selectors.appointment_request(case=case)
    if request is None:
        raise appointment_error("not_at_step")
    request.case = case
    return request


def _locked_slots(*pks: int) -> dict[int, AppointmentSlot]:
    rows = AppointmentSlot.objects.select_for_update().select_related("authority").filter(pk__in=pks).order_by("pk")
    return {slot.pk: slot for slot in rows}


def _booking_end(booking: AppointmentBooking, *, state: str, actor, now) -> None:
    booking.state, booking.ended_at, booking.ended_by = state, now, actor
    booking.save(update_fields=["state", "ended_at", "ended_by"])
    AppointmentSlot.objects.filter(pk=booking.slot_id).update(booked=F("booked") - 1)


def _ask_office_after_booking(request: AuthorityRequest) -> None:
    """The office learns of the booking on its next answer fetch (the simulated visa office decides
    with the booked slot); fetch once after the commit."""
    if request.state in RequestState.open_states() and request.remote_id:
        transaction.on_commit(partial(answer_fetch_enqueue, request.pk), robust=True)


@transaction.atomic
def appointment_book(*, case: Case, slot_id, actor, replaces=None) -> AppointmentBooking:
    """Books the slot `slot_id` (public id) for the case, or moves the case's booking `replaces`
    (public id of the active booking) to it. Raises AppointmentError (see `_appointment_error`)."""
    now = timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    request = _booking_request(case)
    active = AppointmentBooking.objects.select_for_update().filter(case=case, state=BookingState.ACTIVE).first()
    if replaces is None and active is not None:
        raise appointment_error("already_booked")
    if replaces is not None and (active is None or str(active.public_id) != str(replaces)):
        raise appointment_error("booking_changed")
    try:
        slot_pk = AppointmentSlot.objects.filter(public_id=slot_id).values_list("pk", flat=True).first()
    except (ValueError, TypeError, DjangoValidationError):
        slot_pk = None
    if slot_pk is None:
        raise appointment_error("unknown_slot")
    slots = _locked_slots(slot_pk, *([active.slot_id] if active else []))
    slot = slots[slot_pk]
    if slot.authority_id != request.authority_id:
        raise appointment_error("other_office")
    if active is not None and active.slot_id == slot.pk:
        raise appointment_error("same_slot")
    if active is not None and slots[active.slot_id].starts_at - now <= selectors.APPOINTMENT_CUTOFF:
        raise appointment_error("too_late")
    if slot.cancelled_at is not None:
        raise appointment_error("slot_cancelled")
    if slot.starts_at <= now:
        raise appointment_error("slot_past")
    if slot.booked >= slot.capacity:
        raise appointment_error("slot_taken")
    previous = None
    if active is not None:
        previous = slots[active.slot_id]
        _booking_end(active, state=BookingState.REBOOKED, actor=actor, now=now)
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    booking = AppointmentBooking.objects.create(slot=slot, case=case, request=request, booked_by=actor)
    extra = {"appointment": slot.starts_at.isoformat(), "booking": str(booking.public_id)}
    if previous is not None:
        extra["previous"] = previous.starts_at.isoformat()
    _event(request=request, status=STATUS_REBOOKED if previous else STATUS_BOOKED, internal=False, actor=actor,
           **extra)
    _ask_office_after_booking(request)
    return booking


@transaction.atomic
def appointment_cancel(*, case: Case, booking_id, actor) -> AppointmentBooking:
    """The applicant cancels their active booking (until the cut-off before it starts)."""
    now = timezone.now()
    case = Case.objects.select_for_update().get(pk=case.pk)
    try:
        booking = (AppointmentBooking.objects.select_for_update(of=("self",)).select_related("request__authority")
                   .filter(case=case, state=BookingState.ACTIVE, public_id=booking_id).first())
    except (ValueError, TypeError, DjangoValidationError):
        booking = None
    if booking is None:
        raise appointment_error("booking_changed")
    slot = _locked_slots(booking.slot_id)[booking.slot_id]
    if slot.starts_at - now <= selectors.APPOINTMENT_CUTOFF:
        raise appointment_error("too_late")
    _booking_end(booking, state=BookingState.CANCELLED, actor=actor, now=now)
    booking.request.case = case
    _event(request=booking.request, status=STATUS_BOOKING_CANCELLED, internal=False, actor=actor,
           appointment=slot.starts_at.isoformat(), booking=str(booking.public_id))
    return booking


@transaction.atomic
def appointment_attendance_record(*, booking: AppointmentBooking, actor,
                                  now: datetime | None = None) -> AppointmentBooking:
    """The visa office records that the applicant came to the booked appointment (identity check,
    photo and fingerprints in person, § 49 AufenthG). Only its own staff, only for an active booking
    whose slot has begun; recorded once. Moves the case on when every approval is already in."""
    now = now or timezone.now()
    case = Case.objects.select_for_update().get(pk=booking.case_id)
    locked = (AppointmentBooking.objects.select_for_update(of=("self",)).select_related("slot__authority", "request")
              .get(pk=booking.pk))
    if actor is not None:
        _require_office_staff(actor=actor, authority=locked.slot.authority)
    if locked.attended_at is not None:
        return locked
    if locked.state != BookingState.ACTIVE:
        raise appointment_error("booking_changed")
    if locked.slot.starts_at > now:
        raise appointment_error("not_started")
    locked.attended_at, locked.attended_by = now, actor
    locked.save(update_fields=["attended_at", "attended_by"])
    locked.request.case = case
    _event(request=locked.request, status=STATUS_ATTENDED, internal=False, actor=actor,
           appointment=locked.slot.starts_at.isoformat(), booking=str(locked.public_id))
    _ask_visa_office(case)
    case_advance_if_ready(case=case, actor=actor)
    booking.__dict__.update(attended_at=locked.attended_at, attended_by_id=locked.attended_by_id)
    return locked


def on_withdraw(*, case: Case, actor=None, payload=None) -> None:
    """Hook of `withdraw` (the case is locked): an active booking ends and frees its place; the
    withdrawal's own event tells the story."""
    now = timezone.now()
    for booking in AppointmentBooking.objects.select_for_update().filter(case=case, state=BookingState.ACTIVE):
        _locked_slots(booking.slot_id)  # bookings of a slot change under its lock (see appointment_slot_cancel)
        _booking_end(booking, state=BookingState.CANCELLED, actor=actor, now=now)


def _require_office_staff(*, actor, authority) -> None:
    if not selectors.appointment_offices(viewer=actor).filter(pk=authority.pk).exists():
        raise PermissionDenied


def appointment_slots_plan(*, first_day: date, last_day: date, weekdays, times) -> list[datetime]:
    """The start times of a bulk publication (portal time zone), earliest first."""
    weekdays = {int(day) for day in weekdays}
    starts = []
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays:
            starts += [timezone.make_aware(datetime.combine(day, moment)) for moment in sorted(set(times))]
        day += timedelta(days=1)
    return starts


@transaction.atomic
def appointment_slots_publish(*, authority, actor, first_day: date, last_day: date, weekdays, times,
                              minutes: int, capacity: int) -> int:
    """Publishes a slot of `minutes` with room for `capacity` applicants on every chosen weekday
    between the two days at each of the daily `times`. Start times the office already offers are
    left alone (idempotent); past ones are skipped. Returns the number of new slots."""
    if actor is not None:
        _require_office_staff(actor=actor, authority=authority)
    if capacity < 1 or minutes < 5 or last_day < first_day or (last_day - first_day).days >= SLOTS_PUBLISH_MAX_DAYS:
        raise ValueError("Invalid slot plan.")
    now = timezone.now()
    starts = [start for start in appointment_slots_plan(first_day=first_day, last_day=last_day, weekdays=weekdays,
                                                        times=times) if start > now]
    if len(starts) > SLOTS_PUBLISH_MAX:
        raise ValueError("Too many slots at once.")
    if not starts:
        return 0
    existing = set(AppointmentSlot.objects.filter(authority=authority, cancelled_at__isnull=True,
                                                  starts_at__in=starts).values_list("starts_at", flat=True))
    length = timedelta(minutes=minutes)
    new = [AppointmentSlot(authority=authority, starts_at=start, ends_at=start + length, capacity=capacity,
                           created_by=actor) for start in starts if start not in existing]
    AppointmentSlot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def appointment_slot_cancel(*, slot: AppointmentSlot, actor, reason: str = "") -> int:
    """The visa office cancels a slot: every active booking of it ends (`slot_cancelled`), its
    applicant gets a public event and an e-mail and can book another slot. Returns that number."""
    if actor is not None:
        _require_office_staff(actor=actor, authority=slot.authority)
    reason = reason.strip()[:500]
    for _attempt in range(5):
        with transaction.atomic():
            # The usual order: the cases, their bookings, then the slot. Bookings of a slot change only
            # under the slot's lock, so once we hold it the set we locked must still be the active one;
            # if a booking came or went in between, start again.
            case_ids = list(AppointmentBooking.objects.filter(slot=slot, state=BookingState.ACTIVE)
                            .values_list("case_id", flat=True))
            cases = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=case_ids).order_by("pk")}
            bookings = list(AppointmentBooking.objects.select_for_update(of=("self",))
                            .select_related("request__authority")
                            .filter(slot=slot, state=BookingState.ACTIVE, case_id__in=list(cases)).order_by("pk"))
            locked = _locked_slots(slot.pk).get(slot.pk)
            if locked is None or locked.cancelled_at is not None:
                return 0
            active = set(AppointmentBooking.objects.filter(slot=locked, state=BookingState.ACTIVE)
                         .values_list("pk", flat=True))
            if active != {booking.pk for booking in bookings}:
                continue
            now = timezone.now()
            for booking in bookings:
                _booking_end(booking, state=BookingState.SLOT_CANCELLED, actor=actor, now=now)
                booking.request.case = cases[booking.case_id]
                _event(request=booking.request, status=STATUS_SLOT_CANCELLED, internal=False, actor=actor,
                       appointment=locked.starts_at.isoformat(), booking=str(booking.public_id))
            AppointmentSlot.objects.filter(pk=locked.pk).update(cancelled_at=now, cancelled_by=actor,
                                                                 cancellation_reason=reason)
            slot.cancelled_at, slot.cancelled_by, slot.cancellation_reason = now, actor, reason
            return len(bookings)
    raise RuntimeError(f"The bookings of slot {slot.pk} kept changing; try again.")
