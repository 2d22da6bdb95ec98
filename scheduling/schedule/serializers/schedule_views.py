"""Request and response shapes of schedule views."""

from __future__ import annotations

from collections import Counter

from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField, OrgRelatedListField
from scheduling.api.serializers import (
    BaseVersionSerializer,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import Location, Operatory, Provider, ScheduleView
from scheduling.schedule.serializers.provider_schedules import BASE
from scheduling.schedule.view_layouts import (
    BubbleLayoutSerializer,
    CardLayoutSerializer,
    ColorConfigSerializer,
)

# --- Schedule views ----------------------------------------------------------------------


class ScheduleViewSerializer(VersionedSerializer):
    """A view as the caller sees it: ``is_default`` and ``keyboard_shortcut`` are the
    caller's own choices (another user may have the same shared view under Ctrl+3)."""

    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(
        source="location.timezone", read_only=True, help_text="IANA zone of the local times."
    )
    start_time = LocalTimeField(read_only=True, help_text="Earliest local time shown.")
    end_time = LocalTimeField(read_only=True, help_text="Latest local time shown.")
    card_layout = CardLayoutSerializer(read_only=True, allow_null=True)
    bubble_layout = BubbleLayoutSerializer(read_only=True, allow_null=True)
    color_config = ColorConfigSerializer(read_only=True, allow_null=True)
    operatory_uuids = serializers.ListField(
        child=serializers.UUIDField(),
        read_only=True,
        help_text="The operatory columns, left to right (empty: the location's operatories).",
    )
    provider_uuids = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="The providers shown, in order."
    )
    is_default = serializers.BooleanField(
        source="caller_is_default",
        read_only=True,
        help_text="The caller's default view at this location.",
    )
    keyboard_shortcut = serializers.IntegerField(
        source="caller_shortcut",
        read_only=True,
        allow_null=True,
        help_text="The caller's Ctrl+N (1-9) for this view, or null.",
    )

    class Meta:
        model = ScheduleView
        fields = [
            *BASE,
            "location",
            "location_timezone",
            "name",
            "visibility",
            "view_type",
            "font_size",
            "time_increment",
            "start_time",
            "end_time",
            "min_operatory_width_px",
            "auto_scroll_to_current_time",
            "bubble_enabled",
            "compact_mode",
            "dynamic_op_filtering",
            "privacy_mode",
            "show_business_days_only",
            "show_missed_appointments",
            "show_production",
            "show_provider_bars",
            "card_layout",
            "bubble_layout",
            "color_config",
            "operatory_uuids",
            "provider_uuids",
            "is_default",
            "keyboard_shortcut",
        ]
        read_only_fields = fields
        ref_name = "ScheduleView"


class ColumnListField(OrgRelatedListField):
    """Ids of a view's columns, in the calendar's order. A repeated id is a 422 (a column
    shown twice is a mistake), not silently dropped."""

    default_error_messages = {"duplicate": "Listed more than once: {ids}."}

    def __init__(self, queryset, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(queryset, required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        values = serializers.ListField.to_internal_value(self, data)
        repeated = [str(value) for value, count in Counter(values).items() if count > 1]
        if repeated:
            self.fail("duplicate", ids=", ".join(repeated))
        return self._resolve(values)


def _view_field(name: str, **kwargs):
    return model_field(ScheduleView, name, required=False, **kwargs)


class ScheduleViewFieldsSerializer(InputSerializer):
    """What a create and a PATCH of a view both take (``null``: the default / unchanged)."""

    visibility = _view_field(
        "visibility", help_text="personal (the default): yours alone; shared: admins only."
    )
    view_type = _view_field("view_type")
    font_size = _view_field("font_size")
    time_increment = _view_field("time_increment", help_text="Minutes per calendar slot.")
    start_time = LocalTimeField(
        required=False, allow_null=True, help_text="Earliest local time shown (HH:MM)."
    )
    end_time = LocalTimeField(
        required=False, allow_null=True, help_text="Latest local time shown, after start_time."
    )
    min_operatory_width_px = _view_field("min_operatory_width_px")
    auto_scroll_to_current_time = _view_field("auto_scroll_to_current_time")
    bubble_enabled = _view_field("bubble_enabled")
    compact_mode = _view_field("compact_mode")
    dynamic_op_filtering = _view_field("dynamic_op_filtering")
    privacy_mode = _view_field("privacy_mode")
    show_business_days_only = _view_field("show_business_days_only")
    show_missed_appointments = _view_field("show_missed_appointments")
    show_production = _view_field("show_production")
    show_provider_bars = _view_field("show_provider_bars")
    card_layout = CardLayoutSerializer(required=False, allow_null=True)
    bubble_layout = BubbleLayoutSerializer(required=False, allow_null=True)
    color_config = ColorConfigSerializer(required=False, allow_null=True)
    operatory_uuids = ColumnListField(
        Operatory.objects.all(),
        source="operatories",
        help_text="Operatories of the view's location, as columns left to right (replaces "
        "the list; [] for none chosen).",
    )
    provider_uuids = ColumnListField(
        Provider.objects.all(),
        source="providers",
        help_text="Providers shown, in order (replaces the list).",
    )


class ScheduleViewCreateSerializer(ScheduleViewFieldsSerializer):
    """A new view at a location (what is left out takes the model's default)."""

    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location the view is for."
    )
    name = model_field(ScheduleView, "name")


class ScheduleViewUpdateSerializer(BaseVersionSerializer, ScheduleViewFieldsSerializer):
    """A change of a view under ``base_version`` (its location stays)."""

    name = _view_field("name")


class ShortcutQuery(serializers.Serializer):
    shortcut = serializers.IntegerField(
        min_value=1, max_value=9, help_text="Keyboard shortcut number (1-9): Ctrl+1 … Ctrl+9."
    )
