from django.contrib import admin

from .models import Authority


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "federal_state", "municipality", "endpoint_url"]
    list_filter = ["kind", "federal_state"]
    search_fields = ["name", "municipality"]
    raw_id_fields = ["organisation"]
