"""Quick-fill: the ASAP entries that could take an opening, best first.

An entry matches an opening (a location, a local date, a start and an end, maybe a
provider and an appointment type) when

- it is ``waiting`` or ``contacted``;
- the date lies in its date range (each bound where set);
- the weekday is one of its ``preferred_days`` and the opening lies within its preferred
  time window (where set);
- its duration fits the opening: ``estimated_duration_mins``, else its appointment type's
  ``duration_minutes``, else any;
- its reach covers the location: its home location always; with
  ``include_cross_location`` also ``selected`` entries that name the location and ``any``;
- the patient holds no live appointment (planned, scheduled, complete) overlapping the
  opening, anywhere.

Ranked by urgency (urgent first), priority (the definition's ``item_order``; none last),
score (``waitlist.services.with_score``, as the list sorts by it), then days waiting
(longest first).

Quality: ``exact`` when the provider and the type match and the duration fits with at
most 10 minutes to spare; ``good`` when provider and type match but the duration is
looser (or unknown); ``partial`` otherwise. The provider matches when the entry names
none or names the opening's; the type likewise.

Every criterion, the ranking, the limit and the count of all matches are one narrow
SELECT (``matching_entries``: what a match says of each entry, ``COUNT(*) OVER ()``
counting all as it goes), built by the ORM once and run with each opening's values
(``scheduling.db.Composed``); the already-booked test reads the org's appointments
around the opening once (one index range) and checks the entries against their
patients. Python says how each of the best matches matches (``ranked``); the quick-fill
endpoint then reads the few entries it shows with what they refer to
(``with_entries``). However long the list, Python sees only what it shows. The openings
(``waitlist.openings``, which rank the entries for a freed slot the moment it frees) use
the same two functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from appointments.models import Appointment, AppointmentType
from appointments.models.appointments import LIVE_STATUSES, START_SORT_KEY
from scheduling.access import Access
from scheduling.db import Composed
from scheduling.models import Location, Provider
from scheduling.models.base import Restriction
from scheduling.timezones import earliest_start, field_instant
from waitlist.models import (
    EntryStatus,
    LocationMatch,
    WaitlistEntry,
    WaitlistEntryLocation,
)
from waitlist.services import scored

MATCHING_STATUSES = (EntryStatus.WAITING, EntryStatus.CONTACTED)
#: Spare minutes an ``exact`` match may leave.
EXACT_SPARE_MINUTES = 10


@dataclass
class Match:
    entry_id: int
    quality: str
    provider_match: bool
    type_match: bool
    location_match: str
    duration_fit: int | None
    days_waiting: int
    reasons: list[str] = field(default_factory=list)
    #: The entry itself, for showing (``with_entries``).
    entry: WaitlistEntry | None = None


class Candidate(NamedTuple):
    """An entry as ``matching_entries`` reads it: what ``ranked`` needs to say how it
    matches, and how many match in all."""

    pk: int
    match_count: int
    location_id: int
    reach: str
    provider_id: int | None
    appointment_type_id: int | None
    urgency: str
    days_waiting: int
    needed_minutes: int | None


@dataclass(frozen=True)
class ChairTime:
    """An opening as quick-fill judges it: where, when (the instants and the wall times
    at the location), and the provider and appointment type it is for, if any."""

    location: Location
    start_at: datetime
    end_at: datetime
    slot_date: date
    start_time: time
    end_time: time
    provider_id: int | None = None
    appointment_type_id: int | None = None

    @property
    def minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)


@dataclass
class QuickFillResult:
    matches: list[Match]
    total_matches: int
    location: Location


def quick_fill(
    *,
    access: Access,
    location: Location,
    slot_date: date,
    slot_start_time: time,
    slot_end_time: time,
    provider: Provider | None = None,
    appointment_type: AppointmentType | None = None,
    include_cross_location: bool = True,
    max_results: int = 10,
) -> QuickFillResult:
    tz = location.timezone
    slot = ChairTime(
        location=location,
        start_at=field_instant(slot_date, slot_start_time, tz, "slot_start_time"),
        end_at=field_instant(slot_date, slot_end_time, tz, "slot_end_time"),
        slot_date=slot_date,
        start_time=slot_start_time,
        end_time=slot_end_time,
        provider_id=provider.pk if provider is not None else None,
        appointment_type_id=appointment_type.pk if appointment_type is not None else None,
    )
    rows = matching_entries(access, slot, cross_location=include_cross_location)
    matches, total = ranked(slot, rows, limit=max_results)
    return QuickFillResult(with_entries(access, matches), total, location)


#: The most matches anyone may ask for (``max_results``): the statement reads that many,
#: best first, and each caller keeps what it asked for.
MAX_RESULTS = 100


def _matching(cross_location: bool) -> Composed:
    """The narrow SELECT of ``matching_entries``, composed once (``Composed``)."""

    def build(v: dict) -> QuerySet:
        reach = Q(location=v["location"])
        if cross_location:
            named = WaitlistEntryLocation.objects.filter(
                entry=OuterRef("pk"), location=v["location"]
            )
            reach |= Q(reach=LocationMatch.ANY) | Q(reach=LocationMatch.SELECTED) & Exists(named)
        # The patients booked at that time anywhere in the org, found by their start: the
        # (org, start key) index reads the window's few appointments, and the entries are
        # checked against that set (a hashed ``NOT IN``), not each against its patient's
        # history.
        booked = (
            Appointment.objects.alias(start_key=START_SORT_KEY)
            .filter(
                org=v["org"],
                status__in=LIVE_STATUSES,
                start_key__gt=v["earliest"],
                start_key__lt=v["end_at"],
                end_at__gt=v["start_at"],
            )
            .values("patient_id")
        )
        # ``restrict(access)`` as constant SQL: the caller's org and locations are values.
        restriction = Restriction(WaitlistEntry, connection.ops.quote_name(_ENTRIES))
        entries = _with_needed_minutes(WaitlistEntry.objects.all()).filter(
            RawSQL(restriction.sql, (v["org"], v["locations"], v["locations"]), BooleanField()),
            reach,
            Q(date_range_start__isnull=True) | Q(date_range_start__lte=v["date"]),
            Q(date_range_end__isnull=True) | Q(date_range_end__gte=v["date"]),
            Q(preferred_days=[]) | Q(preferred_days__contains=[v["weekday"]]),
            Q(preferred_time_start__isnull=True) | Q(preferred_time_start__lte=v["start_time"]),
            Q(preferred_time_end__isnull=True) | Q(preferred_time_end__gte=v["end_time"]),
            Q(needed_minutes__isnull=True) | Q(needed_minutes__lte=v["minutes"]),
            ~Q(patient_id__in=booked),
            status__in=MATCHING_STATUSES,
        )
        return (
            scored(entries, today=v["today"], tz_name=v["tz"])
            .annotate(match_count=Window(Count("*")))
            .order_by(
                F("urgency_rank").desc(),
                F("priority__item_order").asc(nulls_last=True),
                F("patient_score").desc(),
                "created_at",  # days waiting, longest first
                "id",
            )
            .values_list(*Candidate._fields)[:MAX_RESULTS]
        )

    # Sent as ``Composed`` sends it (bound on the client, planned with its values):
    # prepared, or bound on the server, it ran twice as long over the bench's 5,000
    # entries (20 ms, not 9). Composing once spares the ORM's work (~5 ms a call).
    return Composed(
        build,
        org=1_000_000_001,
        locations=[1_000_000_002],
        location=1_000_000_003,
        date=date(1901, 1, 2),
        weekday=32_004,  # smallint, as preferred_days' elements
        start_time=time(0, 0, 0, 1),
        end_time=time(0, 0, 0, 2),
        minutes=32_005,  # smallint, as the durations
        start_at=datetime(1901, 1, 1, 0, 0, 1, tzinfo=UTC),
        end_at=datetime(1901, 1, 1, 0, 0, 2, tzinfo=UTC),
        earliest=datetime(1901, 1, 1, 0, 0, 3, tzinfo=UTC),
        today=date(1901, 1, 3),
        tz="Pacific/Chatham",
    )


_ENTRIES = WaitlistEntry._meta.db_table
_MATCHING = {cross: _matching(cross) for cross in (True, False)}


def matching_statement(
    access: Access, slot: ChairTime, *, cross_location: bool = True
) -> tuple[str, list]:
    """``matching_entries``' statement and parameters, for a caller that sends it with
    its own reads in one round trip (``scheduling.db.run_together``)."""
    return _MATCHING[cross_location].statement(**_values(access, slot))


def matching_entries(
    access: Access, slot: ChairTime, *, cross_location: bool = True
) -> list[tuple]:
    """The best ``MAX_RESULTS`` entries that match ``slot`` as ``Candidate`` rows, best
    first: one statement composed once (see the module docstring); give them to
    ``ranked``."""
    return _MATCHING[cross_location].rows(**_values(access, slot))


def _values(access: Access, slot: ChairTime) -> dict:
    """The values of ``_matching``'s statement for ``slot`` and the caller."""
    org = access.org
    ids = None if access.location_ids is None else sorted(access.location_ids)
    return dict(
        org=org.pk,
        locations=ids,
        location=slot.location.pk,
        date=slot.slot_date,
        weekday=slot.slot_date.weekday(),
        start_time=slot.start_time,
        end_time=slot.end_time,
        minutes=slot.minutes,
        start_at=slot.start_at,
        end_at=slot.end_at,
        earliest=earliest_start(slot.start_at),
        today=org.local_today(),
        tz=org.local_timezone(),
    )


