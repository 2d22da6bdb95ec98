"""The conflict engine: may this appointment hold this chair for this interval?

Every write that gives an appointment a slot (create, move, place, a PATCH of time or
operatory, a transition back into a live status) comes through ``ensure_slot_free``; a
bulk import judges all its rows at once with ``judge_slots``; ``check-conflicts``
previews with ``find_conflicts``. All three judge with the same code (``judge_slots``).
The rules are CONVENTIONS "Scheduling rules":

- intervals are half-open ``[start, end)``: back-to-back appointments do not conflict;
- another live appointment in the operatory is ``APPOINTMENT_OVERLAP`` unless the request
  says ``allow_overlap`` or an appointment rule allows that pair of types there;
- a blockout whose type is no-schedule, on the operatory or location-wide, is
  ``BLOCKED_TIME_CONFLICT`` (``allow_overlap`` does not lift it); other blockouts inform;
- a provider booked elsewhere at the same time is ``PROVIDER_OVERLAP``: reported, never
  blocking;
- in a batch, each slot is judged after the ones before it: a slot accepted earlier in
  the batch holds its chair for the later ones, exactly as if they had been booked one
  after the other.

Race freedom: ``ensure_slot_free`` takes a transaction-level advisory lock on the
operatory before it reads, so two transactions booking one chair run the check-and-write
one after the other; the second sees the first's row. The caller's transaction holds the
lock until it commits. A batch locks all its chairs at once (``lock_chairs``) before it
reads: every location's blockout lock (shared), then every chair, each in ascending
order, the same order a single booking follows (its location, then its chair), so
batches and bookings wait for each other and never deadlock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import product

from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from appointments.models import (
    LIVE_STATUSES,
    START_SORT_KEY,
    Appointment,
    AppointmentProvider,
    AppointmentRule,
    AppointmentType,
)
from blockouts.models import Blockout, BlockoutStatus
from blockouts.selectors import blockouts_overlapping
from scheduling.db import Composed, equals_any, from_row, run_together
from scheduling.exceptions import Conflict
from scheduling.locks import LOCATION_BLOCKOUTS, OPERATORY_BOOKINGS, Lock, xact_locks
from scheduling.models import Location, Operatory, Patient, Provider
from scheduling.timezones import earliest_start, to_local

APPOINTMENT_OVERLAP = "APPOINTMENT_OVERLAP"
PROVIDER_OVERLAP = "PROVIDER_OVERLAP"
BLOCKED_TIME_CONFLICT = "BLOCKED_TIME_CONFLICT"


@dataclass(frozen=True)
class Slot:
    """An interval in one chair, as a booking asks for it."""

    org_id: int
    location_id: int
    operatory_id: int
    start: datetime
    end: datetime
    appointment_type_id: int | None = None
    exclude_appointment_id: int | None = None
    timezone: str = "UTC"  # the location's, for messages in the front desk's wall time

    @classmethod
    def of(cls, appointment: Appointment) -> Slot:
        """The slot an appointment holds (itself left out of what it collides with)."""
        return cls(
            org_id=appointment.org_id,
            location_id=appointment.location_id,
            operatory_id=appointment.operatory_id,
            start=appointment.start_at,
            end=appointment.end_at,
            appointment_type_id=appointment.appointment_type_id,
            exclude_appointment_id=appointment.pk,
            timezone=appointment.location.timezone,
        )


@dataclass
class ProviderOverlap:
    provider: object
    appointment: Appointment


@dataclass
class Conflicts:
    """What a slot collides with. ``reason_codes`` lists the kinds found."""

    appointments: list[Appointment] = field(default_factory=list)
    blockouts: list = field(default_factory=list)
    providers: list[ProviderOverlap] = field(default_factory=list)
    #: ``ensure_slot_free``: a provider is booked elsewhere meanwhile; the read of those
    #: appointments, for the caller to send with its write (its ``overlaps`` are
    #: ``providers``).
    providers_read: OverlapsRead | None = None

    @property
    def blocking_blockouts(self) -> list:
        return [b for b in self.blockouts if b.blockout_type.is_no_schedule]

    @property
    def reason_codes(self) -> list[str]:
        codes = []
        if self.appointments:
            codes.append(APPOINTMENT_OVERLAP)
        if self.providers:
            codes.append(PROVIDER_OVERLAP)
        if self.blocking_blockouts:
            codes.append(BLOCKED_TIME_CONFLICT)
        return codes

    @property
    def blocking_codes(self) -> list[str]:
        return [code for code in self.reason_codes if code != PROVIDER_OVERLAP]


class SchedulingConflict(Conflict):
    """409: the slot is taken (``APPOINTMENT_OVERLAP``) or blocked (``BLOCKED_TIME_CONFLICT``)."""

    def __init__(self, conflicts: Conflicts, tz_name: str = "UTC"):
        codes = conflicts.blocking_codes

        def span(start: datetime, end: datetime) -> str:
            return f"{to_local(start, tz_name):%Y-%m-%d %H:%M}–{to_local(end, tz_name):%H:%M}"

        if BLOCKED_TIME_CONFLICT in codes:
            names = ", ".join(
                f"{b.blockout_type.name} {span(b.start_at, b.end_at)}"
                for b in conflicts.blocking_blockouts
            )
            detail = f"The time is blocked: {names}."
        else:
            detail = "The operatory is booked at that time: " + ", ".join(
                f"{a.patient.name} {span(a.start_at, a.end_at)}" for a in conflicts.appointments
            )
            detail += ". Send allow_overlap to book anyway."
        super().__init__(
            detail,
            # A blocked time cannot be overridden; an overlap can (allow_overlap).
            code=BLOCKED_TIME_CONFLICT if BLOCKED_TIME_CONFLICT in codes else APPOINTMENT_OVERLAP,
            conflicts=conflicts,  # rendered by the API (ConflictDetailsSerializer)
            reason_codes=codes,
        )


_rehearsal: ContextVar[bool] = ContextVar("booking_rehearsal", default=False)


@contextmanager
def rehearsal() -> Iterator[None]:
    """Bookings inside are rolled back (a dry run): they check but take no locks, so a
    rehearsal never makes real bookings wait, nor deadlocks with another one."""
    token = _rehearsal.set(True)
    try:
        yield
    finally:
        _rehearsal.reset(token)


def lock_slot(slot: Slot, *, then: tuple[str, Sequence] | None = None) -> list:
    """Serialize bookings of the slot's chair until the current transaction ends, and hold
    off new blockouts at its location meanwhile (their lock, taken shared: bookings of other
    chairs do not wait). ``then``: a statement run once the locks are held (``xact_locks``)."""
    return lock_chairs([(slot.location_id, slot.operatory_id)], then=then)


def _lock_order(key: int) -> int:
    return key % 2**31  # the key the lock is taken under (``xact_locks``)


def lock_chairs(
    chairs: Iterable[tuple[int, int]], *, then: tuple[str, Sequence] | None = None
) -> list:
    """Lock many chairs, given as ``(location id, operatory id)``, until the transaction
    ends: every location's blockout lock shared, then every chair's lock, each kind in
    ascending order, in one statement. A single booking is the case of one chair; since
    everyone locks locations before chairs and each in the same order, no two writers can
    wait for each other in a circle. A rehearsal (dry run) locks nothing (``then`` still
    runs). Returns the rows of ``then``."""
    if _rehearsal.get():
        return xact_locks([], then=then)
    chairs = set(chairs)
    locations = sorted({location for location, _ in chairs}, key=_lock_order)
    operatories = sorted({operatory for _, operatory in chairs}, key=_lock_order)
    return xact_locks(
        [Lock(LOCATION_BLOCKOUTS, location, shared=True) for location in locations]
        + [Lock(OPERATORY_BOOKINGS, operatory) for operatory in operatories],
        then=then,
    )


@dataclass(frozen=True)
class Booking:
    """A slot asked for, judged by ``judge_slots``.

    ``allow_overlap``: other appointments do not count (blockouts still do).
    ``appointment``: the appointment that would hold the slot (unsaved in a bulk import);
    once the slot is accepted it holds the chair for the bookings after it in the batch,
    and a later booking that collides with it names it.
    """

    slot: Slot
    allow_overlap: bool = False
    appointment: Appointment | None = None


#: The slots of a batch as a table (one row per slot) for the overlap queries, which look
#: up each slot's rows LATERAL: an index range per slot, never a scan of the org's rows
#: (``OFFSET 0`` keeps PostgreSQL from flattening the lookup into a hash join).
_SLOT_TABLE = (
    "unnest(%s::bigint[], %s::bigint[], %s::timestamptz[], %s::timestamptz[], "
    "%s::timestamptz[]) AS s(location_id, operatory_id, start_at, end_at, earliest)"
)


def _slot_columns(slots: Sequence[Slot]) -> list[list]:
    return [
        [slot.location_id for slot in slots],
        [slot.operatory_id for slot in slots],
        [slot.start for slot in slots],
        [slot.end for slot in slots],
        [earliest_start(slot.start) for slot in slots],
    ]


def live_appointments_around(org_id: int, slots: Sequence[Slot]) -> list[Appointment]:
    """Live appointments in the slots' chairs that overlap one of the slots.

    One query however many slots: each slot reads the index range of its chair
    (``appt_org_operatory_start``), so slots spread over years never read the years
    between them.
    """
    if not slots:
        return []
    overlapping = RawSQL(
        f"SELECT o.id FROM {_SLOT_TABLE} CROSS JOIN LATERAL ("
        f"SELECT a.id FROM {Appointment._meta.db_table} a "
        "WHERE a.org_id = %s AND a.operatory_id = s.operatory_id AND a.start_at < s.end_at "
        "AND a.start_at > s.earliest AND a.end_at > s.start_at AND a.status = ANY(%s) "
        "OFFSET 0) o",
        [*_slot_columns(slots), org_id, sorted(LIVE_STATUSES)],
    )
    return list(
        Appointment.objects.filter(org=org_id, pk__in=overlapping)
        .select_related("patient", "operatory", "appointment_type", "location")
        .order_by()  # judged in the order of their starts (_Timeline)
    )


def blockouts_around(org_id: int, slots: Sequence[Slot]) -> list[Blockout]:
    """Active blockouts overlapping one of the slots, on its chair or location-wide.

    ``blockouts.selectors.blockouts_overlapping`` for many slots in one query (the same
    conditions), with ``blockout_type``, ``operatory`` and ``location`` loaded.
    """
    if not slots:
        return []
    overlapping = RawSQL(
        f"SELECT o.id FROM {_SLOT_TABLE} CROSS JOIN LATERAL ("
        f"SELECT b.id FROM {Blockout._meta.db_table} b "
        "WHERE b.org_id = %s AND b.location_id = s.location_id "
        "AND (b.operatory_id IS NULL OR b.operatory_id = s.operatory_id) "
        "AND b.start_at < s.end_at AND b.start_at > s.earliest AND b.end_at > s.start_at "
        "AND b.status = %s OFFSET 0) o",
        [*_slot_columns(slots), org_id, BlockoutStatus.ACTIVE],
    )
    return list(
        Blockout.objects.filter(org=org_id, pk__in=overlapping)
        .select_related("blockout_type", "operatory", "location")
        .order_by()
    )


#: What ``TypeRules`` reads of an appointment rule (``values_list``).
RULE_COLUMNS = ("appointment_type_a", "appointment_type_b", "location", "allow_overlap")


class TypeRules:
    """Whether an appointment of one type may share a chair with one of another, from the
    appointment rules read (``RULE_COLUMNS`` rows): the one answer the conflict engine and
    the free-time search give.

    A rule for the location overrides the org-wide rule of the same (unordered) pair; no
    rule, or an untyped appointment on either side, does not allow it.
    """

    def __init__(self, rows: Iterable[tuple]):
        self._rules: dict[tuple[int, int], dict[int | None, bool]] = defaultdict(dict)
        for type_a, type_b, location, allow in rows:
            self._rules[min(type_a, type_b), max(type_a, type_b)][location] = allow

    def allow(self, mine: int | None, other: int | None, location_id: int) -> bool:
        if mine is None or other is None:
            return False
        pair = self._rules.get((min(mine, other), max(mine, other)), {})
        if location_id in pair:
            return pair[location_id]
        return pair.get(None, False)


class _TypeRules:
    """The appointment rules among a batch's types, read once, on the first question."""

    def __init__(self, org_id: int, type_ids: set[int], location_ids: set[int]):
        self.org_id, self.type_ids, self.location_ids = org_id, type_ids, location_ids
        self._rules: TypeRules | None = None

    def allow(self, mine: int | None, other: int | None, location_id: int) -> bool:
        if mine is None or other is None:
            return False
        if self._rules is None:
            self._rules = TypeRules(
                AppointmentRule.objects.filter(
                    Q(location__isnull=True) | Q(location__in=self.location_ids),
                    org=self.org_id,
                    appointment_type_a__in=self.type_ids,
                    appointment_type_b__in=self.type_ids,
                ).values_list(*RULE_COLUMNS)
            )
        return self._rules.allow(mine, other, location_id)


