"""Query-string filters of the Blockouts lists (bad values are 422 ``query`` errors)."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from blockouts.models import (
    Blockout,
    BlockoutStatus,
    BlockoutTemplate,
    BlockoutTemplateStatus,
    BlockoutType,
    BlockoutTypeStatus,
)
from scheduling.api.filters import LocationUUIDFilter


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is a 422, not silently ignored."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError("Must be true or false.", code="bool_parsing")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class StatusDefaultFilterSet(django_filters.FilterSet):
    """``status`` defaults to active; ``all`` lists every status."""

    default_status = "active"

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=self.default_status)
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)


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
    date_from = django_filters.DateFilter(
        field_name="schedule_date", lookup_expr="gte", help_text="On or after (local date)."
    )
    date_to = django_filters.DateFilter(
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
