"""The recall engine: what appointments do to patients' recalls.

In the practice's words:

- Completing an appointment that carries a trigger procedure of an active recall type
  brings that recall round: the patient's open cycle of the type is completed (linked to
  the appointment) and the next one opens, last seen on the appointment's date at its
  location (``date_previous``) and due one interval later (the patient's own interval,
  else the type's). A patient without a recall of the type gets one. A visit older than
  the cycle's last one (history entered late) changes nothing.
- A disabled recall stays switched off: the visit is recorded (``date_previous``) but no
  due date is set, and the cycle stays open until someone switches it back on.
- A booking links the recall it fulfils: the patient's earliest planned or scheduled
  appointment from the practice's today on that carries a trigger procedure of an open
  recall's type, or whose appointment type is the one the recall type books, becomes the
  recall's ``appointment`` (``date_scheduled``: its local date). When that appointment
  is cancelled, broken, unscheduled, pinboarded, deleted or no longer fits, the link
  goes to the patient's next such appointment, or is released (the recall is due or
  overdue again by its dates). A recall linked to a booking that still holds keeps it.

The appointments app announces (``appointments.services.events``); this module listens,
inside the transaction of the appointment write, so a recall changes exactly when the
write commits. Each announcement costs a constant number of queries whatever the number
of appointments in it (the bulk import announces a batch at once): the patients' open
recalls are read and locked at once, the appointments, procedures,
types and triggers read in one query each, and the changes written with one statement
per kind (close, open, relink). A booking or release for patients without an open
recall costs that one read and nothing else.

The race: a row lock cannot guard a cycle that does not exist yet, so two desks
completing visits of one patient without an open cycle would both insert one, and the
partial unique constraint ``patient_recall_one_open`` would refuse the second with an
error. A completion therefore first takes the patients' ``PATIENT_RECALLS`` advisory
locks (``scheduling.locks``, ascending ids, so a batch cannot deadlock another) and only
then reads their open recalls: the second desk waits, then reads (a new statement, a new
snapshot) the cycle the first opened and brings it round like any other. That is one
more round trip per completion; bookings and releases never open a cycle and skip it.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from appointments.models import Appointment, AppointmentProcedure, AppointmentStatus
from appointments.services.events import BOOKING_STATUSES, AppointmentEvent
from recalls.models import PatientRecall, RecallTrigger, RecallType
from scheduling.db import Composed, equals_any
from scheduling.locks import PATIENT_RECALLS, xact_lock
from scheduling.timezones import day_start, zone

WRITTEN_FIELDS = [
    "completed_at",
    "appointment",
    "date_scheduled",
    "date_previous",
    "date_due",
    "version",
    "updated_at",
]


def add_interval(day: date, interval: Mapping[str, int]) -> date:
    """``day`` plus ``interval`` (``{"years", "months", "weeks", "days"}``).

    Years and months go on the calendar, clamped to the month's end (Aug 31 + 6 months
    is Feb 28, or 29 in a leap year; Feb 29 + 1 year is Feb 28); then weeks and days.
    """
    months = interval.get("years", 0) * 12 + interval.get("months", 0)
    if months:
        year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
        last = calendar.monthrange(year, month0 + 1)[1]
        day = date(year, month0 + 1, min(day.day, last))
    return day + timedelta(weeks=interval.get("weeks", 0), days=interval.get("days", 0))


@dataclass(frozen=True)
class _Visit:
    """An appointment as the engine needs it: whose, when (local date), what it carries."""

    pk: int
    patient_id: int
    day: date
    appointment_type_id: int | None
    code_ids: frozenset[int]


def _visits(queryset) -> list[_Visit]:
    """The appointments of ``queryset`` (in its order), with their procedure codes: two
    queries."""
    rows = list(
        queryset.filter(start_at__isnull=False).values(
            "pk", "patient_id", "start_at", "appointment_type_id", "location__timezone"
        )
    )
    codes = defaultdict(set)
    for appointment_id, code_id in AppointmentProcedure.objects.filter(
        appointment_id__in=[row["pk"] for row in rows]
    ).values_list("appointment_id", "procedure_code_id"):
        codes[appointment_id].add(code_id)
    return [
        _Visit(
            pk=row["pk"],
            patient_id=row["patient_id"],
            day=row["start_at"].astimezone(zone(row["location__timezone"])).date(),
            appointment_type_id=row["appointment_type_id"],
            code_ids=frozenset(codes[row["pk"]]),
        )
        for row in rows
    ]


def _open_recalls(v: dict):
    """The open recalls of some patients, or linked to some appointments, locked."""
    return (
        PatientRecall.objects.select_for_update(of=("self",))
        .select_related("recall_type")
        .filter(
            Q(equals_any("patient_id", v["patients"]))
            | Q(equals_any("appointment_id", v["appointments"]))
        )
        .filter(org=v["org"], completed_at__isnull=True)
        .order_by("id")
    )


#: Read on every booking, composed once (``Composed``).
_OPEN_RECALLS = Composed(
    _open_recalls, org=1_000_000_001, patients=[1_000_000_002], appointments=[1_000_000_003]
)


def open_recalls_read(
    event: AppointmentEvent, appointments: Sequence[Appointment]
) -> tuple[str, Sequence] | None:
    """The listener's first read (``register_listener``): the open recalls of the
    appointments' patients or linked to them, locked; none for a completion, which reads
    them only once it holds the patients' lock."""
    if event is AppointmentEvent.COMPLETED:
        return None
    return _OPEN_RECALLS.statement(**_open_recalls_values(appointments))


