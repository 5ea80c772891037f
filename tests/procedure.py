"""Fixture shortcut through the authority procedure, for tests about something else (pages, access,
decisions) that need a case at or past the visa decision.

The law's order holds in every test (applications.procedure guards `refer_to_visa_decision` and
`grant_visa`): before those moves the offices must have granted every approval and the applicant
must have attended the appointment, and the visa fee must be paid. `offices_done` writes that
outcome as rows, as the offices' answers, the visa office's attendance record and the bank's
notification would have left it; the services' own way there is tested in
tests/authorities/test_procedure_order.py (and the fee's in tests/applications/payments).
"""

from datetime import timedelta

from django.utils import timezone

from applications import services
from applications.models import FeeDue
from applications.payments import services as payment_services
from applications.payments.provider import SimulatedProvider, notification_sign
from authorities.models import (
    AppointmentBooking,
    AppointmentSlot,
    Authority,
    AuthorityKind,
    AuthorityRequest,
    BookingState,
    Outcome,
    Purpose,
    RequestState,
)
from authorities.routing import APPROVAL_STEPS

NEEDS_THE_OFFICES = {"refer_to_visa_decision", "grant_visa"}


def offices_done(case) -> None:
    now = timezone.now()
    FeeDue.objects.filter(case=case, paid_at__isnull=True).update(paid_at=now)
    AuthorityRequest.objects.filter(case=case, purpose__in=APPROVAL_STEPS).exclude(
        state=RequestState.ANSWERED, outcome=Outcome.APPROVED
    ).update(state=RequestState.ANSWERED, outcome=Outcome.APPROVED, answered_at=now, error_code="")
    visa = AuthorityRequest.objects.filter(case=case, purpose=Purpose.VISA).select_related("authority").first()
    if visa is None or AppointmentBooking.objects.filter(case=case, attended_at__isnull=False).exists():
        return
    office = visa.authority or Authority.objects.filter(kind=AuthorityKind.VISA_OFFICE).order_by("pk").first()
    if office is None:
        office = Authority.objects.create(kind=AuthorityKind.VISA_OFFICE, name="Visa office (test)")
    AuthorityRequest.objects.filter(pk=visa.pk).update(authority=office, state=RequestState.ACKNOWLEDGED,
                                                       error_code="")
    starts = now - timedelta(days=1, minutes=case.pk % 1000)
    slot = AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                                          booked=1)
    AppointmentBooking.objects.filter(case=case, state=BookingState.ACTIVE).update(
        state=BookingState.REBOOKED, ended_at=now)
    AppointmentBooking.objects.create(slot=slot, case=case, request_id=visa.pk, attended_at=starts)


def fee_pay(case, kinds=("accelerated_procedure", "visa")) -> None:
    """The fees due before the visa decision (the employer's § 81a fee, the applicant's visa fee) are
    paid at the simulated bank, which notifies the portal (signed)."""
    for fee in FeeDue.objects.filter(case=case, paid_at__isnull=True, kind__in=kinds).order_by("pk"):
        payment, _address = payment_services.payment_start(fee=fee, actor=case.person.user, return_url="/")
        body = SimulatedProvider.notification_body(reference=payment.reference, status="paid",
                                                   amount_cents=payment.amount_cents, currency=payment.currency)
        payment_services.notification_receive(body=body, signature=notification_sign(body))


def employer_fee_pay(case) -> None:
    """The employer pays the § 81a fee (if the case has one): the pre-approval request goes out."""
    fee_pay(case, kinds=("accelerated_procedure",))


def permit_fee_paid(case) -> None:
    """The residence permit fee recorded as paid (what issue_permit waits for)."""
    FeeDue.objects.filter(case=case, paid_at__isnull=True).update(paid_at=timezone.now())


def walk(case, *transitions, actor=None, payloads=None):
    """Applies the transitions in order; before the visa is referred or granted, the offices are done."""
    for transition in transitions:
        if transition in NEEDS_THE_OFFICES:
            offices_done(case)
        if transition == "issue_permit":
            permit_fee_paid(case)
        services.case_transition(case=case, transition=transition, actor=actor,
                                 payload=(payloads or {}).get(transition))
        if transition == "start_authority_review":
            employer_fee_pay(case)
    return case
