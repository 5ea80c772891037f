from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorityKind(models.TextChoices):
    VISA_OFFICE = "visa_office", _("Visa office abroad")
    BA = "ba", _("Federal Employment Agency (BA)")
    FOREIGNERS_AUTHORITY = "foreigners_authority", _("Foreigners' authority")
    RECOGNITION_BODY = "recognition_body", _("Recognition body")
    REGISTER = "register", _("Central register (AZR)")


class Authority(models.Model):
    """An office that acts on cases; its caseworkers are members of `organisation`."""

    kind = models.CharField(_("kind"), max_length=30, choices=AuthorityKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="authority"
    )
    # Jurisdiction: a visa office serves countries, a foreigners' authority a Land or municipality,
    # a recognition body occupation groups (ISCO-08 major/sub-major groups).
    countries = models.JSONField(_("countries served (ISO alpha-3)"), default=list, blank=True)
    federal_state = models.CharField(_("federal state"), max_length=2, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    occupation_groups = models.JSONField(_("occupation groups (ISCO-08 prefixes)"), default=list, blank=True)
    endpoint_url = models.URLField(_("endpoint (remote transport)"), blank=True)
    public_key_jwk = models.JSONField(_("public key (JWK)"), null=True, blank=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name
