"""Admin of blockout types and block schedule templates (what practice administrators set up).

Blockouts themselves are written by the front desk over the API (create, copy, repeat,
apply), through ``blockouts.services``.
"""

from django.contrib import admin, messages

from blockouts.models import BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from blockouts.services import blockout_type_deactivate
from scheduling.admin_base import ORG_FILTER, OrgScopedAdmin, OrgScopedInline, admin_org_ids


@admin.register(BlockoutType)
class BlockoutTypeAdmin(OrgScopedAdmin):
    """Blockout types; practices deactivate them, only superusers delete.

    Blockouts and template items keep pointing at their type (the database protects
    them), so "Deactivate selected" is how a practice retires one.
    """

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
    actions = ("deactivate_selected",)

    def has_delete_permission(self, request, obj=None):
        return admin_org_ids(request) is None

    @admin.action(description="Deactivate selected", permissions=["change"])
    def deactivate_selected(self, request, queryset):
        count = 0
        for blockout_type in queryset.filter(status="active"):
            blockout_type_deactivate(blockout_type=blockout_type)
            count += 1
        self.message_user(request, f"Deactivated {count} blockout type(s).", messages.SUCCESS)


class BlockoutTemplateItemInline(OrgScopedInline):
    model = BlockoutTemplateItem
    fields = ("blockout_type", "operatory", "start_time", "end_time", "item_order")
    verbose_name = "blockout"
    verbose_name_plural = "blockouts (no operatory: the whole location)"


@admin.register(BlockoutTemplate)
class BlockoutTemplateAdmin(OrgScopedAdmin):
    list_display = ("name", "org", "location", "day_of_week", "status", "is_hidden", "item_order")
    list_filter = (ORG_FILTER, "status", "is_hidden")
    list_select_related = ("org", "location")
    search_fields = ("name", "description")
    ordering = ("org__name", "item_order", "name", "id")
    inlines = (BlockoutTemplateItemInline,)
