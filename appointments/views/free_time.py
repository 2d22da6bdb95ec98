"""The Schedule section's free-time search. It reads appointments and blockouts, so it
lives here, whatever its URL says (``/schedule/free-time``)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments.serializers.free_time import FreeTimeQuery, FreeTimeSerializer
from appointments.services.free_time import MAX_DAYS, free_time_search
from scheduling.api.views import OrgScopedMixin


class FreeTimeViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """Where a visit could be booked: every member may search (a read)."""

    query_serializer_classes = {"free_time": FreeTimeQuery}
    schema_tags = ("Schedule",)

    @extend_schema(
        summary="Find free time",
        description="The first `limit` slots (by start) where a visit of "
        "`duration_minutes` (or the appointment type's length) could be booked at the "
        f"location between `date_from` and `date_to` (local dates, at most {MAX_DAYS} days): "
        "the provider is scheduled there for the whole slot (in that operatory when the "
        "schedule names one), the operatory holds no live appointment (unless an "
        "appointment rule allows the pair of types) and no no-schedule blockout, and the "
        "provider is booked nowhere else during the visit's provider time (X cells of the "
        "type's pattern; / cells may overlap). Starts are local wall times a multiple of "
        "`increment_minutes` after midnight; none starts or ends in a daylight-saving gap, "
        "and none starts before now. Booking a slot's `date`, `start_time`, `end_time`, "
        "provider and operatory succeeds unless the schedule changed meanwhile. "
        "`truncated`: more slots were free than `limit`.",
        parameters=[FreeTimeQuery],
        responses={200: FreeTimeSerializer},
    )
    @action(detail=False, methods=["get"], url_path="free-time")
    def free_time(self, request, *args, **kwargs):
        query = dict(self.validated_query())
        found = free_time_search(
            patient=query.pop("patient", None),
            not_before=timezone.now(),
            **query,
        )
        return Response(FreeTimeSerializer(found).data)
