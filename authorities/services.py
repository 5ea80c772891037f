"""Writes of the authority data hub. Views, tasks, the admin and commands change requests only here.

Flow: the `start_authority_review` transition (the WSA confirmed completeness; nothing goes to
another office before it) and `report_entry` create one AuthorityRequest and one Outbox row per
step inside their own transaction (`authority_requests_create`, called by `applications.procedure`);
after the commit the relay task is enqueued. `outbox_relay_deliver` claims a row, sends it through the
office's adapter and the configured transport, and marks it delivered — or schedules the next
attempt with backoff, and after WSA_OUTBOX_MAX_ATTEMPTS makes it a dead letter. Answers arrive
through `authority_request_fetch_answer` (callback, poll) and `authority_request_record_answer`.

The hub never imports the case store above it: it reaches a case through its requests' foreign key
and tells the case store what happened through the signals of `authorities.signals` (a timeline
entry; an answer or attendance after which the case may go to the visa decision), sent inside the
transaction of the change.

Locks are always taken in the same order: Case, then AuthorityRequest, then Outbox.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from applications.rules import UnknownTitle
from wsa import queueing
from wsa.observability.context import case_scope
from wsa.observability.metrics import ba_deemed_approvals

from . import routing, signals
from .adapters.base import AdapterError, AnswerError
from .adapters.registry import adapter_for
from .models import (
    AuthorityRequest,
    ErrorCode,
    Outbox,
    OutboxState,
    Outcome,
    Purpose,
    RequestState,
)
from .transports import Envelope, Receipt, TransportError, get_transport

logger = logging.getLogger("authorities")

# Event payload `status` codes (kind "authority"); `purpose` and `outcome` are model codes.
STATUS_SENT = "sent"
STATUS_ACKNOWLEDGED = "acknowledged"
STATUS_APPOINTMENT = "appointment"  # earlier events only: offices used to assign a fixed slot
STATUS_ANSWERED = "answered"
STATUS_OVERDUE = "overdue"
STATUS_FAILED = "failed"
# The visa office's receipt asks the applicant to book an appointment (the others: appointments.py).
STATUS_BOOKING_REQUESTED = "booking_requested"
# The WSA sent a step again after the office had asked for more information.
STATUS_RESENT = "resent"


def case_event(*, request: AuthorityRequest, status: str, internal: bool, actor=None, moves_deadline=False,
               **extra) -> None:
    """Tells the case store of a timeline entry (signals.request_event). `moves_deadline`: the request
    got or lost a due date (delivered, answered), which may move the case's deadline."""
    signals.request_event.send(sender=AuthorityRequest, request=request, status=status, internal=internal,
                               actor=actor, moves_deadline=moves_deadline, extra=extra)


def case_model():
    """The case store's model, reached through the requests' foreign key."""
    return AuthorityRequest._meta.get_field("case").related_model


# One task carries up to this many rows or requests: a case's fan-out is one relay task, and the
# answers it calls for are one fetch task (a task costs the broker and the worker more than a row).
TASK_BATCH_SIZE = 20
# The tasks that run this module's relay and fetch, by name: authorities.tasks imports this module.
OUTBOX_RELAY_TASK = "authorities.tasks.outbox_relay"
ANSWER_FETCH_TASK = "authorities.tasks.authority_answer_fetch"
_fetch_batch = threading.local()


def _batches(ids: list[int]):
    for start in range(0, len(ids), TASK_BATCH_SIZE):
        yield ids[start:start + TASK_BATCH_SIZE]


def outbox_enqueue(outbox_ids: list[int], *, after_commit: bool = False) -> None:
    queue = queueing.enqueue_on_commit if after_commit else queueing.enqueue
    for batch in _batches(list(outbox_ids)):
        queue(OUTBOX_RELAY_TASK, (batch,))


def _answer_fetches_after_delivery(request_id: int, delays: tuple[float | None, ...]) -> None:
    for delay in delays:
        answer_fetch_enqueue(request_id, countdown=delay)


def answer_fetch_enqueue(request_id: int, countdown: float | None = None) -> None:
    """Queues the fetch of a request's answer; inside answer_fetches_batched() it waits for the batch."""
    pending = getattr(_fetch_batch, "ids", None)
    if pending is not None and not countdown:
        pending.append(request_id)
        return
    queueing.enqueue(ANSWER_FETCH_TASK, ([request_id],), **({"countdown": countdown} if countdown else {}))


