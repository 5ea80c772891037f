"""The residence title after it is issued: the object a person lives with (expiry, conditions,
extension, settlement), and what the after-arrival services build on."""

import uuid
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..rules.after_arrival import BLUE_CARD_CODE


class TitleKind(models.TextChoices):
    NATIONAL_VISA = "national_visa", _("National visa (type D)")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    EU_BLUE_CARD = "eu_blue_card", _("EU Blue Card")
    SETTLEMENT_PERMIT = "settlement_permit", _("Settlement permit")


def permit_title_kind(title_code: str) -> TitleKind:
    """The title a permit decision grants: under § 18g AufenthG an EU Blue Card, a residence title of its own
    beside the Aufenthaltserlaubnis (§ 4 Abs. 1 S. 2 Nr. 2 and 2a AufenthG); every other purpose an
    Aufenthaltserlaubnis."""
    return TitleKind.EU_BLUE_CARD if title_code == BLUE_CARD_CODE else TitleKind.RESIDENCE_PERMIT


class WorkPermission(models.TextChoices):
    """What the title allows as work (§ 4a AufenthG): every employment, only what its conditions name,
    or none."""

    ANY = "any", _("Any employment permitted")
    AS_CONDITIONED = "as_conditioned", _("Employment permitted only as stated in the conditions")
    NONE = "none", _("Employment not permitted")


class TitleEnd(models.TextChoices):
    REPLACED = "replaced", _("replaced by a new title")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")
    RETURNED = "returned", _("given up")


class ResidenceTitleQuerySet(models.QuerySet):
    def valid_on(self, day: date):
        """Issued, not ended, and `day` within its validity (no end date: unlimited)."""
        return self.filter(ended_at__isnull=True, valid_from__lte=day).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day))


class ResidenceTitle(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey("applications.Person", on_delete=models.PROTECT, related_name="titles",
                               verbose_name=_("holder"))
    # The case whose decision issued it (none for titles recorded from before the portal).
    case = models.ForeignKey("applications.Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="titles")
    kind = models.CharField(_("kind"), max_length=30, choices=TitleKind.choices)
    title_code = models.CharField(_("residence title"), max_length=10)
    legal_basis = models.CharField(_("legal basis"), max_length=120)
    work_permission = models.CharField(_("work"), max_length=20, choices=WorkPermission.choices,
                                       default=WorkPermission.AS_CONDITIONED)
    employer = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("employer named in the conditions"))
    occupation = models.CharField(_("occupation named in the conditions"), max_length=200, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)  # none: unlimited
    card_number = models.CharField(_("card number"), max_length=20, blank=True)
    issued_by = models.ForeignKey("authorities.Authority", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replaced_by", verbose_name=_("replaces"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, choices=TitleEnd.choices, blank=True)
    # The holder's consent that the employer named in the conditions is reminded before the title
    # ends (None: not given or withdrawn). The case's consent covers the procedure, not the title.
    employer_reminders_since = models.DateTimeField(_("employer reminded since"), null=True, blank=True)

    objects = ResidenceTitleQuerySet.as_manager()

    class Meta:
        verbose_name = _("residence title")
        verbose_name_plural = _("residence titles")
        ordering = ["-valid_from", "-pk"]
        indexes = [
            models.Index(fields=["holder", "-valid_from"], name="title_holder_valid_from"),
            # The expiry reminders read the open titles by end date.
            models.Index(fields=["valid_until"], condition=models.Q(ended_at__isnull=True),
                         name="title_open_valid_until"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__isnull=True)
                                   | models.Q(valid_until__gte=models.F("valid_from")),
                                   name="title_valid_until_after_from"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.legal_basis})"

    def is_valid_on(self, day: date) -> bool:
        return (self.ended_at is None and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))
