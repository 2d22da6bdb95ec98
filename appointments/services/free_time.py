"""The free-time search: where could the front desk book this visit?

"Find me the next free 60 minutes with a hygienist, mornings, in the next two weeks." A
slot, a provider and an operatory over a local ``[start, end)`` on one date, is offered
when, for its whole length:

1. the provider is scheduled at the location (``scheduling.schedule.resolution``: the
   date's overrides, else the templates in effect), in that operatory when the
   provider's range names one, else in any operatory of the location;
2. the operatory is free as the conflict engine judges a booking
   (``conflicts.judge_slots``): no live appointment there unless an appointment rule
   allows the pair of types at the location (``conflicts.TypeRules``), and no
   no-schedule blockout on the operatory or location-wide; intervals are half-open, so
   back to back is free;
3. the provider is not booked anywhere else (any chair, any location of the org) during
   the visit's provider time: the ``X`` cells of its time pattern (a type's
   ``effective_time_pattern``; without a type, all of it). ``/`` cells (assistant time)
   may overlap another booking of the provider: that is how a dentist runs two chairs.

Starts are local wall times on the date, a multiple of ``increment_minutes`` after
midnight; start and end are converted as a booking converts them
(``scheduling.timezones``: a wall time in the spring-forward gap does not exist, so no
slot starts or ends in it; an ambiguous one is its first occurrence). Booking a slot's
``date``, ``start_time`` and ``end_time`` therefore holds exactly ``start_at`` …
``end_at``. A slot lies within one local day, and one that starts before ``not_before``
(now) is not offered: free time is time still to come.

Nothing is written or locked: the answer is a snapshot. A booking made from it is judged
again by the conflict engine, so two desks picking one slot get one appointment and one
409.

Cost: one round trip reads everything (templates, overrides, the chairs, the live
appointments in the chairs, the providers' bookings anywhere in the org, the no-schedule
blockouts, the type's rules), whatever the number of days, providers and operatories.
The rest is interval arithmetic on instants as whole seconds since 1970 (thousands of
them are read as integers: parsing them as timestamps took a third of the time): a
sorted, merged busy list per chair and per provider; per provider, chair and day the
scheduled time minus the chair's busy time, inside which aligned starts are enumerated
and their provider time checked by bisection. Days are searched in order and the search
stops after the first day that fills ``limit``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import BigIntegerField, Q, QuerySet
from django.db.models.functions import Cast, Ceil, Extract, Floor

from appointments.models import (
    LIVE_STATUSES,
    START_SORT_KEY,
    Appointment,
    AppointmentRule,
    AppointmentType,
)
from appointments.models.appointment_types import SLOT_MINUTES
from appointments.services.conflicts import RULE_COLUMNS, TypeRules
from blockouts.models import Blockout, BlockoutStatus
from scheduling.db import fetch_together
from scheduling.models import Location, Operatory, Patient, PatientPreference, Provider
from scheduling.schedule.preferences import preference_fit
from scheduling.schedule.resolution import ProviderDay, days, resolve, schedule_querysets
from scheduling.timezones import (
    NonexistentLocalTime,
    day_start,
    earliest_start,
    to_utc,
    to_utc_after_gap,
    zone,
)

#: ``increment_minutes`` a search may align starts to.
INCREMENTS = (5, 10, 15, 20, 30, 60)
#: The longest window a search covers, in days (inclusive).
MAX_DAYS = 31
PROVIDER_TIME = "X"
MINUTES_PER_DAY = 24 * 60
#: Wall-clock marks of a day, one per pattern cell: every start, end and cell boundary
#: of a slot is one (durations, increments and cells are multiples of ``SLOT_MINUTES``).
MARKS = MINUTES_PER_DAY // SLOT_MINUTES

#: ``[start, end)`` in whole seconds since 1970 (UTC).
Interval = tuple[int, int]


# --- the answer ------------------------------------------------------------------------


@dataclass(frozen=True)
class FreeSlot:
    """A slot the front desk may book: ``date``, ``start_time`` and ``end_time`` are what a
    booking sends; ``start_at`` … ``end_at`` the instants it then holds."""

    date: date
    start_time: time
    end_time: time
    start_at: datetime
    end_at: datetime
    provider: Provider
    operatory: Operatory
    location: Location


@dataclass(frozen=True)
class FreeTime:
    """The slots found (``limit`` at most, by start) and what was searched for."""

    location: Location
    date_from: date
    date_to: date
    duration_minutes: int
    time_pattern: str
    increment_minutes: int
    appointment_type: AppointmentType | None
    slots: list[FreeSlot]
    truncated: bool  # more slots than ``limit`` were free in the window


# --- the visit's provider time ---------------------------------------------------------


def visit_pattern(duration_minutes: int, appointment_type: AppointmentType | None) -> str:
    """The visit's time pattern, one cell per ``SLOT_MINUTES``: the type's effective
    pattern cut to the length, or carried on as provider time when the visit is longer
    (time nobody described is assumed to need the provider, so a slot offered never
    double-books one); without a type, provider time throughout."""
    cells = duration_minutes // SLOT_MINUTES
    pattern = appointment_type.effective_time_pattern if appointment_type else ""
    return pattern.upper()[:cells].ljust(cells, PROVIDER_TIME)


def provider_cells(pattern: str) -> list[tuple[int, int]]:
    """The runs of provider time in ``pattern`` as ``(first cell, cell after the last)``."""
    runs, start = [], None
    for cell, kind in enumerate(f"{pattern}/"):
        if kind == PROVIDER_TIME and start is None:
            start = cell
        elif kind != PROVIDER_TIME and start is not None:
            runs.append((start, cell))
            start = None
    return runs


# --- intervals ---------------------------------------------------------------------------


class Busy:
    """Busy time as disjoint intervals sorted by start (their ends then sorted too), for
    overlap questions by bisection."""

    def __init__(self, intervals: Iterable[Interval]):
        merged: list[list[int]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self.ends, start)  # the first that ends after ``start``
        return index < len(self.starts) and self.starts[index] < end

    def free_within(self, start: int, end: int) -> Iterable[Interval]:
        """The parts of ``[start, end)`` that are not busy."""
        index = bisect_right(self.ends, start)
        while index < len(self.starts) and self.starts[index] < end:
            if self.starts[index] > start:
                yield start, self.starts[index]
            start = max(start, self.ends[index])
            index += 1
        if start < end:
            yield start, end


NOT_BUSY = Busy(())


class _Clock:
    """A local date's wall-clock marks (one per ``SLOT_MINUTES`` from midnight) as
    instants (``Interval`` seconds): ``at[k]`` as a booking converts mark ``k`` (None in a
    spring-forward gap, the first occurrence when ambiguous), ``after_gap[k]`` the same
    with a gap's marks at the first instant after it (where a pattern cell inside the gap
    begins and ends)."""

    def __init__(self, day: date, tz_name: str):
        self.day = day
        tz = zone(tz_name)
        midnight = datetime.combine(day, time(0))
        last = midnight + timedelta(minutes=MINUTES_PER_DAY - SLOT_MINUTES)
        offsets = {tz.utcoffset(wall.replace(fold=f)) for wall in (midnight, last) for f in (0, 1)}
        step = SLOT_MINUTES * 60
        if len(offsets) == 1:  # no change of offset that day: plain arithmetic
            first = _seconds_of((midnight - offsets.pop()).replace(tzinfo=UTC))
            self.at: list[int | None] = [first + step * k for k in range(MARKS)]
            self.after_gap: list[int] = self.at  # type: ignore[assignment]
        else:  # a daylight-saving day: each mark as the zone has it
            self.at, self.after_gap = [], []
            for k in range(MARKS):
                wall = _wall(k)
                try:
                    instant = _seconds_of(to_utc(day, wall, tz_name))
                except NonexistentLocalTime:
                    instant = None
                self.at.append(instant)
                gap_end = _seconds_of(to_utc_after_gap(day, wall, tz_name))
                self.after_gap.append(gap_end if instant is None else instant)
        self.existing = [k for k in range(MARKS) if self.at[k] is not None]
        self.instants = [self.at[k] for k in self.existing]

    def marks_from(self, instant: int) -> Iterable[int]:
        """The marks that exist, from the first at or after ``instant`` on."""
        return self.existing[bisect_left(self.instants, instant) :]


def _wall(k: int) -> time:
    minutes = k * SLOT_MINUTES
    return time(minutes // 60, minutes % 60)


def _seconds_of(instant: datetime) -> int:
    """An instant as ``Interval`` seconds (whole: wall times and the resolution's instants
    are whole seconds)."""
    return int(instant.timestamp())


def _epoch(column: str, *, round_up: bool = False):
    """SQL: ``column`` (an instant) as whole seconds since 1970, rounded outward for busy
    time (starts down, ends up), so that a fraction of a second never frees a slot the
    conflict engine would refuse."""
    return Cast((Ceil if round_up else Floor)(Extract(column, "epoch")), BigIntegerField())


# --- the reads -----------------------------------------------------------------------


def _reads(
    *,
    location: Location,
    date_from: date,
    date_to: date,
    window: Interval,
    appointment_type: AppointmentType | None,
    providers: Sequence[Provider] | None,
    operatories: Sequence[Operatory] | None,
) -> list[QuerySet]:
    """Everything the search needs, as querysets sent together: templates, overrides, the
    location's active chairs (unless named), the live appointments in its chairs, the
    providers' bookings anywhere in the org, the no-schedule blockouts there, the rules of
    the type. Each interval read looks back at most a local day before the window, as the
    engine's overlap queries do (``earliest_start``)."""
    org_id = location.org_id
    start, end = window
    provider_ids = None if providers is None else [p.pk for p in providers]
    templates, overrides = schedule_querysets(
        org_id, date_from, date_to, provider_ids=provider_ids, location_ids=[location.pk]
    )
    if operatories is None:
        chairs = Operatory.objects.filter(org=org_id, location=location.pk, is_active=True)
        chair_ids = Operatory.objects.filter(org=org_id, location=location.pk).values("pk")
    else:
        chairs = Operatory.objects.none()
        chair_ids = [o.pk for o in operatories]
    if provider_ids is None:  # whoever is scheduled at the location in the window
        booked = Q(provider_links__provider__in=templates.values("provider_id")) | Q(
            provider_links__provider__in=overrides.values("provider_id")
        )
    else:
        booked = Q(provider_links__provider__in=provider_ids)
    rules = AppointmentRule.objects.none()
    if appointment_type is not None:
        rules = AppointmentRule.objects.filter(
            Q(appointment_type_a=appointment_type.pk) | Q(appointment_type_b=appointment_type.pk),
            Q(location__isnull=True) | Q(location=location.pk),
            org=org_id,
        )
    return [
        templates,
        overrides,
        chairs,
        Appointment.objects.filter(
            org=org_id,
            operatory__in=chair_ids,
            status__in=LIVE_STATUSES,
            start_at__lt=end,
            start_at__gt=earliest_start(start),
            end_at__gt=start,
        )
        .order_by()
        .values_list(
            "operatory_id",
            _epoch("start_at"),
            _epoch("end_at", round_up=True),
            "appointment_type_id",
        ),
        # Bookings anywhere in the org, found by their start: the (org, start key) index
        # reads the window's appointments, however long the providers' history.
        Appointment.objects.alias(start_key=START_SORT_KEY)
        .filter(
            booked,
            org=org_id,
            status__in=LIVE_STATUSES,
            provider_links__org=org_id,
            start_key__lt=end,
            start_key__gt=earliest_start(start),
            end_at__gt=start,
        )
        .order_by()
        .values_list(
            "provider_links__provider_id", _epoch("start_at"), _epoch("end_at", round_up=True)
        ),
        Blockout.objects.filter(
            org=org_id,
            location=location.pk,
            status=BlockoutStatus.ACTIVE,
            blockout_type__is_no_schedule=True,
            start_at__lt=end,
            start_at__gt=earliest_start(start),
            end_at__gt=start,
        )
        .order_by()
        .values_list("operatory_id", _epoch("start_at"), _epoch("end_at", round_up=True)),
        rules.order_by().values_list(*RULE_COLUMNS),
    ]


