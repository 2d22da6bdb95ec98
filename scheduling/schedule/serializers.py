"""Request and response shapes of provider schedules, their resolution and day notes."""

from __future__ import annotations

import json
import math
from collections import Counter
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField, OrgRelatedListField
from scheduling.api.schema import ConflictErrorSerializer
from scheduling.api.serializers import (
    INT32,
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    LocalTimeField,
    MoneyField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import (
    ContactMethod,
    FlowStatus,
    Location,
    Operatory,
    Patient,
    PatientPreference,
    ProductionGoal,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
)
from scheduling.schedule.view_layouts import (
    BubbleLayoutSerializer,
    CardLayoutSerializer,
    ColorConfigSerializer,
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


# --- Flow statuses -----------------------------------------------------------------------


class FlowStatusSerializer(VersionedSerializer):
    class Meta:
        model = FlowStatus
        fields = [*BASE, "name", "slug", "color", "is_active", "item_order"]
        read_only_fields = fields
        extra_kwargs = {
            "slug": {"help_text": "The name slugified; unique among the org's statuses."},
            "color": {"help_text": "#RRGGBB, or empty."},
        }


def _flow_field(name: str, **kwargs):
    return model_field(FlowStatus, name, required=False, **kwargs)


class FlowStatusCreateSerializer(InputSerializer):
    name = model_field(
        FlowStatus,
        "name",
        help_text="e.g. Arrived, In chair; its slug must be free in the org (else 409).",
    )
    color = _flow_field("color", help_text="#RRGGBB (empty: none).")
    is_active = _flow_field(
        "is_active", help_text="Inactive statuses stay listed but cannot be set (default true)."
    )
    item_order = _flow_field("item_order", help_text="Display order, ascending (default 0).")


class FlowStatusUpdateSerializer(BaseVersionSerializer, FlowStatusCreateSerializer):
    name = _flow_field("name", help_text="A rename changes the slug too (409 if taken).")


# --- Production goals --------------------------------------------------------------------


class ProductionGoalSerializer(VersionedSerializer):
    provider = RefSerializer(read_only=True)
    location = RefSerializer(read_only=True)
    goal_amount = MoneyField(read_only=True, help_text='Target production, e.g. "1500.00".')

    class Meta:
        model = ProductionGoal
        fields = [*BASE, "provider", "location", "goal_date", "goal_amount"]
        read_only_fields = fields


def _goal_amount():
    return MoneyField(
        min_value=Decimal("0"),
        help_text='Target production: a number or a decimal string ("1500.00"), at least 0.',
    )


class ProductionGoalCreateSerializer(InputSerializer):
    provider_uuid = OrgRelatedField(Provider.objects.all(), source="provider")
    location_uuid = OrgRelatedField(Location.objects.all(), source="location")
    goal_date = CalendarDateField(help_text="The date of the target (the location's local date).")
    goal_amount = _goal_amount()


class ProductionGoalUpsertSerializer(ProductionGoalCreateSerializer):
    """The goal of (provider, location, goal_date), created or changed."""


class ProductionGoalUpdateSerializer(InputSerializer):
    goal_amount = _goal_amount()
    base_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=INT32["max_value"],
        help_text="Optional: the version the client read (a stale one is a 409).",
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


# --- Saved searches ----------------------------------------------------------------------

#: A search type is a slug: lower-case letters, digits and underscores, a letter first
#: (``find_free_time``, the free-time search's; clients name their own).
SEARCH_TYPE_PATTERN = r"^[a-z][a-z0-9_]*$"
#: The most a saved search's criteria may take, as compact UTF-8 JSON, and how deeply
#: they may nest (PostgreSQL parses jsonb recursively).
MAX_CRITERIA_BYTES = 16 * 1024
MAX_CRITERIA_DEPTH = 32


def _search_type(**kwargs):
    return serializers.RegexField(
        SEARCH_TYPE_PATTERN,
        max_length=SavedSearch._meta.get_field("search_type").max_length,
        error_messages={
            "invalid": "A search type is lower-case letters, digits and underscores, "
            "starting with a letter (e.g. find_free_time)."
        },
        **kwargs,
    )


def _criteria_problem(value) -> tuple[str, str] | None:
    """What keeps ``value`` from being stored as jsonb (code, message), if anything.

    Iterative, so no request can make it recurse: nesting deeper than
    ``MAX_CRITERIA_DEPTH``, a NUL character (jsonb has none) or a number JSON cannot
    write back (``1e999`` parses as infinity) is refused.
    """
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CRITERIA_DEPTH:
            return "too_deep", f"Criteria nest at most {MAX_CRITERIA_DEPTH} levels deep."
        if isinstance(node, dict):
            if any("\x00" in key for key in node):
                return "invalid", "Criteria may not contain NUL characters."
            stack.extend((item, depth + 1) for item in node.values())
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str) and "\x00" in node:
            return "invalid", "Criteria may not contain NUL characters."
        elif isinstance(node, float) and not math.isfinite(node):
            return "invalid", "Criteria numbers must be finite."
    return None


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "example": {"location_uuid": "00000000-0000-0000-0000-000000000000", "days": [0, 2]},
    }
)
class CriteriaField(serializers.DictField):
    """A saved search's criteria: any JSON object, stored and returned as given (the keys
    are the client's; PostgreSQL does not keep their order). Not an object, larger than
    ``MAX_CRITERIA_BYTES`` or nested deeper than ``MAX_CRITERIA_DEPTH``: a 422."""

    default_error_messages = {
        "too_large": f"Criteria take at most {MAX_CRITERIA_BYTES} bytes as JSON.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            self.fail("not_a_dict", input_type=type(data).__name__)
        problem = _criteria_problem(data)
        if problem is not None:
            code, message = problem
            raise serializers.ValidationError(message, code=code)
        size = len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
        if size > MAX_CRITERIA_BYTES:
            self.fail("too_large")
        return data

    def to_representation(self, value):
        return value


class SavedSearchSerializer(VersionedSerializer):
    criteria = CriteriaField(read_only=True, help_text="The search's criteria, as saved.")

    class Meta:
        model = SavedSearch
        fields = [*BASE, "name", "search_type", "criteria", "is_default"]
        read_only_fields = fields
        extra_kwargs = {
            "is_default": {"help_text": "The caller's default search of its search_type."}
        }


class SavedSearchCreateSerializer(InputSerializer):
    """A saved search of the caller (no user is accepted: it is theirs)."""

    name = model_field(SavedSearch, "name", help_text="Display name (at most 100 characters).")
    search_type = _search_type(
        required=False,
        allow_null=True,
        help_text="What the criteria are for; default find_free_time. A slug: lower-case "
        "letters, digits, underscores, a letter first (at most 50).",
    )
    criteria = CriteriaField(
        help_text="Any JSON object (the client's keys), kept as given; at most 16 KB."
    )
    is_default = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Make it the caller's default of its search_type (the old default is unset).",
    )


