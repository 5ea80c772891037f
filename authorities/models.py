"""The authority data hub: offices, the requests the hub sends them and the outbox that carries them.

One `AuthorityRequest` per case and step (purpose); one `Outbox` row carries it to the office. Both
are written in the transaction of the case transition that needs them (see services.py), so a
request is never lost and never sent twice on our side; the office dedupes on `idempotency_key`.
State changes go through services.py only.
"""

import uuid
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuthorityKind(models.TextChoices):
    VISA_OFFICE = "visa_office", _("Visa office abroad")
    BA = "ba", _("Federal Employment Agency (BA)")
    FOREIGNERS_AUTHORITY = "foreigners_authority", _("Foreigners' authority")
    RECOGNITION_BODY = "recognition_body", _("Recognition body")
    REGISTER = "register", _("Central register (AZR)")


def validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(_("Enter a time zone of the IANA database, for example Asia/Kolkata."))


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
    # FIT-Connect destination (Zustellpunkt) of the office, for the http transport.
    destination_id = models.CharField(_("destination id (remote transport)"), max_length=64, blank=True)
    # Adapter id from authorities.adapters.registry; empty: the adapter of the office's kind.
    adapter = models.CharField(_("adapter"), max_length=40, blank=True,
                               help_text=_("Leave empty to use the adapter of the office's kind."))
    # Appointments are shown in the office's own time (authorities.office_time); empty: the portal's.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone],
                                 help_text=_("For example Asia/Kolkata. Leave empty for the portal's time zone."))
    address = models.TextField(_("address for visitors"), blank=True)
    # A visa office may see a family applying together at one appointment (one booking per person in
    # the same slot); whether it does is the office's practice, so it is its setting.
    family_appointments = models.BooleanField(
        _("one appointment for a family"), default=False,
        help_text=_("The main applicant may book one appointment for the family members applying together."))
    # Whether the office takes its fees online through the portal; otherwise the applicant pays at the
    # appointment and the office's staff record it (applications.payments).
    accepts_online_payment = models.BooleanField(_("accepts online payment of fees"), default=True)

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    @property
    def adapter_id(self) -> str:
        return self.adapter or self.kind


class Purpose(models.TextChoices):
    """The authority steps; the codes are those of the rules engine (applications.rules.STEP_PURPOSES)."""

    RECOGNITION = "recognition", _("Recognition of the qualification")
    BA_APPROVAL = "ba_approval", _("Approval of the Federal Employment Agency")
    PRE_APPROVAL_81A = "pre_approval_81a", _("Pre-approval (accelerated procedure)")
    VISA = "visa", _("National visa")
    # The foreigners' authority's step grants a residence title: an Aufenthaltserlaubnis or, under § 18g, an
    # EU Blue Card (§ 4 Abs. 1 S. 2 AufenthG); the step's name covers both.
    RESIDENCE_PERMIT = "residence_permit", _("Residence title")
    REGISTER_CHECK = "register_check", _("Register and security checks")


class RequestState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")
    ACKNOWLEDGED = "acknowledged", _("receipt confirmed")
    ANSWERED = "answered", _("answered")
    FAILED = "failed", _("failed")

    @classmethod
    def open_states(cls) -> list[str]:
        """Sent but not yet answered: the office owes an answer."""
        return [cls.SENT, cls.ACKNOWLEDGED]


class Outcome(models.TextChoices):
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    INFORMATION_NEEDED = "information_needed", _("information needed")


class ErrorCode(models.TextChoices):
    NO_OFFICE = "no_office", _("No office is responsible")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    CASE_CLOSED = "case_closed", _("The case is no longer open")
    BAD_ANSWER = "bad_answer", _("The answer could not be read")


