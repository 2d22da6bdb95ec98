"""Request and response shapes of flow statuses and production goals."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    INT32,
    BaseVersionSerializer,
    CalendarDateField,
    InputSerializer,
    MoneyField,
    RefSerializer,
    VersionedSerializer,
    model_field,
)
from scheduling.models import FlowStatus, Location, ProductionGoal, Provider
from scheduling.schedule.serializers.provider_schedules import BASE

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