def _open_recalls_values(appointments: Sequence[Appointment]) -> dict:
    return {
        "org": appointments[0].org_id,
        "patients": sorted({appointment.patient_id for appointment in appointments}),
        "appointments": sorted(
            {appointment.pk for appointment in appointments if appointment.pk is not None}
        ),
    }


def on_appointment_event(
    event: AppointmentEvent, appointments: Sequence[Appointment], read: list | None = None
) -> None:
    """The listener registered in ``RecallsConfig.ready()`` (see the module docstring).
    ``read``: the rows of ``open_recalls_read``, when the writer sent it with its write."""
    org = appointments[0].org
    patient_ids = {appointment.patient_id for appointment in appointments}
    event_ids = {appointment.pk for appointment in appointments if appointment.pk is not None}
    if event is AppointmentEvent.COMPLETED:
        xact_lock(PATIENT_RECALLS, patient_ids)  # before the read: see the module docstring
    if read is None:
        found = _OPEN_RECALLS.rows(**_open_recalls_values(appointments))
    else:
        found = _OPEN_RECALLS.read(read)
    open_recalls = {(recall.patient_id, recall.recall_type_id): recall for recall in found}
    # A recall linked to one of the appointments follows it, whoever's it now is.
    patient_ids |= {patient_id for patient_id, _ in open_recalls}
    if event is not AppointmentEvent.COMPLETED and not open_recalls:
        return  # only a completion opens a recall: nothing to link or release
    triggers = defaultdict(set)  # recall type id → procedure code ids
    active_triggers = defaultdict(set)  # procedure code id → active recall type ids
    for type_id, code_id, is_active in RecallTrigger.objects.filter(org=org).values_list(
        "recall_type_id", "procedure_code_id", "recall_type__is_active"
    ):
        triggers[type_id].add(code_id)
        if is_active:
            active_triggers[code_id].add(type_id)

    now = timezone.now()
    closed, opened, changed = [], [], set()
    if event is AppointmentEvent.COMPLETED and event_ids:
        done = _visits(
            Appointment.objects.filter(
                org=org, pk__in=event_ids, status=AppointmentStatus.COMPLETE
            ).order_by("start_at", "id")
        )
        latest: dict[tuple[int, int], _Visit] = {}  # the last visit per patient and type
        for visit in done:
            for code_id in visit.code_ids:
                for type_id in active_triggers[code_id]:
                    latest[(visit.patient_id, type_id)] = visit
        types = RecallType.objects.in_bulk({type_id for _, type_id in latest})
        for key, visit in latest.items():
            recall = open_recalls.get(key)
            if recall is not None and recall.date_previous and visit.day < recall.date_previous:
                continue
            if recall is not None and recall.is_disabled:
                recall.date_previous, recall.date_due = visit.day, None
                changed.add(recall.pk)
                continue
            interval = (recall and recall.interval) or types[key[1]].default_interval
            if recall is not None:
                recall.completed_at, recall.appointment_id = now, visit.pk
                recall.date_scheduled = visit.day
                closed.append(recall)
            new = PatientRecall(
                org=org,
                patient_id=visit.patient_id,
                recall_type=types[key[1]],
                interval=recall and recall.interval,
                note=recall.note if recall is not None else "",
                date_previous=visit.day,
                date_due=add_interval(visit.day, interval),
            )
            opened.append(new)
            open_recalls[key] = new

    today_starts = day_start(org.local_today(), org.local_timezone())
    bookings = defaultdict(list)  # patient id → their bookings, soonest first
    for visit in _visits(
        Appointment.objects.filter(
            org=org,
            patient_id__in=patient_ids,
            status__in=BOOKING_STATUSES,
            start_at__gte=today_starts,
        ).order_by("start_at", "id")
    ):
        bookings[visit.patient_id].append(visit)
    booking_ids = {visit.pk for visits in bookings.values() for visit in visits}
    for (patient_id, type_id), recall in open_recalls.items():
        linked = recall.appointment_id
        if linked is not None and linked not in event_ids and linked in booking_ids:
            continue  # a booking that still holds keeps its recall
        books = recall.recall_type.appointment_type_id
        fulfilling = next(
            (
                visit
                for visit in bookings[patient_id]
                if (books is not None and visit.appointment_type_id == books)
                or visit.code_ids & triggers[type_id]
            ),
            None,
        )
        link = (fulfilling.pk, fulfilling.day) if fulfilling else (None, None)
        if (recall.appointment_id, recall.date_scheduled) != link:
            recall.appointment_id, recall.date_scheduled = link
            if recall.pk is not None:
                changed.add(recall.pk)

    _bump(closed, now)
    PatientRecall.objects.bulk_update(closed, WRITTEN_FIELDS)  # before the new cycles open
    PatientRecall.objects.bulk_create(opened)
    updated = [recall for recall in open_recalls.values() if recall.pk in changed]
    _bump(updated, now)
    PatientRecall.objects.bulk_update(updated, WRITTEN_FIELDS)


def _bump(recalls: list[PatientRecall], now: datetime) -> None:
    """An engine write is a write: clients holding the old version get a 409."""
    for recall in recalls:
        recall.version, recall.updated_at = F("version") + 1, now
