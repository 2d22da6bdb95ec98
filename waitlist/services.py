"""The ASAP list: writes (one active entry per patient, location and appointment type,
decided by the database: 409 ``DUPLICATE_ENTRY``; status moves of ``TRANSITIONS``, else
409 ``INVALID_TRANSITION``) and reads: ``days_waiting`` and the score, computed in SQL when read.

``days_waiting`` counts the practice's calendar days (``Organization.local_timezone``)
from the day the entry was created to today. The score is deterministic and documented
in the README ("ASAP list"):

    patient_score = urgency weight (urgent 100, soon 60, routine 30, flexible 10)
                  + priority weight (max(0, 50 - 10 * item_order) of the WaitlistPriority
                    definition, 0 without a priority)
                  + days_waiting
                  + floor(treatment_value / 100) (0 without a value)

Both are annotations, so the list filters and sorts on them in the database.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Func, IntegerField, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least, TruncDate
from django.utils import timezone

from scheduling.exceptions import InvalidTransition
from scheduling.models import Location, Organization, Patient
from scheduling.services import unique_violations, update_versioned
from waitlist.models import (
    ACTIVE_STATUSES,
    EntryStatus,
    LocationMatch,
    Urgency,
    WaitlistEntry,
    WaitlistEntryLocation,
)

URGENCY_WEIGHTS = {
    Urgency.URGENT: 100,
    Urgency.SOON: 60,
    Urgency.ROUTINE: 30,
    Urgency.FLEXIBLE: 10,
}
#: Most urgent highest, for ``sort_by=urgency``.
URGENCY_RANKS = {Urgency.URGENT: 4, Urgency.SOON: 3, Urgency.ROUTINE: 2, Urgency.FLEXIBLE: 1}
PRIORITY_TOP_WEIGHT = 50
PRIORITY_STEP = 10


def _by_urgency(weights: dict) -> Case:
    return Case(
        *(When(urgency=value, then=Value(weight)) for value, weight in weights.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def with_score(queryset: QuerySet, *, org: Organization) -> QuerySet:
    """Annotate ``days_waiting``, the score's parts and ``patient_score``, as of the
    practice's today."""
    return scored(queryset, today=org.local_today(), tz_name=org.local_timezone())


