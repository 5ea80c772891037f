"""The mandate (Vollmacht, § 14 VwVfG): a principal (an applicant or an employer) lets a representative
organisation see their cases and, if the scope says so, act in them; and the invitation a representative
sends a client who has no account yet."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class MandateScope(models.TextChoices):
    # § 14 Abs. 1 Satz 2 VwVfG: a mandate covers every procedural act unless its content limits it;
    # "read" is such a limit (the representative follows the case but does nothing in it).
    READ = "read", _("See the case")
    ACT = "act", _("See the case and act in it (documents, answers, messages, submitting)")


class Mandate(models.Model):
    """Exactly one principal: `principal_person` (an applicant) or `principal_organisation` (an employer).
    In force while not revoked and today lies within valid_from..valid_until; a revocation ends it at once
    (§ 14 Abs. 1 Satz 4 VwVfG: it takes effect towards the authority when it reaches it — here, at once)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    principal_person = models.ForeignKey("applications.Person", on_delete=models.CASCADE, null=True, blank=True,
                                         related_name="mandates", verbose_name=_("applicant"))
    principal_organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, null=True,
                                               blank=True, related_name="mandates_granted",
                                               verbose_name=_("employer"))
    representative = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                                       related_name="mandates_held", verbose_name=_("representative"))
    scope = models.CharField(_("what the representative may do"), max_length=10, choices=MandateScope.choices,
                             default=MandateScope.READ)
    # § 41 Abs. 1 Satz 2 VwVfG: a decision may be made known to the appointed representative.
    receives_decisions = models.BooleanField(_("decisions are delivered to the representative too"), default=False)
    all_cases = models.BooleanField(_("all cases"), default=True)
    cases = models.ManyToManyField("applications.Case", blank=True, related_name="mandates",
                                   verbose_name=_("cases covered"))
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The power of attorney: confirmed in the portal (the principal's signed-in statement, with its time)
    # or uploaded as a document.
    confirmed_at = models.DateTimeField(_("confirmed in the portal"), null=True, blank=True)
    power_of_attorney = models.ForeignKey("documents.Document", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", verbose_name=_("power of attorney"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(pgettext_lazy("date label", "granted"), default=timezone.now)
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("revoked by"))

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(principal_person__isnull=False, principal_organisation__isnull=True)
                           | Q(principal_person__isnull=True, principal_organisation__isnull=False)),
                name="mandate_has_one_principal",
            ),
        ]

    def __str__(self):
        return f"{self.principal_label} → {self.representative}"

    @property
    def principal_label(self) -> str:
        if self.principal_person_id:
            person = self.principal_person
            return " ".join(p for p in (person.given_names, person.surname) if p) or person.email
        return str(self.principal_organisation)

    @property
    def may_act(self) -> bool:
        return self.scope == MandateScope.ACT

    @property
    def status(self) -> str:
        """active, expired, revoked or future (valid_from not reached)."""
        today = timezone.localdate()
        if self.revoked_at is not None:
            return "revoked"
        if self.valid_until is not None and self.valid_until < today:
            return "expired"
        if self.valid_from > today:
            return "future"
        return "active"


def mandate_in_force_q(prefix: str = "") -> Q:
    """The mandates in force today, as a filter (prefix: the path to the mandate, e.g. "mandates__")."""
    today = timezone.localdate()
    return (Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}valid_from__lte": today})
            & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})))


class ClientInvitation(models.Model):
    """A representative starts a case for a client without an account and invites them by e-mail. The
    link carries a signed token; valid until `expires_at`, once, only for a user signed in with `email`.
    On acceptance the client confirms the mandate with the scope chosen here."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    representative = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE,
                                       related_name="client_invitations", verbose_name=_("representative"))
    case = models.ForeignKey("applications.Case", on_delete=models.CASCADE, related_name="client_invitations",
                             verbose_name=_("case"))
    email = models.EmailField(_("e-mail address"))
    scope = models.CharField(_("what the representative may do"), max_length=10, choices=MandateScope.choices,
                             default=MandateScope.ACT)
    receives_decisions = models.BooleanField(_("decisions are delivered to the representative too"), default=True)
    valid_until = models.DateField(_("mandate valid until"), null=True, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("accepted by"))
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("client invitation")
        verbose_name_plural = _("client invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.representative} → {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
