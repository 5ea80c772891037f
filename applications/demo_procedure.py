"""Demo data of the authority hub, called by `seed_demo` after its cases exist.

`seed_authority_requests()` adds the offices the demo people need (the register, visa offices for
every demo nationality), gives every demo case the WSA found complete its requests (its
`start_authority_review` made most of them already; cases before it have none) and settles
them to match the case's state without any transport: answered for cases
past the authority review, partly answered in authority review (a BA approval left overdue, so the
deadlines sweep shows the deemed approval), sent for cases before it; the visa office asks the
applicant to book an appointment (and pays the visa fee when attending it). Idempotent: it only
touches requests still waiting for their first delivery. `seed_appointment_slots()` publishes the
visa offices' appointment slots (idempotent too).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from authorities import appointments, routing, services
from authorities.adapters.registry import adapter_for
from authorities.models import (
    AppointmentSlot,
    Authority,
    AuthorityKind,
    AuthorityRequest,
    ErrorCode,
    Outbox,
    OutboxState,
    Outcome,
    Purpose,
    RequestState,
)
from authorities.simulator import rules

from .figures import rule_figures
from .lifecycle import CaseState
from .models import Case, FeeDue, FeeKind, Payment
from .payments import services as payment_services

DEMO_EMAIL_DOMAIN = "@demo.wsa.example"

DEMO_OFFICES = [
    ("Bundesverwaltungsamt – Ausländerzentralregister", AuthorityKind.REGISTER, {}),
    ("Deutsches Generalkonsulat Lagos", AuthorityKind.VISA_OFFICE,
     {"countries": ["NGA"], "time_zone": "Africa/Lagos"}),
    ("Deutsches Generalkonsulat São Paulo", AuthorityKind.VISA_OFFICE,
     {"countries": ["BRA"], "time_zone": "America/Sao_Paulo"}),
    ("Deutsches Generalkonsulat Istanbul", AuthorityKind.VISA_OFFICE,
     {"countries": ["TUR"], "time_zone": "Europe/Istanbul"}),
    ("Deutsche Botschaft Kiew", AuthorityKind.VISA_OFFICE,
     {"countries": ["UKR"], "time_zone": "Europe/Kyiv"}),
    ("Deutsche Botschaft Rabat", AuthorityKind.VISA_OFFICE,
     {"countries": ["MAR"], "time_zone": "Africa/Casablanca"}),
    ("Deutsche Botschaft Manila", AuthorityKind.VISA_OFFICE,
     {"countries": ["PHL"], "time_zone": "Asia/Manila"}),
]

BEFORE_REVIEW = {CaseState.DRAFT, CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED}
AFTER_REVIEW = {CaseState.VISA_DECISION, CaseState.VISA_GRANTED, CaseState.REJECTED, CaseState.ENTERED,
                CaseState.PERMIT_ISSUED, CaseState.CLOSED}
VISA_DECIDED = {CaseState.VISA_GRANTED, CaseState.ENTERED, CaseState.PERMIT_ISSUED, CaseState.CLOSED}


def seed_authority_offices() -> None:
    for name, kind, jurisdiction in DEMO_OFFICES:
        office, _created = Authority.objects.get_or_create(name=name, kind=kind, defaults=jurisdiction)
        if jurisdiction.get("time_zone") and not office.time_zone:
            Authority.objects.filter(pk=office.pk).update(time_zone=jurisdiction["time_zone"])


@transaction.atomic
def seed_authority_requests() -> int:
    """Returns the number of requests it settled (0 on a second run)."""
    seed_authority_offices()
    figures = rule_figures()
    settled = 0
    cases = Case.objects.filter(person__email__endswith=DEMO_EMAIL_DOMAIN).exclude(state__in=BEFORE_REVIEW)
    for case in cases.select_related("person").order_by("pk"):
        if not case.events.filter(kind="transition", payload__transition="start_authority_review").exists():
            continue  # withdrawn before the completeness check: no office ever had it
        services.authority_requests_create(case=case, figures=figures, exclude=routing.AFTER_ENTRY)
        if case.events.filter(kind="transition", payload__transition="report_entry").exists():
            services.authority_requests_create(case=case, figures=figures, purposes=routing.AFTER_ENTRY)
        for request in case.authority_requests.filter(state=RequestState.FAILED, error_code=ErrorCode.NO_OFFICE):
            services.authority_request_reroute(request=request)
        settled += _settle(case)
    return settled


def _undelivered(case: Case) -> list[AuthorityRequest]:
    return list(
        case.authority_requests.filter(state=RequestState.PENDING, outbox__state=OutboxState.PENDING)
        .select_related("authority").distinct().order_by("pk")
    )


def _settle(case: Case) -> int:
    requests = _undelivered(case)
    if not requests:
        return 0
    if case.state in (CaseState.WITHDRAWN,):
        for request in requests:
            Outbox.objects.filter(request=request).update(state=OutboxState.DEAD, last_error="case withdrawn")
            AuthorityRequest.objects.filter(pk=request.pk).update(state=RequestState.FAILED,
                                                                  error_code=ErrorCode.CASE_CLOSED)
        return len(requests)
    approvals = [r for r in requests if r.purpose in routing.APPROVAL_STEPS]
    left_open = None
    if case.state == CaseState.AUTHORITY_REVIEW and approvals:
        # One approval stays open; the BA's if there is one, sent long enough ago to be overdue.
        left_open = next((r for r in approvals if r.purpose == Purpose.BA_APPROVAL), approvals[-1])
    for request in requests:
        sent_at = timezone.now()
        if request is left_open and request.purpose == Purpose.BA_APPROVAL:
            sent_at -= timedelta(weeks=3)
        _mark_sent(case, request, sent_at)
        if request is left_open or case.state in BEFORE_REVIEW:
            if request.purpose == Purpose.VISA:
                _acknowledge_visa(case, request)
            continue
        if request.purpose in routing.APPROVAL_STEPS and case.state in AFTER_REVIEW | {CaseState.AUTHORITY_REVIEW}:
            _answer(case, request, Outcome.APPROVED)
        elif request.purpose == Purpose.VISA:
            if case.state in VISA_DECIDED:
                _answer(case, request, Outcome.APPROVED)
            elif case.state == CaseState.REJECTED:
                _answer(case, request, Outcome.REJECTED)
            else:
                _acknowledge_visa(case, request)
        elif request.purpose == Purpose.RESIDENCE_PERMIT and case.state in {CaseState.PERMIT_ISSUED,
                                                                            CaseState.CLOSED}:
            _answer(case, request, Outcome.APPROVED)
    return len(requests)


def demo_procedure_to_visa_decision(*, case: Case, refuse: bool, visa_outcome: str = "",
                                    actor=None) -> Case:
    """Walks a demo case in authority review through the law's order, as the offices would: every
    approval answered (with `refuse`, the first one refused), the applicant's appointment booked and
    attended (unless refused), which moves the case to the visa decision; `visa_outcome`: the visa
    office's own answer after that ("" leaves it waiting for the caseworker)."""
    seed_authority_offices()
    for request in case.authority_requests.filter(state=RequestState.FAILED, error_code=ErrorCode.NO_OFFICE):
        services.authority_request_reroute(request=request)
    sent_at = timezone.now() - timedelta(days=10)
    # The employer paid the § 81a fee first: the pre-approval request exists from then on.
    demo_fee_pay(case=case, kind=FeeKind.ACCELERATED, paid_at=sent_at - timedelta(days=1))
    for request in _undelivered(case):
        _mark_sent(case, request, sent_at)
    approvals = [r for r in case.authority_requests.select_related("authority").order_by("pk")
                 if r.purpose in routing.APPROVAL_STEPS]
    refused = next((r for r in approvals if r.purpose == Purpose.BA_APPROVAL), approvals[0]) if refuse else None
    visa = case.authority_requests.select_related("authority").filter(purpose=Purpose.VISA).first()
    if visa is not None and not refuse:
        _acknowledge_visa(case, visa)
        starts = _working_day_at_office_hours(timezone.localdate(), +1, case.pk)
        slot = AppointmentSlot.objects.create(authority=visa.authority, starts_at=starts,
                                              ends_at=starts + timedelta(minutes=30))
        booking = appointments.appointment_book(case=case, slot_id=slot.public_id, actor=case.person.user)
        # The appointment took place on the last working day (a demo cannot wait for it).
        held = _working_day_at_office_hours(timezone.localdate(), -1, case.pk)
        AppointmentSlot.objects.filter(pk=slot.pk).update(starts_at=held, ends_at=held + timedelta(minutes=30))
        appointments.appointment_attendance_record(booking=booking, actor=actor, now=held + timedelta(minutes=5))
        _pay_fee(case, paid_at=held - timedelta(days=2))
    for request in approvals:
        _answer(case, request, Outcome.REJECTED if request is refused else Outcome.APPROVED)
    if visa is not None and visa_outcome:
        _answer(case, visa, visa_outcome)
    case.refresh_from_db()
    return case


