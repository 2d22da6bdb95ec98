"""The Schedule section's production summary. It reads appointments and goals, so it
lives here, whatever its URL says (``/schedule/production-goals/production-summary``,
routed after the goals' own routes: their detail route matches only a UUID)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments.serializers.production import (
    ProductionSummaryQuery,
    ProductionSummarySerializer,
)
from appointments.services.production import MAX_SUMMARY_DAYS, production_summary
from scheduling.api.views import OrgScopedMixin


class ProductionSummaryViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """Production against goals. Goals are configuration (admins write them), but reading
    the figures is a read like any other: every member of the location may."""

    query_serializer_classes = {"production_summary": ProductionSummaryQuery}
    schema_tags = ("Schedule",)

    @extend_schema(
        summary="Get production summary",
        description="Production at the location over the local dates date_from … date_to "
        f"(inclusive, at most {MAX_SUMMARY_DAYS} days) per primary provider (the first of "
        "an appointment's providers): scheduled (planned + scheduled appointments), "
        "completed, and lost (broken + cancelled), each appointment's production being "
        "its production_override, else the sum of its procedures' fees. Appointments "
        "without a provider are the row whose provider is null, so the rows add up to the "
        "totals. Each provider's goal is the sum of their goals at the location in the "
        "range (a provider with a goal and no appointments is listed); attainment is "
        "completed ÷ goal × 100 to two places, null without a goal (overall: 0.0). "
        "date_from after date_to, or a longer range, is a 422.",
        parameters=[ProductionSummaryQuery],
        responses={200: ProductionSummarySerializer},
    )
    @action(detail=False, methods=["get"], url_path="production-summary")
    def production_summary(self, request, *args, **kwargs):
        query = self.validated_query()
        summary = production_summary(**query)
        return Response(ProductionSummarySerializer(summary).data)
