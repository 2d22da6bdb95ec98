"""The production summary's query parameters and its answer
(``GET schedule/production-goals/production-summary``)."""

from __future__ import annotations

from rest_framework import serializers

from appointments.services.production import MAX_SUMMARY_DAYS
from scheduling.api.relations import OrgRelatedField
from scheduling.api.serializers import (
    CalendarDateField,
    MoneyTotalField,
    PercentField,
    RefSerializer,
)
from scheduling.models import Location


class ProductionSummaryQuery(serializers.Serializer):
    location_uuid = OrgRelatedField(
        Location.objects.all(), source="location", help_text="The location to summarize."
    )
    date_from = CalendarDateField(help_text="First local date of the range (inclusive).")
    date_to = CalendarDateField(
        help_text="Last local date of the range (inclusive); at most "
        f"{MAX_SUMMARY_DAYS} days in all."
    )

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError(
                {"date_to": "Must be on or after date_from."}, code="invalid_range"
            )
        if (attrs["date_to"] - attrs["date_from"]).days + 1 > MAX_SUMMARY_DAYS:
            raise serializers.ValidationError(
                {"date_to": f"At most {MAX_SUMMARY_DAYS} days from date_from (inclusive)."},
                code="range_too_long",
            )
        return attrs


class ProviderProductionSerializer(serializers.Serializer):
    """One provider's production at the location over the range."""

    provider = RefSerializer(
        allow_null=True,
        read_only=True,
        help_text="The primary provider (the first in the appointment's order); null for "
        "appointments without a provider.",
    )
    scheduled_production = MoneyTotalField(help_text="Planned and scheduled appointments.")
    completed_production = MoneyTotalField(help_text="Complete appointments.")
    lost_production = MoneyTotalField(help_text="Broken and cancelled appointments.")
    production_goal = MoneyTotalField(
        help_text="The sum of the provider's daily goals at the location in the range."
    )
    attainment_pct = PercentField(
        allow_null=True,
        help_text="completed_production ÷ production_goal × 100, two places; null without a goal.",
    )

    class Meta:
        ref_name = "ProviderProduction"


class ProductionSummarySerializer(serializers.Serializer):
    location = RefSerializer(read_only=True)
    location_timezone = serializers.CharField(source="location.timezone", read_only=True)
    date_from = serializers.DateField(read_only=True)
    date_to = serializers.DateField(read_only=True)
    providers = ProviderProductionSerializer(
        many=True,
        read_only=True,
        help_text="By provider name; the row of appointments without a provider last. "
        "Providers with a goal and no appointments are listed.",
    )
    total_scheduled = MoneyTotalField()
    total_completed = MoneyTotalField()
    total_lost = MoneyTotalField(help_text="Broken and cancelled appointments.")
    total_goal = MoneyTotalField()
    overall_attainment_pct = PercentField(
        help_text="total_completed ÷ total_goal × 100, two places; 0.0 without a goal."
    )

    class Meta:
        ref_name = "ProductionSummary"
