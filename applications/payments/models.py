"""The fee due for a case's visa application and the attempts to pay it."""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeDue(models.Model):
    """What the applicant owes before the visa is decided: the national visa fee (§ 46 Abs. 2 Nr. 1
    AufenthV; for a minor half of it, § 50 Abs. 1 AufenthV), fixed from applications.rules.catalogue
    when the WSA confirms the application complete. One per case."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("applications.Case", on_delete=models.CASCADE, related_name="fee_due")
    label = models.CharField(max_length=200)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="EUR")
    source = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("fee")
        verbose_name_plural = _("fees")

    def __str__(self):
        return f"{self.case} · {self.amount_cents / 100:.2f} {self.currency}"



def payment_reference() -> str:
    """The provider's reference is also the capability of the bank's page: unguessable."""
    return "WSA-" + secrets.token_urlsafe(18)


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

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.reference} · {self.state}"
