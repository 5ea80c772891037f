"""The case store: one Case per person and purpose, the once-only Person profile it reuses, and
the timeline, messages and decisions that hang off it.

State changes never happen here: see lifecycle.py (the transition table) and services.py.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_lazy as _

from accounts.append_only import AppendOnlyQuerySet, AppendOnlyViolation

from ..lifecycle import CaseState
from ..rules import thresholds


class LanguageLevel(models.TextChoices):
    NONE = "none", _("None")
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"


class Person(models.Model):
    """The once-only profile: entered once, reused by every case of this person."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")
        DIVERSE = "X", _("diverse / not specified")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    # Names exactly as printed in the passport, so the MRZ can be compared with them.
    surname = models.CharField(_("surname (as in passport)"), max_length=100)
    given_names = models.CharField(_("given names (as in passport)"), max_length=150, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True, help_text=_("ISO 3166-1 alpha-3"))
    passport_number = models.CharField(_("passport number"), max_length=20, blank=True, db_index=True)
    passport_issuing_state = models.CharField(_("issuing state"), max_length=3, blank=True)
    passport_expiry = models.DateField(_("passport valid until"), null=True, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country_of_residence = models.CharField(_("country of residence"), max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["surname", "given_names"]
        # Nationality: the queue's country filter and its list of choices (an index skip scan).
        indexes = [models.Index(fields=["nationality"], name="person_nationality")]

    def __str__(self):
        return f"{self.surname}, {self.given_names}".strip(", ")

    # What the back-office search finds a person's cases by (Case.search_text).
    SEARCHED_FIELDS = ("surname", "given_names", "passport_number")

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or set(fields) & set(self.SEARCHED_FIELDS):
            # The cases carry the names for the search; they follow the profile in the same transaction.
            Case.objects.filter(person_id=self.pk).update(search_text=Concat(
                F("reference"), Value(case_search_text("", self)), output_field=models.TextField()))

    @property
    def full_name(self):
        return f"{self.given_names} {self.surname}".strip()

    @property
    def search_text(self) -> str:
        return search_text_of(*(getattr(self, name) for name in self.SEARCHED_FIELDS))


class Qualification(models.Model):
    class Kind(models.TextChoices):
        ACADEMIC = "academic", _("University degree")
        VOCATIONAL = "vocational", _("Vocational qualification")

    class Recognition(models.TextChoices):
        FULL = "full", _("fully recognised")
        PARTIAL = "partial", _("partially recognised")
        PENDING = "pending", _("recognition applied for")
        NONE = "none", _("not recognised")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="qualifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title of the qualification"), max_length=200)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=3, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    recognition = models.CharField(_("recognition in Germany"), max_length=20, choices=Recognition.choices,
                                   default=Recognition.NONE)
    comparable = models.BooleanField(_("comparable to a German degree (anabin H+ / ZAB)"), default=False)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")

    def __str__(self):
        return self.title


