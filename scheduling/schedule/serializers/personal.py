"""Request and response shapes of saved searches and patient preferences."""

from __future__ import annotations

import json
import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    INT32,
    BaseVersionSerializer,
    InputSerializer,
    LocalTimeField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import (
    ContactMethod,
    Operatory,
    Patient,
    PatientPreference,
    Provider,
    SavedSearch,
)
from scheduling.schedule.serializers.provider_schedules import BASE, _note

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
