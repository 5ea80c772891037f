"""What the holder of a title does with it in the portal: the reminders before it ends, and share codes
that let an employer or a landlord check the status without a copy of the card (the idea of the UK's
share codes and Australia's VEVO)."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TitleReminder(models.Model):
    """One reminder e-mail sent `days_before` the title's end; the unique pair makes it go out once."""

    title = models.ForeignKey("applications.ResidenceTitle", on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before the end"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("title reminder")
        verbose_name_plural = _("title reminders")
        constraints = [models.UniqueConstraint(fields=["title", "days_before"], name="title_reminder_once")]

    def __str__(self):
        return f"{self.title} · {self.days_before}"


class SharePurpose(models.TextChoices):
    RIGHT_TO_WORK = "right_to_work", _("Right to work (for an employer)")
    RIGHT_TO_RENT = "right_to_rent", _("Right to rent (for a landlord)")


class ShareCodeQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked and not expired (the title's own validity is checked with it)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareCode(models.Model):
    """A time-limited, purpose-bound code for one title. Only a keyed hash of the code is stored
    (titles.share_codes.code_digest): the holder sees the code once, and a copy of the database
    opens nothing."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.ForeignKey("applications.ResidenceTitle", on_delete=models.CASCADE, related_name="share_codes")
    purpose = models.CharField(_("purpose"), max_length=20, choices=SharePurpose.choices)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The last characters, so that the holder can tell their codes apart in the list.
    hint = models.CharField(max_length=3, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ShareCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("share code")
        verbose_name_plural = _("share codes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"…{self.hint} ({self.get_purpose_display()})"


class ShareCodeCheck(models.Model):
    """One successful check with a code: shown to the holder (who looked, when, for what)."""

    code = models.ForeignKey(ShareCode, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(_("checked"), auto_now_add=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=SharePurpose.choices)
    organisation = models.CharField(_("organisation as stated by the checker"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("share code check")
        verbose_name_plural = _("share code checks")
        ordering = ["-checked_at", "-pk"]

    def __str__(self):
        return f"{self.code} · {self.checked_at:%Y-%m-%d %H:%M}"
