"""Request and response shapes of the appointments domain."""

from __future__ import annotations

from rest_framework import serializers

from appointments.models import AppointmentType
from scheduling.api.relations import OrgRelatedListField
from scheduling.api.serializers import (
    INT32,
    BaseVersionSerializer,
    InputSerializer,
    RefSerializer,
    VersionedSerializer,
)
from scheduling.models import Location, ProcedureCode
from scheduling.validators import validate_color

MAX_CODES = 50


class AppointmentTypeSerializer(VersionedSerializer):
    locations = RefSerializer(
        many=True,
        source="visible_locations",
        read_only=True,
        help_text="Locations offering the type; empty means every location.",
    )
    effective_time_pattern = serializers.CharField(read_only=True)

    class Meta:
        model = AppointmentType
        fields = [
            "id",
            "name",
            "abbrev",
            "color",
            "duration_minutes",
            "time_pattern",
            "effective_time_pattern",
            "is_hidden",
            "item_order",
            "blockout_only",
            "procedure_codes_to_add",
            "required_procedure_codes",
            "require_all",
            "locations",
            "status",
            "deleted_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class ProcedureCodeListField(serializers.ListField):
    """CDT codes of the caller's org, upper-cased, each once, all known (else 422)."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.CharField(max_length=5), max_length=MAX_CODES, **kwargs)

    def to_internal_value(self, data):
        codes = list(
            dict.fromkeys(code.strip().upper() for code in super().to_internal_value(data))
        )
        known = set(
            ProcedureCode.objects.filter(
                org=self.context["access"].org, code__in=codes
            ).values_list("code", flat=True)
        )
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown procedure code(s): {', '.join(unknown)}.", code="unknown_code"
            )
        return codes


class AppointmentTypeFieldsSerializer(InputSerializer):
    """The writable fields; ``null`` for an optional field means "leave as it is"."""

    name = serializers.CharField(max_length=100)
    abbrev = serializers.CharField(max_length=20, allow_blank=True, required=False, allow_null=True)
    color = serializers.CharField(
        max_length=7,
        allow_blank=True,
        required=False,
        allow_null=True,
        validators=[validate_color],
        help_text="#RRGGBB",
    )
    duration_minutes = serializers.IntegerField(
        min_value=5,
        max_value=720,
        required=False,
        allow_null=True,
        help_text="Multiple of 5; derived from time_pattern when only the pattern is given.",
    )
    time_pattern = serializers.RegexField(
        r"^[Xx/]*$",
        max_length=144,
        allow_blank=True,
        required=False,
        allow_null=True,
        help_text="One character per 5 minutes: X provider time, / assistant time.",
        error_messages={
            "invalid": "Only X (provider time) and / (assistant time) are allowed, one "
            "character per 5 minutes, e.g. XX//XX for 30 minutes."
        },
    )
    is_hidden = serializers.BooleanField(required=False, allow_null=True)
    item_order = serializers.IntegerField(required=False, allow_null=True, **INT32)
    blockout_only = serializers.BooleanField(required=False, allow_null=True)
    procedure_codes_to_add = ProcedureCodeListField(required=False, allow_null=True)
    required_procedure_codes = ProcedureCodeListField(required=False, allow_null=True)
    require_all = serializers.BooleanField(required=False, allow_null=True)
    location_uuids = OrgRelatedListField(
        Location.objects.all(),
        source="locations",
        required=False,
        allow_null=True,
        help_text="Locations offering the type; empty for every location.",
    )

    def validate_time_pattern(self, value):
        return value.upper() if value else value


class AppointmentTypeCreateSerializer(AppointmentTypeFieldsSerializer):
    pass


class AppointmentTypeUpdateSerializer(BaseVersionSerializer, AppointmentTypeFieldsSerializer):
    name = serializers.CharField(max_length=100, required=False)
