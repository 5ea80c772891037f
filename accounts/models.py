import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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

    @classmethod
    def authority_kinds(cls):
        return [cls.WSA, cls.VISA_OFFICE, cls.BA, cls.FOREIGNERS_AUTHORITY, cls.RECOGNITION_BODY]


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

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_authority(self):
        return self.kind in OrganisationKind.authority_kinds()


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    EMPLOYER_OWNER = "employer_owner", _("Employer owner")
    EMPLOYER_MEMBER = "employer_member", _("Employer member")
    CASEWORKER = "caseworker", _("Caseworker")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")

    @classmethod
    def staff_roles(cls):
        return {cls.CASEWORKER, cls.SUPERVISOR, cls.ADMIN}

    @classmethod
    def employer_roles(cls):
        return {cls.EMPLOYER_OWNER, cls.EMPLOYER_MEMBER}


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