def demo_waiting_for_the_ba(*, case: Case) -> Case:
    """A case in authority review whose BA approval is still open (sent three days ago, inside the
    two weeks of § 36 Abs. 2 S. 1 BeschV); every other approval answered, the visa office waiting for
    the applicant to book."""
    return _demo_review(case=case, ba_open=True)


def demo_waiting_for_the_appointment(*, case: Case) -> Case:
    """A case in authority review with every approval granted: the visa office asks the applicant to
    book the appointment (and the fee is still to be paid)."""
    return _demo_review(case=case, ba_open=False)


def _demo_review(*, case: Case, ba_open: bool) -> Case:
    seed_authority_offices()
    for request in case.authority_requests.filter(state=RequestState.FAILED, error_code=ErrorCode.NO_OFFICE):
        services.authority_request_reroute(request=request)
    sent_at = timezone.now() - timedelta(days=3)
    # In the § 81a procedure the employer paid its fee first: the pre-approval request exists from then on.
    demo_fee_pay(case=case, kind=FeeKind.ACCELERATED, paid_at=sent_at - timedelta(days=1))
    for request in _undelivered(case):
        _mark_sent(case, request, sent_at)
        if request.purpose == Purpose.VISA:
            _acknowledge_visa(case, request)
        elif request.purpose in routing.APPROVAL_STEPS and not (ba_open and request.purpose == Purpose.BA_APPROVAL):
            _answer(case, request, Outcome.APPROVED)
    case.refresh_from_db()
    return case