class _Timeline:
    """Intervals per key (a chair, a location) sorted by start, for overlap questions."""

    def __init__(self):
        self._starts: dict[int, list[datetime]] = defaultdict(list)
        self._entries: dict[int, list[tuple]] = defaultdict(list)

    def add(self, key: int, entry: tuple) -> None:
        """``entry``: ``(start, order, end, item)``, ``order`` breaking ties of start."""
        index = bisect_right(self._entries[key], entry[:2], key=lambda e: e[:2])
        self._entries[key].insert(index, entry)
        self._starts[key].insert(index, entry[0])

    def overlapping(self, key: int, slot: Slot) -> Iterator:
        """Items of ``key`` overlapping ``[slot.start, slot.end)`` that start after the
        earliest start the overlap queries look back to, in order."""
        starts = self._starts.get(key)
        if not starts:
            return
        entries = self._entries[key]
        low = bisect_right(starts, earliest_start(slot.start))
        high = bisect_left(starts, slot.end)
        for _start, _order, end, item in entries[low:high]:
            if end > slot.start:
                yield item


def judge_slots(bookings: Sequence[Booking]) -> list[Conflicts]:
    """What each booking's slot collides with, judged in order; nothing is locked or written.

    A booking is accepted when its ``Conflicts`` has no ``blocking_codes``; an accepted
    booking's ``appointment`` then holds its chair for the bookings after it, so a later
    slot overlapping an earlier one of the batch fails naming it, as if the two had been
    booked one after the other. The database is read in at most three queries whatever the
    batch's size: the live appointments around the slots, the blockouts around them, and
    (when a pair of typed appointments overlaps) the appointment rules of their types.
    Each ``Conflicts`` lists every overlapping blockout (blocking or not), the overlapping
    appointments no rule allows (none with ``allow_overlap``), and no providers.
    """
    if not bookings:
        return []
    org_id = bookings[0].slot.org_id
    booked = live_appointments_around(org_id, [b.slot for b in bookings if not b.allow_overlap])
    chairs, blocked = _Timeline(), _Timeline()
    for appointment in booked:
        chairs.add(
            appointment.operatory_id,
            (appointment.start_at, (0, appointment.pk), appointment.end_at, appointment),
        )
    for blockout in blockouts_around(org_id, [b.slot for b in bookings]):
        blocked.add(
            blockout.location_id, (blockout.start_at, blockout.pk, blockout.end_at, blockout)
        )
    rules = _TypeRules(
        org_id,
        ({b.slot.appointment_type_id for b in bookings} | {a.appointment_type_id for a in booked})
        - {None},
        {b.slot.location_id for b in bookings},
    )
    verdicts = []
    for position, booking in enumerate(bookings):
        slot = booking.slot
        conflicts = Conflicts(
            blockouts=[
                b
                for b in blocked.overlapping(slot.location_id, slot)
                if b.operatory_id is None or b.operatory_id == slot.operatory_id
            ]
        )
        if not booking.allow_overlap:
            conflicts.appointments = [
                other
                for other in chairs.overlapping(slot.operatory_id, slot)
                if not (other.pk is not None and other.pk == slot.exclude_appointment_id)
                and not rules.allow(
                    slot.appointment_type_id, other.appointment_type_id, slot.location_id
                )
            ]
        verdicts.append(conflicts)
        if booking.appointment is not None and not conflicts.blocking_codes:
            # Held from now on; after the booked ones of equal start (its id comes later).
            chairs.add(
                slot.operatory_id, (slot.start, (1, position), slot.end, booking.appointment)
            )
    return verdicts


