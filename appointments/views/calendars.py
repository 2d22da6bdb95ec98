"""The Schedule section's daily and weekly calendars. They read appointments, blockouts
and schedules, so they live here, whatever their URL says (``/schedule/calendar/...``).

Both are polled by an open calendar: each answer carries an ``ETag`` and a matching
``If-None-Match`` gets ``304`` with no body (``scheduling.api.conditional``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from appointments.serializers.calendars import (
    CalendarDaySerializer,
    DailyCalendarQuery,
    WeeklyCalendarQuery,
    WeeklyCalendarSerializer,
    render_day,
    render_week,
)
from appointments.services.calendars import TIER2_FIELDS, WEEK_DAYS, calendar_days
from scheduling.api.conditional import (
    CONDITIONAL_PARAMETERS,
    conditional_response,
    conditional_responses,
)
from scheduling.api.views import OrgScopedMixin

_COMMON = (
    "A day is the location's wall-clock day (23 hours on the spring-forward day, 25 on the "
    "fall-back day): an appointment at 23:30 local is on that date whatever its UTC date. "
    "Appointments shown are planned, scheduled, complete and broken ones (broken: the hole "
    "to fill), not cancelled, pinboard or unscheduled ones. Each day also carries its "
    "schedule note and the location's operatories in their order (the columns). "
    f"`fields` adds Tier 2 keys to each card ({', '.join(TIER2_FIELDS)}). Every answer has "
    "an `ETag`; send it back as `If-None-Match` to get `304` while nothing shown changed. "
    "A location the caller may not access is a 403."
)


class DayCalendarViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """A location's calendar a day or a week at a time: every member may read it."""

    query_serializer_classes = {"daily": DailyCalendarQuery, "weekly": WeeklyCalendarQuery}
    schema_tags = ("Schedule",)

    @extend_schema(
        summary="Get daily calendar data",
        description=f"One local day of the location's calendar. {_COMMON}",
        parameters=[DailyCalendarQuery, *CONDITIONAL_PARAMETERS],
        responses=conditional_responses(CalendarDaySerializer),
    )
    @action(detail=False, methods=["get"], url_path="calendar/daily")
    def daily(self, request, *args, **kwargs):
        query = self.validated_query()
        location = query["location"]
        self.access.check_location(location.pk)
        fields = query.get("fields", ())
        (day,) = calendar_days(location=location, first=query["target_date"], fields=fields)
        return conditional_response(request, render_day(day, fields))

    @extend_schema(
        summary="Get weekly calendar data",
        description=f"Seven consecutive local days from `week_start` (any weekday). {_COMMON}",
        parameters=[WeeklyCalendarQuery, *CONDITIONAL_PARAMETERS],
        responses=conditional_responses(WeeklyCalendarSerializer),
    )
    @action(detail=False, methods=["get"], url_path="calendar/weekly")
    def weekly(self, request, *args, **kwargs):
        query = self.validated_query()
        location = query["location"]
        self.access.check_location(location.pk)
        fields = query.get("fields", ())
        week = calendar_days(
            location=location, first=query["week_start"], count=WEEK_DAYS, fields=fields
        )
        return conditional_response(request, render_week(week, fields))
