"""Request and response shapes of provider schedules, their resolution and day notes."""

from __future__ import annotations

from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.schema import ConflictErrorSerializer
from scheduling.api.serializers import (
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import (
    Location,
    Operatory,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
)

BASE = VersionedSerializer.Meta.fields
MAX_NOTE = 2000


def _note(**kwargs):
    return serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_NOTE, allow_null=True, **kwargs
    )


def _operatory(**kwargs):
    return OrgRelatedField(
        Operatory.objects.all(),
        required=False,
        allow_null=True,
        source="operatory",
        help_text="The operatory the provider works in (null: any of the location's).",
        **kwargs,
    )


# --- Templates ---------------------------------------------------------------------------


class ScheduleTemplateSerializer(VersionedSerializer):
    provider = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the local times."
    )
    operatory = RefSerializer(read_only=True, allow_null=True)
    start_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")
    end_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")

    class Meta:
        model = ProviderScheduleTemplate
        fields = [
            *BASE,
            "provider",
            "location",
            "location_timezone",
            "operatory",
            "day_of_week",
            "start_time",
            "end_time",
            "effective_from",
            "effective_to",
            "note",
        ]
        read_only_fields = fields
        ref_name = "ScheduleTemplate"


def _day_of_week(**kwargs):
    return model_field(
        ProviderScheduleTemplate, "day_of_week", help_text="0 = Monday … 6 = Sunday.", **kwargs
    )


class ScheduleTemplateCreateSerializer(InputSerializer):
    provider_uuid = OrgRelatedField(Provider.objects.all(), source="provider")
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    operatory_uuid = _operatory()
    day_of_week = _day_of_week()
    start_time = LocalTimeField(help_text="Local wall time (HH:MM or HH:MM:SS).")
    end_time = LocalTimeField(help_text="Local wall time, after start_time.")
    effective_from = CalendarDateField(help_text="First date in effect (inclusive).")
    effective_to = CalendarDateField(
        required=False, allow_null=True, help_text="Last date in effect (inclusive); none: open."
    )
    note = _note()


class ScheduleTemplateUpdateSerializer(BaseVersionSerializer):
    operatory_uuid = _operatory()
    day_of_week = _day_of_week(required=False)
    start_time = LocalTimeField(required=False, allow_null=True)
    end_time = LocalTimeField(required=False, allow_null=True)
    effective_from = CalendarDateField(required=False, allow_null=True)
    effective_to = CalendarDateField(required=False, allow_null=True)
    note = _note()


# --- Overrides ---------------------------------------------------------------------------


class ScheduleOverrideSerializer(VersionedSerializer):
    provider = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the local times."
    )
    operatory = RefSerializer(read_only=True, allow_null=True)
    start_time = LocalTimeField(read_only=True, allow_null=True)
    end_time = LocalTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ProviderScheduleOverride
        fields = [
            *BASE,
            "provider",
            "location",
            "location_timezone",
            "operatory",
            "override_date",
            "is_unavailable",
            "start_time",
            "end_time",
            "override_reason",
            "note",
        ]
        read_only_fields = fields
        ref_name = "ScheduleOverride"


def _reason(**kwargs):
    return model_field(ProviderScheduleOverride, "override_reason", required=False, **kwargs)


class ScheduleOverrideFieldsSerializer(InputSerializer):
    operatory_uuid = _operatory()
    is_unavailable = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="True: no time that day at the location (start and end then stay empty).",
    )
    start_time = LocalTimeField(
        required=False, allow_null=True, help_text="Local wall time; required unless unavailable."
    )
    end_time = LocalTimeField(
        required=False, allow_null=True, help_text="Local wall time; required unless unavailable."
    )
    override_reason = _reason()
    note = _note()


class ScheduleOverrideCreateSerializer(ScheduleOverrideFieldsSerializer):
    provider_uuid = OrgRelatedField(Provider.objects.all(), source="provider")
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    override_date = CalendarDateField(help_text="The date whose schedule this replaces.")


