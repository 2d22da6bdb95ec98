"""Reading patient recalls: their status, and who is due.

A recall's status is never stored, because "overdue" would go stale overnight. It is
derived from the practice's today each time a recall is read, in SQL (so that
``?status=overdue`` filters and counts in the database):

- ``completed`` once the cycle is closed (``completed_at`` set);
- ``scheduled`` while a planned or scheduled appointment linked to it starts today or
  later (a cancelled, broken, pinboarded or past one no longer fulfils it; a completed
  one closes the cycle, which the recall engine does);
- ``due`` while disabled (a recall the practice switched off is never overdue nor on the
  due list, it keeps its dates for when it is switched on again);
- ``overdue`` when ``date_due`` is before today;
- ``due`` otherwise (also without a due date).

"Today" is the practice's (``Organization.local_timezone``), not UTC's: at 8 pm in
Chicago it is already tomorrow in UTC, and a recall due today is not overdue yet.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from appointments.models import Appointment, AppointmentStatus
from recalls.models import PatientRecall, RecallType
from scheduling.models import Location, Organization
from scheduling.timezones import day_start


class RecallStatus:
    DUE = "due"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    OVERDUE = "overdue"

    choices = [
        (DUE, "Due"),
        (SCHEDULED, "Scheduled"),
        (COMPLETED, "Completed"),
        (OVERDUE, "Overdue"),
    ]


#: Appointments that hold a slot and have not happened yet (``complete`` closes the cycle).
BOOKING_STATUSES = (AppointmentStatus.PLANNED, AppointmentStatus.SCHEDULED)


def _day_start(org: Organization, today: date) -> datetime:
    return day_start(today, org.local_timezone())


#: The cycle is still open (completed ones are history).
OPEN = Q(completed_at__isnull=True)


def fulfilled_q(
    *, org: Organization, today: date | None = None, joined: bool = False, negated: bool = False
) -> Q:
    """The recall's linked appointment still fulfils it (see the module docstring), or
    with ``negated`` it does not.

    Filters and counts get an ``EXISTS`` on the appointment's key, tested only for the
    recalls that link one: a count of the others reads the open-recalls index alone
    (``NOT EXISTS`` alone would be planned as an anti-join that first reads every future
    booking of the org). ``joined`` (the appointment is joined already, as
    ``with_status`` joins it for the response) tests the joined row instead, which a
    page of 50 reads for free.
    """
    booking = {
        "status__in": BOOKING_STATUSES,
        "start_at__gte": _day_start(org, today or org.local_today()),
    }
    if joined:
        fulfilled = Q(**{f"appointment__{lookup}": value for lookup, value in booking.items()})
        return ~fulfilled if negated else fulfilled
    booked = Exists(
        Appointment.objects.filter(pk=OuterRef("appointment_id"), org=org.pk, **booking)
    )
    if negated:
        return Q(appointment__isnull=True) | Q(~booked)
    return Q(appointment__isnull=False) & Q(booked)


def status_q(
    status: str, *, org: Organization, today: date | None = None, joined: bool = False
) -> Q:
    """The recalls in ``status`` as of ``today`` (default: the practice's), as plain
    predicates a filter and a count can use indexes for (``joined``: see
    ``fulfilled_q``). ``with_status`` derives the annotation from these, so the two
    cannot disagree."""
    today = today or org.local_today()
    fulfilled = fulfilled_q(org=org, today=today, joined=joined)
    waiting = OPEN & fulfilled_q(org=org, today=today, joined=joined, negated=True)
    overdue_by_date = Q(is_disabled=False, date_due__lt=today)
    return {
        RecallStatus.COMPLETED: ~OPEN,
        RecallStatus.SCHEDULED: OPEN & fulfilled,
        RecallStatus.OVERDUE: waiting & overdue_by_date,
        RecallStatus.DUE: waiting & ~overdue_by_date,
    }[status]


def with_status(queryset: QuerySet, *, org: Organization, today: date | None = None) -> QuerySet:
    """``queryset`` of patient recalls annotated with ``status`` as of ``today`` (default:
    the practice's), with everything the response shows joined (one query per page)."""
    today = today or org.local_today()
    return queryset.select_related("patient", "recall_type", "appointment").annotate(
        status=Case(
            *(
                When(status_q(status, org=org, today=today, joined=True), then=Value(status))
                for status in (RecallStatus.COMPLETED, RecallStatus.SCHEDULED, RecallStatus.OVERDUE)
            ),
            default=Value(RecallStatus.DUE),
            output_field=CharField(),
        )
    )


def patient_recalls(*, org: Organization, today: date | None = None) -> QuerySet:
    """Every recall of the org with its status (callers restrict it to the caller's access)."""
    return with_status(PatientRecall.objects.filter(org=org), org=org, today=today)


def due_patient_recalls(
    queryset: QuerySet,
    *,
    org: Organization,
    due_on: date,
    include_scheduled: bool = False,
    location: Location | None = None,
) -> QuerySet:
    """The recalls to call patients about: open, enabled, due on or before ``due_on``,
    most overdue first; booked ones only with ``include_scheduled``; with ``location``,
    only patients whose last completed visit was there. ``queryset`` comes from
    ``with_status``."""
    queryset = queryset.filter(OPEN, is_disabled=False, date_due__lte=due_on)
    if not include_scheduled:
        queryset = queryset.filter(fulfilled_q(org=org, negated=True))
    if location is not None:
        last_visit = (
            Appointment.objects.filter(
                org=location.org_id,
                patient=OuterRef("patient"),
                status=AppointmentStatus.COMPLETE,
            )
            .order_by("-start_at", "-id")
            .values("location")[:1]
        )
        queryset = queryset.annotate(last_visit_location=Subquery(last_visit)).filter(
            last_visit_location=location.pk
        )
    return queryset.order_by("date_due", "id")


# --- what appointments show of recalls -----------------------------------------------------
#
# Registered in ``RecallsConfig.ready()`` as columns of the appointments' read statements
# (``appointments.columns``): each is a scalar subquery over the appointment row ``alias``.


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(PatientRecall._meta.db_table), quote(RecallType._meta.db_table)


def fulfilled_recall_sql(alias: str) -> str:
    """``[uuid, type name]`` of the recall the appointment fulfils (its ``appointment``).

    One appointment may fulfil several (one booking carrying the triggers of two types,
    one completion bringing both round): the open one before the completed ones, then
    the earliest due (none last), then the types' order (``RecallType.Meta.ordering``).
    ``AppointmentSerializer.get_recall`` declares the same order.
    """
    recalls, types = _tables()
    return (
        f"SELECT json_build_array(fr.uuid, ft.name) FROM {recalls} fr"
        f" JOIN {types} ft ON ft.id = fr.recall_type_id"
        f" WHERE fr.appointment_id = {alias}.id AND fr.org_id = {alias}.org_id"
        f" ORDER BY fr.completed_at IS NOT NULL, fr.date_due ASC NULLS LAST,"
        f" ft.item_order, ft.name, ft.id, fr.id LIMIT 1"
    )


def next_recall_due_sql(alias: str) -> str:
    """The earliest ``date_due`` of the appointment's patient's open, enabled recalls (a
    disabled recall is never due; a completed one is history), through the
    ``patient_recall_patient`` index."""
    recalls, _ = _tables()
    return (
        f"SELECT MIN(nr.date_due) FROM {recalls} nr"
        f" WHERE nr.org_id = {alias}.org_id AND nr.patient_id = {alias}.patient_id"
        f" AND nr.completed_at IS NULL AND NOT nr.is_disabled"
    )
