"""The Recalls section: recall types and the procedure codes that trigger them (org
configuration), and each patient's recall cycles, with the list of whom to call."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action

from recalls import selectors
from recalls import serializers as s
from recalls.filters import PatientRecallFilterSet, RecallTriggerFilterSet, RecallTypeFilterSet
from recalls.models import PatientRecall, RecallTrigger, RecallType
from recalls.serializers import (
    RecallTriggerCreateSerializer,
    RecallTriggerSerializer,
    RecallTypeCreateSerializer,
    RecallTypeSerializer,
    RecallTypeUpdateSerializer,
)
from recalls.services import (
    patient_recall_create,
    patient_recall_update,
    recall_trigger_create,
    recall_trigger_delete,
    recall_type_create,
    recall_type_delete,
    recall_type_update,
)
from scheduling.api.views import (
    CreateMixin,
    DestroyMixin,
    OrgModelViewSet,
    OrgViewSet,
    PartialUpdateMixin,
)
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


# --- Patient recalls ---


TAGS = ("Recalls",)


@extend_schema_view(
    list=extend_schema(
        description="The org's patient recalls by due date (no due date last), with their "
        "status as of the practice's today; `patient_uuid` and `recall_type_uuid` filter "
        "(unknown: 404), `status` too (due, scheduled, completed or overdue; else 422)."
    ),
    retrieve=extend_schema(description="One recall cycle of a patient, with its status."),
    create=extend_schema(
        description="Opens a recall cycle for a patient. One open cycle per patient and "
        "type: a second is a 409 `DUPLICATE_RECALL`. An inactive patient or type is a 422. "
        "`date_due` defaults to today (a recall with no history is due now); `interval` "
        "is the patient's own (at least one positive unit; left out: the type's default). "
        "Staff and admins write; viewers read."
    ),
    partial_update=extend_schema(
        description="Changes the fields given (null: unchanged) under `base_version` "
        "(stale: 409). `interval: {}` goes back to the type's default. `status` takes only "
        "`completed`, which closes the cycle for good; due, overdue and scheduled are "
        "derived (422). A disabled recall is never overdue nor on the due list."
    ),
)
class PatientRecallViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    PartialUpdateMixin,
    OrgViewSet,
):
    """Patients' recall cycles: patient data the front desk keeps (staff write, viewers
    read), org-wide like patients. No DELETE: a cycle is closed, not erased."""

    queryset = PatientRecall.objects.all()
    serializer_class = s.PatientRecallSerializer
    input_serializer_classes = {
        "create": s.PatientRecallCreateSerializer,
        "partial_update": s.PatientRecallUpdateSerializer,
    }
    query_serializer_classes = {"due": s.DueRecallsQuery}
    paged_actions = frozenset({"list", "due"})
    filterset_class = PatientRecallFilterSet
    lookup_url_kwarg = "recall_uuid"
    http_method_names = ["get", "post", "patch", "head", "options"]
    schema_tags = TAGS

    def get_queryset(self):
        return selectors.with_status(super().get_queryset(), org=self.access.org)

    def perform_create(self, data):
        return patient_recall_create(org=self.access.org, **data)

    def perform_update(self, instance, data):
        return patient_recall_update(recall=instance, **data)

    @extend_schema(
        summary="List due patient recalls",
        description="The patients to call: open, enabled recalls due on or before `due_on` "
        "(default: the practice's today), most overdue first (then by creation). Recalls "
        "with an appointment booked are left out unless `include_scheduled=true`; "
        "`location_uuid` keeps patients whose last completed visit was at that location.",
        parameters=[s.DueRecallsQuery],
        filters=False,
        responses={200: s.PatientRecallSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def due(self, request, *args, **kwargs):
        query = self.validated_query()
        queryset = selectors.due_patient_recalls(
            self.get_queryset(),
            org=self.access.org,
            due_on=query.get("due_on") or self.access.org.local_today(),
            include_scheduled=query["include_scheduled"],
            location=query.get("location"),
        )
        return self.page(queryset)
