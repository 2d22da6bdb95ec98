"""The sub-resources of one appointment: history, patient flow events, procedures and
providers. Each is a nested resource: the appointment is resolved once, in the org and
the caller's locations (else 404), and its children are read under it only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.response import Response

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentProvider,
    PatientFlowEvent,
)
from appointments.serializers import appointments as s
from appointments.serializers import queries as q
from appointments.serializers import results as r
from appointments.serializers.display import AppointmentDisplayMixin
from appointments.services import details
from scheduling.api.views import CreateMixin, DestroyMixin, NestedOrgViewSet

CONFLICT_409 = {409: r.SchedulingConflictErrorSerializer}


class AppointmentChildViewSet(AppointmentDisplayMixin, NestedOrgViewSet):
    parent_queryset = Appointment.objects.select_related("location")
    parent_lookup_url_kwarg = "appointment_uuid"
    parent_field = "appointment"
    schema_tags = ("Appointments",)

    def respond_appointment(self, appointment: Appointment) -> Response:
        """The parent appointment after the write, as every appointment endpoint shows it."""
        return Response(self.display(appointment))


@extend_schema_view(list=extend_schema(summary="List appointment history"))
class AppointmentHistoryViewSet(mixins.ListModelMixin, AppointmentChildViewSet):
    """Every write to the appointment, newest first: who, when, the action and each changed
    field with its old and new value."""

    queryset = AppointmentHistory.objects.order_by("-created_at", "-id")
    serializer_class = r.HistoryEntrySerializer


@extend_schema_view(list=extend_schema(summary="List patient flow events"))
class PatientFlowEventViewSet(mixins.ListModelMixin, AppointmentChildViewSet):
    """Each patient flow status the patient entered during the appointment, oldest first."""

    queryset = PatientFlowEvent.objects.select_related("flow_status").order_by("changed_at", "id")
    serializer_class = r.FlowEventSerializer


@extend_schema_view(
    list=extend_schema(summary="List appointment procedures"),
    create=extend_schema(
        summary="Add procedure to appointment",
        responses={201: r.AppointmentProcedureSerializer, **CONFLICT_409},
    ),
    destroy=extend_schema(
        summary="Remove procedure from appointment",
        parameters=[q.BaseVersionQuery],
        responses={204: None, **CONFLICT_409},
    ),
)
class AppointmentProcedureViewSet(
    mixins.ListModelMixin, CreateMixin, DestroyMixin, AppointmentChildViewSet
):
    """The procedures planned or done in an appointment. Adding or removing one is a change
    of the appointment: send its `base_version`; its version goes up."""

    queryset = AppointmentProcedure.objects.select_related(
        "appointment__patient", "procedure_code", "provider"
    ).order_by("item_order", "id")
    serializer_class = r.AppointmentProcedureSerializer
    input_serializer_classes = {"create": s.ProcedureInputSerializer}
    query_serializer_classes = {"destroy": q.BaseVersionQuery}
    lookup_url_kwarg = "procedure_uuid"

    def perform_create(self, data):
        return details.procedure_add(appointment=self.get_parent(), actor=self.request.user, **data)

    def perform_destroy(self, instance):
        details.procedure_remove(
            appointment=self.get_parent(),
            actor=self.request.user,
            base_version=self.validated_query()["base_version"],
            procedure=instance,
        )


@extend_schema_view(list=extend_schema(summary="List appointment providers"))
class AppointmentProviderViewSet(mixins.ListModelMixin, AppointmentChildViewSet):
    """The appointment's providers in their order (the first is its provider). PUT replaces
    the list whole, under the appointment's `base_version`, and answers the appointment."""

    queryset = AppointmentProvider.objects.select_related("provider").order_by("item_order", "id")
    serializer_class = r.AppointmentProviderSerializer
    input_serializer_classes = {"replace": s.ProvidersReplaceSerializer}
    http_method_names = ["get", "put", "head", "options"]

    @extend_schema(
        summary="Replace appointment providers",
        request=s.ProvidersReplaceSerializer,
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    def replace(self, request, *args, **kwargs):
        data = self.validated_input()
        appointment = details.providers_replace(
            appointment=self.get_parent(),
            actor=request.user,
            base_version=data["base_version"],
            assignments=[details.ProviderAssignment(**item) for item in data["providers"]],
        )
        return self.respond_appointment(appointment)
