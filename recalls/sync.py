"""Building or repairing patients' recalls from the history already in the database
(``manage.py recalls_sync``), for a practice that has just imported its past visits.

In the practice's words, the result is what the recall engine would have left had it
seen every completed visit as it happened:

- for each patient and active recall type with triggers, the latest completed
  appointment carrying a trigger procedure is the last visit: ``date_previous`` is its
  local date at its location, ``date_due`` that plus the patient's own interval, else the
  type's (``recalls.engine.add_interval``);
- a patient with such a visit and no open cycle of the type gets one;
- an open cycle with another ``date_previous`` or ``date_due`` is repaired (a write like
  any other: its version goes up). Its ``interval``, note and link to a booking are the
  person's or the engine's and stay;
- a disabled recall is left alone: the practice switched it off;
- a patient or type without such a visit is not touched. Completed cycles are history
  and never rewritten. A second run changes nothing.

Set-based: the triggers, the latest visit per patient and trigger code (one aggregate
over the appointments' procedures, local dates computed in SQL at each location's zone)
and the open recalls (``FOR UPDATE``) are three reads, whatever the number of patients;
the writes are one ``INSERT`` and one ``UPDATE``, all in one transaction.

Races: the open recalls read are locked, so a completion the engine makes meanwhile
waits for the sync and then brings the repaired cycle round. A cycle the engine opens
for a patient the sync is about to give one wins (``ON CONFLICT DO NOTHING``); the
counts then say one more created than were. Taking the engine's per-patient locks
(``PATIENT_RECALLS``) for thousands of patients would exhaust PostgreSQL's lock table,
so a completion committing a first cycle for a patient while the sync creates that
patient's can still fail; run the sync when the practice is quiet (it takes seconds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import DateField, F, Func, Max
from django.utils import timezone

from appointments.models import AppointmentProcedure, AppointmentStatus
from recalls.engine import add_interval
from recalls.models import PatientRecall, RecallTrigger, RecallType
from scheduling.models import Organization

#: ``progress(done, total)``: called as the (patient, type) pairs are compared.
Progress = Callable[[int, int], None]


class LocalDate(Func):
    """The calendar date of a ``timestamptz`` in a zone given by name (a column)."""

    arg_joiner = " AT TIME ZONE "
    template = "((%(expressions)s)::date)"
    output_field = DateField()


@dataclass
class SyncSummary:
    created: int = 0
    repaired: int = 0
    unchanged: int = 0


def recalls_sync(*, org: Organization, progress: Progress | None = None) -> SyncSummary:
    """Create the open cycles patients lack and repair wrong dates (see the module)."""
    with transaction.atomic():
        codes_of = defaultdict(set)  # recall type id → its trigger procedure code ids
        for type_id, code_id in RecallTrigger.objects.filter(
            org=org, recall_type__is_active=True
        ).values_list("recall_type_id", "procedure_code_id"):
            codes_of[type_id].add(code_id)
        types = {t.pk: t for t in RecallType.objects.filter(org=org, pk__in=list(codes_of))}
        last_visit = _last_visits(org, codes_of)
        open_recalls = {
            (recall.patient_id, recall.recall_type_id): recall
            for recall in PatientRecall.objects.select_for_update()
            .filter(org=org, completed_at__isnull=True, recall_type_id__in=list(types))
            .order_by("id")
        }

        summary = SyncSummary()
        created, repaired = [], []
        now = timezone.now()
        total = len(last_visit)
        for done, ((patient_id, type_id), day) in enumerate(sorted(last_visit.items()), 1):
            recall = open_recalls.get((patient_id, type_id))
            interval = (recall and recall.interval) or types[type_id].default_interval
            due = add_interval(day, interval)
            if recall is None:
                created.append(
                    PatientRecall(
                        org=org,
                        patient_id=patient_id,
                        recall_type=types[type_id],
                        date_previous=day,
                        date_due=due,
                    )
                )
            elif recall.is_disabled or (recall.date_previous, recall.date_due) == (day, due):
                summary.unchanged += 1
            else:
                recall.date_previous, recall.date_due = day, due
                recall.version, recall.updated_at = F("version") + 1, now
                repaired.append(recall)
            if progress is not None:
                progress(done, total)

        PatientRecall.objects.bulk_create(created, ignore_conflicts=True)
        PatientRecall.objects.bulk_update(
            repaired, ["date_previous", "date_due", "version", "updated_at"]
        )
        summary.created, summary.repaired = len(created), len(repaired)
    return summary


def _last_visits(org: Organization, codes_of: dict[int, set[int]]) -> dict[tuple[int, int], date]:
    """(patient id, recall type id) → the local date of the patient's latest completed
    appointment carrying one of the type's trigger codes: the latest per patient and
    code in one aggregate, then the latest of the type's codes."""
    types_of = defaultdict(set)  # code id → the recall type ids it triggers
    for type_id, code_ids in codes_of.items():
        for code_id in code_ids:
            types_of[code_id].add(type_id)
    rows = (
        AppointmentProcedure.objects.filter(
            org=org,
            procedure_code_id__in=list(types_of),
            appointment__status=AppointmentStatus.COMPLETE,
            appointment__start_at__isnull=False,
        )
        .values_list("appointment__patient_id", "procedure_code_id")
        .annotate(
            last=Max(LocalDate(F("appointment__start_at"), F("appointment__location__timezone")))
        )
        .order_by()
    )
    latest: dict[tuple[int, int], date] = {}
    for patient_id, code_id, day in rows:
        for type_id in types_of[code_id]:
            key = (patient_id, type_id)
            if key not in latest or day > latest[key]:
                latest[key] = day
    return latest