@contextmanager
def answer_fetches_batched():
    """Collects the answer fetches queued inside (a relay batch, the poll) into tasks of TASK_BATCH_SIZE."""
    if getattr(_fetch_batch, "ids", None) is not None:  # already collecting: the outer scope sends them
        yield
        return
    _fetch_batch.ids = []
    try:
        yield
    finally:
        ids, _fetch_batch.ids = _fetch_batch.ids, None
        for batch in _batches(list(dict.fromkeys(ids))):
            queueing.enqueue(ANSWER_FETCH_TASK, (batch,))


def _locked_case(pk: int):
    """The case under a row lock, reading only its id and state: the lock is what the callers need."""
    return case_model().objects.select_for_update().only("id", "state").get(pk=pk)


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


def idempotency_key(case, purpose: str) -> str:
    return f"wsa:{case.public_id}:{purpose}"


def authority_requests_create(*, case, figures, purposes: set[str] | None = None,
                              exclude: set[str] | None = None) -> list[AuthorityRequest]:
    """One AuthorityRequest and one Outbox row per step of the case, in the caller's transaction;
    `figures`: the rules engine's figures in force (applications.figures.rule_figures).

    A step that already has a request is skipped. A step without a responsible office gets a
    `failed` request with error_code `no_office` and no outbox row: recorded, not raised
    (`authority_request_reroute` sends it once the office exists).
    """
    try:
        routes = routing.case_route(case, figures=figures, purposes=purposes, exclude=exclude)
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
    requests = list(
        AuthorityRequest.objects.filter(pk__in=request_ids)
        .defer("request_body", "response_body")
        .select_related("case__person", "case__employer", "case__employment", "authority")
        .prefetch_related("case__person__qualifications")
    )
    cases: dict[int, object] = {}
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
    if request.case.procedure_ended:
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
    case_event(request=request, status=STATUS_SENT, internal=True, moves_deadline="due_at" in changes)
    transaction.on_commit(partial(_answer_fetches_after_delivery, request.pk, transport.answer_fetch_delays()),
                          robust=True)


def request_due_at(case, request: AuthorityRequest, sent: datetime) -> datetime | None:
    """End of the last day of the legal period, counted from delivery (rules engine deadlines); none yet
    for a period that runs from the attended appointment (request_due_at_from_appointment)."""
    step = routing.step_for(case, request.purpose)
    deadline = step.deadline if step else None
    if deadline is None:
        return None
    request.deadline_source = deadline.source
    request.deemed_approval_on_silence = step.deemed_approval
    if deadline.from_appointment:
        return None
    return _end_of_period(deadline, sent)


def request_due_at_from_appointment(case, request: AuthorityRequest, attended: datetime) -> datetime | None:
    """The end of a period that runs from the complete application made in person (the visa decision in
    the § 81a procedure: three weeks, § 31a Abs. 2 AufenthV), counted from the attended appointment; None
    for a step whose period runs from delivery or that has none."""
    step = routing.step_for(case, request.purpose)
    deadline = step.deadline if step else None
    if deadline is None or not deadline.from_appointment:
        return None
    request.deadline_source = deadline.source
    return _end_of_period(deadline, attended)


def _end_of_period(deadline, start: datetime) -> datetime:
    last_day = deadline.due(timezone.localdate(start))
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
        case_event(request=request, status=STATUS_FAILED, internal=True, error=code)
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
        case_event(request=request, status=STATUS_BOOKING_REQUESTED, internal=False)
    else:
        case_event(request=request, status=STATUS_ACKNOWLEDGED, internal=True)
    return request


