from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from wsa.admin import ReadOnlyModelAdmin

from . import figures, letters, rules
from .models import (
    Case,
    CaseAccess,
    CaseAssignment,
    Decision,
    DocumentRequest,
    Employment,
    Event,
    LanguageSkill,
    LetterTemplate,
    Mandate,
    Message,
    Person,
    Qualification,
    ReferenceCounter,
    ResidenceTitle,
    RuleFigure,
    RuleFigureAudit,
    ShareCode,
    TitleReminder,
    WorkExperience,
)
from .rules import letters as letter_rules


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


# --- The yearly figures of the rules: four-eyes (applications/figures.py) -------------------------


class RuleFigureStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("awaiting", _("awaiting approval")), ("in_force", _("approved")),
                ("corrected", _("approved, replaced by a correction"))]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(approved_at__isnull=True)
        if self.value() == "in_force":
            return queryset.in_force()
        if self.value() == "corrected":
            return queryset.filter(approved_at__isnull=False, correction__approved_at__isnull=False)
        return queryset


class RuleFigureAuditInline(ReadOnlyInline):
    model = RuleFigureAudit
    fields = ["created_at", "action", "actor"]
    readonly_fields = fields


@admin.register(RuleFigure)
class RuleFigureAdmin(admin.ModelAdmin):
    """Operators enter each year's figures here; a second person approves them (action "Approve"),
    and only then do the rules use them. An approved figure is read, never changed or deleted: a
    wrong one is replaced by a correction (a new figure naming it under "corrects")."""

    list_display = ["kind", "value", "valid_from", "valid_to", "source", "state", "entered_by", "approved_by"]
    list_filter = ["kind", RuleFigureStateFilter]
    search_fields = ["source", "kind"]
    fields = ["kind", "value", "valid_from", "valid_to", "source", "corrects", "entered_by", "entered_at",
              "approved_by", "approved_at"]
    readonly_fields = ["entered_by", "entered_at", "approved_by", "approved_at"]
    list_select_related = ["entered_by", "approved_by", "correction"]
    inlines = [RuleFigureAuditInline]
    actions = ["approve"]

    @admin.display(description=_("state"))
    def state(self, figure):
        if not figure.approved:
            return gettext("awaiting approval")
        correction = getattr(figure, "correction", None)
        if correction is not None and correction.approved:
            return gettext("approved, replaced by a correction")
        return gettext("approved")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "corrects":
            kwargs["queryset"] = RuleFigure.objects.in_force().order_by("kind", "-valid_from")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(self, request):
        # No bulk delete: approved figures are never deleted, and each discard is audited on its own.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not obj.approved)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.approved)

    def has_approve_permission(self, request):
        return request.user.has_perm(figures.APPROVE_PERMISSION)

    def save_model(self, request, obj, form, change):
        figures.rule_figure_enter(figure=obj, actor=request.user)
        for warning in figures.rule_figure_warnings(figure=obj):
            self.message_user(request, warning, messages.WARNING)

    def delete_model(self, request, obj):
        figures.rule_figure_discard(figure=obj, actor=request.user)

    @admin.action(description=_("Approve the selected figures (second pair of eyes)"), permissions=["approve"])
    def approve(self, request, queryset):
        approved = 0
        for figure in queryset.order_by("kind", "valid_from", "pk"):
            try:
                figures.rule_figure_approve(figure=figure, actor=request.user)
            except (PermissionDenied, ValidationError) as refusal:
                reason = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
                self.message_user(request, gettext("Not approved: %(figure)s. %(reason)s")
                                  % {"figure": figure, "reason": reason}, messages.ERROR)
                continue
            approved += 1
            for warning in figures.rule_figure_warnings(figure=figure):
                self.message_user(request, warning, messages.WARNING)
        if approved:
            self.message_user(request, ngettext("%(count)d figure approved: the rules use it from now on.",
                                                "%(count)d figures approved: the rules use them from now on.",
                                                approved) % {"count": approved}, messages.SUCCESS)


@admin.register(RuleFigureAudit)
class RuleFigureAuditAdmin(ReadOnlyModelAdmin):
    """The audit of the figures is append-only: read here, never edited."""

    list_display = ["created_at", "figure_label", "action", "actor"]
    list_filter = ["action"]
    search_fields = ["figure_label", "actor__email"]
    readonly_fields = ["figure", "figure_label", "action", "actor", "created_at"]


class ShareCodeInline(ReadOnlyInline):
    """The codes without their hashes: the admin sees that and when a holder shared, never the code."""

    model = ShareCode
    fields = ["purpose", "hint", "created_at", "expires_at", "revoked_at"]
    readonly_fields = fields
    can_delete = False


