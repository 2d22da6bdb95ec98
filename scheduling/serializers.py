"""Response shapes of the reference data (read-only over the API)."""

from rest_framework import serializers

from scheduling.api.serializers import MoneyField, RefSerializer, VersionedSerializer
from scheduling.models import Definition, Location, Operatory, Patient, ProcedureCode, Provider

BASE = VersionedSerializer.Meta.fields


class LocationSerializer(VersionedSerializer):
    class Meta:
        model = Location
        fields = [*BASE, "name", "timezone", "address", "phone", "is_active"]
        read_only_fields = fields


class OperatorySerializer(VersionedSerializer):
    location = RefSerializer(read_only=True)

    class Meta:
        model = Operatory
        fields = [*BASE, "name", "abbrev", "location", "is_hygiene", "item_order", "is_active"]
        read_only_fields = fields


class ProviderSerializer(VersionedSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Provider
        fields = [
            *BASE,
            "name",
            "first_name",
            "last_name",
            "abbrev",
            "suffix",
            "is_hygienist",
            "color",
            "is_active",
        ]
        read_only_fields = fields


class PatientSerializer(VersionedSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Patient
        fields = [
            *BASE,
            "name",
            "first_name",
            "last_name",
            "preferred_name",
            "birthdate",
            "email",
            "mobile_phone",
            "chart_number",
            "is_active",
        ]
        read_only_fields = fields
        extra_kwargs = {"email": {"allow_blank": True}}  # schema: an address or ""


class ProcedureCodeSerializer(VersionedSerializer):
    default_fee = MoneyField(read_only=True)

    class Meta:
        model = ProcedureCode
        fields = [*BASE, "code", "description", "abbrev", "default_fee", "is_active"]
        read_only_fields = fields


class DefinitionSerializer(VersionedSerializer):
    class Meta:
        model = Definition
        fields = [*BASE, "category", "name", "color", "item_order", "is_hidden"]
        read_only_fields = fields
