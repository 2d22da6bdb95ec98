"""The entries that name another appointment or blockout: in a conflict (409s,
check-conflicts, bulk rows) and in the warnings of a successful write.

One meaning, one shape: every entry carries its local ``schedule_date``,
``start_time`` and ``end_time`` at its location (what a front desk reads and sends back)
and the UTC instants ``start_at`` and ``end_at`` (``LocalSpanSerializer``). Blockout
entries are the Blockouts section's (``ConflictingBlockoutSerializer``), shared here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import Appointment
from scheduling.api.serializers import LocalSpanSerializer, RefSerializer
from scheduling.timezones import to_local


class ConflictingAppointmentSerializer(LocalSpanSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.CharField(read_only=True)
    patient = RefSerializer(read_only=True)
    operatory = RefSerializer(read_only=True, allow_null=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)

    class Meta:
        ref_name = "ConflictingAppointment"


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
        return _CONFLICTING.to_representation(other) if other is not None else None


#: One serializer renders every warning's other appointment: it keeps no state of what
#: it renders (no context either), and building its fields anew for each warning cost
#: more than rendering them.
_CONFLICTING = ConflictingAppointmentSerializer()
