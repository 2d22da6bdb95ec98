"""Query-string filters of the patient recall list (bad values are 422 ``query`` errors)."""

import django_filters

from recalls.models import PatientRecall, RecallType
from recalls.patient_recall_selectors import RecallStatus
from scheduling.api.filters import OrgObjectFilter
from scheduling.models import Patient


class PatientRecallFilterSet(django_filters.FilterSet):
    patient_uuid = OrgObjectFilter(
        target=Patient, lookup="patient", help_text="Only this patient's (unknown: 404)."
    )
    recall_type_uuid = OrgObjectFilter(
        target=RecallType, lookup="recall_type", help_text="Only this type's (unknown: 404)."
    )
    # ``status`` is the annotation of ``with_status``: filtered in the database, as of today.
    status = django_filters.ChoiceFilter(
        choices=RecallStatus.choices, help_text="Only recalls in this status, as of today."
    )

    class Meta:
        model = PatientRecall
        fields = ["patient_uuid", "recall_type_uuid", "status"]