class SavedSearchUpdateSerializer(BaseVersionSerializer):
    """Changes the fields given (null: unchanged) of one of the caller's saved searches."""

    name = model_field(SavedSearch, "name", required=False)
    search_type = _search_type(required=False, allow_null=True)
    criteria = CriteriaField(
        required=False, allow_null=True, help_text="Replaces the criteria (not merged)."
    )
    is_default = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="true: the caller's default of its search_type (the old default is unset).",
    )


# --- Patient preferences -----------------------------------------------------------------


class ContactMethodField(serializers.ChoiceField):
    """The preferred contact method, or null when none is recorded (stored as empty)."""

    def __init__(self, **kwargs):
        super().__init__(ContactMethod.choices, **kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None


class PatientPreferenceSerializer(VersionedSerializer):
    patient = RefSerializer(read_only=True)
    preferred_provider = RefSerializer(read_only=True, allow_null=True)
    preferred_operatory = RefSerializer(read_only=True, allow_null=True)
    preferred_days = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Weekdays, 0 = Monday … 6 = Sunday, in order (empty: any day).",
    )
    preferred_time_start = LocalTimeField(
        read_only=True, allow_null=True, help_text="Local wall time (null: from any time)."
    )
    preferred_time_end = LocalTimeField(
        read_only=True, allow_null=True, help_text="Local wall time (null: until any time)."
    )
    preferred_contact_method = ContactMethodField(read_only=True, allow_null=True)

    class Meta:
        model = PatientPreference
        fields = [
            *BASE,
            "patient",
            "preferred_provider",
            "preferred_operatory",
            "preferred_days",
            "preferred_time_start",
            "preferred_time_end",
            "preferred_contact_method",
            "notes",
            "learned_from_history",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "learned_from_history": {
                "help_text": "Learned from the patient's completed appointments "
                "(manage.py learn_preferences), not entered by a person."
            }
        }


class PatientPreferenceFieldsSerializer(InputSerializer):
    """What a patient prefers; every field optional."""

    preferred_provider_uuid = OrgRelatedField(
        Provider.objects.all(),
        source="preferred_provider",
        required=False,
        allow_null=True,
        help_text="An active provider of the org.",
    )
    preferred_operatory_uuid = OrgRelatedField(
        Operatory.objects.all(),
        source="preferred_operatory",
        required=False,
        allow_null=True,
        help_text="An active operatory (at a location the caller may access).",
    )
    preferred_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        allow_null=True,
        help_text="Weekdays, 0 = Monday … 6 = Sunday, each at most once ([]: any day).",
    )
    preferred_time_start = LocalTimeField(
        required=False, allow_null=True, help_text="Local wall time (HH:MM or HH:MM:SS)."
    )
    preferred_time_end = LocalTimeField(
        required=False,
        allow_null=True,
        help_text="Local wall time, after preferred_time_start when both are set.",
    )
    preferred_contact_method = ContactMethodField(required=False, allow_null=True)
    notes = _note()
    learned_from_history = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Default false: a preference a person writes is theirs, and "
        "learn_preferences leaves it alone.",
    )


class PatientPreferenceCreateSerializer(PatientPreferenceFieldsSerializer):
    """A new preference for a patient who has none (else 409)."""

    patient_uuid = OrgRelatedField(
        Patient.objects.all(), source="patient", help_text="The patient (one preference each)."
    )


class PatientPreferenceUpdateSerializer(BaseVersionSerializer, PatientPreferenceFieldsSerializer):
    """Changes the fields given (null: unchanged); PUT by-patient replaces them all."""


class PatientPreferenceUpsertSerializer(PatientPreferenceFieldsSerializer):
    """The patient's whole preference: fields left out (or null) are cleared."""

    base_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=INT32["max_value"],
        help_text="Required when the patient has a preference (the version read; stale: "
        "409); left out when creating one.",
    )