class LanguageSkill(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=2, choices=[("de", _("German")), ("en", _("English"))])
    level = models.CharField(_("level (CEFR)"), max_length=4, choices=LanguageLevel.choices)
    certificate = models.CharField(_("certificate"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("language skill")
        verbose_name_plural = _("language skills")
        constraints = [models.UniqueConstraint(fields=["person", "language"], name="one_level_per_language")]

    def __str__(self):
        return f"{self.get_language_display()} {self.level}"


class WorkExperience(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="experience")
    employer = models.CharField(_("employer"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200)
    occupation_isco = models.CharField(_("occupation (ISCO-08)"), max_length=4, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("work experience")
        verbose_name_plural = _("work experience")

    def __str__(self):
        return f"{self.job_title} · {self.employer}"


class ReferenceCounter(models.Model):
    """Hands out human references (WSA-2026-000123) gap-free per year, under a row lock."""

    year = models.PositiveIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class ProcedureLanguage(models.TextChoices):
    GERMAN = "de", _("German")
    ENGLISH = "en", _("English")


# Where a case without a deadline sorts (last, ascending): the queue's keyset cursor carries it.
DUE_LAST = datetime(9999, 1, 1, tzinfo=UTC)


class Case(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    # Indexed by case_person_covering (below), which also carries the id: a search by name finds the
    # persons, then their cases without reading the case rows.
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases", db_index=False)
    employer = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="cases",
        verbose_name=_("employer"),
    )
    title_code = models.CharField(_("residence title"), max_length=10, blank=True, db_index=True)
    procedure_language = models.CharField(
        _("procedure language"), max_length=2, choices=ProcedureLanguage.choices, default=ProcedureLanguage.GERMAN
    )
    accelerated = models.BooleanField(_("accelerated procedure (§ 81a AufenthG)"), default=False)
    # No index of its own: (state, submitted_at, id) serves every filter by state (migration 0006).
    state = models.CharField(_("state"), max_length=30, choices=CaseState.choices, default=CaseState.DRAFT)
    # Bumped with every change a viewer could notice: the status fragment's ETag is made from it.
    version = models.PositiveIntegerField(default=1)
    # The last public Event the applicant was e-mailed about (tasks.notify_case).
    notified_event_id = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Reference, surname, given names and passport number in upper case (case_search_text), kept by
    # Case.save and Person.save: the back-office search reads one trigram index (case_search_trgm,
    # migration 0005) instead of joining persons, and filters by state in the same row.
    search_text = models.TextField(default="", blank=True, editable=False)
    # The WSA back office's deadline of the case (selectors.deadlines.case_due_expression: the completeness
    # target, the earliest open request for documents or to an office), written by every UPDATE that
    # can move it (a transition, an authority request's event): searches across all cases sort their
    # thousands of matches by it through the index case_due_sort instead of computing it per match.
    due_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A family member's case (§§ 30, 32 AufenthG) names the main applicant's case it joins: they are
    # submitted together, and the family case cannot be granted without the main one (§ 29 Abs. 1).
    joins = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="family_cases",
                              verbose_name=_("joins the application"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            # The back-office queue reads its order from these (selectors.queue_page._queue_lanes): one state
            # by submission (also the WSA's completeness target), every case by submission; and an
            # employer's dashboard, newest first.
            models.Index(fields=["state", "submitted_at", "id"], name="case_state_submitted_id"),
            models.Index(fields=["submitted_at", "id"], name="case_submitted_id"),
            models.Index(fields=["employer", "-created_at", "-id"], name="case_employer_created"),
            models.Index(fields=["person"], include=["id"], name="case_person_covering"),
            # The order of selectors.queue.case_list_for_staff for the WSA: deadline (none: last), id.
            models.Index(Coalesce("due_at", Value(DUE_LAST)), "id", name="case_due_sort"),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if self._state.adding and not self.search_text and self.person_id:
            self.search_text = case_search_text(self.reference, self.person)
        super().save(*args, **kwargs)

    @property
    def is_open(self):
        return CaseState(self.state) in CaseState.open_states()

    @property
    def applicant_may_withdraw(self) -> bool:
        """What the applicant is offered: withdrawing before the decision. After the visa decision (or,
        for an extension, the foreigners' authority's) there is no application left to withdraw."""
        return self.state in (CaseState.DRAFT, CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK,
                              CaseState.DOCUMENTS_REQUESTED, CaseState.AUTHORITY_REVIEW, CaseState.VISA_DECISION)

    @property
    def procedure_ended(self) -> bool:
        """Withdrawn, rejected or closed: the offices are sent nothing more."""
        return self.state in (CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.CLOSED)

    @property
    def awaits_visa_appointment(self) -> bool:
        """Submitted and the visa not decided yet: the visa office may expect the applicant in person."""
        return self.state in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED,
                              CaseState.AUTHORITY_REVIEW, CaseState.VISA_DECISION)

    @property
    def never_submitted(self) -> bool:
        """A draft, or one withdrawn before submission: no authority saw it, so it is deleted (not
        kept and anonymised) when it goes."""
        return self.submitted_at is None and self.state in (CaseState.DRAFT, CaseState.WITHDRAWN)


def search_normalise(text: str) -> str:
    """Upper case, single spaces: how search texts are stored and search terms compared with them."""
    return " ".join(text.split()).upper()


def search_text_of(*parts: str) -> str:
    return search_normalise(" ".join(part or "" for part in parts))


def case_search_text(reference: str, person) -> str:
    """Case.search_text: the reference, then the person's searched fields. With an empty `reference`,
    the part that follows a case's reference (Person.save appends it to each case's in SQL)."""
    person_text = person.search_text
    return f"{reference} {person_text}" if person_text else reference


# The federal states by their ISO 3166-2:DE code, named as each calls itself.
FEDERAL_STATES = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg", "HB": "Bremen",
    "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern", "NI": "Niedersachsen",
    "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz", "SL": "Saarland", "SN": "Sachsen",
    "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein", "TH": "Thüringen",
}


class Employment(models.Model):
    """The job of the case, as in the BA form "Erklärung zum Beschäftigungsverhältnis"."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="employment")
    job_title = models.CharField(_("job title"), max_length=200)
    occupation_kldb = models.CharField(_("occupation code (KldB 2010)"), max_length=5, blank=True)
    occupation_isco = models.CharField(_("occupation code (ISCO-08)"), max_length=4, blank=True)
    duties = models.TextField(_("duties"), blank=True)
    annual_gross_salary = models.DecimalField(_("annual gross salary (EUR)"), max_digits=10, decimal_places=2)
    weekly_hours = models.DecimalField(_("weekly working hours"), max_digits=4, decimal_places=1)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    duration_months = models.PositiveIntegerField(_("duration in months (empty: permanent)"), null=True, blank=True)
    collective_agreement = models.BooleanField(_("employer bound by a collective agreement"), default=False)
    workplace_street = models.CharField(_("workplace street"), max_length=200, blank=True)
    workplace_postal_code = models.CharField(_("workplace postal code"), max_length=10, blank=True)
    workplace_city = models.CharField(_("workplace city"), max_length=100, blank=True)
    workplace_state = models.CharField(_("workplace federal state"), max_length=2, blank=True,
                                       help_text=_("ISO 3166-2:DE code without prefix, e.g. BE, BY"))

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")

    def __str__(self):
        return f"{self.job_title} ({self.case})"

    @property
    def workplace_state_name(self) -> str:
        return FEDERAL_STATES.get(self.workplace_state, self.workplace_state)


class EventKind(models.TextChoices):
    CREATED = "created", _("Case created")
    TRANSITION = "transition", _("State changed")
    MESSAGE = "message", _("Message")
    DOCUMENT = "document", _("Document")
    AUTHORITY = "authority", _("Authority step")
    DECISION = "decision", _("Decision")
    NOTE = "note", _("Note")
    AFTER_ARRIVAL = "after_arrival", _("After arrival")
    MANDATE = "mandate", _("Representation")
    FEE = "fee", _("Fee")


class Event(models.Model):
    """An entry of the case timeline. Written only by services, never edited."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    from_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Internal events (e.g. notes) are for staff only and never reach applicants or employers.
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The timeline sentence, in the language of whoever reads it."""
        return event_text(self)


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note (staff only)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.case} · {self.created_at:%Y-%m-%d %H:%M}"


class Decision(models.Model):
    """A notice (Bescheid). Rendered to PDF, hashed and verifiable once issued."""

    class Kind(models.TextChoices):
        VISA = "visa", _("National visa")
        RESIDENCE_PERMIT = "residence_permit", _("Residence permit")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("granted")
        REJECTED = "rejected", _("rejected")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting second approval")
        ISSUED = "issued", _("issued")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by (four-eyes)"))
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="decisions/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    verification_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Once issued, a decision is a sealed administrative act: these never change again. Only the
    # retention job may blank the texts with personal data (anonymise=True) and delete the PDF; the
    # hash and the verification code stay, so that copies can still be checked.
    SEALED_FIELDS = ("case_id", "kind", "outcome", "status", "legal_basis", "reasons", "conditions", "valid_from",
                     "valid_until", "decided_by_id", "approved_by_id", "issued_at", "sha256", "verification_code")
    ANONYMISABLE_FIELDS = ("reasons", "conditions")

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.case} · {self.get_kind_display()} · {self.get_outcome_display()}"

    def save(self, *args, anonymise: bool = False, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = Decision.objects.filter(pk=self.pk).values(*self.SEALED_FIELDS).first()
            if stored is not None and stored["status"] == self.Status.ISSUED:
                changed = [name for name in self.SEALED_FIELDS if stored[name] != getattr(self, name)]
                allowed = {name for name in self.ANONYMISABLE_FIELDS if anonymise and not getattr(self, name)}
                if set(changed) - allowed:
                    raise AppendOnlyViolation(f"An issued decision is sealed; refused changes of {', '.join(changed)}.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == self.Status.ISSUED:
            raise AppendOnlyViolation("An issued decision is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def kind_label(self) -> str:
        """What the decision is about, as the person reads it: a permit decision under § 18g is about an EU
        Blue Card, not an Aufenthaltserlaubnis."""
        if self.kind == self.Kind.RESIDENCE_PERMIT:
            return permit_title_kind(self.case.title_code).label
        return self.get_kind_display()


# --- Back office -----------------------------------------------------------------------------


class CaseAssignment(models.Model):
    """Who works a case right now ("claim"). One row per claimed case; releasing deletes it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="assignment")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_assignments",
                             verbose_name=_("assigned to"))
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")

    def __str__(self):
        return f"{self.case} → {self.user}"


class DocumentRequestReason(models.TextChoices):
    """The catalogue of reasons for asking the applicant for documents (structured, bilingual)."""

    MISSING = "missing", _("A required document is missing")
    ILLEGIBLE = "illegible", _("The document is not legible")
    EXPIRED = "expired", _("The document has expired")
    INCOMPLETE = "incomplete", _("The document is incomplete (pages missing)")
    TRANSLATION = "translation", _("A certified translation is needed")
    NAME_MISMATCH = "name_mismatch", _("The names do not match the passport")
    CERTIFICATION = "certification", _("A certified copy is needed")
    EMPLOYER_DECLARATION = "employer_declaration", _("The employer's declaration is missing or incomplete")
    RECOGNITION = "recognition", _("Proof of recognition of the qualification is missing")
    OTHER = "other", _("Other reason (see note)")


class DocumentRequest(models.Model):
    """A structured request to the applicant for documents, with a reason from the catalogue and a deadline."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="document_requests")
    reason = models.CharField(_("reason"), max_length=30, choices=DocumentRequestReason.choices)
    note = models.TextField(_("note to the applicant"), blank=True)
    due_at = models.DateTimeField(_("deadline"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("requested by"))
    created_at = models.DateTimeField(auto_now_add=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)

    class Meta:
        verbose_name = _("document request")
        verbose_name_plural = _("document requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["case", "fulfilled_at"], name="docrequest_case_open"),
            # The open requests by deadline: the queue of cases waiting for documents.
            models.Index(fields=["due_at", "case"], name="docrequest_open_due",
                         condition=models.Q(fulfilled_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_reason_display()}"


class CaseAccess(models.Model):
    """The access log: every staff read of a case, a document or a decision (who, when, what, why).

    Append-only; written by applications.audit.access_record(). The applicant can see it.
    """

    class ObjectKind(models.TextChoices):
        CASE = "case", _("Case file")
        DOCUMENT = "document", _("Document")
        DECISION = "decision", _("Decision")

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        PREVIEW = "preview", _("previewed")
        DOWNLOAD = "download", _("downloaded")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("who"))
    object_kind = models.CharField(_("what"), max_length=20, choices=ObjectKind.choices)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, default=Action.VIEW)
    # Why: the role and office under which the person acted, kept as text so the log stays true later.
    role = models.CharField(_("role"), max_length=30, blank=True)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("office"))
    organisation_name = models.CharField(_("office"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseaccess_case_created")]

    def __str__(self):
        return f"{self.case} · {self.object_kind} · {self.actor} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("The access log is append-only: an access record is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("The access log is append-only: an access record is never deleted.")


class StatisticsSnapshot(models.Model):
    """The supervisors' statistics of one scope ("all", or the offices of an authority's staff),
    computed by services.statistics_refresh() (a beat task) so that the statistics page reads one
    row instead of aggregating every case and event on each view."""

    scope = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)

    def __str__(self):
        return f"{self.scope} · {self.computed_at:%Y-%m-%d %H:%M}"


# --- The yearly figures of the rules (thresholds, amounts) ---------------------------------------

# What operators read for each kind of figure of the rules engine (applications.rules.thresholds).
RULE_FIGURE_KIND_LABELS = {
    thresholds.PENSION_CEILING: _("Contribution ceiling of the statutory pension insurance (BBG RV), per year"),
    thresholds.BLUE_CARD_STANDARD: _("EU Blue Card: salary threshold, standard, per year"),
    thresholds.BLUE_CARD_REDUCED: _("EU Blue Card: salary threshold, reduced, per year"),
    thresholds.AGE_45: _("Salary threshold from age 45, per year"),
    thresholds.EXPERIENCED_19C: _("Salary threshold for experience-based employment (§ 19c), per year"),
    thresholds.MEANS_MONTHLY: _("Opportunity Card: means of subsistence per month"),
    thresholds.MEANS_STUDY_MONTHLY: _("Studies and training: means of subsistence per month"),
    thresholds.MINIMUM_WAGE_HOURLY: _("Statutory minimum wage per hour"),
}


class RuleFigureQuerySet(models.QuerySet):
    """An approved figure is never changed or deleted, also not in bulk (a correction is a new figure)."""

    def in_force(self):
        """The figures the rules use: approved, and not replaced by an approved correction."""
        return self.filter(approved_at__isnull=False).exclude(correction__approved_at__isnull=False)

    def update(self, **kwargs):
        if self.filter(approved_at__isnull=False).exists():
            raise AppendOnlyViolation("An approved figure is never changed: enter a correction as a new figure.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(approved_at__isnull=False).exists():
            raise AppendOnlyViolation("An approved figure is never deleted: enter a correction as a new figure.")
        return super().delete()


class RuleFigure(models.Model):
    """One dated figure of the rules (a salary threshold, the Opportunity Card means, the minimum wage)
    as operators keep it: entered by one person, approved by another (four-eyes), then fixed.

    Written only by applications.figures (rule_figure_enter, rule_figure_approve); the rules engine
    gets the figures in force from applications.figures.rule_figures(). The rows with neither
    `entered_by` nor `approved_by` shipped with the release (the seed migration).
    """

    kind = models.CharField(_("kind"), max_length=40,
                            choices=[(kind, RULE_FIGURE_KIND_LABELS[kind]) for kind in thresholds.FIGURE_KINDS])
    value = models.DecimalField(_("value (EUR)"), max_digits=12, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (inclusive)"))
    source = models.CharField(_("legal source"), max_length=500,
                              help_text=_("The norm and the notice the figure comes from, e.g. the BMI notice "
                                          "under § 18g Abs. 7 AufenthG of the year."))
    corrects = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="correction",
        verbose_name=_("corrects"),
        help_text=_("An approved figure that was wrong: once this one is approved, it replaces that one."),
    )
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = RuleFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule figure")
        verbose_name_plural = _("rule figures")
        ordering = ["kind", "-valid_from", "-pk"]
        permissions = [("approve_rulefigure", "Can approve rule figures (second pair of eyes)")]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gt=0), name="rulefigure_value_positive",
                                   violation_error_message=_("The value must be greater than zero.")),
            models.CheckConstraint(condition=models.Q(valid_to__gte=F("valid_from")), name="rulefigure_period",
                                   violation_error_message=_("The period must not end before it starts.")),
            models.CheckConstraint(condition=~models.Q(source=""), name="rulefigure_source_required",
                                   violation_error_message=_("Name the legal source of the figure.")),
            # Four-eyes, also against a write that bypasses the services.
            models.CheckConstraint(condition=~models.Q(approved_by=F("entered_by")), name="rulefigure_four_eyes",
                                   violation_error_message=_("A figure must be approved by someone other than "
                                                             "the person who entered it.")),
            # Nobody entered it only when it shipped with the release, and then it came approved.
            models.CheckConstraint(
                condition=models.Q(entered_by__isnull=False)
                | models.Q(approved_by__isnull=True, approved_at__isnull=False),
                name="rulefigure_entered_or_shipped"),
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True) | models.Q(approved_at__isnull=False),
                name="rulefigure_approval_dated"),
        ]
        indexes = [models.Index(fields=["kind", "valid_from"], name="rulefigure_kind_from")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value} ({self.valid_from:%Y-%m-%d} – {self.valid_to:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding and RuleFigure.objects.filter(pk=self.pk, approved_at__isnull=False).exists():
            raise AppendOnlyViolation("An approved figure is never changed: enter a correction as a new figure.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.approved:
            raise AppendOnlyViolation("An approved figure is never deleted: enter a correction as a new figure.")
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.corrects_id is not None:
            corrected = self.corrects
            if not corrected.approved or corrected.kind != self.kind:
                raise ValidationError({"corrects": _("A correction replaces an approved figure of the same kind.")})

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    @property
    def shipped(self) -> bool:
        """Seeded from the figures the release ships (applications.rules.BUILT_IN_FIGURES)."""
        return self.approved and self.entered_by_id is None

    def as_rule_figure(self) -> thresholds.Figure:
        return thresholds.Figure(self.kind, self.value, self.valid_from, self.valid_to, self.source)


class RuleFigureAudit(models.Model):
    """The audit of the figures: who entered, approved or discarded which figure, and when.

    Append-only; written by applications.audit.figure_record(). The label keeps what the figure was
    when a discarded (never approved) figure is gone."""

    class Action(models.TextChoices):
        ENTERED = "entered", _("entered")
        APPROVED = "approved", _("approved")
        DISCARDED = "discarded", _("discarded")

    figure = models.ForeignKey(RuleFigure, on_delete=models.SET_NULL, null=True, related_name="audit",
                               verbose_name=_("figure"))
    figure_label = models.CharField(_("figure"), max_length=300)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("who"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("figure audit entry")
        verbose_name_plural = _("figure audit entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.figure_label} · {self.action} · {self.actor} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation("The figure audit is append-only: an entry is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation("The figure audit is append-only: an entry is never deleted.")


from ..events import event_text  # noqa: E402 - the timeline's sentences read the models above
from ..mandates.models import ClientInvitation, Mandate, MandateScope  # noqa: E402, F401 - the app's models
from ..payments.models import FeeDue, FeeKind, Payment  # noqa: E402, F401 - the app's models
from .after_arrival import FictionCertificate, TitleExtension  # noqa: E402, F401 - the app's models
from .ba_approvals import BaApprovalGround, BaApprovalOnFile  # noqa: E402, F401 - the app's models
from .household import FAMILY_TITLE, Household, HouseholdMember, Relationship  # noqa: E402, F401
from .letters import LetterKind, LetterLanguage, LetterTemplate  # noqa: E402, F401 - the app's models
from .share_codes import (  # noqa: E402, F401 - the app's models
    ShareCode,
    ShareCodeCheck,
    SharePurpose,
    TitleReminder,
)
from .titles import ResidenceTitle, TitleEnd, TitleKind, WorkPermission, permit_title_kind  # noqa: E402, F401
