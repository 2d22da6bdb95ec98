"""Provider schedules and day notes in the admin, scoped like the rest (org, then the
locations the administrator's membership opens).

Templates and overrides are written through the same lock and check as the API: a save
that would put a provider in two places at once is refused and nothing is saved.
"""

import calendar

from django.contrib import admin
from django.db import transaction

from scheduling.admin_base import ORG_FILTER, OrgScopedAdmin, flag_column, flag_filter
from scheduling.models import (
    ProductionGoal,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
)
from scheduling.schedule import services

#: Only the locations of rows the administrator sees (a plain filter would list every org's).
LOCATION_FILTER = ("location", admin.RelatedOnlyFieldListFilter)


class ProviderScheduleAdmin(OrgScopedAdmin):
    """Saves and deletes under the provider's schedule lock, checked like the API's."""

    scoped_by_location = True
    list_select_related = ("org", "provider", "location", "operatory")
    search_fields = ("provider__first_name", "provider__last_name", "note")

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            services.lock_provider(obj.provider_id)
            super().save_model(request, obj, form, change)
            services.check_schedule(obj)

    def delete_model(self, request, obj):
        self.delete_one(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_one(obj)

    def delete_one(self, obj) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


@admin.register(ProviderScheduleTemplate)
class ProviderScheduleTemplateAdmin(ProviderScheduleAdmin):
    list_display = (
        "provider",
        "org",
        "location",
        "weekday",
        "start_time",
        "end_time",
        "operatory",
        "effective_from",
        "effective_to",
    )
    list_filter = (ORG_FILTER, LOCATION_FILTER, "day_of_week")
    ordering = (
        "org__name",
        "provider__last_name",
        "provider__first_name",
        "day_of_week",
        "start_time",
    )

    @admin.display(description="day", ordering="day_of_week")
    def weekday(self, obj):
        return calendar.day_name[obj.day_of_week]

    def delete_one(self, obj) -> None:
        services.template_delete(template=obj)


@admin.register(ProviderScheduleOverride)
class ProviderScheduleOverrideAdmin(ProviderScheduleAdmin):
    list_display = (
        "override_date",
        "provider",
        "org",
        "location",
        flag_column("is_unavailable", "day off"),
        "start_time",
        "end_time",
        "override_reason",
    )
    list_filter = (
        ORG_FILTER,
        LOCATION_FILTER,
        "override_reason",
        flag_filter("is_unavailable", "day off"),
    )
    date_hierarchy = "override_date"
    ordering = ("-override_date", "provider__last_name", "start_time")

    def delete_one(self, obj) -> None:
        services.override_delete(override=obj)


@admin.register(ScheduleNote)
class ScheduleNoteAdmin(OrgScopedAdmin):
    scoped_by_location = True
    list_display = ("note_date", "location", "org", "note")
    list_filter = (ORG_FILTER, LOCATION_FILTER)
    list_select_related = ("org", "location")
    search_fields = ("note",)
    date_hierarchy = "note_date"
    ordering = ("-note_date", "location__name")


# --- Production goals ---


@admin.register(ProductionGoal)
class ProductionGoalAdmin(OrgScopedAdmin):
    """Goals, limited like the API to the locations the administrator's membership opens.
    Saved as a versioned write; one goal per provider, location and date (a form error)."""

    scoped_by_location = True
    list_display = ("goal_date", "provider", "location", "goal_amount", "org")
    # Only locations of the rows shown: a plain "location" filter would offer every org's.
    list_filter = (ORG_FILTER, LOCATION_FILTER)
    list_select_related = ("org", "provider", "location")
    search_fields = ("provider__first_name", "provider__last_name", "location__name")
    date_hierarchy = "goal_date"
    ordering = ("-goal_date", "provider__last_name", "provider__first_name", "location__name")
