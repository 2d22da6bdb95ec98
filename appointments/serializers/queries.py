"""Query parameters of the appointment actions, checked like bodies (422 ``query``)."""

from __future__ import annotations

from rest_framework import serializers

from appointments.models import AppointmentStatus
from scheduling.api.serializers import BaseVersionSerializer, CalendarDateField, StrictUUIDField


class FlowStatsQuery(serializers.Serializer):
    include_open = serializers.BooleanField(
        required=False, default=True, help_text="Count the open segment up to now."
    )


class BaseVersionQuery(BaseVersionSerializer):
    pass


class PinboardQuery(serializers.Serializer):
    location_uuid = StrictUUIDField(help_text="The location whose pinboard to list.")


class FrequencyQuery(serializers.Serializer):
    patient_uuid = StrictUUIDField()
    procedure_code = serializers.CharField(max_length=5, help_text="CDT code, e.g. D0120.")


class CountsQuery(serializers.Serializer):
    date_from = CalendarDateField(help_text="Inclusive local start date.")
    date_to = CalendarDateField(help_text="Exclusive local end date.")
    status_set = serializers.ListField(
        child=serializers.ChoiceField(AppointmentStatus.choices),
        required=False,
        help_text="Statuses to count (repeat the parameter); default scheduled.",
    )

    def validate(self, attrs):
        if attrs["date_to"] <= attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "Must be after date_from."})
        if (attrs["date_to"] - attrs["date_from"]).days > 366:
            raise serializers.ValidationError({"date_to": "At most 366 days after date_from."})
        return attrs


class CursorQuery(serializers.Serializer):
    first = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)
    after = serializers.CharField(required=False, help_text="end_cursor of the previous page.")
    sort_by = serializers.ChoiceField(
        ["start_time", "created_at", "updated_at", "status"], required=False
    )
    sort_dir = serializers.ChoiceField(["asc", "desc"], required=False)
