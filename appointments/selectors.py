"""Reads of the appointments domain that views and other apps share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    PatientFlowEvent,
    ProcedureStatus,
)
from scheduling.access import Access
from scheduling.models import FlowStatus, Location, Patient, ProcedureCode
from scheduling.timezones import LocalDayStart, to_local


def with_visible_locations(queryset: QuerySet, access: Access) -> QuerySet:
    """Prefetch each appointment type's locations the caller may see (``visible_locations``)."""
    locations = Location.objects.restrict(access)
    return queryset.prefetch_related(
        Prefetch("locations", queryset=locations, to_attr="visible_locations")
    )


@dataclass
class FlowSegment:
    flow_status: FlowStatus
    start: datetime
    end: datetime | None
    duration_seconds: int
    is_open: bool


@dataclass
class FlowTotal:
    flow_status: FlowStatus
    duration_seconds: int = 0
    segments: int = 0


@dataclass
class FlowStats:
    appointment_uuid: UUID
    current_flow_status: FlowStatus | None
    segments: list[FlowSegment]
    totals: list[FlowTotal]

    @property
    def total_duration_seconds(self) -> int:
        return sum(total.duration_seconds for total in self.totals)


def patient_flow_stats(appointment: Appointment, *, include_open: bool, now: datetime) -> FlowStats:
    """One segment per status visited, from one event to the next; totals per status.

    The last segment is open (the patient is still in that status); it counts up to
    ``now`` when ``include_open``, and is left out otherwise.
    """
    events = list(flow_events_of(appointment))
    segments = []
    for event, following in zip(events, [*events[1:], None], strict=False):
        end = following.changed_at if following else None
        if end is None and not include_open:
            continue
        seconds = int(((end or now) - event.changed_at).total_seconds())
        segments.append(
            FlowSegment(event.flow_status, event.changed_at, end, max(seconds, 0), end is None)
        )
    totals: dict[int, FlowTotal] = {}
    for segment in segments:
        total = totals.setdefault(segment.flow_status.pk, FlowTotal(segment.flow_status))
        total.duration_seconds += segment.duration_seconds
        total.segments += 1
    return FlowStats(appointment.uuid, appointment.flow_status, segments, list(totals.values()))


@dataclass
class FrequencyCheck:
    procedure_code: str
    patient: Patient
    last_performed_date: date | None
    days_since: int | None
    last_appointment: Appointment | None


def procedure_frequency(
    *, patient: Patient, code: ProcedureCode, access: Access, today: date | None = None
) -> FrequencyCheck:
    """When the patient last had ``code`` completed (the appointment's local date).

    Every location counts (a frequency limit does not care where it was done), but the
    appointment itself is named only if the caller may see its location.
    """
    done = (
        AppointmentProcedure.objects.filter(
            org=patient.org_id,
            appointment__patient=patient,
            procedure_code=code,
            status=ProcedureStatus.COMPLETE,
        )
        .select_related("appointment__location")
        .annotate(performed_at=Coalesce("appointment__start_at", "completed_at"))
        .order_by(F("performed_at").desc(nulls_last=True), "-id")
        .first()
    )
    if done is None or done.performed_at is None:
        return FrequencyCheck(code.code, patient, None, None, None)
    tz = done.appointment.location.timezone
    performed = to_local(done.performed_at, tz).date()
    today = today or to_local(timezone.now(), tz).date()
    visible = access.can_access_location(done.appointment.location_id)
    return FrequencyCheck(
        code.code,
        patient,
        performed,
        (today - performed).days,
        done.appointment if visible else None,
    )


def counts_by_location(
    *, access: Access, date_from: date, date_to: date, statuses: list[str]
) -> list[Location]:
    """Every active location the caller may see, with ``count``: appointments in the
    statuses starting in ``[date_from, date_to)`` of that location's own calendar."""
    per_location = (
        Appointment.objects.filter(
            org=access.org,
            location=OuterRef("pk"),
            status__in=statuses,
            start_at__gte=LocalDayStart(OuterRef("timezone"), Value(date_from)),
            start_at__lt=LocalDayStart(OuterRef("timezone"), Value(date_to)),
        )
        .order_by()
        .values("location")
        .annotate(count=Count("*"))
        .values("count")
    )
    locations = Location.objects.restrict(access).filter(is_active=True)
    return list(
        locations.annotate(
            count=Coalesce(Subquery(per_location, output_field=IntegerField()), Value(0))
        ).order_by("name", "id")
    )


def history_of(appointment: Appointment) -> QuerySet:
    """The appointment's history, newest first."""
    return AppointmentHistory.objects.filter(
        org=appointment.org_id, appointment_uuid=appointment.uuid
    ).order_by("-created_at", "-id")


def flow_events_of(appointment: Appointment) -> QuerySet:
    """The appointment's patient flow events, oldest first."""
    return (
        PatientFlowEvent.objects.filter(org=appointment.org_id, appointment=appointment)
        .select_related("flow_status")
        .order_by("changed_at", "id")
    )


def procedures_of(appointment: Appointment) -> QuerySet:
    return (
        AppointmentProcedure.objects.filter(org=appointment.org_id, appointment=appointment)
        .select_related("appointment__patient", "procedure_code", "provider")
        .order_by("item_order", "id")
    )
