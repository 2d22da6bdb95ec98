"""The appointment itself: CRUD and the status actions, each a thin call into the services.

Collections (cursor, pinboard, counts, checks, bulk) are in ``collections``; the
sub-resources (history, flow events, procedures, providers) in ``details``.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments import selectors
from appointments.filters import AppointmentFilterSet
from appointments.models import Appointment, AppointmentStatus
from appointments.serializers import appointments as s
from appointments.serializers import queries as q
from appointments.serializers import results as r
from appointments.services import appointments as booking
from appointments.services import lifecycle
from scheduling.api.views import OrgViewSet

CONFLICT_409 = {409: r.SchedulingConflictErrorSerializer}


@extend_schema_view(
    list=extend_schema(summary="List appointments"),
    retrieve=extend_schema(summary="Get appointment"),
    create=extend_schema(
        summary="Create appointment", responses={201: s.AppointmentSerializer, **CONFLICT_409}
    ),
    partial_update=extend_schema(
        summary="Update appointment", responses={200: s.AppointmentSerializer, **CONFLICT_409}
    ),
    destroy=extend_schema(
        summary="Delete appointment",
        description="Delete for good (its history stays). Prefer cancel or break.",
    ),
)
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    queryset = Appointment.objects.all()
    serializer_class = s.AppointmentSerializer
    lookup_url_kwarg = "appointment_uuid"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    schema_tags = ("Appointments",)
    input_serializer_classes = {
        "create": s.AppointmentCreateSerializer,
        "partial_update": s.AppointmentUpdateSerializer,
        "move": s.MoveSerializer,
        "place": s.PlaceSerializer,
        "transition": s.TransitionSerializer,
        "cancel": s.CancelSerializer,
        "break_": s.BreakSerializer,
        "pinboard": s.PinboardSerializer,
        "confirmation_status": s.ConfirmationStatusInputSerializer,
        "patient_flow_status": s.FlowStatusInputSerializer,
    }
    query_serializer_classes = {"patient_flow_stats": q.FlowStatsQuery}
    filterset_class = AppointmentFilterSet

    def get_queryset(self):
        return selectors.appointments_for_display(super().get_queryset())

    # --- the appointment ---------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        data = self.validated_input()
        appointment = booking.appointment_create(org=self.access.org, actor=request.user, **data)
        return self.respond(appointment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        appointment = self.get_object()
        data = self.validated_input()
        return self.respond(
            booking.appointment_update(appointment=appointment, actor=request.user, **data)
        )

    def destroy(self, request, *args, **kwargs):
        booking.appointment_delete(appointment=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move appointment", responses={200: s.AppointmentSerializer, **CONFLICT_409}
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self.respond(
            booking.appointment_move(
                appointment=appointment, actor=request.user, **self.validated_input()
            )
        )

    @extend_schema(
        summary="Place appointment from pinboard",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["post"])
    def place(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self.respond(
            lifecycle.appointment_place(
                appointment=appointment, actor=request.user, **self.validated_input()
            )
        )

    @extend_schema(
        summary="Transition appointment status",
        description="planned → scheduled, cancelled; scheduled → complete, broken, cancelled, "
        "unscheduled, pinboard; pinboard → cancelled (scheduled via /place); unscheduled → "
        "scheduled, cancelled; broken → scheduled, unscheduled. Anything else is 409 "
        "INVALID_TRANSITION. Completing completes the procedures.",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        appointment = self.get_object()
        data = self.validated_input()
        data.pop("auto_generate_claim", None)
        return self.respond(
            lifecycle.appointment_transition(appointment=appointment, actor=request.user, **data)
        )

    @extend_schema(
        summary="Cancel appointment", responses={200: s.AppointmentSerializer, **CONFLICT_409}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self.respond(
            lifecycle.appointment_transition(
                appointment=appointment,
                actor=request.user,
                status=AppointmentStatus.CANCELLED,
                **self.validated_input(),
            )
        )

    @extend_schema(
        summary="Break appointment", responses={200: s.AppointmentSerializer, **CONFLICT_409}
    )
    @action(detail=True, methods=["post"], url_path="break")
    def break_(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self.respond(
            lifecycle.appointment_transition(
                appointment=appointment,
                actor=request.user,
                status=AppointmentStatus.BROKEN,
                **self.validated_input(),
            )
        )

    @extend_schema(
        summary="Send appointment to pinboard",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["post"])
    def pinboard(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self.respond(
            lifecycle.appointment_transition(
                appointment=appointment,
                actor=request.user,
                status=AppointmentStatus.PINBOARD,
                **self.validated_input(),
            )
        )

    @extend_schema(
        summary="Update confirmation status",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["patch"], url_path="confirmation-status")
    def confirmation_status(self, request, *args, **kwargs):
        appointment = self.get_object()
        data = self.validated_input()
        return self.respond(
            lifecycle.appointment_confirm(
                appointment=appointment,
                actor=request.user,
                base_version=data["base_version"],
                confirmation_status=data.get("confirmation_status"),
            )
        )

    # --- patient flow -------------------------------------------------------------------

    @extend_schema(
        summary="Set patient flow status",
        responses={200: r.FlowEventSerializer},
    )
    @action(detail=True, methods=["post"], url_path="patient-flow-status")
    def patient_flow_status(self, request, *args, **kwargs):
        appointment = self.get_object()
        event = lifecycle.appointment_set_flow_status(
            appointment=appointment, actor=request.user, **self.validated_input()
        )
        return Response(r.FlowEventSerializer(event).data)

    @extend_schema(
        summary="Get patient flow stats",
        parameters=[q.FlowStatsQuery],
        responses={200: r.FlowStatsSerializer},
    )
    @action(detail=True, methods=["get"], url_path="patient-flow-stats")
    def patient_flow_stats(self, request, *args, **kwargs):
        query = self.validated_query()
        appointment = self.get_object()
        stats = selectors.patient_flow_stats(
            appointment, include_open=query["include_open"], now=timezone.now()
        )
        return Response(r.FlowStatsSerializer(stats).data)
