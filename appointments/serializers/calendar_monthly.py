"""The monthly calendar's query parameters and its answer (``GET schedule/calendar/monthly``)."""

from __future__ import annotations

import re
from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import MoneyTotalField, RefSerializer
from scheduling.models import Location
from scheduling.validators import EARLIEST_DATE, LATEST_DATE

MONTH_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII only: \d also takes "２０３１"


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-03"})
class MonthField(serializers.Field):
    """A month, ``YYYY-MM`` exactly (``2031-1`` is refused, not guessed), within the
    calendar's dates (1900 … 2199); its first day inside, ``YYYY-MM`` out."""

    default_error_messages = {
        "invalid": "Must be a month as YYYY-MM, e.g. 2026-03.",
        "out_of_range": "Months lie between {earliest} and {latest}.",
    }

    def to_internal_value(self, data):
        match = _MONTH.fullmatch(data) if isinstance(data, str) else None
        if match is None or not 1 <= int(match[2]) <= 12:
            self.fail("invalid")
        first = date(int(match[1]), int(match[2]), 1)
        if not EARLIEST_DATE <= first <= LATEST_DATE:
            self.fail("out_of_range", earliest="1900-01", latest="2199-12")
        return first

    def to_representation(self, value: date) -> str:
        return f"{value:%Y-%m}"


class MonthlyCalendarQuery(serializers.Serializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location of the calendar."
    )
    month = MonthField(help_text="The month, YYYY-MM (e.g. 2026-03).")


class MonthDaySerializer(serializers.Serializer):
    """One local date of the month at the location."""

    date = serializers.DateField(read_only=True, help_text="The local date.")
    appointment_count = serializers.IntegerField(
        read_only=True,
        help_text="Appointments holding a chair that day: planned, scheduled and complete "
        "(broken, cancelled, unscheduled and pinboard ones are not counted).",
    )
    scheduled_production = MoneyTotalField(
        help_text="Production of the planned and scheduled appointments."
    )
    completed_production = MoneyTotalField(help_text="Production of the complete appointments.")
    production_goal = MoneyTotalField(
        help_text="The sum of the providers' goals at the location that day."
    )
    is_holiday = serializers.BooleanField(
        read_only=True, help_text="An active blockout of a holiday type lies on that day."
    )
    day_hours = serializers.FloatField(
        read_only=True,
        help_text="How long the local day lasts: 24, or 23 and 25 on daylight-saving changes.",
    )

    class Meta:
        ref_name = "MonthDay"


class MonthlyCalendarSerializer(serializers.Serializer):
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    month = MonthField(read_only=True, help_text="The month, YYYY-MM.")
    days = MonthDaySerializer(
        many=True, read_only=True, help_text="One summary per local date of the month, in order."
    )

    class Meta:
        ref_name = "MonthlyCalendar"