def provider_overlaps(
    slot: Slot, provider_ids: Iterable[int], location_ids: frozenset[int] | None = None
) -> list[ProviderOverlap]:
    """Other live appointments, in any chair, that book one of ``provider_ids`` meanwhile.

    ``location_ids`` limits them to the locations a caller may see (None: every one).
    One statement per shape, composed once (``Composed``).
    """
    read = OverlapsRead.of(slot, provider_ids, location_ids)
    if read is None:
        return []
    (rows,) = run_together([read.statement])
    return read.overlaps(rows)


@dataclass(frozen=True)
class OverlapsRead:
    """``provider_overlaps``' read, to send with other statements (``statement``); its
    rows are then the ``overlaps``."""

    statement: tuple[str, Sequence]
    composed: Composed

    @classmethod
    def of(
        cls, slot: Slot, provider_ids: Iterable[int], location_ids: frozenset[int] | None = None
    ) -> OverlapsRead | None:
        """None: no providers, nothing to read."""
        provider_ids = list(provider_ids)
        if not provider_ids:
            return None
        composed = _PROVIDER_OVERLAPS[
            slot.exclude_appointment_id is not None, location_ids is not None
        ]
        statement = composed.statement(
            org=slot.org_id,
            start=slot.start,
            end=slot.end,
            earliest=earliest_start(slot.start),
            providers=provider_ids,
            exclude=slot.exclude_appointment_id,
            locations=None if location_ids is None else sorted(location_ids),
        )
        return cls(statement, composed)

    def overlaps(self, rows: list[tuple]) -> list[ProviderOverlap]:
        overlaps = []
        for link in self.composed.read(rows):
            appointment = link.appointment
            for name, key, model, columns in _OVERLAP_REFERENCES:
                owner = appointment if key.startswith("appointment__") else link
                pk = getattr(owner, f"{name}_id")
                if pk is None:
                    setattr(owner, name, None)
                    continue
                # Only the columns shown loaded, the rest deferred (as ``only()`` loads it).
                values = [getattr(link, _reference_column(name, column)) for column in columns]
                names = [model._meta.pk.attname, *columns]
                setattr(owner, name, from_row(model, [pk, *values], names))
            overlaps.append(ProviderOverlap(provider=link.provider, appointment=appointment))
        return overlaps


