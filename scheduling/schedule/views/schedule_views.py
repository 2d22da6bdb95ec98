"""Schedule views: calendar layouts, each user's default and shortcuts."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import OrgModelViewSet
from scheduling.models import Role, ScheduleView
from scheduling.schedule import serializers as s
from scheduling.schedule import services
from scheduling.schedule.filters import ScheduleViewFilterSet
from scheduling.schedule.view_layouts import PRESET_TEMPLATES, ScheduleViewTemplatesSerializer
from scheduling.schedule.views.provider_schedules import TAGS

# --- Schedule views ----------------------------------------------------------------------


class SharedViewPermission(permissions.BasePermission):
    """Changing or deleting a shared view is org configuration (admins); a personal view is
    its owner's. Judged on the object, before the body is read, like every role check."""

    message = "Only an admin may change or delete a shared view."

    def has_object_permission(self, request, view, obj) -> bool:
        if view.action not in ("partial_update", "destroy"):
            return True
        return services.may_change_view(view.access, obj)


VIEW_ROLES = (
    "Personal views are their owner's alone (another user's is a 404). Shared views are "
    "seen by every member who may see their location; only admins create, change or "
    "delete them (staff: 403)."
)
CALLERS_CHOICE = (
    "`is_default` and `keyboard_shortcut` are the caller's own choices, not the view's."
)


@extend_schema_view(
    list=extend_schema(
        summary="List schedule views",
        description="The views the caller sees (their personal ones and the shared ones), "
        f"by name; `location_uuid` limits them to one location. {CALLERS_CHOICE}",
    ),
    retrieve=extend_schema(summary="Get schedule view", description=CALLERS_CHOICE),
    create=extend_schema(
        summary="Create schedule view",
        description="A calendar layout at a location, owned by the caller. Personal by "
        f"default; `visibility: shared` needs an admin. {VIEW_ROLES} Operatories must be "
        "the location's (422); their order is the calendar's columns.",
    ),
    partial_update=extend_schema(
        summary="Update schedule view",
        description=f"Changes what is given (null: unchanged) under `base_version`. "
        f"{VIEW_ROLES} An admin who makes a shared view personal becomes its owner; the "
        "other users' default and shortcut for it are cleared. The location does not change.",
    ),
    destroy=extend_schema(
        summary="Delete schedule view",
        description="For good; every user's default and shortcut for it go with it.",
    ),
)
class ScheduleViewViewSet(OrgModelViewSet):
    """Calendar layouts: the caller's personal views and the practice's shared ones, each
    shown with the caller's own default and shortcut (``services.schedule_views_visible``).
    """

    queryset = ScheduleView.objects.all()  # read through services.schedule_views_visible
    serializer_class = s.ScheduleViewSerializer
    input_serializer_classes = {
        "create": s.ScheduleViewCreateSerializer,
        "partial_update": s.ScheduleViewUpdateSerializer,
    }
    query_serializer_classes = {"set_shortcut": s.ShortcutQuery}
    filterset_class = ScheduleViewFilterSet
    lookup_url_kwarg = "view_uuid"
    # Personal settings: a viewer picks their own default and shortcuts too.
    action_roles = {"set_default": Role.VIEWER, "set_shortcut": Role.VIEWER}
    permission_classes = [*OrgModelViewSet.permission_classes, SharedViewPermission]
    schema_tags = TAGS

    def get_queryset(self):
        return services.schedule_views_visible(self.access)

    def perform_create(self, data):
        return services.schedule_view_create(access=self.access, **data)

    def perform_update(self, instance, data):
        return services.schedule_view_update(access=self.access, view=instance, **data)

    def perform_destroy(self, instance):
        services.schedule_view_delete(access=self.access, view=instance)

    @extend_schema(
        summary="List preset view templates",
        description="The 6 preset templates: card layout, bubble sections and colours. "
        "Apply one by copying its `card_layout`, `bubble_layout` and `color_config` into a "
        "view (create or PATCH).",
        responses={200: ScheduleViewTemplatesSerializer},
    )
    @action(detail=False, methods=["get"], url_path="templates")
    def templates(self, request, *args, **kwargs):
        body = ScheduleViewTemplatesSerializer({"templates": PRESET_TEMPLATES})
        return Response(body.data)

    @extend_schema(
        summary="Set view as default",
        description="The view opens first at its location for the caller; their previous "
        "default there is cleared (one default per user and location, even under "
        "concurrent calls). Any member who sees the view, viewers included: it is the "
        "caller's own setting.",
        request=None,
        responses={200: s.ScheduleViewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="set-default")
    def set_default(self, request, *args, **kwargs):
        view = self.get_object()
        with transaction.atomic():  # the view stays locked until it is read back
            services.schedule_view_set_default(access=self.access, view=view)
            return self.respond(view)

    @extend_schema(
        summary="Set keyboard shortcut",
        description="Ctrl+`shortcut` (1-9) opens the view for the caller at its location; "
        "their view that had that number there loses it, and this view's previous number "
        "is replaced. Any member who sees the view, viewers included.",
        request=None,
        parameters=[s.ShortcutQuery],
        responses={200: s.ScheduleViewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="set-shortcut")
    def set_shortcut(self, request, *args, **kwargs):
        view = self.get_object()
        shortcut = self.validated_query()["shortcut"]
        with transaction.atomic():  # the view stays locked until it is read back
            services.schedule_view_set_shortcut(access=self.access, view=view, shortcut=shortcut)
            return self.respond(view)
