"""The Recalls section's configuration: recall types and the procedure codes that trigger them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from recalls.filters import RecallTriggerFilterSet, RecallTypeFilterSet
from recalls.models import RecallTrigger, RecallType
from recalls.serializers import (
    RecallTriggerCreateSerializer,
    RecallTriggerSerializer,
    RecallTypeCreateSerializer,
    RecallTypeSerializer,
    RecallTypeUpdateSerializer,
)
from recalls.services import (
    recall_trigger_create,
    recall_trigger_delete,
    recall_type_create,
    recall_type_delete,
    recall_type_update,
)
from scheduling.api.views import CreateMixin, DestroyMixin, OrgModelViewSet, OrgViewSet
from scheduling.models import Role

TAGS = ("Recalls",)


@extend_schema_view(
    list=extend_schema(summary="List recall types", description="By item_order, then name."),
    retrieve=extend_schema(summary="Get recall type"),
    create=extend_schema(
        summary="Create recall type",
        description="Names are unique among the org's recall types, case aside (409 "
        "`DUPLICATE_NAME`). Without `default_interval` the type recalls every 6 months.",
    ),
    partial_update=extend_schema(summary="Update recall type"),
    destroy=extend_schema(
        summary="Delete recall type",
        description="Irreversible: the type and its triggers are gone. A type that patient "
        "recalls use (open or completed) cannot be deleted (409 `RECALL_TYPE_IN_USE`); "
        "PATCH `is_active: false` to retire it instead.",
    ),
)
class RecallTypeViewSet(OrgModelViewSet):
    """Recall types are org configuration: everyone reads, only admins write."""

    queryset = RecallType.objects.select_related("appointment_type")
    serializer_class = RecallTypeSerializer
    input_serializer_classes = {
        "create": RecallTypeCreateSerializer,
        "partial_update": RecallTypeUpdateSerializer,
    }
    filterset_class = RecallTypeFilterSet
    lookup_url_kwarg = "recall_type_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS

    def perform_create(self, data):
        return recall_type_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return recall_type_update(recall_type=instance, **data)

    def perform_destroy(self, instance):
        recall_type_delete(recall_type=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List recall triggers",
        description="The triggers of one recall type (`recall_type_uuid`, required; "
        "unknown: 404), by procedure code.",
    ),
    create=extend_schema(
        summary="Create recall trigger",
        description="Completing the procedure code starts a cycle of the recall type. A "
        "pair that exists already is a 409 `DUPLICATE_TRIGGER`.",
    ),
    destroy=extend_schema(summary="Delete recall trigger", description="Irreversible."),
)
class RecallTriggerViewSet(mixins.ListModelMixin, CreateMixin, DestroyMixin, OrgViewSet):
    """Triggers are org configuration: everyone reads, only admins write."""

    queryset = RecallTrigger.objects.select_related("recall_type", "procedure_code").order_by(
        "procedure_code__code", "id"
    )
    serializer_class = RecallTriggerSerializer
    input_serializer_classes = {"create": RecallTriggerCreateSerializer}
    filterset_class = RecallTriggerFilterSet
    lookup_url_kwarg = "trigger_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS

    def perform_create(self, data):
        return recall_trigger_create(org=self.access.org, **data)

    def perform_destroy(self, instance):
        recall_trigger_delete(trigger=instance)
