"""Operations on the appointments of the org as a whole: the cursor list, the pinboard,
counts, checks, bulk confirmation and bulk import."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from appointments import selectors
from appointments.filters import AppointmentCursorFilterSet
from appointments.models import START_SORT_KEY, Appointment, AppointmentStatus
from appointments.serializers import appointments as s
from appointments.serializers import queries as q
from appointments.serializers import results as r
from appointments.serializers.bulk import describe_results, validated_rows
from appointments.serializers.display import AppointmentDisplayMixin, display_rows
from appointments.services import appointments as booking
from appointments.services import lifecycle
from appointments.services.bulk import appointments_import
from appointments.services.times import WallTimes
from scheduling.api.pagination import KeysetPagination
from scheduling.api.relations import resolve_one
from scheduling.api.views import OrgViewSet
from scheduling.exceptions import NotFound
from scheduling.models import Location, Patient, ProcedureCode, Role

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


class AppointmentCollectionViewSet(AppointmentDisplayMixin, OrgViewSet):
    """Operations on the org's appointments as a whole (cursor list, pinboard, counts,
    checks, bulk confirmation and import): none names a single appointment in its path."""

    queryset = Appointment.objects.all()
    serializer_class = s.AppointmentSerializer
    schema_tags = ("Appointments",)
    action_roles = {"check_conflicts": Role.VIEWER}
    paged_actions = frozenset({"pinboard_list"})
    filtered_actions = frozenset({"cursor"})
    input_serializer_classes = {
        "bulk_confirm": s.BulkConfirmSerializer,
        "check_conflicts": s.CheckConflictsSerializer,
        "bulk": s.BulkImportSerializer,
    }
    query_serializer_classes = {
        "cursor": q.CursorQuery,
        "pinboard_list": q.PinboardQuery,
        "counts_by_location": q.CountsQuery,
        "procedure_frequency_check": q.FrequencyQuery,
    }

    filterset_class = AppointmentCursorFilterSet

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("location", "operatory", "patient", "appointment_type")
        )

    @extend_schema(
        summary="List appointments (cursor-paginated)",
        description="Keyset pages of the appointments at the caller's locations, sorted by "
        "start_time (default), created_at, updated_at or status, ascending or descending; "
        "the same filters as the page list. Pass page_info.end_cursor as `after` for the "
        "next page; every page costs the same, however deep. A malformed cursor is a 422.",
        parameters=[q.CursorQuery],
        filters=True,
        responses={200: r.AppointmentCursorPageSerializer},
    )
    @action(detail=False, methods=["get"])
    def cursor(self, request, *args, **kwargs):
        queryset = self.filter_queryset(super().get_queryset())
        paginator = CURSOR.for_request()
        keys = paginator.paginate(
            queryset.only("id", "uuid", *CURSOR.sort_fields.values()), request
        )
        return Response(
            {
                "data": display_rows([row.pk for row in keys]),
                "org_uuid": str(self.access.org.uuid),
                "page_info": paginator.page_info(),
            }
        )

    @extend_schema(
        methods=["GET"],
        summary="List pinboard appointments",
        description="The appointments waiting on a location's pinboard (off the grid, not "
        "cancelled), by priority then the time they were pinned.",
        parameters=[q.PinboardQuery],
        responses=_page_of(s.AppointmentSerializer),
    )
    @action(detail=False, methods=["get"], url_path="pinboard", url_name="pinboard-list")
    def pinboard_list(self, request, *args, **kwargs):
        query = self.validated_query()
        location = resolve_one(self.access, Location.objects.all(), query["location_uuid"])
        queryset = (
            super().get_queryset().filter(location=location, status=AppointmentStatus.PINBOARD)
        )
        return self.display_page(queryset.order_by("priority", "updated_at", "id"))

    @extend_schema(
        summary="Count appointments by location",
        description="How many appointments in the given statuses (default scheduled) start "
        "in [date_from, date_to) of each location's own calendar, for every active "
        "location the caller may see.",
        parameters=[q.CountsQuery],
        responses={200: r.CountsByLocationSerializer},
    )
    @action(detail=False, methods=["get"], url_path="counts/by-location")
    def counts_by_location(self, request, *args, **kwargs):
        query = self.validated_query()
        statuses = list(dict.fromkeys(query.get("status_set") or [AppointmentStatus.SCHEDULED]))
        locations = selectors.counts_by_location(
            access=self.access,
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
        description="When the patient last had the procedure completed (the appointment's "
        "local date, at any location) and how many days ago; the appointment is named "
        "only when the caller may see its location.",
        parameters=[q.FrequencyQuery],
        responses={200: r.FrequencyCheckSerializer},
    )
    @action(detail=False, methods=["get"], url_path="procedure-frequency-check")
    def procedure_frequency_check(self, request, *args, **kwargs):
        query = self.validated_query()
        patient = resolve_one(self.access, Patient.objects.all(), query["patient_uuid"])
        code = (
            ProcedureCode.objects.restrict(self.access)
            .filter(code=query["procedure_code"].strip().upper())
            .first()
        )
        if code is None:
            raise NotFound(f"Procedure code {query['procedure_code']} not found.")
        check = selectors.procedure_frequency(patient=patient, code=code, access=self.access)
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
            org=self.access.org,
            location=data["location"],
            operatory=data["operatory"],
            wall=WallTimes(data["schedule_date"], data["start_time"], data["end_time"]),
            excluded=excluded,
            appointment_type=data.get("appointment_type"),
            providers=data.get("providers"),
            visible_location_ids=self.access.location_ids,
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
        summary="Bulk confirm appointments",
        description="Set one confirmation status on many appointments. Ids the caller cannot "
        "see are `skipped`; an appointment changed meanwhile is listed in `conflicts`.",
        responses={200: r.BulkConfirmResultSerializer},
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
        confirmed = super().get_queryset().filter(pk__in=[a.pk for a in result.confirmed])
        return Response(
            {
                "confirmed": display_rows(
                    list(confirmed.order_by("start_at", "id").values_list("id", flat=True))
                ),
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
        result = appointments_import(
            access=self.access,
            rows=validated_rows(data["rows"], access=self.access),
            dry_run=data.get("meta", {}).get("dry_run", False),
            actor=request.user,
        )
        return Response(r.BulkResultSerializer(describe_results(result)).data)