#: What an overlap shows (``SchedulingWarningSerializer``, ``ProviderOverlapSerializer``)
#: of the other appointment; its other columns are deferred.
_OVERLAP_APPOINTMENT = (
    "uuid",
    "status",
    "start_at",
    "end_at",
    "location",
    "operatory",
    "patient",
    "appointment_type",
)
#: The rows an overlap names, each ``(attribute, key from the provider link, model, the
#: columns shown of it)``. Each column is read by a scalar subquery on the key, not by a
#: join (with the link's org: no key can name another org's row): with a join apiece
#: PostgreSQL planned seven tables on every call (~1.35 ms of planning for ~0.3 ms of
#: execution), two take it ~0.37 ms.
_OVERLAP_REFERENCES = (
    ("provider", "provider", Provider, ("uuid", "first_name", "last_name", "suffix")),
    ("patient", "appointment__patient", Patient, ("uuid", "first_name", "last_name")),
    ("operatory", "appointment__operatory", Operatory, ("uuid", "name")),
    ("appointment_type", "appointment__appointment_type", AppointmentType, ("uuid", "name")),
    ("location", "appointment__location", Location, ("uuid", "name", "timezone")),
)


def _reference_column(name: str, column: str) -> str:
    """The annotation that reads ``column`` of the row an overlap names as ``name``."""
    return f"overlap_{name}_{column}"