# --- the search ----------------------------------------------------------------------


def free_time_search(
    *,
    location: Location,
    date_from: date,
    date_to: date,
    duration_minutes: int,
    appointment_type: AppointmentType | None = None,
    providers: Sequence[Provider] | None = None,
    operatories: Sequence[Operatory] | None = None,
    earliest_time: time | None = None,
    latest_time: time | None = None,
    increment_minutes: int = 10,
    limit: int = 50,
    patient: Patient | None = None,
    preferences: PatientPreference | None = None,
    not_before: datetime | None = None,
) -> FreeTime:
    """The first ``limit`` free slots of ``duration_minutes`` at ``location`` from
    ``date_from`` to ``date_to`` (local dates, inclusive), by start, then best fit to
    the patient's preference (``patient``: read with everything else; or ``preferences``
    as given), provider name and operatory order (see the module docstring).

    ``providers``/``operatories``: only those (None: every active provider scheduled
    there, every active operatory of the location; named ones are searched whatever
    their state). ``earliest_time``/``latest_time``: the slot starts at or after the one
    and ends at or before the other (local wall times). The arguments are taken as
    checked (``FreeTimeQuery``): operatories at the location, a length in whole cells.
    """
    tz_name = location.timezone
    pattern = visit_pattern(duration_minutes, appointment_type)
    result = FreeTime(
        location=location,
        date_from=date_from,
        date_to=date_to,
        duration_minutes=duration_minutes,
        time_pattern=pattern,
        increment_minutes=increment_minutes,
        appointment_type=appointment_type,
        slots=[],
        truncated=False,
    )
    window = day_start(date_from, tz_name), day_start(date_to + timedelta(days=1), tz_name)
    reads = _reads(
        location=location,
        date_from=date_from,
        date_to=date_to,
        window=window,
        appointment_type=appointment_type,
        providers=providers,
        operatories=operatories,
    )
    wanted_preference = patient is not None and preferences is None
    if wanted_preference:
        reads.append(PatientPreference.objects.filter(org=location.org_id, patient=patient))
    fetched = fetch_together(reads)
    if wanted_preference:
        preferences = next(iter(fetched.pop()), None)
    templates, overrides, chairs, booked, bookings, blockouts, rules = fetched
    if operatories is not None:
        chairs = list(operatories)
    chairs.sort(key=lambda o: (o.item_order, o.name, o.pk))
    if not chairs:
        return result

    allows = TypeRules(rules)
    type_id = appointment_type.pk if appointment_type else None
    taken: dict[int | None, list[Interval]] = defaultdict(list)
    for operatory_id, start, end, other_type_id in booked:
        if not allows.allow(type_id, other_type_id, location.pk):
            taken[operatory_id].append((start, end))
    for operatory_id, start, end in blockouts:  # operatory None: the whole location
        taken[operatory_id].append((start, end))
    chair_busy = {o.pk: Busy(taken[o.pk] + taken[None]) for o in chairs}
    provider_intervals: dict[int, list[Interval]] = defaultdict(list)
    for provider_id, start, end in bookings:
        provider_intervals[provider_id].append((start, end))
    provider_busy = {pk: Busy(intervals) for pk, intervals in provider_intervals.items()}

    search = _Search(
        chairs=chairs,
        chair_busy=chair_busy,
        provider_busy=provider_busy,
        cells=len(pattern),
        provider_runs=provider_cells(pattern),
        step=increment_minutes // SLOT_MINUTES,
        earliest=earliest_time,
        latest=latest_time,
        not_before=not_before,
        preferences=preferences,
    )
    by_date: dict[date, list[ProviderDay]] = defaultdict(list)
    for provider_day in resolve(templates, overrides, days(date_from, date_to)):
        if providers is not None or provider_day.provider.is_active:
            by_date[provider_day.date].append(provider_day)
    found: list[tuple] = []
    for day in days(date_from, date_to):
        if by_date.get(day):
            found.extend(sorted(search.day(_Clock(day, tz_name), by_date[day]), key=_order))
        if len(found) > limit:
            break
    slots = [
        FreeSlot(
            date=clock.day,
            start_time=_wall(k),
            end_time=_wall(k + len(pattern)),
            start_at=datetime.fromtimestamp(start_at, UTC),
            end_at=datetime.fromtimestamp(clock.at[k + len(pattern)], UTC),
            provider=provider,
            operatory=operatory,
            location=location,
        )
        for start_at, *_keys, clock, k, provider, operatory in found[:limit]
    ]
    return replace(result, slots=slots, truncated=len(found) > limit)


