"""Writing the fee and its payments: the fee due at completeness, a payment attempt at the provider,
the provider's signed notification. Everything that settles a payment runs with the fee locked, so a
notification and its replay (or two attempts' notifications) cannot both count."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from authorities import routing
from authorities import selectors as authority_selectors
from authorities.models import AuthorityRequest

from ..figures import rule_figures
from ..models import Case, EventKind
from ..rules import catalogue
from ..services.cases import event_append
from . import provider as providers
from .models import FeeDue, FeeKind, Payment, RefundState
from .signals import fee_paid

logger = logging.getLogger("wsa.payments")


class PaymentError(Exception):
    """A payment could not be started; the message is for the applicant."""


class NotificationRefused(Exception):
    """The provider's notification is not taken; `status` is the HTTP answer (403 forged, 404 unknown
    reference, 400 malformed or not matching the payment)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def _age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# The catalogue's code of each fee kind (applications.rules.catalogue.fees).
CATALOGUE_CODES = {FeeKind.VISA: "national_visa", FeeKind.ACCELERATED: "accelerated_procedure",
                   FeeKind.RESIDENCE_PERMIT: "residence_permit"}
# The authority step whose office charges the fee.
CHARGING_STEP = {FeeKind.VISA: "visa", FeeKind.ACCELERATED: "pre_approval_81a",
                 FeeKind.RESIDENCE_PERMIT: "residence_permit"}


def case_fee_of_kind(*, case: Case, kind: str) -> catalogue.Fee | None:
    """The fee of that kind the case owes, from the catalogue:

    - visa: the national visa fee, EUR 75 (§ 46 Abs. 2 Nr. 1 AufenthV), half for a minor (§ 50 Abs. 1);
    - accelerated_procedure: EUR 411 (§ 47 Abs. 1 Nr. 15 AufenthV), only in the § 81a procedure, the
      employer's; not halved for a minor (the employer applies, not the minor);
    - residence_permit: first issuance of the residence permit or EU Blue Card after entry, EUR 100
      whatever its validity (§ 45 Nr. 1 lit. a and b AufenthV), half for a minor (§ 50 Abs. 1).
      Exemptions of § 52 AufenthV (e.g. Abs. 3, recognised refugees) and § 53 (social benefits,
      hardship) are the foreigners' authority's decision on the facts: not applied here; the office
      can take the reduced fee at the appointment.

    None for a title applied for in Germany (an extension: the foreigners' authority states its fee).
    Without a date of birth the applicant counts as an adult: the full fee, which the office can
    reduce, rather than a reduction the law may not give."""
    if not case.title_code or routing.case_extension(case) is not None:
        return None
    age = _age_on(case.person.birth_date, timezone.localdate())
    try:
        items = catalogue.fees(case.title_code, minor=age is not None and age < 18,
                               accelerated=bool(case.accelerated))
    except catalogue.UnknownTitle:
        return None
    return next((fee for fee in items if fee.code == CATALOGUE_CODES[kind]), None)


def fee_due_create(*, case: Case, kind: str = FeeKind.VISA) -> FeeDue | None:
    """Fixes a fee of the case: the visa fee (and in the § 81a procedure the employer's fee) when the
    WSA confirms the application complete (`start_authority_review`): from then on the offices work on
    it; an application sent back as incomplete costs nothing. The residence permit fee when the entry
    is reported (`report_entry`), as the foreigners' authority's step starts. Idempotent: a fee already
    fixed stays as it is."""
    existing = FeeDue.objects.filter(case=case, kind=kind).first()
    if existing is not None:
        return existing
    fee = case_fee_of_kind(case=case, kind=kind)
    if fee is None:
        return None
    office_id = (AuthorityRequest.objects.filter(case=case, purpose=CHARGING_STEP[kind])
                 .values_list("authority_id", flat=True).first())
    if office_id is None:
        # The § 81a pre-approval is asked only once this fee is paid: the office it will go to.
        routes = routing.case_route(case, figures=rule_figures(), purposes={CHARGING_STEP[kind]})
        office_id = next((route.authority.pk for route in routes if route.authority), None)
    # The label is kept as its source text (the msgid): each reader's page translates it, whatever
    # language the request or task that created the fee was speaking.
    with translation.override(None):
        label = str(fee.label)
    return FeeDue.objects.create(case=case, kind=kind, office_id=office_id, label=label,
                                 source=fee.source, currency="EUR",
                                 amount_cents=int((fee.amount_eur * 100).to_integral_value()))


