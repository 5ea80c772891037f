from django.contrib import admin

from wsa.admin import ReadOnlyModelAdmin

from .models import (
    Case,
    CaseAccess,
    CaseAssignment,
    Decision,
    DocumentRequest,
    Employment,
    Event,
    LanguageSkill,
    Message,
    Person,
    Qualification,
    ReferenceCounter,
    WorkExperience,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = Event
    fields = ["created_at", "kind", "from_state", "to_state", "actor", "internal", "payload"]
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["created_at", "author", "internal", "body"]
    readonly_fields = fields


class EmploymentInline(admin.StackedInline):
    model = Employment
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "person", "title_code", "state", "employer", "accelerated", "submitted_at"]
    list_filter = ["state", "title_code", "accelerated", "procedure_language"]
    search_fields = ["reference", "person__surname", "person__given_names", "person__passport_number"]
    # The state only moves through the lifecycle services, never by editing it here.
    readonly_fields = ["public_id", "reference", "state", "version", "created_at", "updated_at",
                       "submitted_at", "closed_at", "created_by"]
    raw_id_fields = ["person", "employer"]
    inlines = [EmploymentInline, EventInline, MessageInline]
    date_hierarchy = "created_at"


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


class LanguageSkillInline(admin.TabularInline):
    model = LanguageSkill
    extra = 0


class WorkExperienceInline(admin.TabularInline):
    model = WorkExperience
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["surname", "given_names", "nationality", "birth_date", "passport_number", "user"]
    list_filter = ["nationality", "sex"]
    search_fields = ["surname", "given_names", "passport_number", "email"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    raw_id_fields = ["user"]
    inlines = [QualificationInline, LanguageSkillInline, WorkExperienceInline]


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin):
    list_display = ["job_title", "case", "annual_gross_salary", "weekly_hours", "start_date", "workplace_city"]
    list_filter = ["workplace_state", "collective_agreement"]
    search_fields = ["job_title", "case__reference", "occupation_isco", "occupation_kldb"]
    raw_id_fields = ["case"]


@admin.register(Event)
class EventAdmin(ReadOnlyModelAdmin):
    """The timeline is append-only: it is read here, never edited."""

    list_display = ["created_at", "case", "kind", "from_state", "to_state", "actor", "internal"]
    list_filter = ["kind", "internal", "to_state"]
    search_fields = ["case__reference"]
    readonly_fields = ["case", "actor", "kind", "from_state", "to_state", "payload", "internal", "created_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "case", "author", "internal"]
    list_filter = ["internal"]
    search_fields = ["case__reference", "body"]
    readonly_fields = ["public_id", "created_at"]
    raw_id_fields = ["case", "author"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyModelAdmin):
    """Decisions are made, approved and issued only in the back office (four-eyes rule, sealed PDF):
    here they are read, never added, edited or deleted."""

    list_display = ["case", "kind", "outcome", "status", "issued_at", "decided_by", "approved_by"]
    list_filter = ["kind", "outcome", "status"]
    search_fields = ["case__reference", "verification_code"]
    readonly_fields = ["public_id", "case", "kind", "outcome", "status", "legal_basis", "reasons", "conditions",
                       "valid_from", "valid_until", "decided_by", "approved_by", "issued_at", "pdf", "sha256",
                       "verification_code", "created_at"]


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ["title", "person", "kind", "country", "recognition"]
    list_filter = ["kind", "recognition"]
    search_fields = ["title", "institution", "person__surname"]
    raw_id_fields = ["person"]


@admin.register(LanguageSkill)
class LanguageSkillAdmin(admin.ModelAdmin):
    list_display = ["person", "language", "level", "certificate"]
    list_filter = ["language", "level"]
    search_fields = ["person__surname"]
    raw_id_fields = ["person"]


@admin.register(WorkExperience)
class WorkExperienceAdmin(admin.ModelAdmin):
    list_display = ["person", "job_title", "employer", "started_on", "ended_on"]
    search_fields = ["person__surname", "employer", "job_title"]
    raw_id_fields = ["person"]


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "last_number"]
    readonly_fields = ["year", "last_number"]


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(admin.ModelAdmin):
    list_display = ["case", "user", "claimed_at"]
    search_fields = ["case__reference", "user__email"]
    raw_id_fields = ["case", "user"]


@admin.register(DocumentRequest)
class DocumentRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "reason", "due_at", "requested_by", "created_at", "fulfilled_at"]
    list_filter = ["reason"]
    search_fields = ["case__reference"]
    readonly_fields = ["public_id", "created_at"]
    raw_id_fields = ["case", "requested_by"]


@admin.register(CaseAccess)
class CaseAccessAdmin(ReadOnlyModelAdmin):
    """The access log is append-only: read here, never edited."""

    list_display = ["created_at", "case", "actor", "object_kind", "action", "role", "organisation_name"]
    list_filter = ["object_kind", "action", "role"]
    search_fields = ["case__reference", "actor__email", "organisation_name"]
    readonly_fields = ["case", "actor", "object_kind", "object_id", "object_label", "action", "role", "organisation",
                       "organisation_name", "created_at"]
