"""Query-string filtering: django-filter, with bad values reported as 422 ``query`` errors."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail

from scheduling.api.exceptions import RequestValidationError
from scheduling.api.relations import resolve_one
from scheduling.models import Location
from scheduling.validators import validate_calendar_date


class QueryFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            errors = {
                field: [ErrorDetail(e.messages[0], code=e.code or "invalid") for e in errs]
                for field, errs in filterset.form.errors.as_data().items()
            }
            raise RequestValidationError(errors, location="query")
        return filterset.qs


class LocationUUIDFilter(django_filters.UUIDFilter):
    """``?location_uuid=`` naming a location: unknown → 404, forbidden → 403.

    ``apply`` names a FilterSet method ``(queryset, location)`` for filters that need more
    than ``location_lookup=location``.
    """

    def __init__(self, *args, location_lookup: str = "location", apply: str | None = None, **kw):
        kw.setdefault("help_text", "Only rows at this location.")
        super().__init__(*args, **kw)
        self.location_lookup = location_lookup
        self.apply = apply

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        location = resolve_one(self.parent.request.access, Location.objects.all(), value)
        if self.apply:
            return getattr(self.parent, self.apply)(qs, location)
        return qs.filter(**{self.location_lookup: location})


class CalendarDateFilter(django_filters.DateFilter):
    """A date filter refusing dates no practice schedules on (see ``validate_calendar_date``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_calendar_date])
        super().__init__(*args, **kwargs)


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
