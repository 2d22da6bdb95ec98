"""The Blockouts section: types, blockouts (with copy and repeat), templates and their items."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from blockouts.filters import BlockoutFilterSet, BlockoutTemplateFilterSet, BlockoutTypeFilterSet
from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from blockouts.serializers import (
    BlockoutBatchResultSerializer,
    BlockoutConflictErrorSerializer,
    BlockoutCopyDaySerializer,
    BlockoutCopyWeekSerializer,
    BlockoutCreateSerializer,
    BlockoutRepeatWeeksSerializer,
    BlockoutsCreatedSerializer,
    BlockoutSerializer,
    BlockoutTemplateApplySerializer,
    BlockoutTemplateCreateSerializer,
    BlockoutTemplateItemCreateSerializer,
    BlockoutTemplateItemSerializer,
    BlockoutTemplateSerializer,
    BlockoutTemplateUpdateSerializer,
    BlockoutTypeCreateSerializer,
    BlockoutTypeSerializer,
    BlockoutTypeUpdateSerializer,
    BlockoutUpdateSerializer,
)
from blockouts.services import (
    BlockoutBatch,
    blockout_delete,
    blockout_template_apply,
    blockout_template_create,
    blockout_template_delete,
    blockout_template_item_add,
    blockout_template_item_remove,
    blockout_template_update,
    blockout_type_create,
    blockout_type_delete,
    blockout_type_update,
    blockout_update,
    blockouts_copy_day,
    blockouts_copy_week,
    blockouts_create,
    blockouts_repeat_weeks,
)
from scheduling.api.views import (
    CreateMixin,
    DestroyMixin,
    NestedOrgViewSet,
    OrgModelViewSet,
    OrgViewSet,
    PartialUpdateMixin,
)
from scheduling.models import Role

TAGS = ("Blockouts",)


def batch_result(batch: BlockoutBatch) -> Response:
    return Response(BlockoutBatchResultSerializer(batch).data)


@extend_schema_view(
    list=extend_schema(summary="List blockout types"),
    retrieve=extend_schema(summary="Get blockout type"),
    create=extend_schema(summary="Create blockout type"),
    partial_update=extend_schema(summary="Update blockout type"),
    destroy=extend_schema(
        summary="Delete blockout type",
        description="Irreversible: the type is gone (404, in no list whatever the filters) "
        "and cannot be restored. Blockouts and template items that used it stay and keep "
        "showing its name. To retire a type reversibly, PATCH `status: inactive`.",
    ),
)
class BlockoutTypeViewSet(OrgModelViewSet):
    """Blockout types are org configuration: everyone reads, only admins write."""

    queryset = BlockoutType.objects.all()
    serializer_class = BlockoutTypeSerializer
    input_serializer_classes = {
        "create": BlockoutTypeCreateSerializer,
        "partial_update": BlockoutTypeUpdateSerializer,
    }
    filterset_class = BlockoutTypeFilterSet
    lookup_url_kwarg = "blockout_type_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS

    def perform_create(self, data):
        return blockout_type_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return blockout_type_update(blockout_type=instance, **data)

    def perform_destroy(self, instance):
        blockout_type_delete(blockout_type=instance)


@extend_schema_view(
    list=extend_schema(summary="List blockouts"),
    retrieve=extend_schema(summary="Get blockout"),
    partial_update=extend_schema(
        summary="Update blockout",
        responses={200: BlockoutSerializer, 409: BlockoutConflictErrorSerializer},
    ),
    destroy=extend_schema(
        summary="Delete blockout",
        description="Deletes this blockout only; the rest of its repeat group stays.",
    ),
)
class BlockoutViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PartialUpdateMixin,
    DestroyMixin,
    OrgViewSet,
):
    """Blockouts at the caller's locations; staff write them."""

    queryset = Blockout.objects.select_related("location", "operatory", "blockout_type")
    serializer_class = BlockoutSerializer
    input_serializer_classes = {
        "create": BlockoutCreateSerializer,
        "partial_update": BlockoutUpdateSerializer,
        "copy_day": BlockoutCopyDaySerializer,
        "copy_week": BlockoutCopyWeekSerializer,
        "repeat_weeks": BlockoutRepeatWeeksSerializer,
    }
    filterset_class = BlockoutFilterSet
    lookup_url_kwarg = "blockout_uuid"
    schema_tags = TAGS

    @extend_schema(
        summary="Create blockout",
        description="One blockout per operatory in `operatory_uuids`, or one for the whole "
        "location. A blockout identical to an active one (type, times, operatory) is "
        "skipped with a warning.",
        responses={201: BlockoutsCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        batch = blockouts_create(org=self.access.org, **self.validated_input())
        created = self.get_queryset().filter(pk__in=[b.pk for b in batch.created])
        body = {"items": created, "warnings": batch.warnings}
        return Response(
            BlockoutsCreatedSerializer(body, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def perform_update(self, instance, data):
        return blockout_update(blockout=instance, **data)

    def perform_destroy(self, instance):
        blockout_delete(blockout=instance)

    @extend_schema(
        summary="Copy blockouts for a day",
        description="Copies the day's active blockouts whose type is not do-not-copy. "
        "A target day holding a holiday blockout is skipped with a warning.",
        responses=BlockoutBatchResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="copy-day")
    def copy_day(self, request, *args, **kwargs):
        return batch_result(blockouts_copy_day(org=self.access.org, **self.validated_input()))

    @extend_schema(
        summary="Copy blockouts for a week",
        description="Both dates must be Mondays (else 422). Each day is copied as copy-day "
        "does; wall times are kept across daylight-saving changes.",
        responses=BlockoutBatchResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="copy-week")
    def copy_week(self, request, *args, **kwargs):
        return batch_result(blockouts_copy_week(org=self.access.org, **self.validated_input()))

    @extend_schema(
        summary="Repeat blockout week pattern",
        description="Copies the source week onto each of the next `num_weeks` weeks (1–52). "
        "Each copy shares `blockout_group_uuid` with its source.",
        responses=BlockoutBatchResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="repeat-weeks")
    def repeat_weeks(self, request, *args, **kwargs):
        return batch_result(blockouts_repeat_weeks(org=self.access.org, **self.validated_input()))


@extend_schema_view(
    list=extend_schema(summary="List block schedule templates"),
    retrieve=extend_schema(summary="Get block schedule template"),
    create=extend_schema(summary="Create block schedule template"),
    partial_update=extend_schema(summary="Update block schedule template"),
    destroy=extend_schema(
        summary="Delete block schedule template",
        description="Deletes the template and its items; blockouts it made stay.",
    ),
)
class BlockoutTemplateViewSet(OrgModelViewSet):
    """Templates are org configuration (admins write); staff apply them."""

    queryset = BlockoutTemplate.objects.select_related("location")
    serializer_class = BlockoutTemplateSerializer
    input_serializer_classes = {
        "create": BlockoutTemplateCreateSerializer,
        "partial_update": BlockoutTemplateUpdateSerializer,
        "apply": BlockoutTemplateApplySerializer,
    }
    filterset_class = BlockoutTemplateFilterSet
    lookup_url_kwarg = "template_uuid"
    write_role = Role.ADMIN
    action_roles = {"apply": Role.STAFF}
    schema_tags = TAGS

    def perform_create(self, data):
        return blockout_template_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return blockout_template_update(template=instance, **data)

    def perform_destroy(self, instance):
        blockout_template_delete(template=instance)

    @extend_schema(
        summary="Apply block schedule template to a date",
        description="Creates the template's blockouts on `target_date` at the location. "
        "Duplicates, items at another location's operatory and wall times that do not exist "
        "on the date are skipped with a warning.",
        responses=BlockoutBatchResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        template = self.get_object()
        return batch_result(blockout_template_apply(template=template, **self.validated_input()))


TEMPLATE_UUID = OpenApiParameter(
    "template_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The template."
)


@extend_schema_view(
    list=extend_schema(summary="List block schedule template items", parameters=[TEMPLATE_UUID]),
    create=extend_schema(summary="Add item to block schedule template", parameters=[TEMPLATE_UUID]),
    destroy=extend_schema(
        summary="Remove item from block schedule template", parameters=[TEMPLATE_UUID]
    ),
)
class BlockoutTemplateItemViewSet(
    mixins.ListModelMixin, CreateMixin, DestroyMixin, NestedOrgViewSet
):
    """The items of one template, which must be visible to the caller (else 404)."""

    parent_queryset = BlockoutTemplate.objects.select_related("location")
    parent_lookup_url_kwarg = "template_uuid"
    parent_field = "template"
    queryset = BlockoutTemplateItem.objects.select_related("blockout_type", "operatory")
    serializer_class = BlockoutTemplateItemSerializer
    input_serializer_classes = {"create": BlockoutTemplateItemCreateSerializer}
    lookup_url_kwarg = "item_uuid"
    write_role = Role.ADMIN
    schema_tags = TAGS

    def perform_create(self, data):
        return blockout_template_item_add(template=self.get_parent(), **data)

    def perform_destroy(self, instance):
        blockout_template_item_remove(item=instance)
