"""The Schedule section's provider schedules (templates, overrides, their resolution) and
day notes."""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import UUID_PATTERN, OrgModelViewSet, OrgScopedMixin
from scheduling.exceptions import NotFound
from scheduling.models import (
    FlowStatus,
    Patient,
    PatientPreference,
    ProductionGoal,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    Role,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
)
from scheduling.schedule import serializers as s
from scheduling.schedule import services
from scheduling.schedule.filters import (
    FlowStatusFilterSet,
    PatientPreferenceFilterSet,
    ProductionGoalFilterSet,
    SavedSearchFilterSet,
    ScheduleNoteFilterSet,
    ScheduleOverrideFilterSet,
    ScheduleTemplateFilterSet,
    ScheduleViewFilterSet,
)
from scheduling.schedule.resolution import ProviderDay, provider_days
from scheduling.schedule.view_layouts import PRESET_TEMPLATES, ScheduleViewTemplatesSerializer

TAGS = ("Schedule",)
SCHEDULE_409 = {409: s.ScheduleConflictErrorSerializer}
RELATED = ("provider", "location", "operatory")


@extend_schema_view(
    list=extend_schema(summary="List provider schedule templates"),
    retrieve=extend_schema(summary="Get provider schedule template"),
    create=extend_schema(
        summary="Create provider schedule template",
        description="A provider works at a location every `day_of_week` (0 = Monday) from "
        "`start_time` to `end_time` (local wall times), optionally in one operatory, from "
        "`effective_from` to `effective_to` (inclusive; none: open-ended). A lunch break is "
        "two templates. 409 `SCHEDULE_OVERLAP` when the provider would be scheduled twice "
        "at once, at this or another location (checked over its next 53 weeks).",
        responses={201: s.ScheduleTemplateSerializer, **SCHEDULE_409},
    ),
    partial_update=extend_schema(
        summary="Update provider schedule template",
        responses={200: s.ScheduleTemplateSerializer, **SCHEDULE_409},
    ),
    destroy=extend_schema(summary="Delete provider schedule template"),
)
class ScheduleTemplateViewSet(OrgModelViewSet):
    queryset = ProviderScheduleTemplate.objects.select_related(*RELATED).order_by(
        "provider__last_name", "provider__first_name", "provider_id", "day_of_week",
        "start_time", "id",
    )  # fmt: skip
    serializer_class = s.ScheduleTemplateSerializer
    input_serializer_classes = {
        "create": s.ScheduleTemplateCreateSerializer,
        "partial_update": s.ScheduleTemplateUpdateSerializer,
    }
    filterset_class = ScheduleTemplateFilterSet
    lookup_url_kwarg = "template_uuid"
    schema_tags = TAGS

    def perform_create(self, data):
        return services.template_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.template_update(template=instance, **data)

    def perform_destroy(self, instance):
        services.template_delete(template=instance)


@extend_schema_view(
    list=extend_schema(summary="List provider schedule overrides"),
    retrieve=extend_schema(summary="Get provider schedule override"),
    create=extend_schema(
        summary="Create provider schedule override",
        description="Replaces the provider's templates at the location on `override_date`: "
        "`is_unavailable` (no time that day there), else one range (several overrides of a "
        "date give several ranges). A wall time that does not exist that day (the "
        "spring-forward gap) is a 422; 409 `SCHEDULE_OVERLAP` when the provider would be "
        "scheduled twice at once.",
        responses={201: s.ScheduleOverrideSerializer, **SCHEDULE_409},
    ),
    partial_update=extend_schema(
        summary="Update provider schedule override",
        responses={200: s.ScheduleOverrideSerializer, **SCHEDULE_409},
    ),
    destroy=extend_schema(
        summary="Delete provider schedule override",
        description="The date's templates at the location apply again when it was the "
        "date's last override there (409 `SCHEDULE_OVERLAP` if they would now overlap the "
        "provider's time elsewhere).",
        responses={204: None, **SCHEDULE_409},
    ),
)
class ScheduleOverrideViewSet(OrgModelViewSet):
    queryset = ProviderScheduleOverride.objects.select_related(*RELATED).order_by(
        "override_date", "provider__last_name", "provider__first_name", "provider_id",
        "start_time", "id",
    )  # fmt: skip
    serializer_class = s.ScheduleOverrideSerializer
    input_serializer_classes = {
        "create": s.ScheduleOverrideCreateSerializer,
        "partial_update": s.ScheduleOverrideUpdateSerializer,
    }
    filterset_class = ScheduleOverrideFilterSet
    lookup_url_kwarg = "override_uuid"
    schema_tags = TAGS

    def perform_create(self, data):
        return services.override_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.override_update(override=instance, **data)

    def perform_destroy(self, instance):
        services.override_delete(override=instance)


