"""Request and response shapes of ASAP outreach: contact, response, contact log.

``OutreachEntrySerializer`` is the entry as these writes answer it (the contract's entry
fields); the entries' CRUD has its own, to be unified with this one.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location
from scheduling.timezones import to_local
from waitlist.models import ContactMethod, PatientResponse, WaitlistContact, WaitlistEntry

INITIATED_BY = ("staff", "smart_fill")


# --- responses ---------------------------------------------------------------------------


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice stored blank when unset: ``null`` out, never ``""``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value in ("", None) else super().to_representation(value)


class OfferedSlotLocationSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        ref_name = "WaitlistOfferedSlotLocation"


class OfferedSlotSerializer(serializers.Serializer):
    """The opening last offered to the patient (local date and wall time at its location)."""

    date = serializers.DateField(read_only=True)
    start_time = LocalTimeField(read_only=True)
    location = OfferedSlotLocationSerializer(read_only=True)

    class Meta:
        ref_name = "WaitlistOfferedSlot"


def days_waiting(entry: WaitlistEntry) -> int:
    """Whole days since the entry was created, in its home location's calendar."""
    tz = entry.location.timezone
    return (to_local(timezone.now(), tz).date() - to_local(entry.created_at, tz).date()).days


class OutreachEntrySerializer(VersionedSerializer):
    """An ASAP entry, as a contact or a response leaves it."""

    patient = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True)
    location_scope = serializers.ChoiceField(
        source="reach",
        choices=WaitlistEntry._meta.get_field("reach").choices,
        read_only=True,
        help_text="How broadly to match: home_only, selected, any.",
    )
    additional_locations = RefSerializer(many=True, read_only=True)
    provider = RefSerializer(read_only=True, allow_null=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    appointment = RefSerializer(read_only=True, allow_null=True)
    recall = RefSerializer(read_only=True, allow_null=True)
    priority = RefSerializer(read_only=True, allow_null=True)
    last_offered_slot = OfferedSlotSerializer(read_only=True, allow_null=True)
    days_waiting = serializers.SerializerMethodField(
        help_text="Days since the entry was created (home location's calendar)."
    )
    patient_score = serializers.SerializerMethodField(help_text="Not scored yet: null.")
    score_calculated_at = serializers.SerializerMethodField()
    score_details = serializers.SerializerMethodField()
    preferred_time_start = LocalTimeField(read_only=True, allow_null=True)
    preferred_time_end = LocalTimeField(read_only=True, allow_null=True)
    contact_method_used = BlankAsNullChoiceField(choices=ContactMethod.choices)
    patient_response = BlankAsNullChoiceField(choices=PatientResponse.choices)

    class Meta:
        model = WaitlistEntry
        ref_name = "WaitlistEntryAfterContact"
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
            "score_calculated_at",
            "score_details",
        ]
        read_only_fields = fields

    def get_days_waiting(self, obj) -> int:
        return days_waiting(obj)

    def get_patient_score(self, obj) -> int | None:
        return None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_score_calculated_at(self, obj):
        return None

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_score_details(self, obj):
        return None


class ContactLogSerializer(serializers.ModelSerializer):
    """One row of an entry's contact log: a contact (``kind`` contact) or a response."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    kind = serializers.SerializerMethodField(help_text="contact or response.")
    slot_location = RefSerializer(read_only=True, allow_null=True)
    slot_start_time = LocalTimeField(read_only=True, allow_null=True)
    actor_name = serializers.SerializerMethodField(help_text="Who recorded it.")
    contact_method = BlankAsNullChoiceField(choices=ContactMethod.choices)
    initiated_by = BlankAsNullChoiceField(
        choices=[*INITIATED_BY, "patient"], help_text="staff, smart_fill; patient: a response."
    )
    patient_response = BlankAsNullChoiceField(choices=PatientResponse.choices)

    class Meta:
        model = WaitlistContact
        ref_name = "WaitlistContactLogEntry"
        fields = [
            "id",
            "created_at",
            "kind",
            "contact_method",
            "initiated_by",
            "message_id",
            "slot_date",
            "slot_start_time",
            "slot_location",
            "patient_response",
            "actor_name",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["contact", "response"]))
    def get_kind(self, obj) -> str:
        return "response" if obj.patient_response else "contact"

    def get_actor_name(self, obj) -> str | None:
        return obj.actor.get_username() if obj.actor is not None else None


# --- requests ----------------------------------------------------------------------------


class ContactInputSerializer(InputSerializer):
    contact_method = serializers.ChoiceField(choices=ContactMethod.choices)
    initiated_by = serializers.ChoiceField(
        choices=INITIATED_BY, required=False, allow_null=True, help_text="Default: staff."
    )
    message_id = model_field(WaitlistContact, "message_id", required=False)
    slot_date = CalendarDateField(help_text="Date of the opening offered.")
    slot_start_time = LocalTimeField(help_text="Start time of the opening offered (local).")
    slot_location_uuid = OrgRelatedField(
        Location.objects.all(),
        source="slot_location",
        help_text="Location of the opening offered.",
    )


class ResponseInputSerializer(InputSerializer):
    patient_response = serializers.ChoiceField(choices=PatientResponse.choices)
    contact_method = serializers.ChoiceField(
        choices=ContactMethod.choices,
        required=False,
        allow_null=True,
        help_text="How the answer came (default: the last contact's method).",
    )
    message_id = model_field(WaitlistContact, "message_id", required=False)
