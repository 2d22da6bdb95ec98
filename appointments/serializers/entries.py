"""The entries that name another appointment or blockout: in a conflict (409s,
check-conflicts, bulk rows) and in the warnings of a successful write.

One meaning, one shape: every entry carries its local ``schedule_date``,
``start_time`` and ``end_time`` at its location (what a front desk reads and sends back)
and the UTC instants ``start_at`` and ``end_at``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import Appointment
from scheduling.api.serializers import LocalTimeField, RefSerializer
from scheduling.timezones import to_local


class LocalSpanSerializer(serializers.Serializer):
    """``schedule_date``/``start_time``/``end_time`` at the row's location, from its instants."""

    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    schedule_date = serializers.SerializerMethodField(help_text="Local date at the location.")
    start_time = serializers.SerializerMethodField(help_text="Local wall time at the location.")
    end_time = serializers.SerializerMethodField(help_text="Local wall time at the location.")
    start_at = serializers.DateTimeField(read_only=True, help_text="The start in UTC.")
    end_at = serializers.DateTimeField(read_only=True, help_text="The end in UTC.")

    def _local(self, obj, instant):
        return to_local(instant, obj.location.timezone)

    @extend_schema_field(serializers.DateField())
    def get_schedule_date(self, obj) -> str:
        return self._local(obj, obj.start_at).date().isoformat()

    @extend_schema_field(LocalTimeField())
    def get_start_time(self, obj) -> str:
        return f"{self._local(obj, obj.start_at):%H:%M:%S}"

    @extend_schema_field(LocalTimeField())
    def get_end_time(self, obj) -> str:
        return f"{self._local(obj, obj.end_at):%H:%M:%S}"


class ConflictingAppointmentSerializer(LocalSpanSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.CharField(read_only=True)
    patient = RefSerializer(read_only=True)
    operatory = RefSerializer(read_only=True, allow_null=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)

    class Meta:
        ref_name = "ConflictingAppointment"


class ConflictingBlockoutSerializer(LocalSpanSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    blockout_type = RefSerializer(read_only=True)
    is_no_schedule = serializers.BooleanField(
        source="blockout_type.is_no_schedule",
        read_only=True,
        help_text="True: it blocks booking (BLOCKED_TIME_CONFLICT); false: informational.",
    )
    operatory = RefSerializer(read_only=True, allow_null=True, help_text="Null: location-wide.")
    note = serializers.CharField(read_only=True)

    class Meta:
        ref_name = "ConflictingBlockout"


class SchedulingWarningSerializer(serializers.Serializer):
    """A successful write's warning. An appointment at a location the caller may not see
    is not named: the warning then says only that the provider is booked elsewhere."""

    code = serializers.ChoiceField(["PROVIDER_OVERLAP", "COMPLETED_IN_FUTURE"], read_only=True)
    message = serializers.SerializerMethodField()
    provider = RefSerializer(read_only=True, allow_null=True)
    appointment = serializers.SerializerMethodField(
        help_text="The other appointment (null when it lies at a location you cannot see)."
    )

    class Meta:
        ref_name = "SchedulingWarning"

    def _visible(self, warning) -> Appointment | None:
        other = warning.appointment
        access = self.context.get("access")
        if other is None or (access and not access.can_access_location(other.location_id)):
            return None
        return other

    def get_message(self, warning) -> str:
        if warning.message or warning.provider is None:
            return warning.message
        other = self._visible(warning)
        if other is None:
            return f"{warning.provider.name} is booked at another location at the same time."
        tz = other.location.timezone
        return (
            f"{warning.provider.name} is also booked with {other.patient.name} "
            f"{to_local(other.start_at, tz):%Y-%m-%d %H:%M}–{to_local(other.end_at, tz):%H:%M}"
            f" in {other.operatory.name if other.operatory else 'no operatory'}."
        )

    @extend_schema_field(ConflictingAppointmentSerializer(allow_null=True))
    def get_appointment(self, warning):
        other = self._visible(warning)
        return ConflictingAppointmentSerializer(other).data if other is not None else None