class ProviderScheduleViewSet(OrgScopedMixin, viewsets.GenericViewSet):
    """A provider's resolved day, and every provider's day at a location."""

    query_serializer_classes = {
        "provider_availability": s.ProviderDayQuery,
        "daily_providers": s.LocationDayQuery,
    }
    schema_tags = TAGS

    @extend_schema(
        summary="Get provider availability for a date",
        description="The provider's time at the location that date: the date's overrides "
        "there if any (`is_override`), else the weekly templates in effect. Each range has "
        "local wall times and UTC instants (right on 23- and 25-hour days).",
        parameters=[s.ProviderDayQuery],
        responses={200: s.ProviderAvailabilitySerializer},
    )
    @action(detail=False, methods=["get"], url_path="provider-availability")
    def provider_availability(self, request, *args, **kwargs):
        query = self.validated_query()
        provider, location, day = query["provider"], query["location"], query["date"]
        self.access.check_location(location.pk)
        found = provider_days(
            self.access.org.pk, day, day, provider_ids=[provider.pk], location_ids=[location.pk]
        )
        resolved = found[0] if found else ProviderDay(provider, location, day)
        return Response(s.ProviderAvailabilitySerializer(resolved).data)

    @extend_schema(
        summary="Get all provider schedules for a date",
        description="Every provider with time at the location that date (templates or "
        "overrides; a provider whose override makes them unavailable is listed with no "
        "ranges and `is_override`), by name.",
        parameters=[s.LocationDayQuery],
        responses={200: s.DailyProvidersSerializer},
    )
    @action(detail=False, methods=["get"], url_path="daily-providers")
    def daily_providers(self, request, *args, **kwargs):
        query = self.validated_query()
        location, day = query["location"], query["date"]
        self.access.check_location(location.pk)
        found = provider_days(self.access.org.pk, day, day, location_ids=[location.pk])
        body = {"date": day, "location": location, "providers": found}
        return Response(s.DailyProvidersSerializer(body).data)


@extend_schema_view(
    list=extend_schema(summary="List schedule notes"),
    retrieve=extend_schema(summary="Get schedule note"),
    create=extend_schema(
        summary="Create schedule note",
        description="One note per location and date: a second is a 409 `DUPLICATE_NOTE`.",
    ),
    partial_update=extend_schema(summary="Update schedule note"),
    destroy=extend_schema(summary="Delete schedule note"),
)
class ScheduleNoteViewSet(OrgModelViewSet):
    queryset = ScheduleNote.objects.select_related("location").order_by(
        "note_date", "location__name", "id"
    )
    serializer_class = s.ScheduleNoteSerializer
    input_serializer_classes = {
        "create": s.ScheduleNoteCreateSerializer,
        "partial_update": s.ScheduleNoteUpdateSerializer,
    }
    filterset_class = ScheduleNoteFilterSet
    lookup_url_kwarg = "note_uuid"
    schema_tags = TAGS

    def perform_create(self, data):
        return services.note_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.note_update(instance, **data)

    def perform_destroy(self, instance):
        services.note_delete(instance)


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


# --- Saved searches ---


@extend_schema_view(
    list=extend_schema(
        description="The caller's own saved searches (never another user's, whatever the "
        "role), by name; `search_type` filters."
    ),
    retrieve=extend_schema(description="Another user's saved search is a 404."),
    create=extend_schema(
        description="Saved for the caller (no user is accepted). `search_type` defaults to "
        "`find_free_time`; `criteria` is any JSON object (at most 16 KB), kept as given. "
        "`is_default: true` unsets the caller's previous default of the same type. Every "
        "member may save searches, viewers too: they are personal settings."
    ),
    partial_update=extend_schema(
        description="Only the caller's own (another user's: 404). `is_default: true` (or a "
        "default moved to another `search_type`) unsets the caller's previous default of "
        "that type; `criteria` replaces the saved criteria."
    ),
    destroy=extend_schema(description="Deletes the caller's saved search for good."),
)
class SavedSearchViewSet(OrgModelViewSet):
    """A user's saved searches: personal settings, so every member (viewers too) manages
    their own, and nobody, admins included, sees another's."""

    queryset = SavedSearch.objects.order_by("name", "id")
    serializer_class = s.SavedSearchSerializer
    input_serializer_classes = {
        "create": s.SavedSearchCreateSerializer,
        "partial_update": s.SavedSearchUpdateSerializer,
    }
    filterset_class = SavedSearchFilterSet
    lookup_url_kwarg = "search_uuid"
    write_role = Role.VIEWER
    schema_tags = TAGS

    def get_queryset(self):
        """The caller's own, in the org: "current user" scoping (CONVENTIONS)."""
        return super().get_queryset().filter(user=self.request.user)

    def perform_create(self, data):
        return services.saved_search_create(org=self.access.org, user=self.request.user, **data)

    def perform_update(self, instance, data):
        return services.saved_search_update(search=instance, **data)

    def perform_destroy(self, instance):
        services.saved_search_delete(search=instance)