def _order(found: tuple) -> tuple:
    return found[:4]  # start, best fit first, provider name, operatory order


class _Search:
    """The per-day arithmetic of one search, with everything read already."""

    def __init__(
        self,
        *,
        chairs: list[Operatory],
        chair_busy: dict[int, Busy],
        provider_busy: dict[int, Busy],
        cells: int,
        provider_runs: list[tuple[int, int]],
        step: int,
        earliest: time | None,
        latest: time | None,
        not_before: datetime | None,
        preferences: PatientPreference | None,
    ):
        self.chairs, self.chair_busy, self.provider_busy = chairs, chair_busy, provider_busy
        self.cells, self.provider_runs, self.step = cells, provider_runs, step
        self.not_before = None if not_before is None else _seconds_of(not_before)
        self.preferences = preferences
        # Marks a start may take: from earliest on, ending by latest and before midnight.
        first = 0 if earliest is None else -(-_wall_seconds(earliest) // (SLOT_MINUTES * 60))
        last_end = MARKS - 1
        if latest is not None:
            last_end = min(last_end, _wall_seconds(latest) // (SLOT_MINUTES * 60))
        self.first_start, self.last_start = first, last_end - cells

    def day(self, clock: _Clock, provider_days: list[ProviderDay]) -> list[tuple]:
        """The free slots of one date, each as ``(start_at, -fit, provider key, operatory
        key, clock, mark, provider, operatory)`` (the first four order them)."""
        found = []
        for provider_day in provider_days:
            provider = provider_day.provider
            provider_key = (provider.last_name, provider.first_name, provider.pk)
            busy = self.provider_busy.get(provider.pk, NOT_BUSY)
            ranges = [
                (_seconds_of(r.start_at), _seconds_of(r.end_at), r.operatory)
                for r in provider_day.ranges
            ]
            for chair in self.chairs:
                scheduled = Busy(
                    (start, end)
                    for start, end, operatory in ranges
                    if operatory is None or operatory.pk == chair.pk
                )  # the union of the provider's time usable in this chair
                chair_key = (chair.item_order, chair.name, chair.pk)
                for free_start, free_end in self._free(scheduled, self.chair_busy[chair.pk]):
                    for k in self._starts(clock, free_start, free_end, busy):
                        fit = self.preferences is not None and preference_fit(
                            self.preferences,
                            local_date=clock.day,
                            local_start=_wall(k),
                            local_end=_wall(k + self.cells),
                            provider_id=provider.pk,
                            operatory_id=chair.pk,
                        )
                        found.append(
                            (clock.at[k], -fit, provider_key, chair_key, clock, k, provider, chair)
                        )
        return found

    @staticmethod
    def _free(scheduled: Busy, taken: Busy) -> Iterable[Interval]:
        for start, end in zip(scheduled.starts, scheduled.ends, strict=True):
            yield from taken.free_within(start, end)

    def _starts(
        self, clock: _Clock, free_start: int, free_end: int, provider_busy: Busy
    ) -> Iterable[int]:
        """The marks inside ``[free_start, free_end)`` a slot may start at: aligned, within
        earliest/latest, existing at both ends, ending in the free time, its provider time
        clear of the provider's other bookings."""
        for k in clock.marks_from(free_start):
            if k > self.last_start:
                return
            end = clock.at[k + self.cells]
            start = clock.at[k]
            if start >= free_end or (end is not None and end > free_end):
                return  # later marks start (and end) later still
            if k < self.first_start or k % self.step or end is None:
                continue
            if self.not_before is not None and start < self.not_before:
                continue
            if not any(
                provider_busy.overlaps(clock.after_gap[k + a], clock.after_gap[k + b])
                for a, b in self.provider_runs
            ):
                yield k


def _wall_seconds(wall: time) -> int:
    return wall.hour * 3600 + wall.minute * 60 + wall.second
