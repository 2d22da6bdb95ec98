"""Response shapes of the reference data (read-only over the API)."""

from rest_framework import serializers

from scheduling.api.serializers import MoneyField, RefSerializer, VersionedSerializer
from scheduling.models import (
    Definition,
    Location,
    Operatory,
    Patient,
    ProcedureCode,
    Provider,
    Role,
)

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


class MeLocationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)

    class Meta:
        model = Location
        fields = ["id", "name", "timezone"]
        read_only_fields = fields
        ref_name = "MeLocation"


class MeMembershipSerializer(serializers.Serializer):
    org_id = serializers.UUIDField(source="org.uuid", help_text="The {org_id} of every path.")
    org_name = serializers.CharField(source="org.name")
    role = serializers.ChoiceField(Role.choices)
    all_locations = serializers.BooleanField(
        help_text="True: every location of the org, now and future."
    )
    locations = MeLocationSerializer(
        many=True, source="permitted_locations", help_text="The locations this member may use."
    )

    class Meta:
        ref_name = "MeMembership"


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    memberships = MeMembershipSerializer(many=True, help_text="Orgs the token's holder may call.")

    class Meta:
        ref_name = "Me"
