"""The ASAP list: entries (list, get, create, PATCH, DELETE) and bulk removal."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.response import Response

from scheduling.api.views import OrgModelViewSet
from scheduling.models import Location
from waitlist import serializers as s
from waitlist.filters import WaitlistEntryFilterSet
from waitlist.models import WaitlistEntry
from waitlist.services import (
    entries_bulk_remove,
    entry_create,
    entry_remove,
    entry_update,
    with_score,
)

TAGS = ("Waitlist",)


#: An entry as every answer shows it (its references loaded, its extra locations by name).
ENTRIES = WaitlistEntry.objects.select_related(
    "patient", "location", "provider", "appointment_type", "appointment", "recall", "priority"
).prefetch_related(
    Prefetch("additional_locations", queryset=Location.objects.order_by("name", "id"))
)


@extend_schema_view(
    list=extend_schema(
        summary="List ASAP entries",
        description="The active entries (waiting, contacted, offered) unless `status` names "
        "others, newest first unless `sort_by`/`sort_dir` say otherwise (ties by id). With "
        "`location_uuid` the list is what that location may serve: its own entries and, "
        "unless `include_cross_location=false`, `any` entries and `selected` entries "
        "naming it. `days_waiting` and `patient_score` are computed when read (README, "
        "ASAP list).",
    ),
    retrieve=extend_schema(summary="Get ASAP entry detail"),
    create=extend_schema(
        summary="Create ASAP entry",
        description="One active entry per patient, location and appointment type (409 "
        "`DUPLICATE_ENTRY`). Unknown ids: 404; bad values and crossed ranges: 422.",
    ),
    partial_update=extend_schema(
        summary="Update ASAP entry",
        description="Changes the fields given (null: unchanged); `base_version` is "
        "optional and checked when sent (stale: 409). `status` moves by hand only from an "
        "active status to removed, or from contacted/offered back to waiting (else 409 "
        "`INVALID_TRANSITION`).",
    ),
    destroy=extend_schema(
        summary="Remove ASAP entry",
        description="Sets the entry `removed` (kept: listed only when `status` names "
        "removed). Removing a removed entry is a no-op; a scheduled or expired one is a "
        "409 `INVALID_TRANSITION`.",
    ),
)
class WaitlistEntryViewSet(OrgModelViewSet):
    """ASAP entries are patient data: staff and admins write, every member reads; the
    home location decides who sees an entry."""

    queryset = ENTRIES
    serializer_class = s.WaitlistEntrySerializer
    input_serializer_classes = {
        "create": s.WaitlistEntryCreateSerializer,
        "partial_update": s.WaitlistEntryUpdateSerializer,
        "bulk_remove": s.BulkRemoveSerializer,
    }
    filterset_class = WaitlistEntryFilterSet
    lookup_url_kwarg = "entry_uuid"
    schema_tags = TAGS

    def get_queryset(self):
        return with_score(super().get_queryset(), org=self.access.org)

    def perform_create(self, data):
        return entry_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return entry_update(entry=instance, **data)

    def perform_destroy(self, instance):
        entry_remove(entry=instance)

    @extend_schema(
        summary="Bulk remove ASAP entries",
        description="Sets `removed` on the active entries among `entry_uuids` and answers "
        "how many changed (already removed, scheduled or expired ones are left as they "
        "are). Any id that names no entry of the org is a 404 naming it, and nothing "
        "changes.",
        request=s.BulkRemoveSerializer,
        responses={200: s.BulkRemoveResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk-remove")
    def bulk_remove(self, request, *args, **kwargs):
        data = self.validated_input()
        count = entries_bulk_remove(org=self.access.org, entries=data["entry_uuids"])
        return Response({"removed_count": count})
