"""Request and response shapes of quick-fill (``POST /waitlist/quick-fill``)."""

from __future__ import annotations

from rest_framework import serializers

from appointments.models import AppointmentType
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
)
from scheduling.models import Location, Provider
from waitlist.models import EntryStatus, LocationMatch, Urgency


class QuickFillInputSerializer(InputSerializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="Location of the opening."
    )
    slot_date = CalendarDateField(help_text="Local date of the opening.")
    slot_start_time = LocalTimeField(help_text="Local start time of the opening.")
    slot_end_time = LocalTimeField(help_text="Local end time of the opening (after the start).")
    provider_uuid = OrgRelatedField(
        Provider.objects.all(), source="provider", required=False, allow_null=True
    )
    appointment_type_uuid = OrgRelatedField(
        AppointmentType.objects.all(), source="appointment_type", required=False, allow_null=True
    )
    include_cross_location = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Include entries with 'selected' or 'any' location scope (default true).",
    )
    max_results = serializers.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        allow_null=True,
        help_text="Maximum number of matches to return (1-100, default 10).",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["slot_end_time"] <= attrs["slot_start_time"]:
            raise serializers.ValidationError(
                {"slot_end_time": ["Must be after slot_start_time."]}, code="invalid_range"
            )
        attrs.setdefault("include_cross_location", True)
        attrs.setdefault("max_results", 10)
        return attrs


class QuickFillEntrySerializer(serializers.Serializer):
    """The matched ASAP entry, in brief (GET the entry for all of it)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    patient = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True, help_text="The entry's home location.")
    location_scope = serializers.ChoiceField(
        source="reach", choices=LocationMatch.choices, read_only=True
    )
    provider = RefSerializer(read_only=True, allow_null=True)
    appointment_type = RefSerializer(read_only=True, allow_null=True)
    priority = RefSerializer(read_only=True, allow_null=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, read_only=True)
    status = serializers.ChoiceField(choices=EntryStatus.choices, read_only=True)
    estimated_duration_mins = serializers.IntegerField(read_only=True, allow_null=True)
    contact_attempts = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    class Meta:
        ref_name = "QuickFillEntry"


class QuickFillMatchSerializer(serializers.Serializer):
    """One matching entry and how well it fits the opening."""

    entry = QuickFillEntrySerializer(read_only=True)
    quality = serializers.ChoiceField(
        choices=["exact", "good", "partial"],
        read_only=True,
        help_text="exact: provider and type match, at most 10 min to spare; good: provider "
        "and type match, looser or unknown duration; partial: otherwise.",
    )
    provider_match = serializers.BooleanField(
        read_only=True, help_text="The entry names no provider, or the opening's."
    )
    type_match = serializers.BooleanField(
        read_only=True, help_text="The entry names no appointment type, or the opening's."
    )
    location_match = serializers.ChoiceField(
        choices=["home", "selected", "any"],
        read_only=True,
        help_text="How the entry reaches the opening's location.",
    )
    duration_fit = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Minutes of the opening to spare (null: the entry's duration is unknown).",
    )
    days_waiting = serializers.IntegerField(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        ref_name = "QuickFillMatch"


class QuickFillResultSerializer(serializers.Serializer):
    matches = QuickFillMatchSerializer(many=True, read_only=True)
    total_matches = serializers.IntegerField(
        read_only=True, help_text="All matches, before max_results."
    )
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)

    class Meta:
        ref_name = "QuickFillResult"
