"""Query-string filtering: django-filter, with bad values reported as 422 ``query`` errors."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail

from scheduling.api.exceptions import RequestValidationError
from scheduling.api.relations import resolve_one
from scheduling.models import Location
from scheduling.validators import validate_calendar_date

EMPTY_VALUE = ErrorDetail("Give a value, or leave the parameter out.", code="empty")


def empty_parameters(query, typed_names) -> dict:
    """``?location_uuid=`` is not "every location": each of ``typed_names`` given only
    empty is an error (free text, such as a search, may be empty and is not named)."""
    return {
        name: [EMPTY_VALUE]
        for name in typed_names
        if name in query and all(value == "" for value in query.getlist(name))
    }


class QueryFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        keeps_all = getattr(filterset_class, "keeps_all_when_absent", False)
        if keeps_all and filterset_class.base_filters.keys().isdisjoint(request.query_params):
            # Given none of its parameters it keeps every row: not built at all (django-filter
            # copies every filter and builds a form per request: ~0.5 ms of a list page).
            return None
        return filterset_class(**self.get_filterset_kwargs(request, queryset, view))

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        typed = (
            name
            for name, field in filterset.filters.items()
            if not isinstance(field, django_filters.CharFilter)
        )
        errors = empty_parameters(request.query_params, typed)
        if not filterset.is_valid():
            errors |= {
                field: [ErrorDetail(e.messages[0], code=e.code or "invalid") for e in errs]
                for field, errs in filterset.form.errors.as_data().items()
            }
        if errors:
            raise RequestValidationError(errors, location="query")
        return filterset.qs


class OrgObjectFilter(django_filters.UUIDFilter):
    """``?<model>_uuid=`` naming a row of the caller's org: unknown → 404, at a forbidden
    location → 403; the rows are then filtered by ``lookup=row``.

    ``apply`` names a FilterSet method ``(queryset, row)`` for filters that need more.
    """

    #: The model named (``model`` is django-filter's: the filtered rows').
    target: type | None = None

    def __init__(self, *args, target=None, lookup: str = "", apply: str | None = None, **kw):
        super().__init__(*args, **kw)
        self.target = target or self.target
        self.lookup = lookup
        self.apply = apply

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        found = resolve_one(self.parent.request.access, self.target.objects.all(), value)
        if self.apply:
            return getattr(self.parent, self.apply)(qs, found)
        return qs.filter(**{self.lookup: found})


class LocationUUIDFilter(OrgObjectFilter):
    """``?location_uuid=`` naming a location: unknown → 404, forbidden → 403."""

    target = Location

    def __init__(self, *args, location_lookup: str = "location", **kw):
        kw.setdefault("help_text", "Only rows at this location.")
        super().__init__(*args, lookup=location_lookup, **kw)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (``1.5`` is a 422, not rounded); ``min_value``/``max_value`` bound it."""

    field_class = forms.IntegerField


class CalendarDateFilter(django_filters.DateFilter):
    """A date filter refusing dates no practice schedules on (see ``validate_calendar_date``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_calendar_date])
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])  # not Django's 03/03/2031 and kin
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


class CommaListWidget(forms.TextInput):
    """Reads ``?x=a,b`` and ``?x=a&x=b`` alike (generated clients send the second)."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return ",".join(value for value in values if value) or None


class ChoiceListField(forms.CharField):
    widget = CommaListWidget

    def __init__(self, *args, choices=(), **kwargs):
        self.allowed = [value for value, _ in choices]
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return []
        chosen = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
        unknown = [item for item in chosen if item not in self.allowed]
        if unknown:
            raise ValidationError(
                f"Unknown value {', '.join(unknown)}; one of {', '.join(self.allowed)}.",
                code="enum",
            )
        return chosen


class ChoiceListFilter(django_filters.Filter):
    """A list of allowed values: ``?status=scheduled,complete`` or ``?status=scheduled&
    status=complete``; rows matching any of them.

    Documented as the contract words it: a string holding one value or a comma-separated
    list, with a pattern that names the values (see ``ChairsideAutoSchema``).
    """

    field_class = ChoiceListField

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, choices=choices, **kwargs)
        self.choices = choices

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


def comma_list_schema(choices) -> dict:
    """The OpenAPI schema of a ``ChoiceListFilter``: one value or a comma-separated list."""
    values = "|".join(re.escape(value) for value, _ in choices)
    return {
        "type": "string",
        "pattern": f"^({values})(,({values}))*$",
        "example": ",".join(value for value, _ in list(choices)[:2]),
    }
