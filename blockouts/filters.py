"""Query-string filters of the Blockouts lists (bad values are 422 ``query`` errors)."""

import django_filters
from django.db.models import Q

from blockouts.models import (
    Blockout,
    BlockoutStatus,
    BlockoutTemplate,
    BlockoutTemplateStatus,
    BlockoutType,
    BlockoutTypeStatus,
)
from scheduling.api.filters import (
    CalendarDateFilter,
    LocationUUIDFilter,
    StatusDefaultFilterSet,
    StrictBooleanFilter,
)


class HiddenFilterMixin(django_filters.FilterSet):
    include_hidden = StrictBooleanFilter(
        method="filter_include_hidden", help_text="Also list hidden ones (default false)."
    )

    def filter_include_hidden(self, queryset, name, value):
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("include_hidden"):
            queryset = queryset.filter(is_hidden=False)
        return queryset


class BlockoutTypeFilterSet(HiddenFilterMixin, StatusDefaultFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*BlockoutTypeStatus.choices, ("all", "All")],
        method="filter_status",
        help_text="active (the default), inactive or all.",
    )

    class Meta:
        model = BlockoutType
        fields = ["include_hidden", "status"]


class BlockoutFilterSet(StatusDefaultFilterSet):
    location_uuid = LocationUUIDFilter()
    date_from = CalendarDateFilter(
        field_name="schedule_date", lookup_expr="gte", help_text="On or after (local date)."
    )
    date_to = CalendarDateFilter(
        field_name="schedule_date", lookup_expr="lte", help_text="On or before (local date)."
    )
    status = django_filters.ChoiceFilter(
        choices=[*BlockoutStatus.choices, ("all", "All")],
        method="filter_status",
        help_text="active (the default), cancelled or all.",
    )

    class Meta:
        model = Blockout
        fields = ["location_uuid", "date_from", "date_to", "status"]


class BlockoutTemplateFilterSet(HiddenFilterMixin, StatusDefaultFilterSet):
    location_uuid = LocationUUIDFilter(
        apply="usable_at",
        help_text="Templates usable at this location: its own and org-wide ones. "
        "Omitted: every template the caller may see.",
    )
    status = django_filters.ChoiceFilter(
        choices=[*BlockoutTemplateStatus.choices, ("all", "All")],
        method="filter_status",
        help_text="active (the default), inactive or all.",
    )

    class Meta:
        model = BlockoutTemplate
        fields = ["location_uuid", "include_hidden", "status"]

    def usable_at(self, queryset, location):
        return queryset.filter(Q(location=location) | Q(location__isnull=True))