def demo_after_entry(*, case: Case) -> Case:
    """An entered case: the foreigners' authority has the residence-permit request (sent today)."""
    for request in _undelivered(case):
        _mark_sent(case, request, timezone.now())
    return case


def _pay_fee(case: Case, *, paid_at) -> None:
    """The applicant paid the visa fee before the appointment, as the bank's notification would record it."""
    demo_fee_pay(case=case, kind=FeeKind.VISA, paid_at=paid_at)


@transaction.atomic
def demo_fee_pay(*, case: Case, kind: str, paid_at=None) -> None:
    """A demo case's fee of that kind, paid online (seed_demo pays the residence permit fee before the
    permit is issued)."""
    fee = payment_services.fee_due_create(case=case, kind=kind)
    if fee is None or fee.paid_at is not None:
        return
    paid_at = paid_at or timezone.now()
    fee = FeeDue.objects.select_for_update().get(pk=fee.pk)
    Payment.objects.create(fee=fee, provider="demo", amount_cents=fee.amount_cents, currency=fee.currency,
                           state=Payment.State.PAID, paid_at=paid_at)
    payment_services.fee_mark_paid(fee=fee, at=paid_at)


def _data(request: AuthorityRequest) -> dict:
    return adapter_for(request.authority).build_data(request)


def _mark_sent(case: Case, request: AuthorityRequest, sent_at) -> None:
    """What a delivery does, without a transport: the demo's offices "have" the request."""
    Outbox.objects.filter(request=request, state=OutboxState.PENDING).update(
        state=OutboxState.DELIVERED, delivered_at=sent_at, next_attempt_at=None, attempts=1
    )
    request.state, request.sent_at, request.attempts = RequestState.SENT, sent_at, 1
    request.remote_id = f"demo-{request.public_id.hex[:12]}"
    request.request_body = {"data": _data(request), "demo": True}
    request.due_at = services.request_due_at(case, request, sent_at)
    request.save()


def _acknowledge_visa(case: Case, request: AuthorityRequest) -> None:
    """The visa office's receipt: it asks the applicant to book an appointment from its slots."""
    services.authority_request_acknowledge(request=request, body={"status": "acknowledged", "bookAppointment": True})


# --- appointment slots ------------------------------------------------------------------------

DEMO_SLOT_WEEKS = 4
DEMO_SLOT_TIMES = tuple(time(hour, minute) for hour in (9, 10, 11, 14, 15) for minute in (0, 30))
DEMO_SLOT_MINUTES = 30
DEMO_SLOT_CAPACITY = 2


def _working_day_at_office_hours(today: date, step: int, spread: int) -> datetime:
    """The next (step +1) or last (step -1) working day after or before `today`, at a time between
    09:00 and 14:50 that differs per case, so the demo's appointments never fall on a weekend."""
    day = today + timedelta(days=step)
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return timezone.make_aware(datetime.combine(day, time(9, 0))) + timedelta(minutes=10 * (spread % 36))


def seed_appointment_slots(*, today: date | None = None) -> int:
    """Every visa office publishes half-hour slots (two places each) on working days for the coming
    weeks, as its caseworkers would in the back office. Idempotent: times already offered are
    left alone. Returns the number of new slots."""
    first = (today or timezone.localdate()) + timedelta(days=1)
    created = 0
    for office in Authority.objects.filter(kind=AuthorityKind.VISA_OFFICE).order_by("pk"):
        created += appointments.appointment_slots_publish(
            authority=office, actor=None, first_day=first, last_day=first + timedelta(weeks=DEMO_SLOT_WEEKS),
            weekdays=range(5), times=DEMO_SLOT_TIMES, minutes=DEMO_SLOT_MINUTES, capacity=DEMO_SLOT_CAPACITY)
    return created


def _answer(case: Case, request: AuthorityRequest, outcome: str) -> None:
    decision = rules.decide(_data(request), request.sent_at)
    conditions = decision["conditions"] if decision["outcome"] == outcome else {}
    services.authority_request_record_answer(
        request=request, outcome=outcome, conditions=conditions,
        body={"status": "answered", "outcome": outcome, "conditions": conditions, "demo": True},
    )
