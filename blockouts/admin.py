"""Admin of blockout types."""

from django.contrib import admin

from blockouts.models import BlockoutType
from scheduling.admin_base import ORG_FILTER, OrgScopedAdmin


@admin.register(BlockoutType)
class BlockoutTypeAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "abbreviation",
        "org",
        "is_no_schedule",
        "is_do_not_copy",
        "is_holiday",
        "is_hidden",
        "status",
        "item_order",
    )
    list_filter = (
        ORG_FILTER,
        "status",
        "is_no_schedule",
        "is_do_not_copy",
        "is_holiday",
        "is_hidden",
    )
    list_select_related = ("org",)
    search_fields = ("name", "abbreviation")
    ordering = ("org__name", "item_order", "name", "id")
