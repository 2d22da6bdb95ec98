"""Admin of recall types."""

from django.contrib import admin

from recalls.models import RecallType
from scheduling.admin_base import ORG_FILTER, OrgScopedAdmin


@admin.register(RecallType)
class RecallTypeAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "appointment_type",
        "default_interval",
        "org",
        "is_active",
        "item_order",
    )
    list_filter = (ORG_FILTER, "is_active")
    list_select_related = ("org", "appointment_type")
    search_fields = ("name", "description")
    ordering = ("org__name", "item_order", "name", "id")
