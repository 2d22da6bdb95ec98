"""Provider schedules and day notes in the admin, scoped like the rest (org, then the
locations the administrator's membership opens).

Templates and overrides are written through the same lock and check as the API: a save
that would put a provider in two places at once is refused and nothing is saved.
"""

import calendar

from django.contrib import admin
from django.db import transaction

from scheduling.admin_base import (
    ORG_FILTER,
    OrgScopedAdmin,
    OrgScopedInline,
    VersionedAdminForm,
    flag_column,
    flag_filter,
)
from scheduling.api.exceptions import error_items
from scheduling.models import (
    ProductionGoal,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
    ScheduleView,
    ScheduleViewOperatory,
    ScheduleViewProvider,
    ViewVisibility,
)
from scheduling.schedule import services
from scheduling.schedule.view_layouts import (
    BubbleLayoutSerializer,
    CardLayoutSerializer,
    ColorConfigSerializer,
)

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


# --- Schedule views ----------------------------------------------------------------------


class ScheduleViewAdminForm(VersionedAdminForm):
    """The layouts are checked by the API's own serializers (shape, types, 16 KB), so a
    view saved here reads back through the API like any other."""

    LAYOUTS = {
        "card_layout": CardLayoutSerializer,
        "bubble_layout": BubbleLayoutSerializer,
        "color_config": ColorConfigSerializer,
    }

    def clean(self):
        cleaned_data = super().clean()
        for name, serializer_class in self.LAYOUTS.items():
            value = cleaned_data.get(name)
            if value is None or name in self.errors:
                continue
            serializer = serializer_class(data=value)
            if serializer.is_valid():
                cleaned_data[name] = serializer.validated_data
            else:
                messages = [
                    f"{' › '.join(map(str, item['loc'])) or name}: {item['msg']}"
                    for item in error_items(serializer.errors, [])
                ]
                self.add_error(name, messages)
        return cleaned_data


class ScheduleViewOperatoryInline(OrgScopedInline):
    model = ScheduleViewOperatory
    fields = ("operatory", "item_order")
    ordering = ("item_order", "id")
    verbose_name = "operatory column"


class ScheduleViewProviderInline(OrgScopedInline):
    model = ScheduleViewProvider
    fields = ("provider", "item_order")
    ordering = ("item_order", "id")
    verbose_name = "provider"


@admin.register(ScheduleView)
class ScheduleViewAdmin(OrgScopedAdmin):
    """The practice's shared views (personal views are their owners' alone: not here).
    A view added here is shared and made by the administrator who adds it."""

    form = ScheduleViewAdminForm
    scoped_by_location = True
    inlines = (ScheduleViewOperatoryInline, ScheduleViewProviderInline)
    exclude = ("owner", "visibility")
    list_display = ("name", "location", "org", "view_type", "time_increment", "start_time")
    list_filter = (ORG_FILTER, "location", "view_type")
    list_select_related = ("org", "location")
    search_fields = ("name",)
    ordering = ("org__name", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(visibility=ViewVisibility.SHARED)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
            obj.visibility = ViewVisibility.SHARED
        super().save_model(request, obj, form, change)
