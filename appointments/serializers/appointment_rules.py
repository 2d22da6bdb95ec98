"""Request and response shapes of appointment rules (the Schedule section's configuration)."""

from __future__ import annotations

from appointments.models import AppointmentRule, AppointmentType
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    BaseVersionSerializer,
    InputSerializer,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location

ALLOW_OVERLAP_HELP = "Whether appointments of these two types may share an operatory."


class AppointmentRuleSerializer(VersionedSerializer):
    """Whether appointments of two types may share an operatory, at one location or (no
    location) everywhere. The pair is unordered: `appointment_type_a` and
    `appointment_type_b` come in a fixed order, not necessarily the one of the create."""

    appointment_type_a = RefSerializer(read_only=True)
    appointment_type_b = RefSerializer(read_only=True)
    location = RefSerializer(
        read_only=True, allow_null=True, help_text="The location it applies at; null: everywhere."
    )

    class Meta:
        model = AppointmentRule
        fields = [
            "id",
            "appointment_type_a",
            "appointment_type_b",
            "location",
            "allow_overlap",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class AppointmentRuleCreateSerializer(InputSerializer):
    """A new rule: a pair of types (either order), org-wide or at one location."""

    allow_overlap = model_field(
        AppointmentRule, "allow_overlap", required=True, help_text=ALLOW_OVERLAP_HELP
    )
    appointment_type_uuid_a = OrgRelatedField(
        AppointmentType.objects.all(),
        source="appointment_type_a",
        help_text="One type of the pair (the pair is unordered).",
    )
    appointment_type_uuid_b = OrgRelatedField(
        AppointmentType.objects.all(),
        source="appointment_type_b",
        help_text="The other type; the same type as `a` rules on two appointments of that type.",
    )
    location_uuid = OrgRelatedField(
        Location.objects.all(),
        source="location",
        required=False,
        allow_null=True,
        help_text="The location the rule applies at; omitted or null: every location. A rule "
        "for the location overrides the org-wide rule of the pair.",
    )


class AppointmentRuleUpdateSerializer(BaseVersionSerializer):
    """Only ``allow_overlap`` changes: the pair and the location are what the rule *is*."""

    allow_overlap = model_field(
        AppointmentRule, "allow_overlap", required=True, help_text=ALLOW_OVERLAP_HELP
    )