def scored(queryset: QuerySet, *, today: date, tz_name: str) -> QuerySet:
    """``with_score`` for ``today`` in the zone ``tz_name`` (the practice's)."""
    created_day = TruncDate("created_at", tzinfo=ZoneInfo(tz_name))
    days = Func(
        Value(today),
        created_day,
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    priority = Case(
        When(priority__isnull=True, then=Value(0)),
        default=Least(
            Greatest(
                Value(PRIORITY_TOP_WEIGHT) - Value(PRIORITY_STEP) * F("priority__item_order"),
                Value(0),
            ),
            Value(PRIORITY_TOP_WEIGHT),
        ),
        output_field=IntegerField(),
    )
    treatment = Coalesce(Cast(Floor(F("treatment_value") / Value(100)), IntegerField()), Value(0))
    return queryset.annotate(
        days_waiting=Greatest(days, Value(0)),
        score_urgency=_by_urgency(URGENCY_WEIGHTS),
        score_priority=priority,
        score_treatment=treatment,
        urgency_rank=_by_urgency(URGENCY_RANKS),
    ).annotate(
        patient_score=F("score_urgency")
        + F("score_priority")
        + F("days_waiting")
        + F("score_treatment"),
    )


# --- writes ------------------------------------------------------------------------------

UNIQUE_ENTRY = {
    "waitlist_one_active_entry": (
        "DUPLICATE_ENTRY",
        "The patient already has an active ASAP entry for this location and appointment "
        "type; change that one instead.",
    )
}

#: PATCH status moves (anything else, other than keeping the status: 409).
TRANSITIONS = {
    EntryStatus.WAITING: {EntryStatus.REMOVED},
    EntryStatus.CONTACTED: {EntryStatus.WAITING, EntryStatus.REMOVED},
    EntryStatus.OFFERED: {EntryStatus.WAITING, EntryStatus.REMOVED},
}


def _check(entry: WaitlistEntry, additional: list) -> None:
    """The rules across fields (422 naming the field)."""
    errors = {}
    start, end = entry.date_range_start, entry.date_range_end
    if start and end and end < start:
        errors["date_range_end"] = ValidationError(
            "Must be on or after date_range_start.", code="date_range"
        )
    t_start, t_end = entry.preferred_time_start, entry.preferred_time_end
    if t_start and t_end and t_end <= t_start:
        errors["preferred_time_end"] = ValidationError(
            "Must be after preferred_time_start.", code="time_window"
        )
    days = entry.preferred_days or []
    if any(not 0 <= day <= 6 for day in days):
        errors["preferred_days"] = ValidationError(
            "Days are 0 (Monday) to 6 (Sunday).", code="preferred_days"
        )
    elif len(set(days)) != len(days):
        errors["preferred_days"] = ValidationError("No day twice.", code="preferred_days")
    if entry.reach == LocationMatch.SELECTED and not additional:
        errors["additional_location_uuids"] = ValidationError(
            "location_scope selected needs at least one other location.", code="required"
        )
    if entry.reach != LocationMatch.SELECTED and additional:
        errors["additional_location_uuids"] = ValidationError(
            "Only with location_scope selected.", code="scope"
        )
    if entry.appointment_id and entry.appointment.patient_id != entry.patient_id:
        errors["appointment_uuid"] = ValidationError(
            "The appointment is another patient's.", code="other_patient"
        )
    if entry.recall_id and entry.recall.patient_id != entry.patient_id:
        errors["recall_uuid"] = ValidationError(
            "The recall is another patient's.", code="other_patient"
        )
    if errors:
        raise ValidationError(errors)
    entry.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def _others(entry: WaitlistEntry, locations) -> list:
    """The additional locations, without repeats nor the home location."""
    seen = {}
    for location in locations or []:
        if location.pk != entry.location_id:
            seen.setdefault(location.pk, location)
    return list(seen.values())


def _set_locations(entry: WaitlistEntry, locations: list) -> None:
    WaitlistEntryLocation.objects.filter(entry=entry).delete()
    WaitlistEntryLocation.objects.bulk_create(
        WaitlistEntryLocation(org_id=entry.org_id, entry=entry, location=location)
        for location in locations
    )


@transaction.atomic
def entry_create(
    *,
    org: Organization,
    patient: Patient,
    location: Location,
    location_scope: str = LocationMatch.HOME_ONLY,
    additional_locations: list | None = None,
    **fields,
) -> WaitlistEntry:
    """Add a patient to the ASAP list (409 ``DUPLICATE_ENTRY``: one active entry per
    patient, location and appointment type, decided by the database)."""
    if not patient.is_active:
        raise ValidationError({"patient_uuid": ValidationError("The patient is inactive.")})
    entry = WaitlistEntry(org=org, patient=patient, location=location, reach=location_scope)
    for name, value in fields.items():
        setattr(entry, name, value)
    others = _others(entry, additional_locations)
    _check(entry, others)
    with unique_violations(UNIQUE_ENTRY):
        entry.save()
    _set_locations(entry, others)
    return entry


@transaction.atomic
def entry_update(
    *,
    entry: WaitlistEntry,
    base_version: int | None = None,
    status: str | None = None,
    location_scope: str | None = None,
    additional_locations: list | None = None,
    **changes,
) -> WaitlistEntry:
    """Change the fields given; ``base_version`` is checked when sent (stale: 409).

    ``status`` moves only along ``TRANSITIONS`` (409 ``INVALID_TRANSITION`` otherwise).
    A scope other than ``selected`` drops the additional locations.
    """
    if status is not None and status != entry.status:
        if status not in TRANSITIONS.get(entry.status, set()):
            raise InvalidTransition(
                f"An entry cannot move from {entry.status} to {status} by hand."
            )
        changes["status"] = status
    if location_scope is not None:
        changes["reach"] = location_scope
    reach = changes.get("reach", entry.reach)
    for name, value in changes.items():
        setattr(entry, name, value)
    current = list(
        Location.objects.filter(
            pk__in=WaitlistEntryLocation.objects.filter(entry=entry).values("location_id")
        )
    )
    if additional_locations is not None:
        others = _others(entry, additional_locations)
    elif reach != LocationMatch.SELECTED:
        others = []
    else:
        others = _others(entry, current)
    _check(entry, others)
    version = entry.version if base_version is None else base_version
    entry.refresh_from_db(fields=list(changes))  # update_versioned compares with the stored row
    entry = update_versioned(entry, base_version=version, changes=changes, unique=UNIQUE_ENTRY)
    if {loc.pk for loc in others} != {loc.pk for loc in current}:
        _set_locations(entry, others)
    return entry


def entry_remove(*, entry: WaitlistEntry) -> None:
    """DELETE: the entry is kept as ``removed`` (already removed: nothing to do)."""
    if entry.status == EntryStatus.REMOVED:
        return
    entry_update(entry=entry, status=EntryStatus.REMOVED)


def entries_bulk_remove(*, org: Organization, entries: list[WaitlistEntry]) -> int:
    """Set ``removed`` on the given entries that are active; how many changed."""
    return WaitlistEntry.objects.filter(
        org=org, pk__in=[entry.pk for entry in entries], status__in=ACTIVE_STATUSES
    ).update(status=EntryStatus.REMOVED, version=F("version") + 1, updated_at=timezone.now())
