from datetime import UTC, date, datetime, timedelta

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, Value
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from appointments.models import (
    Appointment,
    AppointmentProvider,
    AppointmentRule,
    AppointmentStatus,
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)
from scheduling.api.filters import ChoiceListFilter, LocationUUIDFilter, StatusDefaultFilterSet
from scheduling.api.relations import resolve_one
from scheduling.models import Operatory, Patient, Provider
from scheduling.timezones import LocalDayStart, day_start
from scheduling.validators import validate_calendar_date


class AppointmentTypeFilterSet(StatusDefaultFilterSet):
    status = django_filters.ChoiceFilter(
        choices=[*AppointmentTypeStatus.choices, ("all", "All")],
        method="filter_status",
        help_text="active (the default), archived or all.",
    )
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text="Part of the name or abbreviation."
    )
    location_uuid = LocationUUIDFilter(
        apply="offered_at",
        help_text="Only types offered at this location (including those offered everywhere).",
    )

    class Meta:
        model = AppointmentType
        fields = ["status", "search", "location_uuid"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(abbrev__icontains=value))

    def offered_at(self, queryset, location):
        links = AppointmentTypeLocation.objects.filter(appointment_type=OuterRef("pk"))
        return queryset.filter(Exists(links.filter(location=location)) | ~Exists(links))


class AppointmentRuleFilterSet(django_filters.FilterSet):
    """Filters of ``GET /schedule/appointment-rules``.

    A location's rules are the ones that decide there: its own and the org-wide ones (a
    rule for the location overrides the org-wide rule of the pair, so a client needs both
    to tell what applies). Without ``location_uuid`` every rule the caller may see.
    """

    location_uuid = LocationUUIDFilter(
        apply="applying_at",
        help_text="Rules that apply at this location: its own and the org-wide ones. "
        "Omitted: every rule the caller may see (org-wide and per location).",
    )
    appointment_type_uuid = django_filters.UUIDFilter(
        method="filter_appointment_type",
        help_text="Rules where this type is either side of the pair.",
    )

    class Meta:
        model = AppointmentRule
        fields = ["location_uuid", "appointment_type_uuid"]

    def applying_at(self, queryset, location):
        return queryset.filter(Q(location=location) | Q(location__isnull=True))

    def filter_appointment_type(self, queryset, name, value):
        appointment_type = resolve_one(self.request.access, AppointmentType.objects.all(), value)
        return queryset.filter(
            Q(appointment_type_a=appointment_type) | Q(appointment_type_b=appointment_type)
        )


class DateOrDateTimeField(forms.CharField):
    """A date (``2025-01-15``: a local calendar day) or an ISO 8601 date-time with a zone."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                validate_calendar_date(day)
                return day
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise forms.ValidationError(
                "Use YYYY-MM-DD or an ISO 8601 date-time.", code="date_parsing"
            ) from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        validate_calendar_date(parsed.date())
        return parsed


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeFilter(django_filters.Filter):
    field_class = DateOrDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "filter_noop")
        super().__init__(*args, **kwargs)


class AppointmentFilterSet(django_filters.FilterSet):
    """Filters of ``GET /appointments`` and ``/appointments/cursor``.

    A date-only ``date_from``/``date_to`` is a calendar day at the location: the named
    location's zone, or each appointment's own location when none is named.
    ``date_to`` as a date includes that whole day; as a date-time it is inclusive for the
    page list and exclusive for the cursor list (as the contract words them).
    """

    location_uuid = LocationUUIDFilter(apply="at_location")
    patient_uuid = django_filters.UUIDFilter(
        method="filter_patient", help_text="Only this patient."
    )
    status = ChoiceListFilter(
        choices=AppointmentStatus.choices,
        help_text="A status or a comma-separated list of statuses (scheduled,complete); the "
        "parameter may also be repeated.",
    )
    date_from = DateOrDateTimeFilter(
        help_text="Starting at or after (a date: the start of that local day).",
    )
    date_to = DateOrDateTimeFilter(
        help_text="Starting at or before (a date: up to the end of that local day).",
    )
    operatory_uuid = django_filters.UUIDFilter(
        method="filter_operatory", help_text="Only appointments in this operatory."
    )
    provider_uuid = django_filters.UUIDFilter(
        method="filter_provider", help_text="Only appointments this provider is assigned to."
    )
    date_to_inclusive = True
    #: Given none of these parameters, every appointment is kept (no default applies), so
    #: an unfiltered list does not build the filterset (``QueryFilterBackend``).
    keeps_all_when_absent = True

    class Meta:
        model = Appointment
        fields = [
            "location_uuid",
            "patient_uuid",
            "operatory_uuid",
            "provider_uuid",
            "status",
            "date_from",
            "date_to",
        ]

    def at_location(self, queryset, location):
        self.location = location
        return queryset.filter(location=location)

    def filter_patient(self, queryset, name, value):
        patient = resolve_one(self.request.access, Patient.objects.all(), value)
        return queryset.filter(patient=patient)

    def filter_operatory(self, queryset, name, value):
        operatory = resolve_one(self.request.access, Operatory.objects.all(), value)
        return queryset.filter(operatory=operatory)

    def filter_provider(self, queryset, name, value):
        provider = resolve_one(self.request.access, Provider.objects.all(), value)
        links = AppointmentProvider.objects.filter(appointment=OuterRef("pk"), provider=provider)
        return queryset.filter(Exists(links))

    def filter_noop(self, queryset, name, value):
        return queryset  # applied in ``qs``, once the location is known

    def _day_start(self, day: date):
        location = getattr(self, "location", None)
        if location is not None:
            return day_start(day, location.timezone)
        return LocalDayStart(F("location__timezone"), Value(day))

    @property
    def qs(self):
        queryset = super().qs
        date_from = self.form.cleaned_data.get("date_from")
        date_to = self.form.cleaned_data.get("date_to")
        if isinstance(date_from, date) and not isinstance(date_from, datetime):
            date_from = self._day_start(date_from)
        if date_from is not None:
            queryset = queryset.filter(start_at__gte=date_from)
        if isinstance(date_to, datetime):
            lookup = "start_at__lte" if self.date_to_inclusive else "start_at__lt"
            queryset = queryset.filter(**{lookup: date_to})
        elif date_to is not None and date_to < date.max:  # the last day has no day after
            queryset = queryset.filter(start_at__lt=self._day_start(date_to + timedelta(days=1)))
        return queryset


class AppointmentCursorFilterSet(AppointmentFilterSet):
    date_to_inclusive = False
