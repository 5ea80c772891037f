import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .append_only import AppendOnlyQuerySet, AppendOnlyViolation


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an e-mail address; what they may do comes from their memberships."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    is_staff = models.BooleanField(_("admin site access"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OrganisationKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    WSA = "wsa", _("Work-and-Stay-Agentur")
    VISA_OFFICE = "visa_office", _("Visa office abroad")
    BA = "ba", _("Federal Employment Agency (BA)")
    FOREIGNERS_AUTHORITY = "foreigners_authority", _("Foreigners' authority")
    RECOGNITION_BODY = "recognition_body", _("Recognition body")
    # Representatives act for applicants or employers within a mandate (§ 14 VwVfG).
    RELOCATION_AGENCY = "relocation_agency", _("Relocation agency")
    LAW_FIRM = "law_firm", _("Law firm")
    WELCOME_CENTRE = "welcome_centre", _("Chamber or welcome centre")

    @classmethod
    def authority_kinds(cls):
        return [cls.WSA, cls.VISA_OFFICE, cls.BA, cls.FOREIGNERS_AUTHORITY, cls.RECOGNITION_BODY]

    @classmethod
    def representative_kinds(cls):
        return [cls.RELOCATION_AGENCY, cls.LAW_FIRM, cls.WELCOME_CENTRE]


class Organisation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    legal_form = models.CharField(_("legal form"), max_length=50, blank=True)
    commercial_register_number = models.CharField(_("commercial register number"), max_length=50, blank=True)
    ba_company_number = models.CharField(
        _("BA company number (Betriebsnummer)"), max_length=8, blank=True,
        help_text=_("The eight-digit establishment number issued by the Federal Employment Agency."),
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=3, default="DEU", help_text=_("ISO 3166-1 alpha-3"))
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # An employer that registered itself may not send invitations in the portal's name until an admin
    # has checked its commercial register entry (anyone can type a known firm's name and number).
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    verification_note = models.CharField(_("how it was verified"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_authority(self):
        return self.kind in OrganisationKind.authority_kinds()

    @property
    def is_representative(self):
        return self.kind in OrganisationKind.representative_kinds()


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    EMPLOYER_OWNER = "employer_owner", _("Employer owner")
    EMPLOYER_MEMBER = "employer_member", _("Employer member")
    REPRESENTATIVE_OWNER = "representative_owner", _("Representative owner")
    REPRESENTATIVE_MEMBER = "representative_member", _("Representative member")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")

    @classmethod
    def staff_roles(cls):
        return {cls.CASEWORKER, cls.SUPERVISOR, cls.ADMIN}

    @classmethod
    def employer_roles(cls):
        return {cls.EMPLOYER_OWNER, cls.EMPLOYER_MEMBER}

    @classmethod
    def representative_roles(cls):
        return {cls.REPRESENTATIVE_OWNER, cls.REPRESENTATIVE_MEMBER}

    @classmethod
    def owner_roles(cls):
        return {cls.EMPLOYER_OWNER, cls.REPRESENTATIVE_OWNER}


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership"),
            models.CheckConstraint(
                condition=models.Q(role="applicant") | models.Q(organisation__isnull=False),
                name="membership_needs_organisation_unless_applicant",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation or '-'}"


# --- Employer portal and HR API (issue 5) -----------------------------------------------------
# Invitations of colleagues and candidates, the candidate's consent towards the employer, the
# employer's own case details, API tokens and webhooks. Writes: accounts/services.py and the
# employer block of applications/services.py.


def _default_scopes():
    return []


def _default_webhook_events():
    return ["case.status_changed"]


class MemberInvitation(models.Model):
    """An owner invites a colleague by e-mail. The link carries a signed token; the invitation is
    valid until `expires_at`, once, and only for a user signed in with `email`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="member_invitations",
                                     verbose_name=_("organisation"))
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=30, choices=[
        (role, role.label) for role in (Role.EMPLOYER_MEMBER, Role.EMPLOYER_OWNER, Role.REPRESENTATIVE_MEMBER,
                                        Role.REPRESENTATIVE_OWNER)], default=Role.EMPLOYER_MEMBER)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("accepted by"))
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("colleague invitation")
        verbose_name_plural = _("colleague invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class CandidateInvitation(models.Model):
    """The employer invites the candidate of a case. Signed, expiring, single-use, bound to `email`.
    Sending a new invitation for the same case revokes the previous one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("applications.Case", on_delete=models.CASCADE, related_name="candidate_invitations",
                             verbose_name=_("case"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="candidate_invitations",
                                     verbose_name=_("employer"))
    email = models.EmailField(_("e-mail address"))
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("invited by"))
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                    verbose_name=_("accepted by"))
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("candidate invitation")
        verbose_name_plural = _("candidate invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["case", "created_at"], name="candinv_case_created")]

    def __str__(self):
        return f"{self.case} → {self.email}"

    @property
    def is_pending(self) -> bool:
        return (self.accepted_at is None and self.declined_at is None and self.revoked_at is None
                and self.expires_at > timezone.now())


class RequiredQualification(models.TextChoices):
    ACADEMIC = "academic", _("University degree")
    VOCATIONAL = "vocational", _("Vocational qualification (at least two years of training)")
    NONE = "none", _("No formal qualification")


class EmployerCaseDetails(models.Model):
    """What the employer adds to a case beyond applications.Employment: the remaining fields of the BA
    form "Erklärung zum Beschäftigungsverhältnis" and the employer's own reference."""

    case = models.OneToOneField("applications.Case", on_delete=models.CASCADE, related_name="employer_details",
                                verbose_name=_("case"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("employer"))
    employer_reference = models.CharField(_("your reference"), max_length=100, blank=True)
    required_qualification = models.CharField(_("required qualification"), max_length=20,
                                              choices=RequiredQualification.choices, blank=True)
    required_qualification_detail = models.CharField(_("required qualification in detail"), max_length=300,
                                                     blank=True)
    working_conditions = models.TextField(_("working conditions"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employer case details")
        verbose_name_plural = _("employer case details")

    def __str__(self):
        return str(self.case)


class ConsentScope(models.TextChoices):
    STATUS = "status", _("Status and next steps only")
    FULL = "full", _("Also my personal data and documents")


class CaseConsent(models.Model):
    """What the candidate lets the employer of the case see. At most one consent of a case is in
    force (revoked_at empty); changing the scope revokes the old row, so the history stays."""

    case = models.ForeignKey("applications.Case", on_delete=models.CASCADE, related_name="consents",
                             verbose_name=_("case"))
    person = models.ForeignKey("applications.Person", on_delete=models.CASCADE, related_name="consents",
                               verbose_name=_("person"))
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="case_consents",
                                     verbose_name=_("employer"))
    scope = models.CharField(_("what the employer may see"), max_length=10, choices=ConsentScope.choices)
    granted_at = models.DateTimeField(pgettext_lazy("date label", "granted"), default=timezone.now)
    granted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("granted by"))
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(revoked_at__isnull=True),
                                    name="one_consent_in_force_per_case"),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_scope_display()}"


class EmployerThreadMessage(models.Model):
    """Marks a case message as part of the employer's thread with the case team. Without full
    consent an employer sees only these (never the candidate's own messages)."""

    message = models.OneToOneField("applications.Message", on_delete=models.CASCADE, related_name="employer_thread")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("employer thread message")
        verbose_name_plural = _("employer thread messages")

    def __str__(self):
        return str(self.message)


class ApiScope(models.TextChoices):
    CASES_READ = "cases:read", _("Read cases")
    CASES_WRITE = "cases:write", _("Start cases and invite candidates")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhooks")


class ApiToken(models.Model):
    """An HR API token of an organisation. Only the SHA-256 of the token is stored; the prefix finds
    the row, the hash is compared in constant time."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens",
                                     verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=_default_scopes)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(pgettext_lazy("date label", "revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.organisation} · {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class WebhookEndpoint(models.Model):
    """A URL of an organisation that receives signed status-change deliveries. The secret is shown
    once and stored encrypted (it is needed to sign)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints",
                                     verbose_name=_("organisation"))
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret_encrypted = models.TextField()
    events = models.JSONField(_("events"), default=_default_webhook_events)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.organisation} · {self.url}"


