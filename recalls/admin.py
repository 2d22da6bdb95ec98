"""Admin of recall types and their triggers (what practice administrators set up).

Types are org-wide; each lists the procedure codes that trigger it. A type that patient
recalls use cannot be deleted (the database protects them): uncheck "active" instead.
"""

from django.contrib import admin

from recalls.models import INTERVAL_UNITS, RecallTrigger, RecallType
from scheduling.admin_base import (
    ORG_FILTER,
    OrgScopedAdmin,
    OrgScopedInline,
    flag_column,
    flag_filter,
)


class RecallTriggerInline(OrgScopedInline):
    model = RecallTrigger
    fields = ("procedure_code",)
    verbose_name = "trigger"
    verbose_name_plural = "triggers (completing one of these procedures starts the recall)"


@admin.register(RecallType)
class RecallTypeAdmin(OrgScopedAdmin):
    list_display = (
        "name",
        "appointment_type",
        "interval",
        "org",
        flag_column("is_active", "active"),
        "item_order",
    )
    list_filter = (ORG_FILTER, flag_filter("is_active", "active"))
    list_select_related = ("org", "appointment_type")
    search_fields = ("name", "description")
    ordering = ("org__name", "item_order", "name", "id")
    inlines = (RecallTriggerInline,)

    @admin.display(description="interval")
    def interval(self, obj):
        """``{"months": 6}`` as a practice says it: "6 months"."""
        interval = obj.default_interval if isinstance(obj.default_interval, dict) else {}
        parts = [
            f"{interval[unit]} {unit if interval[unit] != 1 else unit[:-1]}"
            for unit in INTERVAL_UNITS
            if interval.get(unit)
        ]
        return ", ".join(parts) or None
