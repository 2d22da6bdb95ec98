"""Serializer building blocks shared by every app's API.

Requests: ``InputSerializer`` (unknown fields are a 422 naming them; ``null`` for an
optional field means "not given"), ``model_field`` (limits taken from the model), the
32-bit bounds ``INT32``. Responses: ``VersionedSerializer``, ``RefSerializer``.
"""

from __future__ import annotations

import copy

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.field_mapping import get_field_kwargs

from scheduling.timezones import to_local
from scheduling.validators import CALENDAR_DATE_PATTERN, validate_calendar_date

#: Bounds of a PostgreSQL ``integer`` column, for integer inputs stored in one.
INT32 = {"min_value": -(2**31), "max_value": 2**31 - 1}


class InputSerializer(serializers.Serializer):
    """A request body (or one item of it), strict about what it accepts.

    - a key the serializer does not declare is a 422 naming it (``unknown_field``), so a
      client's typo or a read-only field (``status`` in a PATCH) is never silently lost;
    - ``null`` for an optional field means "not given" (the default on create, unchanged
      on update): such keys are left out of ``validated_data``.
    """

    default_error_messages = {"unknown_field": "Unknown field; this request accepts: {known}."}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = [key for key in data if key not in known]
            if unknown:
                message = self.error_messages["unknown_field"].format(
                    known=", ".join(sorted(known)) or "nothing"
                )
                raise serializers.ValidationError(
                    {
                        str(key): [serializers.ErrorDetail(message, code="unknown_field")]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)

    def validate(self, attrs):
        return {key: value for key, value in super().validate(attrs).items() if value is not None}

    def get_fields(self):
        """The declared fields, this instance's own. DRF deep-copies each (builds it
        anew from its arguments: most of the cost of a request's serializer); a plain
        field holds nothing of a request but what binding it sets, so a shallow copy,
        bound afresh, is the same field (``_unbound_copy``)."""
        return {name: _unbound_copy(field) for name, field in self._declared_fields.items()}


def _unbound_copy(field: serializers.Field) -> serializers.Field:
    """A copy of a declared field, as yet unbound. One that is or holds a serializer is
    deep-copied as DRF copies it (a serializer keeps its own bound fields); a list or
    dict field gets a copy of its child, bound to the copy as the declaration's is."""
    if _holds_serializer(field):
        return copy.deepcopy(field)
    fresh = copy.copy(field)
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        fresh.child = copy.copy(child) if not hasattr(child, "child") else _unbound_copy(child)
        fresh.child.parent = fresh  # its name and source ("") are the declaration's
    return fresh


def _holds_serializer(field: serializers.Field) -> bool:
    while isinstance(field, serializers.Field):
        if isinstance(field, serializers.BaseSerializer):
            return True
        field = getattr(field, "child", None)
    return False


def model_field(model, name: str, field_class=None, **kwargs) -> serializers.Field:
    """An input field for ``model.name`` with the model's limits (length, choices, bounds).

    ``kwargs`` override (``required``, ``help_text`` …); optional fields accept ``null``.
    """
    model_field_ = model._meta.get_field(name)
    options = get_field_kwargs(name, model_field_)
    options.pop("model_field", None)
    options.pop("validators", None) if "validators" in kwargs else None
    if "choices" in options and field_class is None:
        field_class = serializers.ChoiceField
    else:
        options.pop("choices", None)
    if field_class is None:
        field_class = serializers.ModelSerializer.serializer_field_mapping[type(model_field_)]
    options.update(kwargs)
    if options.get("required") is False:
        options.setdefault("allow_null", True)
    if field_class is not serializers.CharField:
        options.pop("allow_blank", None)
        options.pop("max_length", None) if field_class is serializers.ChoiceField else None
    return field_class(**options)


class RefSerializer(serializers.Serializer):
    """A lightweight reference to a related object: ``{"id": uuid, "name": str|null}``."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Ref"

    def get_name(self, obj) -> str | None:
        name = getattr(obj, "name", None)
        return str(name) if name is not None else None


class VersionedSerializer(serializers.ModelSerializer):
    """Response shape of a versioned row: its public id, timestamps and version."""

    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        fields = ["id", "created_at", "updated_at", "version"]
        read_only_fields = fields


class BaseVersionSerializer(InputSerializer):
    """Input of every update that the contract guards with ``base_version``."""

    base_version = serializers.IntegerField(
        min_value=1,
        max_value=INT32["max_value"],
        help_text="The version the client read; a stale one is a 409.",
    )


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string; DRF would also take an integer as ``UUID(int=n)``."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


CALENDAR_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": CALENDAR_DATE_PATTERN}


@extend_schema_field(CALENDAR_DATE_SCHEMA)
class CalendarDateField(serializers.DateField):
    """A date (``YYYY-MM-DD``) a practice could schedule on: 1900-01-01 … 2199-12-31."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_calendar_date)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d{1,8}(\.\d{1,2})?$"})
class MoneyField(serializers.DecimalField):
    """Money: a decimal string with two places out; numbers or strings in (at most 8
    digits before the point, 2 after; the schema's pattern says so, an empty one is not
    an amount)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+\.\d{2}$"})
class MoneyTotalField(serializers.DecimalField):
    """A sum of money: a decimal string with two places. Unlike ``MoneyField`` (one
    amount, at most 8 digits before the point) a sum over a month or a year of
    appointments has no such bound, and must never fail to render."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


class PercentField(serializers.DecimalField):
    """A percentage with two places, as a JSON number (``85.33``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", None)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", False)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "time", "example": "08:30:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at a location: ``HH:MM:SS`` out, ``HH:MM`` or ``HH:MM:SS`` in."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M:%S")
        kwargs.setdefault("input_formats", ["%H:%M:%S", "%H:%M"])
        super().__init__(**kwargs)


class LocalSpanSerializer(serializers.Serializer):
    """``schedule_date``/``start_time``/``end_time`` at the row's location, from its instants."""

    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    schedule_date = serializers.SerializerMethodField(help_text="Local date at the location.")
    start_time = serializers.SerializerMethodField(help_text="Local wall time at the location.")
    end_time = serializers.SerializerMethodField(help_text="Local wall time at the location.")
    start_at = serializers.DateTimeField(read_only=True, help_text="The start in UTC.")
    end_at = serializers.DateTimeField(read_only=True, help_text="The end in UTC.")

    def _local(self, obj, instant):
        return to_local(instant, obj.location.timezone)

    @extend_schema_field(serializers.DateField())
    def get_schedule_date(self, obj) -> str:
        return self._local(obj, obj.start_at).date().isoformat()

    @extend_schema_field(LocalTimeField())
    def get_start_time(self, obj) -> str:
        return f"{self._local(obj, obj.start_at):%H:%M:%S}"

    @extend_schema_field(LocalTimeField())
    def get_end_time(self, obj) -> str:
        return f"{self._local(obj, obj.end_at):%H:%M:%S}"
