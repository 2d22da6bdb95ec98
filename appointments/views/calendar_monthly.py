"""The Schedule section's monthly calendar. It reads appointments, goals and blockouts,
so it lives here, whatever its URL says (``/schedule/calendar/monthly``).

A month view is polled by every front desk screen while little in it changes, so it
carries a strong ``ETag`` (a hash of the exact JSON body): a client that sends it back in
``If-None-Match`` gets a ``304`` with no body when nothing changed. The figures are still
computed (three aggregate statements); what is saved is the transfer and the client's
re-rendering. (``etag_response`` is this endpoint's own; the calendars' shared helper in
the kit replaces it when the two branches meet.)
"""

from __future__ import annotations

import hashlib

from django.utils.http import parse_etags, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from appointments.serializers.calendar_monthly import (
    MonthlyCalendarQuery,
    MonthlyCalendarSerializer,
)
from appointments.services.calendar_monthly import monthly_calendar
from scheduling.api.views import OrgScopedMixin

ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 304],
    required=True,
    description="Strong validator of the body: send it back in If-None-Match.",
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of a copy the client holds: if it is still current, 304 and no body.",
)


def etag_response(request, data) -> Response:
    """``data`` as a 200 with a strong ``ETag`` (the SHA-256 of its JSON body), or a 304
    with no body when ``If-None-Match`` names that ETag (or is ``*``).

    The hash is over the bytes the JSON renderer sends, so equal bodies always share an
    ETag and any change of a figure changes it. ``If-None-Match`` compares weakly (RFC
    9110 §13.1.2): a ``W/`` copy of the ETag matches too.
    """
    body = JSONRenderer().render(data)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    held = request.headers.get("If-None-Match")
    if held:
        tags = {tag.removeprefix("W/") for tag in parse_etags(held)}
        if "*" in tags or etag in tags:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(data, headers={"ETag": etag})


class MonthlyCalendarViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """A month at a location, day by day: every member may read it (a read)."""

    query_serializer_classes = {"monthly": MonthlyCalendarQuery}
    schema_tags = ("Schedule",)

    @extend_schema(
        summary="Get monthly calendar summary",
        description="One summary per local date of the month at the location: the "
        "appointments holding a chair (planned, scheduled, complete), their scheduled "
        "(planned + scheduled) and completed production (an appointment's "
        "production_override, else the sum of its procedures' fees), the providers' "
        "goals, whether a holiday blockout lies on the day, and the day's length in hours "
        "(23 or 25 on daylight-saving changes). An appointment counts on its local date "
        "at the location. A forbidden location is a 403, one of another organization a "
        "404; a month not written YYYY-MM is a 422. The response carries an ETag; send "
        "it back in If-None-Match to get a 304 without a body while nothing changed.",
        parameters=[MonthlyCalendarQuery, IF_NONE_MATCH, ETAG_HEADER],
        responses={
            200: MonthlyCalendarSerializer,
            304: OpenApiResponse(description="Not modified: the ETag sent is current."),
        },
    )
    @action(detail=False, methods=["get"], url_path="monthly")
    def monthly(self, request, *args, **kwargs):
        query = self.validated_query()
        calendar = monthly_calendar(location=query["location"], month=query["month"])
        return etag_response(request, MonthlyCalendarSerializer(calendar).data)