def ranked(slot: ChairTime, rows: Sequence[tuple], *, limit: int) -> tuple[list[Match], int]:
    """The best ``limit`` matches ``matching_entries`` found for ``slot``, in its order,
    and how many match in all (no query: the entries themselves are ``with_entries``')."""
    matches = [_match(Candidate(*row), slot) for row in rows[:limit]]
    return matches, rows[0][1] if rows else 0


def with_entries(access: Access, matches: list[Match]) -> list[Match]:
    """``matches`` with their entries (``Match.entry``) and what those refer to, read in
    one query; a match whose entry the caller may not see is left out."""
    entries = {}
    if matches:
        entries = (
            WaitlistEntry.objects.restrict(access)
            .filter(pk__in=[match.entry_id for match in matches])
            .select_related("patient", "location", "provider", "appointment_type", "priority")
            .in_bulk()
        )
    for match in matches:
        match.entry = entries.get(match.entry_id)
    return [match for match in matches if match.entry is not None]


def _with_needed_minutes(queryset: QuerySet) -> QuerySet:
    """``needed_minutes``: the entry's estimate, else its appointment type's length."""
    return queryset.annotate(
        needed_minutes=Coalesce("estimated_duration_mins", "appointment_type__duration_minutes")
    )


def _match(entry: Candidate, slot: ChairTime) -> Match:
    needed, opening_minutes = entry.needed_minutes, slot.minutes
    reasons = [f"{entry.urgency} urgency"]
    if entry.location_id == slot.location.id:
        location_match = "home"
        reasons.append("home location")
    elif entry.reach == LocationMatch.SELECTED:
        location_match = "selected"
        reasons.append("location among the entry's selected locations")
    else:
        location_match = "any"
        reasons.append("accepts any location")
    if entry.provider_id is None:
        provider_match = True
        reasons.append("no provider preference")
    else:
        provider_match = entry.provider_id == slot.provider_id
        reasons.append("preferred provider" if provider_match else "another provider preferred")
    if entry.appointment_type_id is None:
        type_match = True
    else:
        type_match = entry.appointment_type_id == slot.appointment_type_id
        reasons.append("appointment type matches" if type_match else "another appointment type")
    duration_fit = None if needed is None else opening_minutes - needed
    if duration_fit is None:
        reasons.append("duration unknown")
    else:
        reasons.append(f"fits with {duration_fit} min to spare")
    if provider_match and type_match and duration_fit is not None:
        quality = "exact" if duration_fit <= EXACT_SPARE_MINUTES else "good"
    elif provider_match and type_match:
        quality = "good"
    else:
        quality = "partial"
    return Match(
        entry_id=entry.pk,
        quality=quality,
        provider_match=provider_match,
        type_match=type_match,
        location_match=location_match,
        duration_fit=duration_fit,
        days_waiting=entry.days_waiting,
        reasons=reasons,
    )
