"""Flow statuses and production goals (org configuration)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action

from scheduling.api.views import OrgModelViewSet
from scheduling.models import FlowStatus, ProductionGoal, Role
from scheduling.schedule import serializers as s
from scheduling.schedule import services
from scheduling.schedule.filters import FlowStatusFilterSet, ProductionGoalFilterSet
from scheduling.schedule.views.provider_schedules import TAGS

# --- Flow statuses ---


@extend_schema_view(
    list=extend_schema(
        description="Every live flow status of the org (inactive ones too unless "
        "`include_inactive=false`), by `item_order`, then name.",
        parameters=[
            OpenApiParameter(
                "include_inactive",
                bool,
                default=True,
                description="false: active statuses only (default true: every status).",
            )
        ],
    ),
    create=extend_schema(
        description="`slug` is made from the name; a name whose slug another status has is "
        "a 409 `DUPLICATE_NAME`. Admins only."
    ),
    partial_update=extend_schema(
        description="A rename changes the slug (409 `DUPLICATE_NAME` if another status has "
        "it). Admins only."
    ),
    destroy=extend_schema(
        description="Irreversible: the status is gone from lists and lookups and cannot be "
        "set again; appointments and flow events that used it keep showing its name."
    ),
)
class FlowStatusViewSet(OrgModelViewSet):
    """The steps of patient flow are org configuration: everyone reads, admins write."""

    queryset = FlowStatus.objects.order_by("item_order", "name", "id")
    serializer_class = s.FlowStatusSerializer
    input_serializer_classes = {
        "create": s.FlowStatusCreateSerializer,
        "partial_update": s.FlowStatusUpdateSerializer,
    }
    filterset_class = FlowStatusFilterSet
    lookup_url_kwarg = "flow_status_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS

    def perform_create(self, data):
        return services.flow_status_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.flow_status_update(flow_status=instance, **data)

    def perform_destroy(self, instance):
        services.flow_status_delete(flow_status=instance)


# --- Production goals ---


@extend_schema_view(
    list=extend_schema(
        description="Goals at the locations the caller may access, by date, then provider."
    ),
    create=extend_schema(
        description="One goal per provider, location and date: a second is a 422 on "
        "`goal_date` (PUT `/upsert` creates or changes). Admins only."
    ),
    partial_update=extend_schema(
        description="Changes `goal_amount`; `base_version` is optional (checked when sent). "
        "Admins only."
    ),
    destroy=extend_schema(description="Deletes the goal for good."),
)
class ProductionGoalViewSet(OrgModelViewSet):
    """A provider's daily production targets are org configuration: admins write, every
    member reads the goals at the locations they may access."""

    queryset = ProductionGoal.objects.select_related("provider", "location").order_by(
        "goal_date", "provider__last_name", "provider__first_name", "provider_id",
        "location__name", "id",
    )  # fmt: skip
    serializer_class = s.ProductionGoalSerializer
    input_serializer_classes = {
        "create": s.ProductionGoalCreateSerializer,
        "upsert": s.ProductionGoalUpsertSerializer,
        "partial_update": s.ProductionGoalUpdateSerializer,
    }
    filterset_class = ProductionGoalFilterSet
    lookup_url_kwarg = "goal_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS
    # The kit's resources update by PATCH and take no PUT; /upsert is the one PUT here.
    http_method_names = [*OrgModelViewSet.http_method_names, "put"]

    def perform_create(self, data):
        return services.production_goal_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.production_goal_update(goal=instance, **data)

    def perform_destroy(self, instance):
        services.production_goal_delete(goal=instance)

    @extend_schema(
        summary="Upsert production goal",
        description="Sets the goal of (provider, location, goal_date): changes its amount "
        "if it exists (200), else creates it (201). Concurrent upserts of one day leave "
        "one goal. Admins only.",
        request=s.ProductionGoalUpsertSerializer,
        responses={200: s.ProductionGoalSerializer, 201: s.ProductionGoalSerializer},
    )
    @action(detail=False, methods=["put"], url_path="upsert")
    def upsert(self, request, *args, **kwargs):
        goal, created = services.production_goal_upsert(
            org=self.access.org, **self.validated_input()
        )
        return self.respond(goal, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