class TitleReminderInline(ReadOnlyInline):
    model = TitleReminder
    fields = ["days_before", "sent_at"]
    readonly_fields = fields


@admin.register(ResidenceTitle)
class ResidenceTitleAdmin(ReadOnlyModelAdmin):
    """Titles are issued by the offices' decisions (titles.issuance): read here, never added, changed
    or deleted (admins administer, they do not decide)."""

    list_display = ["holder", "kind", "legal_basis", "valid_from", "valid_until", "ended_at", "end_reason"]
    list_filter = ["kind", "work_permission", "end_reason"]
    search_fields = ["holder__surname", "holder__given_names", "case__reference", "card_number"]
    readonly_fields = ["public_id", "holder", "case", "kind", "title_code", "legal_basis", "work_permission",
                       "employer", "occupation", "conditions", "valid_from", "valid_until", "card_number",
                       "issued_by", "issued_at", "replaces", "ended_at", "end_reason"]
    inlines = [ShareCodeInline, TitleReminderInline]


@admin.register(Mandate)
class MandateAdmin(ReadOnlyModelAdmin):
    """Mandates are granted and revoked by their principals in the portal; the admin only looks them up."""

    list_display = ["representative", "principal_person", "principal_organisation", "scope", "receives_decisions",
                    "valid_from", "valid_until", "revoked_at"]
    list_filter = ["scope", "receives_decisions", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["representative__name", "principal_organisation__name", "principal_person__surname"]
    raw_id_fields = ["principal_person", "principal_organisation", "representative", "power_of_attorney",
                     "granted_by", "revoked_by", "cases"]


# --- Decision letter templates (applications/letters.py) ----------------------------------------


class LetterReviewFilter(admin.SimpleListFilter):
    title = _("legal review")
    parameter_name = "reviewed"

    def lookups(self, request, model_admin):
        return [("no", _("not reviewed")), ("yes", _("reviewed"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


class LetterTemplateForm(forms.ModelForm):
    title_code = forms.ChoiceField(label=_("residence title"), required=False,
                                   help_text=_("Empty: every residence title. A template for one title wins over a "
                                               "general one."))

    class Meta:
        model = LetterTemplate
        fields = ["kind", "language", "office_kind", "office", "title_code", "body", "review_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title_code"].choices = [("", _("every residence title"))] + [
            (code, f"{rules.title(code).section} – {rules.title(code).name}") for code in rules.TITLE_CODES]
        self.fields["body"].help_text = gettext(
            "Lines: \"# \" title, \"## \" heading, otherwise paragraphs (a blank line separates them). "
            "Placeholders: %(placeholders)s. A line whose placeholders are all empty is left out, and so is a "
            "heading with nothing under it. Changing the text of a reviewed template makes it unreviewed.") % {
            "placeholders": "; ".join(f"{{{name}}} = {label}" for name, label in letter_rules.PLACEHOLDERS.items())}


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """The wording of the decisions. In production a decision is issued only from reviewed templates; an
    administrator with the review permission marks them (action), and a changed text loses the mark."""

    form = LetterTemplateForm
    list_display = ["__str__", "kind", "language", "office_kind", "office", "title_code", "review_state",
                    "reviewed_by", "reviewed_at", "updated_at"]
    list_filter = [LetterReviewFilter, "kind", "language", "office_kind"]
    search_fields = ["body", "title_code", "office__name"]
    readonly_fields = ["reviewed_by", "reviewed_at", "updated_at"]
    list_select_related = ["office", "reviewed_by"]
    actions = ["mark_reviewed"]

    @admin.display(description=_("legal review"))
    def review_state(self, template):
        return gettext("reviewed") if template.reviewed else gettext("not reviewed")

    def get_fields(self, request, obj=None):
        return [*LetterTemplateForm.Meta.fields, *self.readonly_fields]

    def has_review_permission(self, request):
        return request.user.has_perm(letters.REVIEW_PERMISSION)

    @admin.action(description=_("Mark as legally reviewed"), permissions=["review"])
    def mark_reviewed(self, request, queryset):
        marked = 0
        for template in queryset:
            letters.letter_template_mark_reviewed(template=template, actor=request.user)
            marked += 1
        self.message_user(request, ngettext("%(count)d letter template marked as legally reviewed.",
                                            "%(count)d letter templates marked as legally reviewed.",
                                            marked) % {"count": marked}, messages.SUCCESS)
