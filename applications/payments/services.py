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
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities import routing
from authorities import selectors as authority_selectors

from ..models import Case, EventKind
from ..rules import catalogue
from ..services.cases import event_append
from . import provider as providers
from .models import FeeDue, Payment
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


def case_visa_fee(*, case: Case) -> catalogue.Fee | None:
    """The fee the applicant pays before the visa decision: the national visa fee (§ 46 Abs. 2 Nr. 1
    AufenthV), half for a minor (§ 50 Abs. 1 AufenthV). The § 81a fee is the employer's, paid to the
    foreigners' authority, and the residence permit's is charged after entry (§ 45 AufenthV): neither is
    collected here. None for a title applied for in Germany (an extension, a title without a visa).
    Without a date of birth the applicant counts as an adult: the full fee, which the visa office can
    reduce, rather than a reduction the law may not give."""
    if not case.title_code or routing.case_extension(case) is not None:
        return None
    age = _age_on(case.person.birth_date, timezone.localdate())
    try:
        items = catalogue.fees(case.title_code, minor=age is not None and age < 18)
    except catalogue.UnknownTitle:
        return None
    return next((fee for fee in items if fee.code == "national_visa"), None)


def fee_due_create(*, case: Case) -> FeeDue | None:
    """Fixes the case's fee when the WSA confirms the application complete (`start_authority_review`):
    from then on the visa office works on it; an application sent back as incomplete costs nothing.
    Idempotent: a fee already fixed stays as it is."""
    existing = FeeDue.objects.filter(case=case).first()
    if existing is not None:
        return existing
    fee = case_visa_fee(case=case)
    if fee is None:
        return None
    return FeeDue.objects.create(case=case, label=str(fee.label), source=fee.source, currency="EUR",
                                 amount_cents=int((fee.amount_eur * 100).to_integral_value()))


@transaction.atomic
def payment_start(*, fee: FeeDue, actor, return_url: str) -> tuple[Payment, str]:
    """A new attempt at the provider; returns it and the address of the provider's page. Earlier
    attempts still pending are abandoned (an applicant who left the bank's page tries again). A
    provider that is down changes nothing: PaymentError, and the transaction is rolled back."""
    fee = FeeDue.objects.select_for_update().get(pk=fee.pk)
    if fee.paid_at is not None:
        raise PaymentError(_("The fee has already been paid."))
    if not fee.case.awaits_visa_appointment or (
            authority_selectors.case_approvals_state(case=fee.case) == authority_selectors.APPROVALS_REFUSED):
        raise PaymentError(_("The visa has been decided, only a rejection can follow or the application has ended: "
                             "there is nothing to pay."))
    adapter = None
    try:
        adapter = providers.provider_get()
        fee.payments.filter(state=Payment.State.PENDING).update(state=Payment.State.ABANDONED)
        payment = Payment.objects.create(fee=fee, provider=adapter.name, amount_cents=fee.amount_cents,
                                         currency=fee.currency)
        address = adapter.payment_create(reference=payment.reference, amount_cents=payment.amount_cents,
                                         currency=payment.currency, purpose=fee.case.reference,
                                         return_url=return_url)
    except providers.ProviderUnavailable as exc:
        logger.warning("payment provider %s unavailable for case %s: %s",
                       getattr(adapter, "name", "?"), fee.case.reference, exc)
        transaction.set_rollback(True)
        raise PaymentError(_("The payment service is not available at the moment. Nothing was charged. "
                             "Please try again later.")) from exc
    return payment, address


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
        # Paid, also for an abandoned attempt: the money arrived, it counts.
        now = timezone.now()
        payment.state, payment.paid_at, payment.notification_hash = Payment.State.PAID, now, digest
        payment.save(update_fields=["state", "paid_at", "notification_hash"])
        if fee.paid_at is None:
            fee_mark_paid(fee=fee, at=now)
    return payment


def fee_mark_paid(*, fee: FeeDue, at=None, actor=None) -> None:
    """Records the fee paid, with its timeline entry, and lets the procedure move on (fee_paid signal);
    in the caller's transaction, `fee` locked."""
    case = Case.objects.select_for_update().get(pk=fee.case_id)
    fee.paid_at = at or timezone.now()
    fee.save(update_fields=["paid_at"])
    event_append(case=case, kind=EventKind.FEE, actor=actor, payload={
        "what": "paid", "amount": str(Decimal(fee.amount_cents) / 100), "currency": fee.currency,
        "source": fee.source})
    fee_paid.send(sender=FeeDue, case=case, actor=actor)
