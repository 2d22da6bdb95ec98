"""Request and response shapes of the Recalls section (types and triggers)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from appointments.models import AppointmentType
from recalls.models import INTERVAL_MAX, INTERVAL_UNITS, RecallTrigger, RecallType
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    BaseVersionSerializer,
    InputSerializer,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import ProcedureCode

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
