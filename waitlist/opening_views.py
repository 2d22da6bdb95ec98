"""Openings: the chair time appointments gave up, and whom to call (``waitlist.openings``)."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework.response import Response

from scheduling.api.filters import ChoiceListFilter, LocationUUIDFilter
from scheduling.api.views import ReadOnlyOrgViewSet
from waitlist.models import Opening, OpeningStatus
from waitlist.opening_serializers import OpeningSerializer
from waitlist.openings import with_matches, with_status

TAGS = ("Waitlist",)


class OpeningFilterSet(django_filters.FilterSet):
    location_uuid = LocationUUIDFilter()
    # Derived (``with_status``), not a column: the schema is told its type.
    status = extend_schema_field(OpenApiTypes.STR)(
        ChoiceListFilter(
            choices=OpeningStatus.choices,
            help_text="One status or a comma-separated list (default: every status).",
        )
    )

    class Meta:
        model = Opening
        fields = ["location_uuid", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="List openings",
        description="Chair time live appointments gave up in the next 14 days (cancelled, "
        "broken, pinboarded, unscheduled, deleted or moved away), newest first, each with "
        "its best ASAP matches as quick-fill ranked them when the time was freed. `status` "
        "is derived when read: `filled` once a live appointment takes any of its time in "
        "that chair, else `expired` once its start has passed, else `open` (README, "
        "Openings).",
    ),
    retrieve=extend_schema(summary="Get opening detail"),
)
class OpeningViewSet(ReadOnlyOrgViewSet):
    """Openings are recorded by the waitlist's appointment listener, never written here;
    the location decides who sees one."""

    queryset = Opening.objects.select_related(
        "location", "operatory", "provider", "appointment_type", "appointment"
    )
    serializer_class = OpeningSerializer
    filterset_class = OpeningFilterSet
    lookup_url_kwarg = "opening_uuid"
    http_method_names = ["get", "head", "options"]
    schema_tags = TAGS

    def get_queryset(self):
        return with_status(super().get_queryset())

    def list(self, request, *args, **kwargs):
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        with_matches(rows, access=self.access)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        (opening,) = with_matches([self.get_object()], access=self.access)
        return Response(self.get_serializer(opening).data)
