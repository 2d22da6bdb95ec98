"""The Schedule section's monthly calendar. It reads appointments, goals and blockouts,
so it lives here, whatever its URL says (``/schedule/calendar/monthly``).

A month view is polled by every front desk screen while little in it changes, so it
carries a strong ``ETag`` (a hash of the exact JSON body): a client that sends it back in
``If-None-Match`` gets a ``304`` with no body when nothing changed. The figures are still
computed (three aggregate statements); what is saved is the transfer and the client's
re-rendering (the kit's ``scheduling.api.conditional``, as the day and week calendars).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from appointments.serializers.calendar_monthly import (
    MonthlyCalendarQuery,
    MonthlyCalendarSerializer,
)
from appointments.services.calendar_monthly import monthly_calendar
from scheduling.api.conditional import (
    CONDITIONAL_PARAMETERS,
    conditional_response,
    conditional_responses,
)
from scheduling.api.views import OrgScopedMixin


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
        parameters=[MonthlyCalendarQuery, *CONDITIONAL_PARAMETERS],
        responses=conditional_responses(MonthlyCalendarSerializer),
    )
    @action(detail=False, methods=["get"], url_path="monthly")
    def monthly(self, request, *args, **kwargs):
        query = self.validated_query()
        calendar = monthly_calendar(location=query["location"], month=query["month"])
        return conditional_response(request, MonthlyCalendarSerializer(calendar).data)
