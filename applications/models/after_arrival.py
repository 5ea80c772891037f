"""After arrival: the link of an extension case to the title it extends, and the digital
certificate of the continued title (Fiktionsbescheinigung, § 81 Abs. 5 AufenthG)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TitleExtension(models.Model):
    """An application to extend a title (§ 81 Abs. 4 AufenthG): the case that carries it, the title it
    extends, and what the holder said has changed since (once-only: only the changes are asked)."""

    case = models.OneToOneField("applications.Case", on_delete=models.CASCADE, related_name="extension")
    title = models.ForeignKey("applications.ResidenceTitle", on_delete=models.PROTECT, related_name="extensions",
                              verbose_name=_("extended title"))
    same_employment = models.BooleanField(_("same employer and job"), default=True)
    address_changed = models.BooleanField(_("address changed"), default=False)
    # Whether the Federal Employment Agency is asked again (rules.after_arrival.extension_ba_needed).
    ba_needed = models.BooleanField(default=True)
    # A change of purpose (case.title_code differs from the title's): the employer of the job offer as
    # the holder named it (the employer need not have an organisation in the portal).
    employer_name = models.CharField(_("employer named by the holder"), max_length=200, blank=True)
    applied_on = models.DateField(_("applied on"))
    # Applied for before the old title expired (§ 81 Abs. 4 S. 1 AufenthG).
    in_time = models.BooleanField(_("applied for in time"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")

    def __str__(self):
        return f"{self.case} → {self.title}"

    @property
    def purpose_change(self) -> bool:
        """An application for a title of another purpose (§ 81 Abs. 4 S. 1 AufenthG: "die Erteilung eines
        anderen Aufenthaltstitels"), not the extension of the same one."""
        return self.case.title_code != self.title.title_code


class FictionCertificate(models.Model):
    """The digital Fiktionsbescheinigung: the old title counts as continuing, with all its conditions,
    until the foreigners' authority decides (§ 81 Abs. 4 S. 1, Abs. 5 AufenthG)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField("applications.Case", on_delete=models.PROTECT, related_name="fiction_certificate")
    title = models.ForeignKey("applications.ResidenceTitle", on_delete=models.PROTECT,
                              related_name="fiction_certificates", verbose_name=_("continued title"))
    issued_at = models.DateTimeField(_("issued"))
    # Set when the authority decided: the certificate's effect ends with the decision, not on a date.
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    verification_code = models.CharField(max_length=32, unique=True)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("certificate of continued residence title")
        verbose_name_plural = _("certificates of continued residence title")
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.case} · {self.title}"

    @property
    def in_force(self) -> bool:
        return self.ended_at is None
