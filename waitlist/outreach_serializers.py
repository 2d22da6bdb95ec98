"""Request and response shapes of ASAP outreach: contact, response, contact log (the
entry these writes answer is ``waitlist.serializers.WaitlistEntrySerializer``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
    model_field,
)
from scheduling.models import Location
from waitlist.models import ContactMethod, PatientResponse, WaitlistContact

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