@transaction.atomic
def payment_start(*, fee: FeeDue, actor, return_url: str) -> tuple[Payment, str]:
    """A new attempt at the provider; returns it and the address of the provider's page. Earlier
    attempts still pending are abandoned (an applicant who left the bank's page tries again). A
    provider that is down changes nothing: PaymentError, and the transaction is rolled back."""
    fee = FeeDue.objects.select_for_update(of=("self",)).select_related("office", "case").get(pk=fee.pk)
    if fee.paid_at is not None:
        raise PaymentError(_("The fee has already been paid."))
    if fee.kind == FeeKind.VISA and (not fee.case.awaits_visa_appointment or (
            authority_selectors.case_approvals_state(case=fee.case) == authority_selectors.APPROVALS_REFUSED)):
        raise PaymentError(_("The visa has been decided, only a rejection can follow or the application has ended: "
                             "there is nothing to pay."))
    if not fee.online:
        raise PaymentError(_("This office does not take the fee online. Please pay it at your appointment."))
    adapter = None
    try:
        adapter = providers.provider_get()
        fee.payments.filter(state=Payment.State.PENDING).update(state=Payment.State.ABANDONED)
        payment = Payment.objects.create(fee=fee, provider=adapter.name, amount_cents=fee.amount_cents,
                                         currency=fee.currency, payer=actor)
        registration = adapter.payment_create(reference=payment.reference, amount_cents=payment.amount_cents,
                                              currency=payment.currency, purpose=f"{fee.case.reference} {fee.kind}",
                                              return_url=return_url)
    except providers.ProviderUnavailable as exc:
        logger.warning("payment provider %s unavailable for case %s: %s",
                       getattr(adapter, "name", "?"), fee.case.reference, exc)
        transaction.set_rollback(True)
        raise PaymentError(_("The payment service is not available at the moment. Nothing was charged. "
                             "Please try again later.")) from exc
    if registration.provider_payment_id:
        payment.provider_payment_id = registration.provider_payment_id
        payment.save(update_fields=["provider_payment_id"])
    return payment, registration.address


def notification_receive(*, body: bytes, signature: str) -> Payment:
    """The provider's server-to-server notification. Checked in this order: the signature (403, logged),
    the body (400), the reference (404), the amount and currency against the attempt (400, logged). A
    notification for an attempt already settled changes nothing (a replay, or a late word after the
    outcome): the first one counts."""
    if not providers.notification_signature_valid(body, signature):
        logger.warning("payment notification with an invalid signature refused (%d bytes)", len(body))
        raise NotificationRefused(403, "invalid signature")
    try:
        data = json.loads(body)
        reference, status = str(data["reference"]), data["status"]
        amount_cents, currency = int(data["amount_cents"]), str(data["currency"])
    except (ValueError, KeyError, TypeError) as exc:
        raise NotificationRefused(400, "malformed notification") from exc
    if status not in ("paid", "failed"):
        raise NotificationRefused(400, "unknown status")
    with transaction.atomic():
        payment = Payment.objects.select_related("fee").filter(reference=reference).first()
        if payment is None:
            raise NotificationRefused(404, "unknown reference")
        fee = FeeDue.objects.select_for_update().select_related("case").get(pk=payment.fee_id)
        payment = Payment.objects.get(pk=payment.pk)
        if (amount_cents, currency) != (payment.amount_cents, payment.currency):
            logger.warning("payment notification for %s refused: %s %s instead of %s %s", reference,
                           amount_cents, currency, payment.amount_cents, payment.currency)
            raise NotificationRefused(400, "amount does not match")
        if payment.state in (Payment.State.PAID, Payment.State.FAILED):
            return payment
        digest = hashlib.sha256(body).hexdigest()
        if status == "failed":
            if payment.state == Payment.State.PENDING:
                payment.state, payment.notification_hash = Payment.State.FAILED, digest
                payment.save(update_fields=["state", "notification_hash"])
            return payment
        # Paid, also for an abandoned attempt: the money arrived, it counts. If the fee was paid already
        # (another attempt, or in person at the office), this money goes back: refunded automatically
        # once the transaction has committed, retried on the periodic sweep while the provider fails.
        now = timezone.now()
        payment.state, payment.paid_at, payment.notification_hash = Payment.State.PAID, now, digest
        fields = ["state", "paid_at", "notification_hash"]
        if fee.paid_at is None:
            fee_mark_paid(fee=fee, at=now, actor=payment.payer)
        else:
            payment.refund_state = RefundState.PENDING
            fields.append("refund_state")
            logger.warning("fee of case %s paid twice (%s): refund requested", fee.case.reference, reference)
            transaction.on_commit(lambda: payment_refund(payment_id=payment.pk))
        payment.save(update_fields=fields)
    return payment


