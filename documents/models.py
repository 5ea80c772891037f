import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    UNKNOWN = "unknown", _("Not yet known")
    PASSPORT = "passport", _("Passport")
    ID_CARD = "id_card", _("National ID card")
    DEGREE_CERTIFICATE = "degree_certificate", _("Degree certificate")
    TRANSCRIPT = "transcript", _("Transcript of records")
    EMPLOYMENT_CONTRACT = "employment_contract", _("Employment contract")
    LANGUAGE_CERTIFICATE = "language_certificate", _("Language certificate")
    HEALTH_INSURANCE = "health_insurance", _("Health insurance")
    CV = "cv", _("CV")
    RECOGNITION_NOTICE = "recognition_notice", _("Recognition notice")
    MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage certificate")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    LIVING_SPACE = "living_space", _("Proof of living space")
    PHOTO = "photo", _("Biometric photo")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
    OTHER = "other", _("Other document")


def document_upload_to(document, filename):
    # The stored name never contains what the user typed: it is the document's random id.
    return f"documents/{document.public_id.hex[:2]}/{document.public_id.hex}"


class Document(models.Model):
    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Being checked")
        PASSED = "passed", _("Checked, no problems found")
        NEEDS_ATTENTION = "needs_attention", _("Needs your attention")
        REJECTED = "rejected", _("Rejected")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey("applications.Person", on_delete=models.CASCADE, related_name="documents")
    case = models.ForeignKey("applications.Case", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="documents")
    # A document several cases of a family need (a marriage or birth certificate): uploaded once,
    # handed in with `case` and linked to the others. Staff who may read one of them may read it.
    linked_cases = models.ManyToManyField("applications.Case", blank=True, related_name="linked_documents")
    document_type = models.CharField(_("document type"), max_length=30, choices=DocumentType.choices,
                                     default=DocumentType.UNKNOWN)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type (sniffed)"), max_length=50)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    state = models.CharField(_("check state"), max_length=20, choices=State.choices, default=State.UPLOADED,
                             db_index=True)
    extracted = models.JSONField(_("extracted fields"), default=dict, blank=True)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # How often a check was started: a file that kills the worker is redelivered (acks_late), but
    # only a few times (documents.services.MAX_CHECK_ATTEMPTS).
    check_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_document_type_display()} · {self.original_name}"

    def get_state_display_for_others(self) -> str:
        """The state as a caseworker, or an employer looking at the applicant's documents, reads it: "Needs your
        attention" speaks to the person who uploaded it."""
        if self.state == self.State.NEEDS_ATTENTION:
            return str(_("Checked, with findings"))
        return self.get_state_display()


class Finding(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", _("Note")
        WARNING = "warning", _("Warning")
        ERROR = "error", _("Problem")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(_("code"), max_length=60)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    field = models.CharField(_("field"), max_length=60, blank=True)
    expected = models.CharField(_("expected"), max_length=200, blank=True)
    found = models.CharField(_("found"), max_length=200, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["document", "-severity", "code"]

    def __str__(self):
        return f"{self.code} ({self.severity})"
