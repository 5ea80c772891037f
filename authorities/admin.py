from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .adapters import registry
from .models import (
    AppointmentBooking,
    AppointmentSlot,
    Authority,
    AuthorityRequest,
    BaGlobalApproval,
    ErrorCode,
    Outbox,
    OutboxState,
    RequestState,
)


class AuthorityForm(forms.ModelForm):
    class Meta:
        model = Authority
        fields = ["kind", "name", "organisation", "countries", "federal_state", "municipality", "occupation_groups",
                  "adapter", "endpoint_url", "destination_id", "public_key_jwk", "time_zone", "address",
                  "family_appointments"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adapter"] = forms.ChoiceField(
            label=_("adapter"), required=False, help_text=Authority._meta.get_field("adapter").help_text,
            choices=[("", "—")] + registry.register.get_choices(),
        )


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    form = AuthorityForm
    list_display = ["name", "kind", "federal_state", "municipality", "adapter", "endpoint_url"]
    list_filter = ["kind", "federal_state"]
    search_fields = ["name", "municipality"]
    raw_id_fields = ["organisation"]


@admin.register(BaGlobalApproval)
class BaGlobalApprovalAdmin(admin.ModelAdmin):
    list_display = ["occupation_kldb_prefix", "valid_from", "valid_until", "reference"]
    list_filter = ["valid_until"]
    search_fields = ["occupation_kldb_prefix", "reference"]


class OutboxInline(admin.TabularInline):
    model = Outbox
    extra = 0
    can_delete = False
    fields = ["state", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AuthorityRequest)
class AuthorityRequestAdmin(admin.ModelAdmin):
    list_display = ["case", "purpose", "authority", "state", "outcome", "due_at", "deemed_approval", "attempts",
                    "error_code"]
    list_filter = ["state", "purpose", "outcome", "deemed_approval", "error_code", "authority__kind"]
    search_fields = ["case__reference", "idempotency_key", "remote_id", "authority__name"]
    list_select_related = ["case", "authority"]
    raw_id_fields = ["case", "authority"]
    date_hierarchy = "created_at"
    inlines = [OutboxInline]
    actions = ["route_again"]
    # Requests change only through the hub's services (answers, deadlines, delivery).
    readonly_fields = [field.name for field in AuthorityRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Look for the responsible office again and send"))
    def route_again(self, request, queryset):
        routed = sum(
            services.authority_request_reroute(request=item)
            for item in queryset.filter(state=RequestState.FAILED, error_code=ErrorCode.NO_OFFICE)
        )
        self.message_user(request, ngettext("%d request sent to its office.", "%d requests sent to their offices.",
                                            routed) % routed, messages.SUCCESS if routed else messages.WARNING)


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["request", "state", "attempts", "next_attempt_at", "created_at", "delivered_at"]
    list_filter = ["state"]
    search_fields = ["request__case__reference", "request__idempotency_key", "last_error"]
    list_select_related = ["request__case"]
    raw_id_fields = ["request"]
    actions = ["retry_dead_letters"]
    readonly_fields = [field.name for field in Outbox._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry dead letters"))
    def retry_dead_letters(self, request, queryset):
        retried = services.outbox_retry_dead(
            outbox_ids=queryset.filter(state=OutboxState.DEAD).values_list("pk", flat=True), actor=request.user
        )
        self.message_user(request, ngettext("%d dead letter will be sent again.", "%d dead letters will be sent again.",
                                            retried) % retried, messages.SUCCESS if retried else messages.WARNING)


class AppointmentBookingInline(admin.TabularInline):
    model = AppointmentBooking
    extra = 0
    can_delete = False
    fields = ["case", "state", "created_at", "ended_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(admin.ModelAdmin):
    """Read-only: the visa offices publish and cancel slots in the back office, applicants book them in
    the portal, both through the services (counters, events, notifications)."""

    list_display = ["authority", "starts_at", "ends_at", "capacity", "booked", "cancelled_at"]
    list_filter = ["authority"]
    list_select_related = ["authority"]
    date_hierarchy = "starts_at"
    inlines = [AppointmentBookingInline]
    readonly_fields = [field.name for field in AppointmentSlot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppointmentBooking)
class AppointmentBookingAdmin(admin.ModelAdmin):
    list_display = ["case", "slot", "state", "created_at", "ended_at"]
    list_filter = ["state", "slot__authority"]
    search_fields = ["case__reference"]
    list_select_related = ["case", "slot__authority"]
    readonly_fields = [field.name for field in AppointmentBooking._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