@transaction.atomic
def authority_request_record_answer(*, request: AuthorityRequest, outcome: str, conditions: dict | None = None,
                                    body: dict | None = None, deemed_approval: bool = False,
                                    actor=None, note: str = "", internal: bool = False,
                                    answered_at: datetime | None = None) -> AuthorityRequest:
    """Records the office's answer, appends the Event and moves the case on when every approval is in.

    Called for answers that come through a transport (body: the office's answer document), for
    deemed approvals, and by the back office when an office's caseworker answers there (actor, note).
    The first answer wins: a repeated answer (callback and poll, a redelivery) changes nothing.
    An answer is taken whatever our side thought of the delivery: the office evidently has it.
    `internal`: the answer is told to the applicant otherwise (a decision's own event), not in the timeline.
    `answered_at`: when the answer took effect, if not now (a deemed approval: its deadline).
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
        request, state=RequestState.ANSWERED, outcome=outcome, answered_at=answered_at or now,
        conditions=conditions or {},
        response_body={**(body or {}), **({"note": note.strip()} if note and note.strip() else {})},
        deemed_approval=deemed_approval, error_code="", updated_at=now,
    )
    if state not in RequestState.open_states():
        # The answer overtook our record of the delivery: its rows need not be sent (again). A sent
        # request's rows were all marked delivered with it (_outbox_mark_delivered).
        Outbox.objects.filter(request=request).exclude(state=OutboxState.DELIVERED).update(
            state=OutboxState.DELIVERED, delivered_at=now, next_attempt_at=None
        )
    by_decision = {"by_decision": True} if (body or {}).get("answered_in") == "decision" else {}
    case_event(request=request, status=STATUS_ANSWERED, internal=internal, actor=actor,
               deemed_approval=deemed_approval, moves_deadline=True, **by_decision)
    if request.purpose in routing.APPROVAL_STEPS:
        visa_office_ask_again(case)
    signals.procedure_step_done.send(sender=AuthorityRequest, case=case, actor=actor)
    return request


def authority_step_answer_by_decision(*, case, purpose: str, granted: bool, decision_id: str, authorities,
                                      actor=None) -> AuthorityRequest | None:
    """The deciding office issued its decision in the portal's back office: its own step of the case
    (the visa office's visa step, the foreigners' authority's residence permit step) is answered by
    it, so that it no longer waits for an answer, runs into its deadline, shows as open or goes out
    later (a failed delivery retried). Only a step of one of `authorities` (the decider's offices);
    a step the office already answered through its own system keeps that answer. The applicant
    learns of the decision from its own event: the step's answer stays out of their timeline.
    Returns the step answered."""
    step = (AuthorityRequest.objects
            .filter(case=case, purpose=purpose, authority__in=authorities,
                    state__in=[RequestState.PENDING, RequestState.FAILED, *RequestState.open_states()])
            .order_by("-pk").first())
    if step is None:
        return None
    return authority_request_record_answer(
        request=step, outcome=Outcome.APPROVED if granted else Outcome.REJECTED, actor=actor, internal=True,
        body={"answered_in": "decision", "decision": decision_id},
    )


def _resend_key(request: AuthorityRequest) -> str:
    """A new idempotency key for each sending: the offices deduplicate on the key, and the completed
    case is a new submission to them ("wsa:<case>:<purpose>", then "…:2", "…:3")."""
    base = idempotency_key(request.case, request.purpose)
    used = AuthorityRequest.objects.filter(idempotency_key__startswith=base).values_list("idempotency_key", flat=True)
    rounds = [int(key.rsplit(":", 1)[1]) for key in used if key != base and key.rsplit(":", 1)[1].isdigit()]
    return f"{base}:{max(rounds, default=1) + 1}"


def information_needed(request: AuthorityRequest) -> bool:
    return request.state == RequestState.ANSWERED and request.outcome == Outcome.INFORMATION_NEEDED


@transaction.atomic
def authority_request_resend(*, request: AuthorityRequest, actor=None) -> bool:
    """Sends a step again to the office that answered "information needed", once the WSA has what was
    missing: the office's answer ends that round; the request goes out anew (new idempotency key, new
    outbox row) and its legal deadline runs again from the new receipt (`_outbox_mark_delivered`).
    For the BA, § 36 Abs. 2 S. 1 BeschV: the approval is deemed granted only if the BA does not say
    within two weeks of receiving the request that the information is insufficient; that the period
    starts again with the completed request is our cautious reading (the text names no restart).
    False (nothing changed) if the request is not waiting for information or the case has ended."""
    case = _locked_case(request.case_id)
    locked = _locked_request(request.pk)
    if not information_needed(locked) or locked.authority_id is None or case.procedure_ended:
        return False
    previous = {"outcome": locked.outcome, "answered_at": locked.answered_at.isoformat() if locked.answered_at else "",
                "reason": answer_reason_code(locked.response_body)}
    _request_update(
        locked, state=RequestState.PENDING, outcome="", answered_at=None, acknowledged_at=None, sent_at=None,
        due_at=None, overdue_since=None, deemed_approval=False, conditions={}, remote_id="", error_code="",
        last_error="", idempotency_key=_resend_key(locked), updated_at=timezone.now(),
    )
    outbox = Outbox.objects.create(request=locked, next_attempt_at=timezone.now())
    case_event(request=locked, status=STATUS_RESENT, internal=False, actor=actor, moves_deadline=True,
               previous=previous)
    outbox_enqueue([outbox.pk], after_commit=True)
    request.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return True


def authority_requests_resend_information_needed(*, case, actor=None) -> int:
    """Every step of the case whose office asked for information goes out again (the WSA confirmed
    the case complete once more); returns how many."""
    waiting = AuthorityRequest.objects.filter(case=case, state=RequestState.ANSWERED,
                                              outcome=Outcome.INFORMATION_NEEDED)
    return sum(authority_request_resend(request=request, actor=actor) for request in waiting)


def answer_reason_code(body: dict | None) -> str:
    """The reason code of an office's answer (the simulated offices' `reason`), or ""."""
    reason = (body or {}).get("reason") if isinstance(body, dict) else ""
    return str(reason)[:100] if isinstance(reason, str) else ""


def visa_office_ask_again(case) -> None:
    """The visa office decides on what it has: after the attendance or an approval's answer, it is
    asked again for its answer (after the commit)."""
    for request_id in AuthorityRequest.objects.filter(
        case=case, purpose=Purpose.VISA, state__in=RequestState.open_states()
    ).exclude(remote_id="").values_list("pk", flat=True):
        transaction.on_commit(partial(answer_fetch_enqueue, request_id), robust=True)


# --- legal deadlines ------------------------------------------------------------------------


@transaction.atomic
def authority_request_mark_overdue(*, request: AuthorityRequest, now: datetime | None = None) -> bool:
    _locked_case(request.case_id)
    locked = _locked_request(request.pk)
    if locked.state not in RequestState.open_states() or locked.overdue_since is not None:
        return False
    locked.overdue_since = now or timezone.now()
    locked.save(update_fields=["overdue_since", "updated_at"])
    case_event(request=locked, status=STATUS_OVERDUE, internal=False, due_at=locked.due_at.isoformat())
    return True


def authority_request_deem_approved(*, request: AuthorityRequest) -> AuthorityRequest:
    """Records the approval the law gives on the office's silence (§ 36 Abs. 2 BeschV), as of the deadline:
    it took effect when the deadline ended, not when the sweep or a caseworker noticed."""
    return authority_request_record_answer(
        request=request, outcome=Outcome.APPROVED, deemed_approval=True, answered_at=request.due_at,
        body={"deemedApproval": True, "legalBasis": request.deadline_source, "dueAt": request.due_at.isoformat()},
    )


def deadlines_sweep_run(*, now: datetime | None = None) -> dict[str, int]:
    """Steps past their legal deadline: deemed approval where silence counts as approval (BA,
    § 36 Abs. 2 BeschV), otherwise marked overdue once. Then the case store moves on cases whose
    approvals are all in but whose move was missed (signals.deadlines_swept)."""
    now = now or timezone.now()
    counts = {"deemed_approval": 0, "overdue": 0, "advanced": 0}
    overdue = AuthorityRequest.objects.filter(state__in=RequestState.open_states(), due_at__lt=now).order_by("due_at")
    for request in overdue.select_related("case"):
        if request.deemed_approval_on_silence:
            authority_request_deem_approved(request=request)
            counts["deemed_approval"] += 1
            ba_deemed_approvals.inc()
        elif request.overdue_since is None and authority_request_mark_overdue(request=request, now=now):
            counts["overdue"] += 1
    counts["advanced"] = sum(moved for _receiver, moved in signals.deadlines_swept.send(sender=AuthorityRequest))
    return counts
