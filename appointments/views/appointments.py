"""The appointment itself: CRUD and the status actions, each a thin call into the services.

Collections (cursor, pinboard, counts, checks, bulk) are in ``collections``; the
sub-resources (history, flow events, procedures, providers) in ``details``.
"""

from __future__ import annotations

from functools import partial

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments import selectors
from appointments.filters import AppointmentFilterSet
from appointments.models import Appointment, AppointmentStatus
from appointments.serializers import appointments as s
from appointments.serializers import examples as ex
from appointments.serializers import queries as q
from appointments.serializers import results as r
from appointments.serializers.display import (
    AppointmentDisplayMixin,
    display_listing,
    display_one,
    display_one_with_token,
    render,
)
from appointments.services import appointments as booking
from appointments.services import lifecycle
from scheduling.access import NOT_READ
from scheduling.api.views import PAGE_PARAMS, OrgViewSet
from scheduling.exceptions import NotFound

CONFLICT_409 = {409: r.SchedulingConflictErrorSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="List appointments",
        description="A page of the appointments at the caller's locations, by start time. "
        "Filters combine; a date-only date_from/date_to is a local calendar day at the "
        "location (the named one, else each appointment's own). An unknown location, "
        "patient, operatory or provider id is a 404; a forbidden location a 403.",
    ),
    retrieve=extend_schema(
        summary="Get appointment",
        description="One appointment with its providers, tags, references and production. "
        "An appointment at a location the caller may not access is a 404.",
    ),
    create=extend_schema(
        summary="Create appointment",
        description="Book a patient at a location: local schedule_date and wall times "
        "(end defaults to start plus the type's duration). A live appointment takes its "
        "chair: another appointment there is a 409 APPOINTMENT_OVERLAP unless allow_overlap "
        "or an appointment rule allows the pair; a no-schedule blockout is a 409 "
        "BLOCKED_TIME_CONFLICT. A wall time in a DST gap is a 422; unknown ids are a 404 "
        "naming each field.",
        examples=[ex.CREATE],
        responses={201: s.AppointmentSerializer, **CONFLICT_409},
    ),
    partial_update=extend_schema(
        summary="Update appointment",
        description="Change details, time, chair or type under base_version (stale: 409). "
        "A new time or chair is checked like a booking. Fields left out (or null) stay as "
        "they are; a change that changes nothing writes nothing (no new version, no "
        "history entry). status cannot change here: use /transition and the actions.",
        examples=[ex.UPDATE],
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    ),
    destroy=extend_schema(
        summary="Delete appointment",
        description="Delete for good (its history stays). Prefer cancel or break.",
    ),
)
class AppointmentViewSet(
    AppointmentDisplayMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet
):
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
        return (
            super()
            .get_queryset()
            .select_related("location", "operatory", "patient", "appointment_type")
        )

    def list(self, request, *args, **kwargs):
        if PAGE_PARAMS.issuperset(request.query_params):
            # Unfiltered: the page, its rows and the tally the database keeps (not a count
            # of the org) in one statement.
            rows = self.paginator.paginate_read(request, partial(display_listing, self.access))
            return self.get_paginated_response(rows)
        return self.display_page(self.filter_queryset(self.get_queryset()))

    def read_with_token(self):
        if self.action == "retrieve":
            return display_one_with_token(self.kwargs[self.lookup_url_kwarg])
        return None

    def retrieve(self, request, *args, **kwargs):
        row = self.read_with_token_row
        if row is NOT_READ:
            row = display_one(self.access, self.kwargs[self.lookup_url_kwarg])
        elif row is not None:
            row = render(row)
        if row is None:
            raise NotFound("Appointment not found.")
        return Response(row)

    def respond(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.display(instance), status=status_code)

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
        summary="Move appointment",
        description="Reschedule to a new local date and wall times, optionally in another "
        "chair at the same location; checked like a booking (409 on a taken or blocked "
        "slot, 422 in a DST gap). Completed, cancelled and pinboard appointments do not "
        "move (409 INVALID_STATE; a pinboard one is placed with /place).",
        examples=[ex.MOVE],
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
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
        description="Put a pinboard appointment back on the grid at a chair and time; it "
        "becomes scheduled. Checked like a booking (409 on a taken or blocked slot).",
        examples=[ex.PLACE],
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
        summary="Cancel appointment",
        description="Cancel with an optional CancelReason definition and note. "
        "cancelled_by is patient or practice (default practice); who clicked is kept in "
        "the history. The slot is freed. Cancelled is final.",
        examples=[ex.CANCEL],
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
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
        summary="Break appointment",
        description="Mark a scheduled appointment broken (a missed visit) with an optional "
        "BrokenReason definition. It keeps its time, so the calendar shows the hole.",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
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
        description="Take a scheduled appointment off the grid without cancelling it; its "
        "details and procedures stay. Place it again with /place.",
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
        description="Set (or clear with null) the outreach status, an ApptConfirmed "
        "definition (see /appointments/confirmation-statuses). Not the lifecycle status.",
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
        description="Record that the patient entered a flow status (arrived, seated …): "
        "an event is added and the appointment's flow_status changes. Only scheduled or "
        "complete appointments; an inactive flow status is a 422.",
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
        description="Time spent in each flow status: one segment per status entered, up "
        "to the next event; the open segment counts up to now when include_open.",
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
