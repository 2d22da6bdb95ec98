"""Request and response shapes of the Blockouts section."""

from __future__ import annotations

from rest_framework import serializers

from blockouts.models import (
    Blockout,
    BlockoutStatus,
    BlockoutTemplate,
    BlockoutTemplateItem,
    BlockoutType,
)
from scheduling.api.relations import OrgRelatedField, OrgRelatedListField
from scheduling.api.schema import ConflictErrorSerializer
from scheduling.api.serializers import (
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    LocalSpanSerializer,
    LocalTimeField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location, Operatory

BASE = VersionedSerializer.Meta.fields
MAX_NOTE = 2000


def _optional(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


# --- Blockout types ---------------------------------------------------------------------


class BlockoutTypeSerializer(VersionedSerializer):
    class Meta:
        model = BlockoutType
        fields = [
            *BASE,
            "name",
            "abbreviation",
            "color",
            "is_no_schedule",
            "is_do_not_copy",
            "is_holiday",
            "is_hidden",
            "item_order",
            "status",
        ]
        read_only_fields = fields


def _type_field(name: str, **kwargs):
    return model_field(BlockoutType, name, required=False, **kwargs)


class BlockoutTypeFieldsSerializer(InputSerializer):
    name = model_field(BlockoutType, "name")
    abbreviation = _type_field("abbreviation")
    color = _type_field("color", help_text="#RRGGBB")
    is_no_schedule = _type_field(
        "is_no_schedule", help_text="No appointment may be booked over it (409)."
    )
    is_do_not_copy = _type_field(
        "is_do_not_copy", help_text="Left behind by copy-day, copy-week and repeat-weeks."
    )
    is_holiday = _type_field(
        "is_holiday",
        help_text="A day holding a blockout of this type is skipped by copy and repeat.",
    )
    is_hidden = _type_field("is_hidden", help_text="Left out of lists by default.")
    item_order = _type_field("item_order")


class BlockoutTypeCreateSerializer(BlockoutTypeFieldsSerializer):
    pass


class BlockoutTypeUpdateSerializer(BaseVersionSerializer, BlockoutTypeFieldsSerializer):
    name = _type_field("name")
    status = _type_field("status")


# --- Blockouts --------------------------------------------------------------------------


class BlockoutSerializer(VersionedSerializer):
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the local times."
    )
    operatory = RefSerializer(
        read_only=True, allow_null=True, help_text="null: the whole location (every operatory)."
    )
    blockout_type = RefSerializer(read_only=True)
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(read_only=True)

    class Meta:
        model = Blockout
        fields = [
            *BASE,
            "location",
            "location_timezone",
            "operatory",
            "blockout_type",
            "schedule_date",
            "start_time",
            "end_time",
            "start_at",
            "end_at",
            "note",
            "status",
            "blockout_group_uuid",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "start_at": {"help_text": "start_time on schedule_date at the location, in UTC."},
            "end_at": {"help_text": "end_time on schedule_date at the location, in UTC."},
            "blockout_group_uuid": {
                "help_text": "Shared by a blockout and the copies a repeat made of it."
            },
        }


class BlockoutCreateSerializer(InputSerializer):
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    blockout_type_uuid = OrgRelatedField(BlockoutType.objects.all(), source="blockout_type")
    schedule_date = CalendarDateField(help_text="Local date at the location.")
    start_time = LocalTimeField()
    end_time = LocalTimeField(help_text="After start_time, on the same day.")
    note = _optional(serializers.CharField, max_length=MAX_NOTE, allow_blank=True)
    operatory_uuids = OrgRelatedListField(
        Operatory.objects.all(),
        source="operatories",
        required=False,
        allow_null=True,
        max_length=200,
        help_text="One blockout per operatory; omitted, null or empty: one for the location.",
    )


class BlockoutUpdateSerializer(BaseVersionSerializer):
    blockout_type_uuid = _optional(
        OrgRelatedField, queryset=BlockoutType.objects.all(), source="blockout_type"
    )
    operatory_uuid = _optional(
        OrgRelatedField,
        queryset=Operatory.objects.all(),
        source="operatory",
        help_text="Another operatory at the blockout's location.",
    )
    schedule_date = _optional(
        CalendarDateField,
        help_text="With apply_to_group, every member moves by the same number of days.",
    )
    start_time = _optional(LocalTimeField)
    end_time = _optional(LocalTimeField)
    note = _optional(serializers.CharField, max_length=MAX_NOTE, allow_blank=True)
    status = _optional(
        serializers.ChoiceField,
        choices=BlockoutStatus.choices,
        help_text="cancelled: the blockout holds no time but stays on record.",
    )
    apply_to_group = serializers.BooleanField(
        default=False, help_text="Apply the change to every blockout of the repeat group."
    )
    allow_overlap = serializers.BooleanField(
        default=False,
        help_text="Allow the blockout to overlap another of its type on the same operatory.",
    )


class BlockoutsCreatedSerializer(serializers.Serializer):
    items = BlockoutSerializer(many=True, help_text="The blockouts made.")
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What was left out (duplicates) and why."
    )

    class Meta:
        ref_name = "BlockoutsCreated"


class BlockoutBatchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Number of blockouts made.")
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="Each skipped date (holiday) or blockout (duplicate, DST gap), and why.",
    )

    class Meta:
        ref_name = "BlockoutBatchResult"


class ConflictingBlockoutSerializer(LocalSpanSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    blockout_type = RefSerializer(read_only=True)
    is_no_schedule = serializers.BooleanField(
        source="blockout_type.is_no_schedule",
        read_only=True,
        help_text="True: it blocks booking (BLOCKED_TIME_CONFLICT); false: informational.",
    )
    operatory = RefSerializer(read_only=True, allow_null=True, help_text="Null: location-wide.")
    note = serializers.CharField(read_only=True)

    class Meta:
        ref_name = "ConflictingBlockout"


class BlockoutOverlapDetailsSerializer(serializers.Serializer):
    blockouts = ConflictingBlockoutSerializer(many=True)

    class Meta:
        ref_name = "BlockoutOverlapDetails"


class BlockoutConflictErrorSerializer(ConflictErrorSerializer):
    """A 409 of a blockout PATCH: ``BLOCKOUT_OVERLAP`` names the blockouts it would overlap;
    ``VERSION_CONFLICT`` carries the versions."""

    conflicts = BlockoutOverlapDetailsSerializer(
        required=False, help_text="BLOCKOUT_OVERLAP: the blockouts of the same type overlapped."
    )
    reason_codes = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text='BLOCKOUT_OVERLAP: ["BLOCKOUT_OVERLAP"].',
    )

    class Meta:
        ref_name = "BlockoutConflictError"


def _monday(**kwargs):
    return CalendarDateField(help_text="A Monday (YYYY-MM-DD).", **kwargs)


class BlockoutLocationSerializer(InputSerializer):
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")


class BlockoutCopyDaySerializer(BlockoutLocationSerializer):
    source_date = CalendarDateField()
    target_date = CalendarDateField()


class BlockoutCopyWeekSerializer(BlockoutLocationSerializer):
    source_week_start = _monday()
    target_week_start = _monday()


class BlockoutRepeatWeeksSerializer(BlockoutLocationSerializer):
    source_week_start = _monday()
    num_weeks = serializers.IntegerField(
        min_value=1, max_value=52, help_text="How many following weeks get the pattern (1–52)."
    )


# --- Templates --------------------------------------------------------------------------


class BlockoutTemplateSerializer(VersionedSerializer):
    location = RefSerializer(
        read_only=True, allow_null=True, help_text="null: usable at every location."
    )

    class Meta:
        model = BlockoutTemplate
        fields = [
            *BASE,
            "name",
            "description",
            "location",
            "day_of_week",
            "is_hidden",
            "item_order",
            "status",
        ]
        read_only_fields = fields


class BlockoutTemplateFieldsSerializer(InputSerializer):
    name = serializers.CharField(max_length=100)
    description = _optional(serializers.CharField, max_length=MAX_NOTE, allow_blank=True)
    location_uuid = _optional(
        OrgRelatedField,
        queryset=Location.objects.all(),
        source="location",
        help_text="Omitted: the template is usable at every location.",
    )
    day_of_week = model_field(
        BlockoutTemplate,
        "day_of_week",
        required=False,
        help_text="The weekday it is meant for, 0 = Monday … 6 = Sunday (informational).",
    )
    is_hidden = model_field(BlockoutTemplate, "is_hidden", required=False)
    item_order = model_field(BlockoutTemplate, "item_order", required=False)


class BlockoutTemplateCreateSerializer(BlockoutTemplateFieldsSerializer):
    pass


class BlockoutTemplateUpdateSerializer(BaseVersionSerializer, BlockoutTemplateFieldsSerializer):
    name = model_field(BlockoutTemplate, "name", required=False)
    status = model_field(BlockoutTemplate, "status", required=False)


class BlockoutTemplateApplySerializer(InputSerializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(),
        source="location",
        required=False,
        allow_null=True,
        help_text="Required by the reference. Left out, the template's own location is used "
        "(a template for every location needs it).",
    )
    target_date = CalendarDateField()

    class Meta:
        documented_required = ("location_uuid",)


class BlockoutTemplateItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    blockout_type = RefSerializer(read_only=True)
    operatory = RefSerializer(
        read_only=True, allow_null=True, help_text="null: the whole location."
    )
    start_time = LocalTimeField(read_only=True)
    end_time = LocalTimeField(read_only=True)

    class Meta:
        model = BlockoutTemplateItem
        fields = [
            "id",
            "blockout_type",
            "operatory",
            "start_time",
            "end_time",
            "item_order",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BlockoutTemplateItemCreateSerializer(InputSerializer):
    blockout_type_uuid = OrgRelatedField(BlockoutType.objects.all(), source="blockout_type")
    operatory_uuid = _optional(
        OrgRelatedField,
        queryset=Operatory.objects.all(),
        source="operatory",
        help_text="Omitted: the whole location.",
    )
    start_time = LocalTimeField()
    end_time = LocalTimeField(help_text="After start_time.")
    item_order = model_field(BlockoutTemplateItem, "item_order", required=False)