def payment_refund(*, payment_id: int) -> Payment:
    """Asks the provider that took the money to pay it back. A provider that fails leaves the refund
    `failed` with its attempt counted; `refunds_retry` asks again. Idempotent at the provider (its
    Idempotency-Key), and here: a refunded payment is not asked again."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("fee__case").get(pk=payment_id)
        if payment.refund_state not in (RefundState.PENDING, RefundState.FAILED):
            return payment
        payment.refund_attempts += 1
        try:
            providers.provider_get(payment.provider).refund(
                reference=payment.reference, provider_payment_id=payment.provider_payment_id,
                amount_cents=payment.amount_cents, currency=payment.currency)
        except providers.ProviderUnavailable as exc:
            logger.warning("refund of %s (case %s) failed, attempt %d: %s", payment.reference,
                           payment.fee.case.reference, payment.refund_attempts, exc)
            payment.refund_state = RefundState.FAILED
            payment.save(update_fields=["refund_state", "refund_attempts"])
            return payment
        payment.refund_state, payment.refunded_at = RefundState.REFUNDED, timezone.now()
        payment.save(update_fields=["refund_state", "refund_attempts", "refunded_at"])
        event_append(case=payment.fee.case, kind=EventKind.FEE, payload={
            "what": "refunded", "fee_kind": payment.fee.kind,
            "amount": str(Decimal(payment.amount_cents) / 100), "currency": payment.currency})
    return payment


def refunds_retry() -> int:
    """The refunds still owed (failed, or requested and not confirmed), asked again (on the periodic
    deadline sweep, applications.procedure). Returns how many were refunded now."""
    done = 0
    for payment_id in Payment.objects.filter(
            refund_state__in=[RefundState.PENDING, RefundState.FAILED]).values_list("pk", flat=True):
        if payment_refund(payment_id=payment_id).refund_state == RefundState.REFUNDED:
            done += 1
    return done


@transaction.atomic
def fee_record_in_person(*, fee: FeeDue, actor, receipt_number: str) -> FeeDue:
    """The office charging the fee records that it was paid in person at the appointment, with the
    office's receipt number; the caller checked that `actor` is that office's staff. An attempt
    started online before still counts if its money arrives, and is then refunded (see above)."""
    fee = FeeDue.objects.select_for_update().get(pk=fee.pk)
    if fee.paid_at is not None:
        raise PaymentError(_("The fee has already been paid."))
    receipt_number = receipt_number.strip()
    if not receipt_number or len(receipt_number) > 40:
        raise PaymentError(_("Enter the receipt number (at most 40 characters)."))
    fee.receipt_number, fee.recorded_by = receipt_number, actor
    fee.save(update_fields=["receipt_number", "recorded_by"])
    fee_mark_paid(fee=fee, actor=actor)
    return fee


def fee_mark_paid(*, fee: FeeDue, at=None, actor=None) -> None:
    """Records the fee paid, with its timeline entry, and lets the procedure move on (fee_paid signal);
    in the caller's transaction, `fee` locked."""
    case = Case.objects.select_for_update().get(pk=fee.case_id)
    fee.paid_at = at or timezone.now()
    fee.save(update_fields=["paid_at"])
    event_append(case=case, kind=EventKind.FEE, actor=actor, payload={
        "what": "paid", "fee_kind": fee.kind, "amount": str(Decimal(fee.amount_cents) / 100),
        "currency": fee.currency, "source": fee.source, "in_person": bool(fee.receipt_number)})
    fee_paid.send(sender=FeeDue, case=case, kind=fee.kind, actor=actor)