def _provider_overlaps_composed(excluded: bool, limited: bool) -> Composed:
    """``provider_overlaps``' statement of one shape, composed once."""

    def build(v: dict):
        links = (
            AppointmentProvider.objects.alias(start_key=_LINKED_START_KEY)
            .filter(
                equals_any("provider", v["providers"]),
                org=v["org"],
                appointment__org=v["org"],
                appointment__status__in=LIVE_STATUSES,
                appointment__start_at__lt=v["end"],
                appointment__end_at__gt=v["start"],
                appointment__start_at__gt=v["earliest"],
                # The appointments found by their start (as ``_collision_check`` finds them).
                start_key__gt=v["earliest"],
                start_key__lt=v["end"],
            )
            .select_related("appointment")
            .only(
                "provider",
                "appointment",
                *(f"appointment__{column}" for column in _OVERLAP_APPOINTMENT),
            )
            .annotate(
                **{
                    _reference_column(name, column): Subquery(
                        model._base_manager.filter(pk=OuterRef(key), org=OuterRef("org"))
                        .order_by()
                        .values(column)
                    )
                    for name, key, model, columns in _OVERLAP_REFERENCES
                    for column in columns
                }
            )
            .order_by("appointment__start_at", "appointment_id", "item_order")
        )
        if excluded:
            links = links.exclude(appointment_id=v["exclude"])
        if limited:
            links = links.filter(equals_any("appointment__location", v["locations"]))
        return links

    names = ["org", "start", "end", "earliest", "providers"]
    names += ["exclude"] * excluded + ["locations"] * limited
    return Composed(build, **{name: _SENTINELS[name] for name in names})


