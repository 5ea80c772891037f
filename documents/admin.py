from django.contrib import admin

from .models import Document, Finding


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    can_delete = False
    fields = ["code", "severity", "field", "expected", "found", "confidence", "evidence"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "document_type", "state", "owner", "case", "size", "created_at"]
    list_filter = ["document_type", "state", "content_type"]
    search_fields = ["original_name", "sha256", "case__reference", "owner__surname"]
    readonly_fields = ["public_id", "sha256", "size", "content_type", "page_count", "extracted", "created_at",
                       "checked_at", "file", "original_name"]
    raw_id_fields = ["owner", "case", "uploaded_by"]
    inlines = [FindingInline]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ["document", "code", "severity", "field", "confidence", "created_at"]
    list_filter = ["severity", "code"]
    search_fields = ["code", "document__original_name"]
    raw_id_fields = ["document"]
