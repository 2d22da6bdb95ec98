"""The Schedule section's provider schedules (templates, overrides, their resolution) and
day notes.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import OrgModelViewSet, OrgScopedMixin
from scheduling.models import ProviderScheduleOverride, ProviderScheduleTemplate, ScheduleNote
from scheduling.schedule import serializers as s
from scheduling.schedule import services
from scheduling.schedule.filters import (
    ScheduleNoteFilterSet,
    ScheduleOverrideFilterSet,
    ScheduleTemplateFilterSet,
)
from scheduling.schedule.resolution import ProviderDay, provider_days

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
