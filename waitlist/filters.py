"""Query-string filters and sorting of the ASAP list (bad values are 422 ``query`` errors)."""

import django_filters
from django.db.models import Exists, F, OuterRef, Q

from appointments.models import AppointmentType
from scheduling.api.filters import (
    ChoiceListFilter,
    LocationUUIDFilter,
    OrgObjectFilter,
    StrictBooleanFilter,
)
from scheduling.models import Patient, Provider
from waitlist.models import (
    ACTIVE_STATUSES,
    EntryStatus,
    LocationMatch,
    Source,
    Urgency,
    WaitlistEntry,
    WaitlistEntryLocation,
)

#: ``sort_by`` → the annotation or column it orders by.
SORTS = {
    "urgency": "urgency_rank",
    "score": "patient_score",
    "days_waiting": "days_waiting",
    "created_at": "created_at",
    "treatment_value": "treatment_value",
}


def _noop(queryset, name, value):
    return queryset


class WaitlistEntryFilterSet(django_filters.FilterSet):
    location_uuid = LocationUUIDFilter(
        apply="at_location",
        help_text="Entries this location may serve: its own, and (unless "
        "include_cross_location=false) `any` entries and `selected` entries naming it.",
    )
    include_cross_location = StrictBooleanFilter(
        method=_noop,
        help_text="With location_uuid: also other locations' entries that reach it (default true).",
    )
    patient_uuid = OrgObjectFilter(
        target=Patient, lookup="patient", help_text="Only this patient's."
    )
    provider_uuid = OrgObjectFilter(
        target=Provider, lookup="provider", help_text="Only entries preferring this provider."
    )
    appointment_type_uuid = OrgObjectFilter(
        target=AppointmentType, lookup="appointment_type", help_text="Only this type's."
    )
    status = ChoiceListFilter(
        choices=EntryStatus.choices,
        help_text="One status or a comma-separated list (default: waiting, contacted, "
        "offered; removed, scheduled and expired entries are listed only when named).",
    )
    urgency = ChoiceListFilter(choices=Urgency.choices, help_text="One urgency or a list.")
    source = ChoiceListFilter(choices=Source.choices, help_text="One source or a list.")
    sort_by = django_filters.ChoiceFilter(
        choices=[(name, name) for name in SORTS],
        method=_noop,
        help_text="created_at (default), urgency, score, days_waiting or treatment_value; "
        "ties by id.",
    )
    sort_dir = django_filters.ChoiceFilter(
        choices=[("asc", "asc"), ("desc", "desc")], method=_noop, help_text="desc (default) or asc."
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "location_uuid",
            "include_cross_location",
            "patient_uuid",
            "provider_uuid",
            "appointment_type_uuid",
            "status",
            "urgency",
            "source",
            "sort_by",
            "sort_dir",
        ]

    def at_location(self, queryset, location):
        here = Q(location=location)
        if self.form.cleaned_data.get("include_cross_location") is not False:
            selected = Exists(
                WaitlistEntryLocation.objects.filter(entry=OuterRef("pk"), location=location)
            )
            here |= Q(reach=LocationMatch.ANY) | (Q(reach=LocationMatch.SELECTED) & selected)
        return queryset.filter(here)

    @property
    def qs(self):
        queryset = super().qs
        data = self.form.cleaned_data
        if not data.get("status"):
            queryset = queryset.filter(status__in=ACTIVE_STATUSES)
        key = F(SORTS[data.get("sort_by") or "created_at"])
        descending = (data.get("sort_dir") or "desc") == "desc"
        order = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
        return queryset.order_by(order, "id")
