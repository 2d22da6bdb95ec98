"""The free-time search's query parameters and its answer (``GET schedule/free-time``)."""

from __future__ import annotations

from rest_framework import serializers

from appointments.models import AppointmentType
from appointments.models.appointment_types import MAX_DURATION_MINUTES, SLOT_MINUTES
from appointments.services.free_time import INCREMENTS, MAX_DAYS
from appointments.services.rules import check_type
from scheduling.api.relations import OrgRelatedField, OrgRelatedQueryListField
from scheduling.api.serializers import (
    CalendarDateField,
    LocalTimeField,
    RefSerializer,
    StrictUUIDField,
)
from scheduling.models import Location, Operatory, Patient, Provider


def _whole_cells(value: int) -> None:
    if value % SLOT_MINUTES:
        raise serializers.ValidationError(
            f"Must be a multiple of {SLOT_MINUTES}.", code="invalid_duration"
        )


class FreeTimeQuery(serializers.Serializer):
    """What the front desk looks for. The length comes from ``duration_minutes`` or the
    appointment type; given both, ``duration_minutes`` is the length and the type still
    counts (its rules, where it is offered, its pattern cut to the length or carried on
    as provider time)."""

    saved_search_uuid = StrictUUIDField(
        required=False,
        help_text="Run one of the caller's saved `find_free_time` searches: its criteria "
        "(query parameter names and values) fill in what the query leaves out.",
    )
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location to search."
    )
    date_from = CalendarDateField(help_text="First local date searched (inclusive).")
    date_to = CalendarDateField(
        help_text=f"Last local date searched (inclusive); at most {MAX_DAYS} days in all."
    )
    duration_minutes = serializers.IntegerField(
        required=False,
        min_value=SLOT_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        validators=[_whole_cells],
        help_text=f"The visit's length (a multiple of {SLOT_MINUTES}); default: the "
        "appointment type's. One of the two is required.",
    )
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.with_offered_locations(),
        source="appointment_type",
        required=False,
        help_text="The kind of visit: its length, its time pattern (provider time must be "
        "free, assistant time may overlap the provider's other bookings) and its "
        "appointment rules. Must be active and offered at the location.",
    )
    provider_uuids = OrgRelatedQueryListField(
        Provider.objects.all(),
        source="providers",
        required=False,
        help_text="Only these providers (comma-separated, or the parameter repeated); "
        "default: every active provider scheduled at the location.",
    )
    operatory_uuids = OrgRelatedQueryListField(
        Operatory.objects.all(),
        source="operatories",
        required=False,
        help_text="Only these operatories of the location (comma-separated, or the "
        "parameter repeated); default: every active one.",
    )
    earliest_time = LocalTimeField(
        required=False, help_text="Slots start at or after this local wall time."
    )
    latest_time = LocalTimeField(
        required=False, help_text="Slots end at or before this local wall time."
    )
    patient_uuid = OrgRelatedField(
        Patient.objects.all(),
        source="patient",
        required=False,
        help_text="The patient: slots that start together are ranked by the patient's "
        "scheduling preferences (none recorded: no change of order).",
    )
    increment_minutes = serializers.ChoiceField(
        INCREMENTS,
        required=False,
        default=10,
        help_text="Slots start on multiples of this many minutes after local midnight.",
    )
    limit = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=500, help_text="At most this many."
    )

    def validate(self, attrs):
        attrs.pop("saved_search_uuid", None)  # read by the view, which merged its criteria
        location = attrs["location"]
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError(
                {"date_to": "Must be on or after date_from."}, code="invalid_range"
            )
        if (attrs["date_to"] - attrs["date_from"]).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"date_to": f"At most {MAX_DAYS} days from date_from (inclusive)."},
                code="range_too_long",
            )
        appointment_type = attrs.get("appointment_type")
        if "duration_minutes" not in attrs:
            if appointment_type is None:
                raise serializers.ValidationError(
                    {"duration_minutes": "Give duration_minutes or appointment_type_uuid."},
                    code="required",
                )
            attrs["duration_minutes"] = appointment_type.duration_minutes
        check_type(location, appointment_type)  # archived, not offered there: 422 as a booking
        elsewhere = [o for o in attrs.get("operatories", ()) if o.location_id != location.pk]
        if elsewhere:
            raise serializers.ValidationError(
                {
                    "operatory_uuids": serializers.ErrorDetail(
                        f"Not at the location: {', '.join(str(o.uuid) for o in elsewhere)}.",
                        code="wrong_location",
                    )
                }
            )
        earliest, latest = attrs.get("earliest_time"), attrs.get("latest_time")
        if earliest is not None and latest is not None and latest <= earliest:
            raise serializers.ValidationError(
                {"latest_time": "Must be after earliest_time."}, code="invalid_range"
            )
        return attrs


class FreeSlotSerializer(serializers.Serializer):
    """A bookable slot: send its ``date``, ``start_time`` and ``end_time`` (with the
    provider and operatory) to ``POST /appointments`` to book it."""

    date = serializers.DateField(read_only=True, help_text="Local date at the location.")
    start_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")
    end_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")
    start_at = serializers.DateTimeField(read_only=True, help_text="The start in UTC.")
    end_at = serializers.DateTimeField(read_only=True, help_text="The end in UTC.")
    provider = RefSerializer(read_only=True)
    operatory = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the local times."
    )

    class Meta:
        ref_name = "FreeTimeSlot"


class FreeTimeSerializer(serializers.Serializer):
    """The free slots found, by start (ties: best fit to the patient's preferences, then
    provider name, then operatory order), and what was searched for."""

    slots = FreeSlotSerializer(many=True, read_only=True)
    truncated = serializers.BooleanField(
        read_only=True, help_text="More slots were free in the window than `limit`."
    )
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    date_from = serializers.DateField(read_only=True)
    date_to = serializers.DateField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    time_pattern = serializers.CharField(
        read_only=True,
        help_text=f"The visit's pattern, one character per {SLOT_MINUTES} minutes: X provider "
        "time (kept clear of the provider's other bookings), / assistant time.",
    )
    increment_minutes = serializers.IntegerField(read_only=True)

    class Meta:
        ref_name = "FreeTime"
