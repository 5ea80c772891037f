"""The wording of decision letters (Bescheide), kept by the operator in the admin: one template per kind
of letter and language, optionally narrowed to a kind of office, one office and one residence title.
applications.letters picks the most specific one and renders it."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind

from ..rules.letters import placeholder_errors, title_code_known


def _same(text: str) -> str:
    """The text as it prints: a browser's line endings and trailing blanks change nothing."""
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines())


class LetterKind(models.TextChoices):
    VISA_GRANTED = "visa_granted", _("Visa granted")
    VISA_REJECTED = "visa_rejected", _("Visa refused")
    PERMIT_GRANTED = "permit_granted", _("Residence permit granted")
    PERMIT_REJECTED = "permit_rejected", _("Residence permit refused")
    EXTENSION_GRANTED = "extension_granted", _("Residence permit extended")
    EXTENSION_REJECTED = "extension_rejected", _("Extension of the residence permit refused")


class LetterLanguage(models.TextChoices):
    # Decisions are German; an English translation follows for English procedures (§ 23 Abs. 1 VwVfG).
    DE = "de", "Deutsch"
    EN = "en", "English"


class LetterTemplate(models.Model):
    """Written only through the admin (applications.admin.LetterTemplateAdmin); read by
    applications.letters.letter_template. A body that changes loses its review (save)."""

    kind = models.CharField(_("letter"), max_length=30, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=2, choices=LetterLanguage.choices)
    office_kind = models.CharField(
        _("kind of office"), max_length=30, blank=True,
        choices=[(kind, label) for kind, label in OrganisationKind.choices
                 if kind in OrganisationKind.authority_kinds()],
        help_text=_("Empty: every kind of office."))
    office = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("office"), limit_choices_to={"kind__in": OrganisationKind.authority_kinds()},
        help_text=_("Empty: every office. A template for one office wins over one for its kind of office."))
    title_code = models.CharField(
        _("residence title"), max_length=10, blank=True,
        help_text=_("Empty: every residence title. A template for one title wins over a general one."))
    body = models.TextField(_("letter text"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("legally reviewed by"))
    reviewed_at = models.DateTimeField(_("legally reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True,
                                   help_text=_("Who checked the wording against which law, and what was changed."))
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    # A change of these means the reviewed wording is no longer the wording that is printed.
    REVIEWED_FIELDS = ("body", "kind", "language")

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        ordering = ["kind", "language", "office_kind", "office", "title_code", "pk"]
        permissions = [("review_lettertemplate", "Can mark letter templates as legally reviewed")]

    def __str__(self):
        scope = [str(self.office) if self.office_id else self.get_office_kind_display()]
        if self.title_code:
            scope.append(self.title_code)
        return " · ".join(part for part in [self.get_kind_display(), self.get_language_display(), *scope] if part)

    def save(self, *args, **kwargs):
        if self.pk is not None and self.reviewed_at is not None:
            stored = LetterTemplate.objects.filter(pk=self.pk).values(*self.REVIEWED_FIELDS).first()
            if stored is not None and any(_same(stored[name]) != _same(getattr(self, name))
                                          for name in self.REVIEWED_FIELDS):
                self.reviewed_by, self.reviewed_at = None, None
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "reviewed_by", "reviewed_at"}
        super().save(*args, **kwargs)

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None

    def clean(self):
        errors = {}
        problems = placeholder_errors(self.body or "")
        if problems:
            errors["body"] = problems
        if self.title_code and not title_code_known(self.title_code):
            errors["title_code"] = _("There is no residence title with this code.")
        if self.office_id and self.office_kind and self.office.kind != self.office_kind:
            errors["office"] = _("This office is not of the kind chosen above.")
        duplicates = LetterTemplate.objects.filter(kind=self.kind, language=self.language, office_kind=self.office_kind,
                                                   office=self.office, title_code=self.title_code).exclude(pk=self.pk)
        if duplicates.exists():
            errors[NON_FIELD_ERRORS] = _("There is already a template for this letter, language and scope.")
        if errors:
            raise ValidationError(errors)
