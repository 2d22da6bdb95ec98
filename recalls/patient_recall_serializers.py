"""Request and response shapes of patient recalls."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recalls.models import INTERVAL_UNITS, PatientRecall, RecallType, validate_interval
from recalls.patient_recall_selectors import RecallStatus
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    RefSerializer,
    VersionedSerializer,
)
from scheduling.models import Location, Patient

#: The longest note, as the schedule's notes.
MAX_NOTE = 2000

#: The longest interval of each unit a recall may take (a century), so that adding it
#: to a date can never leave the calendar.
INTERVAL_MAX = {"years": 100, "months": 1200, "weeks": 5200, "days": 36500}

INTERVAL_SCHEMA = {
    "type": "object",
    "properties": {
        unit: {"type": "integer", "minimum": 0, "maximum": INTERVAL_MAX[unit]}
        for unit in INTERVAL_UNITS
    },
    "additionalProperties": False,
    "example": {"months": 6},
}


def validate_recall_interval(value) -> None:
    """A patient's interval: ``{"months": 6}``-style, at least one unit positive, none
    beyond a century; ``{}`` means the recall type's default."""
    if value == {}:
        return
    validate_interval(value)
    if not any(value.values()):
        raise ValidationError("At least one unit must be positive.", code="invalid_interval")
    too_long = [unit for unit, n in value.items() if n > INTERVAL_MAX[unit]]
    if too_long:
        raise ValidationError(
            f"At most {', '.join(f'{INTERVAL_MAX[u]} {u}' for u in too_long)}.",
            code="invalid_interval",
        )


@extend_schema_field(INTERVAL_SCHEMA)
class IntervalField(serializers.JSONField):
    """A recall interval in: ``{"months": 6}`` (``{}``: the recall type's default)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [validate_recall_interval])
        super().__init__(**kwargs)


class PatientRecallSerializer(VersionedSerializer):
    patient = RefSerializer(read_only=True)
    patient_phone = serializers.SerializerMethodField(
        help_text="The patient's mobile phone (null when none is on file)."
    )
    recall_type = RefSerializer(read_only=True)
    interval = serializers.SerializerMethodField(
        help_text="The effective interval: the patient's own, else the recall type's default."
    )
    uses_default_interval = serializers.SerializerMethodField(
        help_text="True when `interval` is the recall type's default (no interval of the "
        "patient's own)."
    )
    appointment = RefSerializer(
        read_only=True, allow_null=True, help_text="The appointment that fulfils this recall."
    )
    status = serializers.ChoiceField(
        RecallStatus.choices,
        read_only=True,
        help_text="Derived when read from the practice's today: completed, scheduled (a "
        "planned or scheduled appointment today or later is linked), overdue (due before "
        "today, not disabled), else due.",
    )

    class Meta:
        model = PatientRecall
        fields = [
            *VersionedSerializer.Meta.fields,
            "patient",
            "patient_phone",
            "recall_type",
            "interval",
            "uses_default_interval",
            "date_previous",
            "date_due",
            "date_scheduled",
            "appointment",
            "is_disabled",
            "note",
            "status",
            "completed_at",
        ]
        read_only_fields = fields

    def get_patient_phone(self, obj) -> str | None:
        return obj.patient.mobile_phone or None

    @extend_schema_field(INTERVAL_SCHEMA)
    def get_interval(self, obj) -> dict:
        return obj.interval or obj.recall_type.default_interval

    def get_uses_default_interval(self, obj) -> bool:
        return not obj.interval


def _note():
    return serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=MAX_NOTE
    )


class PatientRecallCreateSerializer(InputSerializer):
    """A new open recall cycle of a patient (one per patient and type)."""

    patient_uuid = OrgRelatedField(Patient.objects.all(), source="patient")
    recall_type_uuid = OrgRelatedField(RecallType.objects.all(), source="recall_type")
    interval = IntervalField(
        required=False,
        allow_null=True,
        help_text="The patient's own interval, overriding the type's default_interval "
        "(left out or {}: the type's).",
    )
    date_due = CalendarDateField(
        required=False, allow_null=True, help_text="Default: today (due now)."
    )
    note = _note()


class PatientRecallUpdateSerializer(BaseVersionSerializer):
    """Changes the fields given (null: unchanged)."""

    date_due = CalendarDateField(required=False, allow_null=True)
    date_scheduled = CalendarDateField(required=False, allow_null=True)
    interval = IntervalField(
        required=False, allow_null=True, help_text="{}: back to the recall type's default."
    )
    is_disabled = serializers.BooleanField(required=False, allow_null=True)
    note = _note()
    status = serializers.ChoiceField(
        [(RecallStatus.COMPLETED, "Completed")],
        required=False,
        allow_null=True,
        help_text="Only `completed` (closes the cycle for good); due, overdue and "
        "scheduled follow from the dates and the linked appointment.",
        error_messages={
            "invalid_choice": '"{input}" cannot be set: due, overdue and scheduled follow '
            "from the dates and the linked appointment; only completed can be set."
        },
    )


class DueRecallsQuery(serializers.Serializer):
    due_on = CalendarDateField(
        required=False, help_text="Recalls due on or before this date (default: today)."
    )
    include_scheduled = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also those with an appointment booked (default false).",
    )
    location_uuid = OrgRelatedField(
        Location.objects.all(),
        source="location",
        required=False,
        help_text="Only patients whose last completed visit was at this location.",
    )