class AuthorityRequest(models.Model):
    """One step of a case at one office (recognition, BA approval, visa, ...), with its legal deadline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("applications.Case", on_delete=models.PROTECT, related_name="authority_requests",
                             verbose_name=_("case"))
    # Empty only while no office is responsible (routing failed): see error_code / last_error.
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="requests", verbose_name=_("authority"))
    purpose = models.CharField(_("step"), max_length=30, choices=Purpose.choices)
    state = models.CharField(_("state"), max_length=20, choices=RequestState.choices,
                             default=RequestState.PENDING, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    # What an approval is limited to, e.g. the BA: employer, occupation, duration.
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    # Legal deadline, counted from delivery (e.g. § 36 Abs. 2 BeschV); empty where the law sets none.
    due_at = models.DateTimeField(_("legal deadline"), null=True, blank=True, db_index=True)
    deadline_source = models.CharField(_("legal basis of the deadline"), max_length=100, blank=True)
    # Silence until due_at counts as approval (Zustimmungsfiktion) ...
    deemed_approval_on_silence = models.BooleanField(_("silence counts as approval"), default=False)
    # ... and was applied.
    deemed_approval = models.BooleanField(_("deemed approval"), default=False)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    error_code = models.CharField(_("error"), max_length=30, choices=ErrorCode.choices, blank=True)
    last_error = models.TextField(_("last error (technical)"), blank=True)
    request_body = models.JSONField(_("request sent"), default=dict, blank=True)
    response_body = models.JSONField(_("last answer received"), default=dict, blank=True)
    remote_id = models.CharField(_("id at the authority"), max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("authority request")
        verbose_name_plural = _("authority requests")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["authority", "state"], name="authreq_authority_state"),
            # The back-office queues (applications.selectors._queue_lanes) and the authorities board:
            # an office's open requests by deadline, all open requests by deadline, an office's cases.
            models.Index(fields=["authority", "due_at", "case"], name="authreq_open_due",
                         condition=models.Q(state__in=["pending", "sent", "acknowledged"])),
            models.Index(fields=["due_at", "case"], name="authreq_open_due_any",
                         condition=models.Q(state__in=["pending", "sent", "acknowledged"])),
            models.Index(fields=["authority", "case"], name="authreq_authority_case"),
            # The WSA's landing: steps an office answered "information needed" (applications.offices),
            # oldest answer first; a handful among millions of answered requests.
            models.Index(fields=["answered_at", "id"], name="authreq_information_needed",
                         condition=models.Q(state="answered", outcome="information_needed")),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_purpose_display()}"

    @property
    def is_open(self) -> bool:
        return self.state in RequestState.open_states()

    def approved_by_silence(self, now) -> bool:
        """The office let its legal deadline pass where silence counts as approval (§ 36 Abs. 2 BeschV): the
        approval is given by law from the deadline on, whether or not the sweep has recorded it yet."""
        return self.deemed_approval_on_silence and self.is_open and self.due_at is not None and self.due_at <= now


class OutboxState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    DEAD = "dead", _("dead letter")


class Outbox(models.Model):
    """Carries one AuthorityRequest to its office; retried with backoff until delivered or dead."""

    request = models.ForeignKey(AuthorityRequest, on_delete=models.CASCADE, related_name="outbox",
                                verbose_name=_("authority request"))
    state = models.CharField(_("state"), max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Due for the next attempt; while a worker sends, it is pushed ahead by the lease.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox entry")
        verbose_name_plural = _("outbox")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_state_due")]

    def __str__(self):
        return f"{self.request} · {self.get_state_display()}"


class SimulatedSubmission(models.Model):
    """The authority side of the in-process `simulated` transport (authorities/simulator/): what the
    simulated offices received, deduplicated on the sender's idempotency key. Not the hub's data."""

    submission_id = models.UUIDField(unique=True, default=uuid.uuid4)
    idempotency_key = models.CharField(max_length=100, unique=True)
    destination = models.CharField(max_length=64, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    record = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("simulated submission")
        verbose_name_plural = _("simulated submissions")

    def __str__(self):
        return str(self.submission_id)


# --- Appointments at the visa office ----------------------------------------------------------
# The one step the applicant must take in person: biometrics, identity check and fee at the visa
# office (DOMAIN.md 3, step 3). The office publishes slots; the applicant books one in the portal.
# Writes only through services.py (`appointment_*`), under row locks.


class AppointmentSlot(models.Model):
    """A time at a visa office with room for `capacity` applicants; `booked` counts the active bookings."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="appointment_slots",
                                  verbose_name=_("authority"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    # Kept by the services in the same transaction as the bookings; the check constraint below makes
    # an overbooked slot impossible whatever the code does.
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("cancelled by"))
    cancellation_reason = models.CharField(_("reason for the cancellation"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("published by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="apptslot_capacity_positive"),
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity")),
                                   name="apptslot_not_overbooked"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="apptslot_ends_after_start"),
            # One open slot per office and start time (publishing the same times again adds nothing).
            models.UniqueConstraint(fields=["authority", "starts_at"], condition=models.Q(cancelled_at__isnull=True),
                                    name="apptslot_one_open_per_start"),
        ]
        # The office's calendar and the applicant's free slots: an office's slots by start time.
        indexes = [models.Index(fields=["authority", "starts_at"], name="apptslot_authority_start")]

    def __str__(self):
        return f"{self.authority} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return 0 if self.cancelled_at else max(self.capacity - self.booked, 0)


class BookingState(models.TextChoices):
    ACTIVE = "active", _("booked")
    REBOOKED = "rebooked", _("replaced by another appointment")
    CANCELLED = "cancelled", _("cancelled by the applicant")
    SLOT_CANCELLED = "slot_cancelled", _("cancelled by the visa office")
    MISSED = "missed", _("the applicant did not come")


class AppointmentBooking(models.Model):
    """An applicant's booking of a slot for their case; ended bookings stay as the history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="bookings",
                             verbose_name=_("appointment slot"))
    case = models.ForeignKey("applications.Case", on_delete=models.CASCADE, related_name="appointment_bookings",
                             verbose_name=_("case"))
    # The visa step the appointment belongs to.
    request = models.ForeignKey(AuthorityRequest, on_delete=models.CASCADE, related_name="appointment_bookings",
                                verbose_name=_("authority request"))
    state = models.CharField(_("state"), max_length=20, choices=BookingState.choices, default=BookingState.ACTIVE)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("booked by"))
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("ended by"))
    # Recorded by the visa office when the applicant came in person (identity, biometrics): the visa
    # decision waits for it (appointments.appointment_attendance_record).
    attended_at = models.DateTimeField(_("attended"), null=True, blank=True)
    attended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("attendance recorded by"))

    class Meta:
        verbose_name = _("appointment booking")
        verbose_name_plural = _("appointment bookings")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=models.Q(state="active"),
                                    name="apptbooking_one_active_per_case"),
            models.CheckConstraint(condition=models.Q(state="active", ended_at__isnull=True)
                                   | (~models.Q(state="active") & models.Q(ended_at__isnull=False)),
                                   name="apptbooking_ended_when_not_active"),
        ]
        indexes = [models.Index(fields=["slot", "state"], name="apptbooking_slot_state")]

    def __str__(self):
        return f"{self.case} · {self.slot}"

    @property
    def is_active(self) -> bool:
        return self.state == BookingState.ACTIVE


class BaApprovalGround(models.TextChoices):
    """Why the BA need not be asked for a case (the case store keeps the record, BaApprovalOnFile)."""

    PRE_APPROVAL = "pre_approval", _("pre-approval of the BA (section 36 (3) BeschV)")
    GLOBAL_APPROVAL = "global_approval", _("global approval of the BA for the occupation (section 39 (2a) AufenthG)")


class BaGlobalApproval(models.Model):
    """An occupation the Federal Employment Agency designated for a period for which its approval
    counts as given when the employer assures the conditions (global approval, "Globalzustimmung",
    § 39 Abs. 2a AufenthG as DOMAIN.md 8.0 reads the 2026 text). Entered by an admin from the BA's
    publication; with none entered the BA is asked case by case, as before."""

    occupation_kldb_prefix = models.CharField(
        _("occupations (KldB 2010 code or its first digits)"), max_length=5,
        validators=[RegexValidator(r"^\d{1,5}$", _("Enter one to five digits of the KldB 2010 code."))])
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    reference = models.CharField(_("the BA's publication"), max_length=300,
                                 help_text=_("Where the BA designated the occupations, e.g. its instruction and date."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("global approval of the BA")
        verbose_name_plural = _("global approvals of the BA")
        ordering = ["occupation_kldb_prefix", "-valid_from"]
        constraints = [models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("valid_from")),
                                              name="ba_global_approval_period")]

    def __str__(self):
        return f"KldB {self.occupation_kldb_prefix}… {self.valid_from} – {self.valid_until}"

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end must not be before the start.")})


def ba_global_approval_for(kldb_code: str, on_date) -> "BaGlobalApproval | None":
    """The designation covering the KldB code on that day (the most specific prefix), or None."""
    if not kldb_code:
        return None
    prefixes = [kldb_code[:length] for length in range(1, len(kldb_code) + 1)]
    return (BaGlobalApproval.objects.filter(occupation_kldb_prefix__in=prefixes, valid_from__lte=on_date,
                                            valid_until__gte=on_date)
            .order_by("-occupation_kldb_prefix", "-valid_from").first())
