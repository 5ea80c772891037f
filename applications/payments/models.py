"""The fee due for a case's visa application and the attempts to pay it."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models.titles import TitleKind, permit_title_kind


class FeeKind(models.TextChoices):
    """The fees collected in the portal, one row of each kind at most per case."""

    VISA = "visa", _("Visa fee")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit fee")
    ACCELERATED = "accelerated_procedure", _("Fee for the accelerated skilled-worker procedure")


class FeeDue(models.Model):
    """A fee owed for a case, fixed from applications.rules.catalogue: the national visa fee when the
    WSA confirms the application complete (§ 46 Abs. 2 Nr. 1 AufenthV), the § 81a fee at the same time
    (§ 47 Abs. 1 Nr. 15 AufenthV, the employer's), the residence permit fee when the entry is reported
    (§ 45 Nr. 1 AufenthV); for a minor half of the applicant's fees (§ 50 Abs. 1 AufenthV). `office`
    charges it: whether it takes online payments is its setting (Authority.accepts_online_payment);
    otherwise its staff record the payment made at the appointment (`receipt_number`, `recorded_by`)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("applications.Case", on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(max_length=30, choices=FeeKind.choices, default=FeeKind.VISA)
    office = models.ForeignKey("authorities.Authority", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    label = models.CharField(max_length=200)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    source = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Paid in person at the office: the office's receipt number and who recorded it (empty when online).
    receipt_number = models.CharField(max_length=40, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="fee_one_per_kind")]

    def __str__(self):
        return f"{self.case} · {self.amount_cents / 100:.2f} {self.currency}"

    @property
    def online(self) -> bool:
        """The office charging the fee takes it online (Authority.accepts_online_payment); a fee without
        a known office can be paid online."""
        return self.office_id is None or self.office.accepts_online_payment

    @property
    def kind_label(self) -> str:
        """The fee's name as the payer reads it: a § 18g case pays for an EU Blue Card (§ 45 Nr. 1 AufenthV names
        both), not for an Aufenthaltserlaubnis."""
        if self.kind == FeeKind.RESIDENCE_PERMIT and permit_title_kind(self.case.title_code) == TitleKind.EU_BLUE_CARD:
            return _("EU Blue Card fee")
        return self.get_kind_display()

    @property
    def employer_pays(self) -> bool:
        """The § 81a fee is the employer's (§ 81a AufenthG: the employer applies); the others the applicant's."""
        return self.kind == FeeKind.ACCELERATED



def payment_reference() -> str:
    """The provider's reference is also the capability of the bank's page: unguessable."""
    return "WSA-" + secrets.token_urlsafe(18)


class RefundState(models.TextChoices):
    """A payment that must go back (a second payment of a fee already paid): asked of the provider,
    retried on the periodic sweep while it fails."""

    PENDING = "pending", _("Refund requested")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Refund failed, retried automatically")


class Payment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the bank's confirmation")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment cancelled")
        ABANDONED = "abandoned", _("Replaced by a new attempt")

    fee = models.ForeignKey(FeeDue, on_delete=models.CASCADE, related_name="payments")
    reference = models.CharField(max_length=40, unique=True, default=payment_reference, editable=False)
    provider = models.CharField(max_length=30)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the raw body of the notification that settled the attempt (evidence, and replays).
    notification_hash = models.CharField(max_length=64, blank=True)
    # The provider's own id of the registered payment (the HTTP provider's; empty for the simulated bank).
    provider_payment_id = models.CharField(max_length=64, blank=True)
    payer = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    refund_state = models.CharField(max_length=10, choices=RefundState.choices, blank=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.reference} · {self.state}"
