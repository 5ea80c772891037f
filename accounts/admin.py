from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from wsa.admin import ReadOnlyModelAdmin

from . import services as account_services
from .models import Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_language", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "preferred_language", "memberships__role"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["public_id", "date_joined", "last_login"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password", "public_id"]}),
        (_("Person"), {"fields": ["full_name", "preferred_language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commercial_register_number", "city", "ba_company_number", "created_at",
                    "verified_at"]
    list_filter = ["kind", ("verified_at", admin.EmptyFieldListFilter), "country"]
    search_fields = ["name", "commercial_register_number", "ba_company_number", "city"]
    readonly_fields = ["public_id", "created_at", "verified_at", "verified_by", "verification_note"]
    actions = ["verify"]

    @admin.action(description=_("Mark as verified: register entry and BA company number checked"))
    def verify(self, request, queryset):
        for organisation in queryset.filter(verified_at__isnull=True):
            account_services.organisation_verify(
                organisation=organisation, actor=request.user,
                note=f"Commercial register entry and BA company number checked by {request.user.email}")
        self.message_user(request, _("The organisations are verified and may send invitations."), messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organisation", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


# --- Employer portal and HR API (issue 5) -----------------------------------------------------

from .models import (  # noqa: E402
    AccountDeletion,
    ApiToken,
    CandidateInvitation,
    CaseConsent,
    EmployerCaseDetails,
    MemberInvitation,
    WebhookDelivery,
    WebhookEndpoint,
)


@admin.register(MemberInvitation)
class MemberInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["public_id", "organisation", "email", "role", "invited_by", "created_at", "expires_at",
                       "accepted_at", "accepted_by"]

    def has_add_permission(self, request):
        return False  # invitations are sent by owners in the employer portal (signed links)


@admin.register(CandidateInvitation)
class CandidateInvitationAdmin(admin.ModelAdmin):
    list_display = ["case", "email", "organisation", "created_at", "expires_at", "accepted_at", "declined_at",
                    "revoked_at"]
    search_fields = ["email", "case__reference", "organisation__name"]
    readonly_fields = ["public_id", "case", "organisation", "email", "invited_by", "created_at", "expires_at",
                       "accepted_at", "accepted_by", "declined_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CaseConsent)
class CaseConsentAdmin(ReadOnlyModelAdmin):
    """Read-only: only the candidate gives or withdraws consent."""

    list_display = ["case", "organisation", "scope", "granted_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["case__reference", "organisation__name"]


@admin.register(EmployerCaseDetails)
class EmployerCaseDetailsAdmin(admin.ModelAdmin):
    list_display = ["case", "organisation", "employer_reference", "required_qualification"]
    search_fields = ["case__reference", "employer_reference", "organisation__name"]
    readonly_fields = ["case", "organisation", "created_by", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "created_by", "created_at", "expires_at", "last_used_at",
                    "revoked_at"]
    search_fields = ["name", "prefix", "organisation__name"]
    readonly_fields = ["public_id", "organisation", "prefix", "token_hash", "scopes", "created_by", "created_at",
                       "last_used_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # the token is shown once to the owner who creates it in the portal

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True).select_related("organisation"):
            account_services.api_token_revoke(token=token, actor=request.user)


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ["created_at", "event_type", "state", "attempts", "last_status_code", "last_error", "next_attempt_at"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organisation", "created_at", "disabled_at"]
    search_fields = ["url", "organisation__name"]
    readonly_fields = ["public_id", "organisation", "created_by", "created_at"]
    exclude = ["secret_encrypted"]
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request):
        return False  # the signing secret is shown once to the owner in the portal


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "event_type", "state", "attempts", "last_status_code", "created_at", "delivered_at"]
    list_filter = ["state", "event_type"]
    search_fields = ["endpoint__url", "endpoint__organisation__name"]
    readonly_fields = ["public_id", "endpoint", "event_type", "payload", "attempts", "last_status_code", "last_error",
                       "created_at", "delivered_at"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected deliveries now"), permissions=["change"])
    def retry_now(self, request, queryset):
        account_services.webhook_deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True),
                                                  actor=request.user)


# --- Account deletions (GDPR Art. 17): the append-only audit record ------------------------------


@admin.register(AccountDeletion)
class AccountDeletionAdmin(ReadOnlyModelAdmin):
    """Read here, never edited: who (the account's public id) deleted their account when, and what was kept."""

    list_display = ["deleted_at", "account", "drafts_deleted", "documents_deleted", "cases_retained", "retained_until"]
    search_fields = ["account"]
    date_hierarchy = "deleted_at"
    readonly_fields = ["account", "deleted_at", "drafts_deleted", "documents_deleted", "cases_retained",
                       "retained_until"]
