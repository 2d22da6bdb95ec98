"""What appointment actions and reports return besides the appointment itself:
conflicts, history, patient flow, procedures and providers, counts, pages, bulk results."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import (
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    AppointmentStatus,
    PatientFlowEvent,
)
from appointments.serializers.appointments import AppointmentSerializer
from appointments.serializers.entries import ConflictingAppointmentSerializer
from appointments.services.bulk import ROW_STATUSES
from blockouts.serializers import ConflictingBlockoutSerializer
from scheduling.api.schema import ConflictErrorSerializer, ErrorLocationPartField
from scheduling.api.serializers import MoneyField, RefSerializer


class ProviderOverlapSerializer(serializers.Serializer):
    provider = RefSerializer(read_only=True)
    appointment = ConflictingAppointmentSerializer(read_only=True)

    class Meta:
        ref_name = "ProviderOverlap"


class ConflictDetailsSerializer(serializers.Serializer):
    """What a slot collides with, grouped by kind."""

    appointments = ConflictingAppointmentSerializer(many=True, read_only=True)
    providers = ProviderOverlapSerializer(many=True, read_only=True)
    blockouts = ConflictingBlockoutSerializer(many=True, read_only=True)

    class Meta:
        ref_name = "ConflictDetails"


class SchedulingConflictErrorSerializer(ConflictErrorSerializer):
    """A 409 of an appointment write: what the slot collides with, a status the machine does
    not lead to, or a stale version. Every key beyond ``detail`` and ``code`` is optional."""

    code = serializers.CharField(
        help_text="APPOINTMENT_OVERLAP, BLOCKED_TIME_CONFLICT (with conflicts and "
        "reason_codes), INVALID_TRANSITION (with current_status and allowed), "
        "VERSION_CONFLICT (with current_version and base_version), INVALID_STATE, CONFLICT."
    )
    conflicts = ConflictDetailsSerializer(
        required=False, help_text="APPOINTMENT_OVERLAP, BLOCKED_TIME_CONFLICT: what collides."
    )
    reason_codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="The blocking kinds found: APPOINTMENT_OVERLAP, BLOCKED_TIME_CONFLICT.",
    )
    current_status = serializers.ChoiceField(
        AppointmentStatus.choices,
        required=False,
        help_text="INVALID_TRANSITION: the appointment's status now.",
    )
    allowed = serializers.ListField(
        child=serializers.ChoiceField(AppointmentStatus.choices),
        required=False,
        help_text="INVALID_TRANSITION: the statuses it may go to from current_status.",
    )

    class Meta:
        ref_name = "SchedulingConflictError"


class CheckConflictsResultSerializer(serializers.Serializer):
    has_conflicts = serializers.BooleanField()
    reason_codes = serializers.ListField(
        child=serializers.ChoiceField(
            ["APPOINTMENT_OVERLAP", "PROVIDER_OVERLAP", "BLOCKED_TIME_CONFLICT"]
        )
    )
    conflicts = ConflictDetailsSerializer()
    location_timezone = serializers.CharField()
    start_time = serializers.DateTimeField(help_text="The proposed start in UTC.")
    end_time = serializers.DateTimeField(help_text="The proposed end in UTC.")

    class Meta:
        ref_name = "CheckConflictsResult"


class HistoryEntrySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    appointment_id = serializers.UUIDField(source="appointment_uuid", read_only=True)
    changed_at = serializers.DateTimeField(source="created_at", read_only=True)
    changed_by = serializers.CharField(source="actor_name", read_only=True)
    changes = serializers.DictField(
        child=serializers.DictField(),
        read_only=True,
        help_text='Changed fields: {"field": {"old": …, "new": …}}; related rows by id.',
    )

    class Meta:
        model = AppointmentHistory
        fields = [
            "id",
            "appointment_id",
            "action",
            "changes",
            "note",
            "changed_by",
            "changed_at",
            "version",
        ]
        read_only_fields = fields
        ref_name = "AppointmentHistoryEntry"


class FlowEventSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    flow_status = RefSerializer(read_only=True)
    changed_by = serializers.CharField(source="changed_by_name", read_only=True)

    class Meta:
        model = PatientFlowEvent
        fields = ["id", "flow_status", "changed_at", "changed_by", "change_note"]
        read_only_fields = fields
        ref_name = "PatientFlowEvent"


class FlowSegmentSerializer(serializers.Serializer):
    flow_status = RefSerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True, help_text="Null for the open segment.")
    duration_seconds = serializers.IntegerField(help_text="Up to now for the open segment.")
    is_open = serializers.BooleanField()

    class Meta:
        ref_name = "PatientFlowSegment"


class FlowTotalSerializer(serializers.Serializer):
    flow_status = RefSerializer()
    duration_seconds = serializers.IntegerField()
    segments = serializers.IntegerField(help_text="How many times the status was entered.")

    class Meta:
        ref_name = "PatientFlowTotal"


class FlowStatsSerializer(serializers.Serializer):
    appointment_uuid = serializers.UUIDField()
    current_flow_status = RefSerializer(allow_null=True)
    segments = FlowSegmentSerializer(many=True)
    totals = FlowTotalSerializer(many=True)
    total_duration_seconds = serializers.IntegerField()

    class Meta:
        ref_name = "PatientFlowStats"


class AppointmentProcedureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    appointment = RefSerializer(read_only=True)
    procedure_code = RefSerializer(read_only=True)
    procedure_code_value = serializers.CharField(source="procedure_code.code", read_only=True)
    procedure_code_description = serializers.CharField(
        source="procedure_code.description", read_only=True
    )
    provider = RefSerializer(read_only=True, allow_null=True)
    fee = MoneyField(read_only=True)

    class Meta:
        model = AppointmentProcedure
        fields = [
            "id",
            "appointment",
            "procedure_code",
            "procedure_code_value",
            "procedure_code_description",
            "provider",
            "fee",
            "item_order",
            "status",
            "completed_at",
            "charted_procedure_uuid",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentProviderSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    provider = RefSerializer(read_only=True)
    start_time = serializers.DateTimeField(
        source="start_at", read_only=True, allow_null=True, help_text="Null: the whole appointment."
    )
    end_time = serializers.DateTimeField(source="end_at", read_only=True, allow_null=True)

    class Meta:
        model = AppointmentProvider
        fields = ["id", "provider", "role", "start_time", "end_time", "item_order"]
        read_only_fields = fields


class FrequencyCheckSerializer(serializers.Serializer):
    procedure_code = serializers.CharField()
    patient = RefSerializer()
    last_performed_date = serializers.DateField(allow_null=True)
    days_since = serializers.IntegerField(allow_null=True)
    last_appointment = RefSerializer(allow_null=True)

    class Meta:
        ref_name = "ProcedureFrequencyCheck"


class LocationCountSerializer(serializers.Serializer):
    location = RefSerializer()
    location_timezone = serializers.CharField()
    count = serializers.IntegerField()

    class Meta:
        ref_name = "AppointmentLocationCount"


class CountsByLocationSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.CharField()
    status_set = serializers.ListField(child=serializers.CharField())
    items = LocationCountSerializer(many=True)
    total = serializers.IntegerField()

    class Meta:
        ref_name = "AppointmentCountsByLocation"


class PageInfoSerializer(serializers.Serializer):
    end_cursor = serializers.CharField(allow_null=True)
    has_next_page = serializers.BooleanField()

    class Meta:
        ref_name = "PageInfo"


class AppointmentCursorPageSerializer(serializers.Serializer):
    data = AppointmentSerializer(many=True)
    org_uuid = serializers.UUIDField()
    page_info = PageInfoSerializer()

    class Meta:
        ref_name = "AppointmentCursorPage"


class BulkConfirmResultSerializer(serializers.Serializer):
    confirmed = AppointmentSerializer(many=True)
    conflicts = serializers.ListField(child=serializers.UUIDField())
    skipped = serializers.ListField(child=serializers.UUIDField())

    class Meta:
        ref_name = "BulkConfirmResult"


class BulkRowErrorSerializer(serializers.Serializer):
    loc = serializers.ListField(child=ErrorLocationPartField())
    msg = serializers.CharField()
    type = serializers.CharField()

    class Meta:
        ref_name = "BulkRowError"


@extend_schema_field(ConflictDetailsSerializer(allow_null=True))
class ConflictPayloadField(serializers.JSONField):
    """Conflicts already rendered by the engine (``Conflicts.as_payload``)."""


class BulkRowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the row in ``rows`` (from 0).")
    status = serializers.ChoiceField(ROW_STATUSES)
    id = serializers.UUIDField(allow_null=True)
    external_id = serializers.CharField(allow_blank=True)
    code = serializers.CharField(allow_null=True, help_text="Machine code of a failure.")
    errors = BulkRowErrorSerializer(many=True)
    conflicts = ConflictPayloadField(allow_null=True)

    class Meta:
        ref_name = "BulkRowResult"


class BulkResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    validated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    results = BulkRowResultSerializer(many=True)

    class Meta:
        ref_name = "BulkResult"
