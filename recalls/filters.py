"""Query-string filters of the Recalls lists (bad values are 422 ``query`` errors)."""

import django_filters

from recalls.models import RecallTrigger, RecallType
from scheduling.api.filters import OrgObjectFilter, StrictBooleanFilter


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