def find_conflicts(
    slot: Slot,
    *,
    provider_ids: Iterable[int] = (),
    location_ids: frozenset[int] | None = None,
    appointments: bool = True,
) -> Conflicts:
    """Everything the slot collides with, without locking or writing (a preview).

    ``appointments=False`` leaves overlapping appointments out (``allow_overlap``).
    """
    (conflicts,) = judge_slots([Booking(slot, allow_overlap=not appointments)])
    conflicts.providers = provider_overlaps(slot, provider_ids, location_ids)
    return conflicts


def ensure_slot_free(
    slot: Slot, *, allow_overlap: bool = False, provider_ids: Iterable[int] = ()
) -> Conflicts:
    """Lock the chair, then refuse the slot if it is taken or blocked (409).

    Call inside the transaction that writes the appointment: the locks are held until
    that transaction commits, so no other booking of the chair, and no new blockout at
    the location, can slip in between. ``provider_ids``: the booking's providers; when one
    is booked elsewhere meanwhile, ``providers_read`` reads those appointments (a warning,
    never a refusal), for the caller to send with its write.
    """
    provider_ids = list(provider_ids)
    # The locks, then (once they are held) whether anything could collide: one round trip.
    ((may_collide, providers_busy),) = lock_slot(
        slot, then=_collision_check(slot, appointments=not allow_overlap, providers=provider_ids)
    )
    conflicts = Conflicts()  # the common case, settled here
    if may_collide:
        (conflicts,) = judge_slots([Booking(slot, allow_overlap=allow_overlap)])
        if conflicts.blocking_codes:
            raise SchedulingConflict(conflicts, slot.timezone)
    if providers_busy:
        conflicts.providers_read = OverlapsRead.of(slot, provider_ids)
    return conflicts


