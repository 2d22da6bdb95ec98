"""The Appointments section: one viewset, each action a thin call into the services."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from appointments import selectors
from appointments.filters import AppointmentCursorFilterSet, AppointmentFilterSet
from appointments.models import (
    START_SORT_KEY,
    Appointment,
    AppointmentStatus,
)
from appointments.serializers import appointments as s
from appointments.serializers import queries as q
from appointments.serializers import results as r
from appointments.services import appointments as booking
from appointments.services import details, lifecycle
from appointments.services.bulk import bulk_import
from appointments.services.times import WallTimes
from scheduling.api.pagination import KeysetPagination
from scheduling.api.relations import resolve_one
from scheduling.api.views import UUID_PATTERN, OrgViewSet
from scheduling.models import Location, Patient, ProcedureCode, Role

CONFLICT_409 = {409: r.SchedulingConflictErrorSerializer}


# --- query parameters ----------------------------------------------------------------


CURSOR = KeysetPagination(
    sort_fields={
        "start_time": "start_at",
        "created_at": "created_at",
        "updated_at": "updated_at",
        "status": "status",
    },
    default_sort="start_time",
    keys={"start_at": START_SORT_KEY},
)


def _page_of(serializer):
    return {200: serializer(many=True)}


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
    location_lookup = "location"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    schema_tags = ("Appointments",)
    action_roles = {"check_conflicts": Role.VIEWER}
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
        "bulk_confirm": s.BulkConfirmSerializer,
        "patient_flow_status": s.FlowStatusInputSerializer,
        "procedures": s.ProcedureInputSerializer,
        "providers": s.ProvidersReplaceSerializer,
        "check_conflicts": s.CheckConflictsSerializer,
        "bulk": s.BulkImportSerializer,
    }

    @property
    def filterset_class(self):
        return {"list": AppointmentFilterSet, "cursor": AppointmentCursorFilterSet}.get(
            getattr(self, "action", None)
        )

    def get_queryset(self):
        return selectors.appointments_for_display(super().get_queryset())

    def get_input_serializer_class(self):
        if (
            self.action in ("procedures", "providers")
            and self.request
            and self.request.method == "GET"
        ):
            return None
        return super().get_input_serializer_class()

    def _page(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    # --- the appointment ---------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        data = self.validated_input()
        appointment = booking.appointment_create(org=request.org, actor=request.user, **data)
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

    # --- history and patient flow ------------------------------------------------------

    @extend_schema(summary="List appointment history", responses=_page_of(r.HistoryEntrySerializer))
    @action(detail=True, methods=["get"])
    def history(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self._page(selectors.history_of(appointment), r.HistoryEntrySerializer)

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

    @extend_schema(summary="List patient flow events", responses=_page_of(r.FlowEventSerializer))
    @action(detail=True, methods=["get"], url_path="patient-flow-events")
    def patient_flow_events(self, request, *args, **kwargs):
        appointment = self.get_object()
        return self._page(selectors.flow_events_of(appointment), r.FlowEventSerializer)

    @extend_schema(
        summary="Get patient flow stats",
        parameters=[q.FlowStatsQuery],
        responses={200: r.FlowStatsSerializer},
    )
    @action(detail=True, methods=["get"], url_path="patient-flow-stats")
    def patient_flow_stats(self, request, *args, **kwargs):
        query = self.validated_query(q.FlowStatsQuery)
        appointment = self.get_object()
        stats = selectors.patient_flow_stats(
            appointment, include_open=query["include_open"], now=timezone.now()
        )
        return Response(r.FlowStatsSerializer(stats).data)

    # --- procedures and providers ------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="List appointment procedures",
        responses=_page_of(r.AppointmentProcedureSerializer),
    )
    @extend_schema(
        methods=["POST"],
        summary="Add procedure to appointment",
        responses={201: r.AppointmentProcedureSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["get", "post"])
    def procedures(self, request, *args, **kwargs):
        appointment = self.get_object()
        if request.method == "GET":
            procedures = selectors.procedures_of(appointment)
            return self._page(procedures, r.AppointmentProcedureSerializer)
        procedure = details.procedure_add(
            appointment=appointment, actor=request.user, **self.validated_input()
        )
        fresh = selectors.procedures_of(appointment).get(pk=procedure.pk)
        return Response(
            r.AppointmentProcedureSerializer(fresh).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Remove procedure from appointment",
        parameters=[q.BaseVersionQuery],
        responses={204: None, **CONFLICT_409},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"procedures/(?P<procedure_uuid>{UUID_PATTERN})",
    )
    def remove_procedure(self, request, *args, procedure_uuid=None, **kwargs):
        appointment = self.get_object()
        query = self.validated_query(q.BaseVersionQuery)
        procedure = selectors.procedures_of(appointment).filter(uuid=procedure_uuid).first()
        if procedure is None:
            raise NotFound("Procedure not found on this appointment.")
        details.procedure_remove(
            appointment=appointment,
            actor=request.user,
            base_version=query["base_version"],
            procedure=procedure,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="List appointment providers",
        responses=_page_of(r.AppointmentProviderSerializer),
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace appointment providers",
        responses={200: s.AppointmentSerializer, **CONFLICT_409},
    )
    @action(detail=True, methods=["get", "put"])
    def providers(self, request, *args, **kwargs):
        appointment = self.get_object()
        if request.method == "GET":
            links = selectors.provider_links_of(appointment)
            return self._page(links, r.AppointmentProviderSerializer)
        data = self.validated_input()
        assignments = [details.ProviderAssignment(**item) for item in data["providers"]]
        return self.respond(
            details.providers_replace(
                appointment=appointment,
                actor=request.user,
                base_version=data["base_version"],
                assignments=assignments,
            )
        )

    # --- collections -------------------------------------------------------------------

    @extend_schema(
        summary="List appointments (cursor-paginated)",
        parameters=[q.CursorQuery],
        filters=True,
        responses={200: r.AppointmentCursorPageSerializer},
    )
    @action(detail=False, methods=["get"])
    def cursor(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        paginator = CURSOR.for_request()
        rows = paginator.paginate(queryset, request)
        return Response(
            {
                "data": self.get_serializer(rows, many=True).data,
                "org_uuid": str(request.org.uuid),
                "page_info": paginator.page_info(),
            }
        )

    @extend_schema(
        methods=["GET"],
        summary="List pinboard appointments",
        parameters=[q.PinboardQuery],
        responses=_page_of(s.AppointmentSerializer),
    )
    @action(detail=False, methods=["get"], url_path="pinboard", url_name="pinboard-list")
    def pinboard_list(self, request, *args, **kwargs):
        query = self.validated_query(q.PinboardQuery)
        location = resolve_one(request, Location.objects.all(), query["location_uuid"], "pk")
        queryset = self.get_queryset().filter(location=location, status=AppointmentStatus.PINBOARD)
        return self._page(
            queryset.order_by("priority", "updated_at", "id"), self.get_serializer_class()
        )

    @extend_schema(
        summary="Count appointments by location",
        parameters=[q.CountsQuery],
        responses={200: r.CountsByLocationSerializer},
    )
    @action(detail=False, methods=["get"], url_path="counts/by-location")
    def counts_by_location(self, request, *args, **kwargs):
        query = self.validated_query(q.CountsQuery)
        statuses = list(dict.fromkeys(query.get("status_set") or [AppointmentStatus.SCHEDULED]))
        locations = selectors.counts_by_location(
            access=request.access,
            date_from=query["date_from"],
            date_to=query["date_to"],
            statuses=statuses,
        )
        return Response(
            r.CountsByLocationSerializer(
                {
                    "date_from": query["date_from"],
                    "date_to": query["date_to"],
                    "group_by": "location",
                    "status_set": statuses,
                    "items": [
                        {"location": loc, "location_timezone": loc.timezone, "count": loc.count}
                        for loc in locations
                    ],
                    "total": sum(loc.count for loc in locations),
                }
            ).data
        )

    @extend_schema(
        summary="Check procedure frequency",
        parameters=[q.FrequencyQuery],
        responses={200: r.FrequencyCheckSerializer},
    )
    @action(detail=False, methods=["get"], url_path="procedure-frequency-check")
    def procedure_frequency_check(self, request, *args, **kwargs):
        query = self.validated_query(q.FrequencyQuery)
        patient = resolve_one(request, Patient.objects.all(), query["patient_uuid"])
        code = ProcedureCode.objects.filter(
            org=request.org, code=query["procedure_code"].strip().upper()
        ).first()
        if code is None:
            raise NotFound(f"Procedure code {query['procedure_code']} not found.")
        check = selectors.procedure_frequency(patient=patient, code=code, access=request.access)
        return Response(r.FrequencyCheckSerializer(check).data)

    @extend_schema(
        summary="Check scheduling conflicts",
        description="Preview what a proposed slot collides with; writes nothing. Providers "
        "are those of exclude_appointment_uuid (or provider_uuids).",
        responses={200: r.CheckConflictsResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="check-conflicts")
    def check_conflicts(self, request, *args, **kwargs):
        data = self.validated_input()
        excluded = None
        if data.get("exclude_appointment_uuid"):
            excluded = self.get_queryset().filter(uuid=data["exclude_appointment_uuid"]).first()
            if excluded is None:
                raise NotFound(f"Appointment {data['exclude_appointment_uuid']} not found.")
        preview = booking.appointment_check_conflicts(
            org=request.org,
            location=data["location"],
            operatory=data["operatory"],
            wall=WallTimes(data["schedule_date"], data["start_time"], data["end_time"]),
            excluded=excluded,
            appointment_type=data.get("appointment_type"),
            providers=data.get("providers"),
            visible_location_ids=request.access.location_ids,
        )
        return Response(
            r.CheckConflictsResultSerializer(
                {
                    "has_conflicts": bool(preview.conflicts.reason_codes),
                    "reason_codes": preview.conflicts.reason_codes,
                    "conflicts": preview.conflicts,
                    "location_timezone": preview.location_timezone,
                    "start_time": preview.start,
                    "end_time": preview.end,
                }
            ).data
        )

    @extend_schema(
        summary="Bulk confirm appointments", responses={200: r.BulkConfirmResultSerializer}
    )
    @action(detail=False, methods=["post"], url_path="bulk-confirm")
    def bulk_confirm(self, request, *args, **kwargs):
        data = self.validated_input()
        wanted = list(dict.fromkeys(data["appointment_uuids"]))
        found = {a.uuid: a for a in self.get_queryset().filter(uuid__in=wanted)}
        result = lifecycle.appointments_bulk_confirm(
            appointments=[found[u] for u in wanted if u in found],
            missing=[str(u) for u in wanted if u not in found],
            actor=request.user,
            confirmation_status=data["confirmation_status"],
        )
        confirmed = self.get_queryset().filter(pk__in=[a.pk for a in result.confirmed])
        return Response(
            {
                "confirmed": self.get_serializer(
                    confirmed.order_by("start_at", "id"), many=True
                ).data,
                "conflicts": result.conflicts,
                "skipped": result.skipped,
            }
        )

    @extend_schema(
        summary="Bulk import appointments",
        description="At most 500 rows, each validated and written on its own (conflicts "
        "included); a row whose external_id exists updates it. meta.dry_run validates "
        "without writing.",
        responses={200: r.BulkResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        data = self.validated_input()
        result = bulk_import(
            request,
            data["rows"],
            dry_run=data.get("meta", {}).get("dry_run", False),
            actor=request.user,
            serializer_class=s.AppointmentCreateSerializer,
        )
        return Response(r.BulkResultSerializer(result).data)
