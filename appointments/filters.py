import django_filters
from django.db.models import Exists, OuterRef, Q

from appointments.models import AppointmentType, AppointmentTypeLocation, AppointmentTypeStatus
from scheduling.api.filters import LocationUUIDFilter


class AppointmentTypeFilterSet(django_filters.FilterSet):
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

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=AppointmentTypeStatus.ACTIVE)
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(abbrev__icontains=value))

    def offered_at(self, queryset, location):
        links = AppointmentTypeLocation.objects.filter(appointment_type=OuterRef("pk"))
        return queryset.filter(Exists(links.filter(location=location)) | ~Exists(links))
