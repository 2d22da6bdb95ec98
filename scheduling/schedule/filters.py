"""Query-string filters of the schedule lists (bad values are 422 ``query`` errors)."""

import django_filters
from django.core.validators import RegexValidator

from scheduling.api.filters import (
    CalendarDateFilter,
    IntegerFilter,
    LocationUUIDFilter,
    OrgObjectFilter,
    StrictBooleanFilter,
)
from scheduling.models import (
    FlowStatus,
    Patient,
    PatientPreference,
    ProductionGoal,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
)
from scheduling.schedule.serializers import SEARCH_TYPE_PATTERN


def _provider_filter():
    return OrgObjectFilter(
        target=Provider, lookup="provider", help_text="Only this provider's (unknown: 404)."
    )


class ScheduleTemplateFilterSet(django_filters.FilterSet):
    provider_uuid = _provider_filter()
    location_uuid = LocationUUIDFilter()
    day_of_week = IntegerFilter(min_value=0, max_value=6, help_text="0 = Monday … 6 = Sunday.")

    class Meta:
        model = ProviderScheduleTemplate
        fields = ["provider_uuid", "location_uuid", "day_of_week"]


class ScheduleOverrideFilterSet(django_filters.FilterSet):
    provider_uuid = _provider_filter()
    location_uuid = LocationUUIDFilter()
    date_from = CalendarDateFilter(
        field_name="override_date", lookup_expr="gte", help_text="On or after (local date)."
    )
    date_to = CalendarDateFilter(
        field_name="override_date", lookup_expr="lte", help_text="On or before (local date)."
    )

    class Meta:
        model = ProviderScheduleOverride
        fields = ["provider_uuid", "location_uuid", "date_from", "date_to"]


class ScheduleNoteFilterSet(django_filters.FilterSet):
    location_uuid = LocationUUIDFilter()
    date_from = CalendarDateFilter(
        field_name="note_date", lookup_expr="gte", help_text="On or after (local date)."
    )
    date_to = CalendarDateFilter(
        field_name="note_date", lookup_expr="lte", help_text="On or before (local date)."
    )

    class Meta:
        model = ScheduleNote
        fields = ["location_uuid", "date_from", "date_to"]


# --- Flow statuses ---


class FlowStatusFilterSet(django_filters.FilterSet):
    include_inactive = StrictBooleanFilter(
        method="filter_include_inactive",
        help_text="false: active statuses only (default true: every status).",
    )

    class Meta:
        model = FlowStatus
        fields = ["include_inactive"]

    def filter_include_inactive(self, queryset, name, value):
        return queryset if value else queryset.filter(is_active=True)


# --- Production goals ---


class ProductionGoalFilterSet(django_filters.FilterSet):
    provider_uuid = _provider_filter()
    location_uuid = LocationUUIDFilter()
    date_from = CalendarDateFilter(
        field_name="goal_date", lookup_expr="gte", help_text="On or after (YYYY-MM-DD)."
    )
    date_to = CalendarDateFilter(
        field_name="goal_date", lookup_expr="lte", help_text="On or before (YYYY-MM-DD)."
    )

    class Meta:
        model = ProductionGoal
        fields = ["provider_uuid", "location_uuid", "date_from", "date_to"]


# --- Schedule views ----------------------------------------------------------------------


class ScheduleViewFilterSet(django_filters.FilterSet):
    location_uuid = LocationUUIDFilter(
        help_text="Only views at this location (unknown: 404; not yours to see: 403). "
        "Without it: the views of every location you may see."
    )

    class Meta:
        model = ScheduleView
        fields = ["location_uuid"]


# --- Saved searches ---


class SavedSearchFilterSet(django_filters.FilterSet):
    search_type = django_filters.CharFilter(
        max_length=SavedSearch._meta.get_field("search_type").max_length,
        validators=[
            RegexValidator(
                SEARCH_TYPE_PATTERN,
                "A search type is lower-case letters, digits and underscores, starting with "
                "a letter (e.g. find_free_time).",
            )
        ],
        help_text="Only searches of this type (e.g. find_free_time).",
    )

    class Meta:
        model = SavedSearch
        fields = ["search_type"]


# --- Patient preferences ---


class PatientPreferenceFilterSet(django_filters.FilterSet):
    patient_uuid = OrgObjectFilter(
        target=Patient, lookup="patient", help_text="Only this patient's (unknown: 404)."
    )

    class Meta:
        model = PatientPreference
        fields = ["patient_uuid"]
