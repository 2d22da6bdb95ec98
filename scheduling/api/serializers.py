"""Serializer building blocks shared by every app's API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class RefSerializer(serializers.Serializer):
    """A lightweight reference to a related object: ``{"id": uuid, "name": str|null}``."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        ref_name = "Ref"

    def get_name(self, obj) -> str | None:
        name = getattr(obj, "name", None)
        return str(name) if name is not None else None


@extend_schema_field(RefSerializer(allow_null=True))
class AnnotatedRefField(serializers.Field):
    """A reference read from the ``<field>_ref`` JSON annotation a queryset provides
    (see ``appointments.selectors.ref_subquery``), else from the related object."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        annotated = f"{self.field_name}_ref"
        if hasattr(instance, annotated):
            return getattr(instance, annotated)
        related = getattr(instance, self.field_name)
        return None if related is None else RefSerializer(related).data

    def to_representation(self, value):
        return value


class VersionedSerializer(serializers.ModelSerializer):
    """Response shape of a versioned row: its public id, timestamps and version."""

    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        fields = ["id", "created_at", "updated_at", "version"]
        read_only_fields = fields


class BaseVersionSerializer(serializers.Serializer):
    """Input of every update that the contract guards with ``base_version``."""

    base_version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version the client read; a stale one is a 409.",
    )


class StrictUUIDField(serializers.UUIDField):
    """A UUID given as a string; DRF would also take an integer as ``UUID(int=n)``."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class MoneyField(serializers.DecimalField):
    """Money: a decimal string with two places out; numbers or strings in."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "format": "time", "example": "08:30:00"})
class LocalTimeField(serializers.TimeField):
    """A wall-clock time at a location: ``HH:MM:SS`` out, ``HH:MM`` or ``HH:MM:SS`` in."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M:%S")
        kwargs.setdefault("input_formats", ["%H:%M:%S", "%H:%M"])
        super().__init__(**kwargs)
