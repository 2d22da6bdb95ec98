"""Request and response shapes of the ASAP list (waitlist entries)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.models import Appointment, AppointmentType
from recalls.models import PatientRecall
from scheduling.api.relations import DefinitionField, OrgRelatedField, OrgRelatedListField
from scheduling.api.serializers import (
    INT32,
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    MoneyField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location, Patient, Provider
from waitlist.models import (
    ContactMethod,
    EntryStatus,
    LocationMatch,
    PatientResponse,
    WaitlistEntry,
)

MAX_NOTE = 2000

SCORE_DETAILS_SCHEMA = {
    "type": "object",
    "description": "The parts of patient_score (see the README, ASAP list).",
    "properties": {
        name: {"type": "integer"}
        for name in ("urgency", "priority", "days_waiting", "treatment_value")
    },
    "required": ["urgency", "priority", "days_waiting", "treatment_value"],
}


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A stored choice that may be blank: ``null`` out, not ``""``."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class WaitlistEntrySerializer(VersionedSerializer):
    """An ASAP entry, with ``days_waiting`` and its score as of the practice's today."""

    patient = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True, help_text="The home location.")
    location_scope = serializers.ChoiceField(LocationMatch.choices, source="reach", read_only=True)
    additional_locations = RefSerializer(
        many=True, read_only=True, help_text="The other locations (scope selected)."
    )
    provider = RefSerializer(read_only=True, allow_null=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    appointment = RefSerializer(read_only=True, allow_null=True)
    recall = RefSerializer(read_only=True, allow_null=True)
    priority = RefSerializer(read_only=True, allow_null=True)
    preferred_time_start = LocalTimeField(read_only=True, allow_null=True)
    preferred_time_end = LocalTimeField(read_only=True, allow_null=True)
    treatment_value = MoneyField(read_only=True, allow_null=True)
    contact_method_used = BlankAsNullChoiceField(ContactMethod.choices)
    patient_response = BlankAsNullChoiceField(PatientResponse.choices)
    days_waiting = serializers.IntegerField(
        read_only=True, help_text="Days since the entry was created, in the practice's days."
    )
    patient_score = serializers.IntegerField(
        read_only=True, help_text="The sum of score_details (higher: call first)."
    )
    score_details = serializers.SerializerMethodField()
    score_calculated_at = serializers.SerializerMethodField(
        help_text="When the score was computed (the read)."
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            *VersionedSerializer.Meta.fields,
            "patient",
            "location",
            "location_scope",
            "additional_locations",
            "provider",
            "appointment_type",
            "appointment",
            "recall",
            "date_range_start",
            "date_range_end",
            "preferred_days",
            "preferred_time_start",
            "preferred_time_end",
            "estimated_duration_mins",
            "urgency",
            "priority",
            "source",
            "treatment_value",
            "note",
            "status",
            "contact_attempts",
            "contact_method_used",
            "contacted_at",
            "last_offered_slot",
            "patient_response",
            "responded_at",
            "days_waiting",
            "patient_score",
            "score_details",
            "score_calculated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SCORE_DETAILS_SCHEMA)
    def get_score_details(self, obj) -> dict:
        return {
            "urgency": obj.score_urgency,
            "priority": obj.score_priority,
            "days_waiting": obj.days_waiting,
            "treatment_value": obj.score_treatment,
        }

    @extend_schema_field(serializers.DateTimeField())
    def get_score_calculated_at(self, obj) -> str:
        now = self.context.setdefault("score_calculated_at", timezone.now())
        return serializers.DateTimeField().to_representation(now)


def _field(name: str, **kwargs):
    return model_field(WaitlistEntry, name, required=False, **kwargs)


class WaitlistEntryFieldsSerializer(InputSerializer):
    """What an entry says about the patient's wishes (create and PATCH alike)."""

    location_scope = serializers.ChoiceField(
        LocationMatch.choices,
        required=False,
        allow_null=True,
        help_text="home_only (default), selected (with additional_location_uuids) or any.",
    )
    additional_location_uuids = OrgRelatedListField(
        Location.objects.all(),
        source="additional_locations",
        required=False,
        allow_null=True,
        max_length=50,
        help_text="Other locations the patient accepts (location_scope selected only).",
    )
    provider_uuid = OrgRelatedField(
        Provider.objects.all(), source="provider", required=False, allow_null=True
    )
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.all(), source="appointment_type", required=False, allow_null=True
    )
    appointment_uuid = OrgRelatedField(
        Appointment.objects.all(),
        source="appointment",
        required=False,
        allow_null=True,
        help_text="An appointment of the patient's they want earlier.",
    )
    date_range_start = CalendarDateField(required=False, allow_null=True)
    date_range_end = CalendarDateField(
        required=False, allow_null=True, help_text="On or after date_range_start."
    )
    preferred_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        allow_null=True,
        max_length=7,
        help_text="Weekdays, 0 (Monday) to 6 (Sunday), each at most once.",
    )
    preferred_time_start = LocalTimeField(required=False, allow_null=True)
    preferred_time_end = LocalTimeField(
        required=False, allow_null=True, help_text="After preferred_time_start."
    )
    estimated_duration_mins = _field("estimated_duration_mins")
    urgency = _field("urgency")
    priority_uuid = DefinitionField(
        "WaitlistPriority",
        source="priority",
        required=False,
        allow_null=True,
        help_text="A WaitlistPriority definition.",
    )
    treatment_value = MoneyField(required=False, allow_null=True, min_value=0)
    note = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=MAX_NOTE
    )

    def validate_preferred_days(self, value):
        if value is not None and len(set(value)) != len(value):
            raise serializers.ValidationError("No day twice.", code="preferred_days")
        return value

    def validate(self, attrs):
        attrs = super().validate(attrs)
        errors = {}
        start, end = attrs.get("date_range_start"), attrs.get("date_range_end")
        if start and end and end < start:
            errors["date_range_end"] = "Must be on or after date_range_start."
        t_start, t_end = attrs.get("preferred_time_start"), attrs.get("preferred_time_end")
        if t_start and t_end and t_end <= t_start:
            errors["preferred_time_end"] = "Must be after preferred_time_start."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WaitlistEntryCreateSerializer(WaitlistEntryFieldsSerializer):
    patient_uuid = OrgRelatedField(
        Patient.objects.all(), source="patient", help_text="The patient to add."
    )
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The home location."
    )
    recall_uuid = OrgRelatedField(
        PatientRecall.objects.all(), source="recall", required=False, allow_null=True
    )
    source = _field("source")


class WaitlistEntryUpdateSerializer(WaitlistEntryFieldsSerializer):
    """Changes the fields given (null: unchanged)."""

    base_version = serializers.IntegerField(
        min_value=1,
        max_value=INT32["max_value"],
        required=False,
        allow_null=True,
        help_text="Optional: the version the client read; when sent, a stale one is a 409.",
    )
    status = serializers.ChoiceField(
        EntryStatus.choices,
        required=False,
        allow_null=True,
        help_text="Moves by hand: waiting, contacted or offered → removed; contacted or "
        "offered → waiting. Anything else is a 409 INVALID_TRANSITION.",
    )


class BulkRemoveSerializer(InputSerializer):
    entry_uuids = OrgRelatedListField(
        WaitlistEntry.objects.all(),
        allow_empty=False,
        max_length=500,
        help_text="The entries to remove (unknown: 404 naming them).",
    )


class BulkRemoveResultSerializer(serializers.Serializer):
    removed_count = serializers.IntegerField(
        help_text="How many entries became removed (those already inactive are left as they are)."
    )