class ScheduleOverrideUpdateSerializer(ScheduleOverrideFieldsSerializer):
    base_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Optional: the version the client read (a stale one is a 409).",
    )


# --- Resolution --------------------------------------------------------------------------


class TimeRangeSerializer(serializers.Serializer):
    """One resolved range of a provider's day."""

    start_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")
    end_time = LocalTimeField(read_only=True, help_text="Local wall time at the location.")
    start_at = serializers.DateTimeField(read_only=True, help_text="The start in UTC.")
    end_at = serializers.DateTimeField(read_only=True, help_text="The end in UTC.")
    operatory = RefSerializer(read_only=True, allow_null=True)
    source = serializers.ChoiceField(
        choices=["template", "override"],
        read_only=True,
        help_text="Where the range comes from.",
    )
    source_id = serializers.UUIDField(
        source="source_uuid", read_only=True, help_text="The template's or override's id."
    )

    class Meta:
        ref_name = "ScheduleTimeRange"


class ScheduledRangeSerializer(TimeRangeSerializer):
    """A range of a provider's day at a location (what a schedule write collided with)."""

    date = serializers.DateField(read_only=True)
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)

    class Meta:
        ref_name = "ScheduledRange"


class ProviderAvailabilitySerializer(serializers.Serializer):
    provider = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True)
    date = serializers.DateField(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    is_override = serializers.BooleanField(
        read_only=True, help_text="True: the date's overrides replace the weekly templates."
    )
    time_ranges = TimeRangeSerializer(source="ranges", many=True, read_only=True)

    class Meta:
        ref_name = "ProviderAvailability"


class DailyProviderSerializer(serializers.Serializer):
    provider = RefSerializer(read_only=True)
    is_override = serializers.BooleanField(read_only=True)
    time_ranges = TimeRangeSerializer(source="ranges", many=True, read_only=True)

    class Meta:
        ref_name = "DailyProvider"


class DailyProvidersSerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True)
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    providers = DailyProviderSerializer(many=True, read_only=True)

    class Meta:
        ref_name = "DailyProviders"


class ProviderDayQuery(serializers.Serializer):
    provider_uuid = OrgRelatedField(
        Provider.objects.all(), source="provider", help_text="The provider."
    )
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location."
    )
    date = CalendarDateField(help_text="The local date (YYYY-MM-DD).")


class LocationDayQuery(serializers.Serializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location."
    )
    date = CalendarDateField(help_text="The local date (YYYY-MM-DD).")


class ScheduleClashSerializer(serializers.Serializer):
    ranges = ScheduledRangeSerializer(many=True)

    class Meta:
        ref_name = "ScheduleClash"


class ScheduleConflictErrorSerializer(ConflictErrorSerializer):
    """A 409 of a schedule write: ``SCHEDULE_OVERLAP`` names the provider's ranges it would
    overlap (at this or another location); ``VERSION_CONFLICT`` carries the versions."""

    conflicts = ScheduleClashSerializer(
        required=False, help_text="SCHEDULE_OVERLAP: the ranges overlapped."
    )
    reason_codes = serializers.ListField(
        child=serializers.CharField(), required=False, help_text='["SCHEDULE_OVERLAP"]'
    )

    class Meta:
        ref_name = "ScheduleConflictError"


# --- Notes -------------------------------------------------------------------------------


class ScheduleNoteSerializer(VersionedSerializer):
    location = RefSerializer(read_only=True)

    class Meta:
        model = ScheduleNote
        fields = [*BASE, "location", "note_date", "note"]
        read_only_fields = fields


class ScheduleNoteCreateSerializer(InputSerializer):
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    note_date = CalendarDateField(help_text="The local date the note is for.")
    note = serializers.CharField(max_length=MAX_NOTE, help_text="Shown atop that day's calendar.")


class ScheduleNoteUpdateSerializer(BaseVersionSerializer):
    note = serializers.CharField(max_length=MAX_NOTE, required=False, allow_null=True)
