"""Request and response shapes of the Recalls section: types, triggers, patient recalls."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import AppointmentType
from recalls.models import (
    INTERVAL_MAX,
    INTERVAL_UNITS,
    PatientRecall,
    RecallTrigger,
    RecallType,
    validate_interval,
)
from recalls.selectors import RecallStatus
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location, Patient, ProcedureCode

BASE = VersionedSerializer.Meta.fields

INTERVAL_SCHEMA = {
    "type": "object",
    "description": "A recall interval: whole years, months, weeks and days, at least one "
    "of them positive.",
    "properties": {
        unit: {"type": "integer", "minimum": 0, "maximum": INTERVAL_MAX[unit]}
        for unit in INTERVAL_UNITS
    },
    "additionalProperties": False,
    "example": {"months": 6},
}


class RecallIntervalField(serializers.Field):
    """An interval (``{"months": 6}``) checked by the model's ``validate_interval``: a 422
    naming the field, never a 500, for anything else."""

    def to_internal_value(self, data):
        try:
            RecallType._meta.get_field("default_interval").run_validators(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="invalid_interval") from exc
        return data

    def to_representation(self, value):
        return value


class RecallIntervalFieldExtension(OpenApiSerializerFieldExtension):
    """Documents every ``RecallIntervalField`` as the one named component ``RecallInterval``
    (requests and responses alike)."""

    target_class = RecallIntervalField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name="RecallInterval",
            type=ResolvedComponent.SCHEMA,
            object="RecallInterval",
            schema=INTERVAL_SCHEMA,
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


# --- Recall types ------------------------------------------------------------------------


class RecallTypeSerializer(VersionedSerializer):
    """A recall type: how long after a visit a patient is due again, and what books it."""

    appointment_type = RefSerializer(
        read_only=True, allow_null=True, help_text="The appointment type a recall books."
    )
    default_interval = RecallIntervalField(read_only=True)

    class Meta:
        model = RecallType
        fields = [
            *BASE,
            "name",
            "description",
            "appointment_type",
            "default_interval",
            "is_active",
            "item_order",
        ]
        read_only_fields = fields


def _type_field(name: str, **kwargs):
    return model_field(RecallType, name, required=False, **kwargs)


class RecallTypeFieldsSerializer(InputSerializer):
    name = model_field(RecallType, "name", help_text="Unique among the org's recall types.")
    description = _type_field("description")
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.all(),
        source="appointment_type",
        required=False,
        allow_null=True,
        help_text="The appointment type a recall of this type books.",
    )
    default_interval = RecallIntervalField(
        required=False,
        allow_null=True,
        help_text="How long after a visit the patient is due again (default: 6 months).",
    )
    is_active = _type_field("is_active", help_text="Inactive types start no new recalls.")
    item_order = _type_field("item_order")


class RecallTypeCreateSerializer(RecallTypeFieldsSerializer):
    pass


class RecallTypeUpdateSerializer(BaseVersionSerializer, RecallTypeFieldsSerializer):
    name = _type_field("name")


# --- Recall triggers ---------------------------------------------------------------------


class RecallTriggerSerializer(serializers.ModelSerializer):
    """A procedure code whose completion starts a cycle of a recall type."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    recall_type = RefSerializer(read_only=True)
    procedure_code = RefSerializer(read_only=True)

    class Meta:
        model = RecallTrigger
        fields = ["id", "created_at", "recall_type", "procedure_code"]
        read_only_fields = fields


class RecallTriggerCreateSerializer(InputSerializer):
    recall_type_uuid = OrgRelatedField(
        RecallType.objects.all(), source="recall_type", help_text="The recall type it starts."
    )
    procedure_code_uuid = OrgRelatedField(
        ProcedureCode.objects.all(),
        source="procedure_code",
        help_text="The procedure code whose completion starts it.",
    )


# --- Patient recalls ---


#: The longest note, as the schedule's notes.
MAX_NOTE = 2000


def validate_recall_interval(value) -> None:
    """A patient's interval: as a type's (``validate_interval``), or ``{}`` for the recall
    type's default."""
    if value != {}:
        validate_interval(value)


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