def _collision_check(
    slot: Slot, *, appointments: bool, providers: Sequence[int]
) -> tuple[str, Sequence]:
    """The statement answering whether anything could block the slot (a live appointment
    in the chair, before the rules are asked, or a no-schedule blockout) and whether one
    of ``providers`` is booked elsewhere meanwhile; the details are read only when so
    (read on every booking, they would cost about as much again as the two answers).

    Its text depends only on which questions it asks, so each shape is composed once
    (``Composed``) and run with the slot's values."""
    # The slot's own appointment is left out of the others (when they are asked about).
    excluded = slot.exclude_appointment_id is not None and (appointments or bool(providers))
    return _COLLISION_CHECKS[appointments, bool(providers), excluded].statement(
        org=slot.org_id,
        location=slot.location_id,
        operatory=slot.operatory_id,
        start=slot.start,
        end=slot.end,
        earliest=earliest_start(slot.start),
        providers=list(providers),
        exclude=slot.exclude_appointment_id,
    )


def _collision_composed(appointments: bool, providers: bool, excluded: bool) -> Composed:
    """``_collision_check``'s statement of one shape, composed once."""

    def build(v: dict):
        collides = Exists(
            blockouts_overlapping(
                org=v["org"],
                location_id=v["location"],
                operatory_id=v["operatory"],
                start=v["start"],
                end=v["end"],
            ).filter(blockout_type__is_no_schedule=True)
        )
        others = Appointment.objects.filter(
            org=v["org"],
            status__in=LIVE_STATUSES,
            start_at__lt=v["end"],
            end_at__gt=v["start"],
            start_at__gt=v["earliest"],
        )
        if excluded:
            others = others.exclude(pk=v["exclude"])
        if appointments:
            collides |= Exists(others.filter(operatory=v["operatory"]))
        busy = Value(False)
        if providers:
            # Found by their start: the (org, start key) index reads the window's
            # appointments, however long the providers' history (without it, PostgreSQL
            # scans the org's appointments: ~10 ms at 100,000).
            busy = Exists(
                others.alias(start_key=START_SORT_KEY).filter(
                    equals_any("provider_links__provider", v["providers"]),
                    start_key__gt=v["earliest"],
                    start_key__lt=v["end"],
                    provider_links__org=v["org"],
                )
            )
        return (
            Location.objects.filter(pk=v["location"])
            .values_list(
                ExpressionWrapper(collides, output_field=BooleanField()),
                ExpressionWrapper(busy, output_field=BooleanField()),
            )
            .order_by()  # one row: the location's name orders nothing
        )

    names = ["org", "location", "operatory", "start", "end", "earliest"]
    names += ["providers"] * providers + ["exclude"] * excluded
    return Composed(build, **{name: _SENTINELS[name] for name in names})


#: ``START_SORT_KEY`` of a provider link's appointment: the (org, start key) index's.
_LINKED_START_KEY = Coalesce("appointment__start_at", Cast(Value("infinity"), DateTimeField()))
_START_SENTINEL = datetime(1901, 1, 3, 0, 0, 1, tzinfo=UTC)
#: Values no slot has, standing for the slot's in the composed statements (``Composed``).
_SENTINELS = {
    "org": 1_000_000_001,
    "location": 1_000_000_002,
    "operatory": 1_000_000_003,
    "start": _START_SENTINEL,
    "end": datetime(1901, 1, 3, 0, 0, 2, tzinfo=UTC),
    # What ``blockouts_overlapping`` computes from the start lands here.
    "earliest": earliest_start(_START_SENTINEL),
    "providers": [1_000_000_004],
    "exclude": 1_000_000_005,
    "locations": [1_000_000_006],
}
_COLLISION_CHECKS = {
    (appointments, providers, excluded): _collision_composed(appointments, providers, excluded)
    for appointments, providers, excluded in product((False, True), repeat=3)
    if appointments or providers or not excluded
}
_PROVIDER_OVERLAPS = {
    shape: _provider_overlaps_composed(*shape) for shape in product((False, True), repeat=2)
}
