"""Query-string filters of the Recalls lists (bad values are 422 ``query`` errors)."""

import django_filters

from recalls.models import PatientRecall, RecallTrigger, RecallType
from recalls.selectors import RecallStatus, status_q
from scheduling.api.filters import OrgObjectFilter, StrictBooleanFilter
from scheduling.models import Patient


class RecallTypeFilterSet(django_filters.FilterSet):
    is_active = StrictBooleanFilter(help_text="Only active (true) or inactive (false) types.")

    class Meta:
        model = RecallType
        fields = ["is_active"]


class RecallTriggerFilterSet(django_filters.FilterSet):
    recall_type_uuid = OrgObjectFilter(
        target=RecallType,
        lookup="recall_type",
        required=True,
        help_text="The recall type whose triggers to list (unknown: 404).",
    )

    class Meta:
        model = RecallTrigger
        fields = ["recall_type_uuid"]


# --- Patient recalls ---


class PatientRecallFilterSet(django_filters.FilterSet):
    patient_uuid = OrgObjectFilter(
        target=Patient, lookup="patient", help_text="Only this patient's (unknown: 404)."
    )
    recall_type_uuid = OrgObjectFilter(
        target=RecallType, lookup="recall_type", help_text="Only this type's (unknown: 404)."
    )
    # Filtered by the status's own predicates (``status_q``), as of the practice's today,
    # not by comparing the ``status`` annotation: that CASE would hide them from the
    # planner, which then joins every appointment to count one status.
    status = django_filters.ChoiceFilter(
        choices=RecallStatus.choices,
        method="in_status",
        help_text="Only recalls in this status, as of today.",
    )

    class Meta:
        model = PatientRecall
        fields = ["patient_uuid", "recall_type_uuid", "status"]

    def in_status(self, queryset, name, value):
        return queryset.filter(status_q(value, org=self.request.access.org))