class WebhookDelivery(models.Model):
    """One delivery of one event to one endpoint: the delivery log, and the retry queue."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SUCCEEDED = "succeeded", _("delivered")
        FAILED = "failed", _("failed, given up")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    event_type = models.CharField(_("event"), max_length=50)
    payload = models.JSONField(_("payload"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhookdelivery_due")]

    def __str__(self):
        return f"{self.endpoint} · {self.event_type} · {self.state}"


class AccountDeletion(models.Model):
    """The audit record of an account its holder deleted (GDPR Art. 17): which account, when, and what
    was deleted or kept. Only the account's random public id, no personal data: the record outlives the
    data it speaks about. Append-only; written by applications.audit.account_deletion_record()."""

    account = models.UUIDField(_("account (public id)"), db_index=True, editable=False)
    deleted_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    drafts_deleted = models.PositiveIntegerField(_("drafts deleted"), default=0)
    documents_deleted = models.PositiveIntegerField(_("documents deleted"), default=0)
    cases_retained = models.PositiveIntegerField(_("cases kept until their retention period ends"), default=0)
    retained_until = models.DateTimeField(_("kept until"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")
        ordering = ["-deleted_at", "-pk"]

    def __str__(self):
        return f"{self.account} · {self.deleted_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("Account deletions are append-only: a record is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("Account deletions are append-only: a record is never deleted.")