# --- Patient preferences ---


@extend_schema_view(
    list=extend_schema(
        description="Every patient's scheduling preference, by creation (`patient_uuid` "
        "filters; unknown: 404)."
    ),
    create=extend_schema(
        description="One preference per patient: a second is a 409 `DUPLICATE_PREFERENCE`. "
        "`preferred_days` are 0 = Monday … 6 = Sunday, each once; the time window may be "
        "open on one side, and with both ends the start comes first. A provider or "
        "operatory named must be active (422). `learned_from_history` defaults to false. "
        "Staff and admins write; viewers read."
    ),
    partial_update=extend_schema(
        description="Changes the fields given (null: unchanged); the patient does not change. "
        "A person's change makes the preference theirs: `learned_from_history` becomes "
        "false unless sent. To clear fields, PUT the preference by patient."
    ),
    destroy=extend_schema(description="Deletes the preference for good."),
)
class PatientPreferenceViewSet(OrgModelViewSet):
    """Patients' scheduling preferences: patient data the front desk keeps (staff write,
    viewers read), org-wide like patients."""

    queryset = PatientPreference.objects.select_related(
        "patient", "preferred_provider", "preferred_operatory"
    ).order_by("id")
    serializer_class = s.PatientPreferenceSerializer
    input_serializer_classes = {
        "create": s.PatientPreferenceCreateSerializer,
        "partial_update": s.PatientPreferenceUpdateSerializer,
        "by_patient_upsert": s.PatientPreferenceUpsertSerializer,
    }
    filterset_class = PatientPreferenceFilterSet
    lookup_url_kwarg = "preference_uuid"
    #: The by-patient routes name a patient, read like a nested resource's parent (so the
    #: shared tests build and check them as such): in the org, else 404.
    parent_queryset = Patient.objects.all()
    parent_lookup_url_kwarg = "patient_uuid"
    schema_tags = TAGS
    # The kit's resources update by PATCH and take no PUT; by-patient is the one PUT here.
    http_method_names = [*OrgModelViewSet.http_method_names, "put"]

    def get_patient(self) -> Patient:
        queryset = self.parent_queryset.restrict(self.access)
        patient = queryset.filter(uuid=self.kwargs[self.parent_lookup_url_kwarg]).first()
        if patient is None:
            raise NotFound("Patient not found.")
        return patient

    def perform_create(self, data):
        return services.patient_preference_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return services.patient_preference_update(preference=instance, **data)

    def perform_destroy(self, instance):
        services.patient_preference_delete(preference=instance)

    @extend_schema(
        summary="Get scheduling preference for a patient",
        description="The patient's preference, or `null` (200) when none was entered or "
        "learned; an unknown patient is a 404.",
        responses={200: s.PatientPreferenceSerializer(allow_null=True)},
    )
    @action(detail=False, methods=["get"], url_path=rf"by-patient/(?P<patient_uuid>{UUID_PATTERN})")
    def by_patient(self, request, *args, **kwargs):
        preference = self.get_queryset().filter(patient=self.get_patient()).first()
        if preference is None:
            # DRF renders None as an empty body; the reference answers JSON null.
            return JsonResponse(None, safe=False)
        return Response(self.get_serializer(preference).data)

    @extend_schema(
        summary="Upsert scheduling preference for a patient",
        description="Sets the patient's whole preference (fields left out or null are "
        "cleared; `learned_from_history` defaults to false). None yet: created (201), "
        "without `base_version` (sent: 409, the preference read is gone). One exists: "
        "`base_version` is required (422) and checked (stale: 409); 200. Of two first PUTs "
        "at once one creates, the other is a 409 `DUPLICATE_PREFERENCE`.",
        request=s.PatientPreferenceUpsertSerializer,
        responses={200: s.PatientPreferenceSerializer, 201: s.PatientPreferenceSerializer},
    )
    @by_patient.mapping.put
    def by_patient_upsert(self, request, *args, **kwargs):
        preference, created = services.patient_preference_upsert(
            org=self.access.org, patient=self.get_patient(), **self.validated_input()
        )
        return self.respond(preference, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
