"""Admin of blockout types and block schedule templates (what practice administrators set up).

Blockouts themselves are written by the front desk over the API (create, copy, repeat,
apply), through ``blockouts.services``; the admin shows them read-only.
"""

import calendar

from django.contrib import admin, messages
from django.utils.html import format_html

from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from blockouts.services import blockout_type_deactivate
from scheduling.admin_base import (
    ORG_FILTER,
    LocalDaySearchMixin,
    OperatoryListFilter,
    OrgScopedAdmin,
    OrgScopedInline,
    ReadOnlyOrgAdmin,
    ScheduleDateDayFilter,
    admin_org_ids,
    color_swatch,
    flag_column,
    flag_filter,
    local_interval,
    swatch_column,
)


@admin.register(BlockoutType)
class BlockoutTypeAdmin(OrgScopedAdmin):
    """Blockout types; practices deactivate them, only superusers delete.

    Blockouts and template items keep pointing at their type (the database protects
    them), so "Deactivate selected" is how a practice retires one.
    """

    list_display = (
        "name",
        "abbreviation",
        swatch_column("color"),
        "org",
        flag_column("is_no_schedule", "no-schedule"),
        flag_column("is_do_not_copy", "don't copy"),
        flag_column("is_holiday", "holiday"),
        flag_column("is_hidden", "hidden"),
        "status",
        "item_order",
    )
    list_filter = (
        ORG_FILTER,
        "status",
        flag_filter("is_no_schedule", "no-schedule"),
        flag_filter("is_do_not_copy", "don't copy"),
        flag_filter("is_holiday", "holiday"),
        flag_filter("is_hidden", "hidden"),
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
    list_display = (
        "name",
        "org",
        "location",
        "weekday",
        "status",
        flag_column("is_hidden", "hidden"),
        "item_order",
    )
    list_filter = (ORG_FILTER, "status", flag_filter("is_hidden", "hidden"))
    list_select_related = ("org", "location")
    search_fields = ("name", "description")
    ordering = ("org__name", "item_order", "name", "id")
    inlines = (BlockoutTemplateItemInline,)

    @admin.display(description="day", ordering="day_of_week")
    def weekday(self, obj):
        return None if obj.day_of_week is None else calendar.day_name[obj.day_of_week]


# --- Blockouts (read-only) --------------------------------------------------------------


class BlockoutOperatoryFilter(OperatoryListFilter):
    empty_label = "Whole location"


@admin.register(Blockout)
class BlockoutAdmin(LocalDaySearchMixin, ReadOnlyOrgAdmin):
    """Blockouts on the schedule, to look a day up; read-only.

    The front desk makes, copies and repeats blockouts through the API, whose services
    take the location's blockout lock and warn about the appointments a blockout covers.
    """

    scoped_by_location = True
    day_filter = ScheduleDateDayFilter
    list_display = (
        "when",
        "location",
        "operatory_column",
        "type_column",
        "status",
        "short_note",
        "org",
    )
    list_display_links = ("when",)
    list_filter = (
        ScheduleDateDayFilter,
        ("location", admin.RelatedOnlyFieldListFilter),
        ("operatory", BlockoutOperatoryFilter),
        ("blockout_type", admin.RelatedOnlyFieldListFilter),
        "status",
        ORG_FILTER,
    )
    list_select_related = ("org", "location", "operatory", "blockout_type")
    search_fields = ("note", "blockout_type__name")
    search_help_text = "Type or note; a date (2030-03-04 or 3/4/2030) shows that day."
    ordering = ("start_at", "location__name", "operatory__item_order", "id")
    fields = (
        "when_at_location",
        "location",
        "operatory_column",
        "blockout_type",
        "status",
        "note",
        "blockout_group_uuid",
        "uuid",
        "version",
        "created",
        "updated",
    )

    def object_label(self, obj) -> str:
        when = local_interval(obj.start_at, obj.end_at, obj.location.timezone, zone_name=False)
        return f"{obj.blockout_type.name}, {when}"

    @admin.display(description="when", ordering="start_at")
    def when(self, obj):
        text = local_interval(obj.start_at, obj.end_at, obj.location.timezone, zone_name=False)
        return format_html('<span style="white-space:nowrap">{}</span>', text)

    @admin.display(description="when")
    def when_at_location(self, obj):
        return local_interval(obj.start_at, obj.end_at, obj.location.timezone)

    @admin.display(description="operatory", ordering="operatory__item_order")
    def operatory_column(self, obj):
        return obj.operatory.name if obj.operatory_id else "Whole location"

    @admin.display(description="type", ordering="blockout_type__name")
    def type_column(self, obj):
        return color_swatch(obj.blockout_type.color, obj.blockout_type.name)

    @admin.display(description="note")
    def short_note(self, obj):
        return obj.note if len(obj.note) <= 40 else f"{obj.note[:39]}…"

    @admin.display(description="created")
    def created(self, obj):
        return local_interval(obj.created_at, None, obj.location.timezone)

    @admin.display(description="updated")
    def updated(self, obj):
        return local_interval(obj.updated_at, None, obj.location.timezone)
