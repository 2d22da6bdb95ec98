"""The conflict engine: may this appointment hold this chair for this interval?

Every write that gives an appointment a slot (create, move, place, a PATCH of time or
operatory, a bulk row, a transition back into a live status) comes through
``ensure_slot_free``; ``check-conflicts`` previews with ``find_conflicts``. The rules are
CONVENTIONS "Scheduling rules":

- intervals are half-open ``[start, end)``: back-to-back appointments do not conflict;
- another live appointment in the operatory is ``APPOINTMENT_OVERLAP`` unless the request
  says ``allow_overlap`` or an appointment rule allows that pair of types there;
- a blockout whose type is no-schedule, on the operatory or location-wide, is
  ``BLOCKED_TIME_CONFLICT`` (``allow_overlap`` does not lift it); other blockouts inform;
- a provider booked elsewhere at the same time is ``PROVIDER_OVERLAP``: reported, never
  blocking.

Race freedom: ``ensure_slot_free`` takes a transaction-level advisory lock on the
operatory before it reads, so two transactions booking one chair run the check-and-write
one after the other; the second sees the first's row. The caller's transaction holds the
lock until it commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, Q

from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentProvider,
    AppointmentRule,
)
from blockouts.selectors import blockouts_overlapping
from scheduling.exceptions import Conflict
from scheduling.locks import LOCATION_BLOCKOUTS, OPERATORY_BOOKINGS, Lock, xact_locks
from scheduling.models import Location
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


@dataclass
class ProviderOverlap:
    provider: object
    appointment: Appointment


@dataclass(frozen=True)
class SchedulingWarning:
    """What a successful write should tell the front desk (``warnings`` of the response).

    ``PROVIDER_OVERLAP``: a provider of the appointment is booked in another chair
    meanwhile (normal in dentistry, never blocking, but said); ``appointment`` is the other
    one. ``COMPLETED_IN_FUTURE``: the appointment was completed before its time.
    """

    code: str
    message: str = ""
    provider: object | None = None
    appointment: Appointment | None = None


@dataclass
class Conflicts:
    """What a slot collides with. ``reason_codes`` lists the kinds found."""

    appointments: list[Appointment] = field(default_factory=list)
    blockouts: list = field(default_factory=list)
    providers: list[ProviderOverlap] = field(default_factory=list)

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


def lock_slot(slot: Slot) -> None:
    """Serialize bookings of the slot's chair until the current transaction ends, and hold
    off new blockouts at its location meanwhile (their lock, taken shared: bookings of other
    chairs do not wait)."""
    if _rehearsal.get():
        return
    xact_locks(
        [
            Lock(LOCATION_BLOCKOUTS, slot.location_id, shared=True),
            Lock(OPERATORY_BOOKINGS, slot.operatory_id),
        ]
    )


def _overlapping(queryset, start: datetime, end: datetime):
    return queryset.filter(
        start_at__lt=end,
        end_at__gt=start,
        start_at__gt=earliest_start(start),
    )


def _allowed_type_pairs(slot: Slot, other_type_ids: set[int]) -> set[int]:
    """Types among ``other_type_ids`` that rules let share a chair with the slot's type.

    A rule for the location overrides the org-wide rule of the same pair.
    """
    if slot.appointment_type_id is None or not other_type_ids:
        return set()
    mine = slot.appointment_type_id
    rules = AppointmentRule.objects.filter(
        Q(appointment_type_a=mine, appointment_type_b__in=other_type_ids)
        | Q(appointment_type_b=mine, appointment_type_a__in=other_type_ids),
        Q(location__isnull=True) | Q(location=slot.location_id),
        org=slot.org_id,
    ).values_list("appointment_type_a", "appointment_type_b", "location", "allow_overlap")
    verdicts: dict[int, tuple[bool, bool]] = {}  # other type → (location-specific, allow)
    for type_a, type_b, location_id, allow in rules:
        other = type_b if type_a == mine else type_a
        specific = location_id is not None
        if other not in verdicts or specific:
            verdicts[other] = (specific, allow)
    return {other for other, (_, allow) in verdicts.items() if allow}


def overlapping_appointments(slot: Slot) -> list[Appointment]:
    """Live appointments in the slot's operatory that overlap it and no rule allows."""
    queryset = _overlapping(
        Appointment.objects.filter(
            org=slot.org_id, operatory=slot.operatory_id, status__in=LIVE_STATUSES
        ),
        slot.start,
        slot.end,
    ).select_related("patient", "operatory", "appointment_type", "location")
    if slot.exclude_appointment_id is not None:
        queryset = queryset.exclude(pk=slot.exclude_appointment_id)
    found = list(queryset.order_by("start_at", "id"))
    allowed = _allowed_type_pairs(slot, {a.appointment_type_id for a in found} - {None})
    return [a for a in found if a.appointment_type_id not in allowed]


def provider_overlaps(
    slot: Slot, provider_ids: Iterable[int], location_ids: frozenset[int] | None = None
) -> list[ProviderOverlap]:
    """Other live appointments, in any chair, that book one of ``provider_ids`` meanwhile.

    ``location_ids`` limits them to the locations a caller may see (None: every one).
    """
    provider_ids = list(provider_ids)
    if not provider_ids:
        return []
    links = (
        AppointmentProvider.objects.filter(
            org=slot.org_id,
            provider__in=provider_ids,
            appointment__status__in=LIVE_STATUSES,
            appointment__start_at__lt=slot.end,
            appointment__end_at__gt=slot.start,
            appointment__start_at__gt=earliest_start(slot.start),
        )
        .select_related(
            "provider",
            "appointment__patient",
            "appointment__operatory",
            "appointment__appointment_type",
            "appointment__location",
        )
        .order_by("appointment__start_at", "appointment_id", "item_order")
    )
    if slot.exclude_appointment_id is not None:
        links = links.exclude(appointment_id=slot.exclude_appointment_id)
    if location_ids is not None:
        links = links.filter(appointment__location__in=location_ids)
    return [ProviderOverlap(provider=link.provider, appointment=link.appointment) for link in links]


def provider_overlap_warnings(
    appointment: Appointment, provider_ids: Iterable[int] | None = None
) -> list[SchedulingWarning]:
    """``PROVIDER_OVERLAP`` for each other live appointment booking one of this live
    appointment's providers at the same time (every location of the org: the API shows
    those the caller may not see without their details)."""
    if appointment.status not in LIVE_STATUSES or appointment.start_at is None:
        return []
    slot = Slot(
        org_id=appointment.org_id,
        location_id=appointment.location_id,
        operatory_id=appointment.operatory_id,
        start=appointment.start_at,
        end=appointment.end_at,
        exclude_appointment_id=appointment.pk,
    )
    if provider_ids is None:  # the appointment's own (callers that know them pass them)
        provider_ids = AppointmentProvider.objects.filter(
            org=appointment.org_id, appointment=appointment
        ).values_list("provider", flat=True)
    return [
        SchedulingWarning(
            PROVIDER_OVERLAP, provider=overlap.provider, appointment=overlap.appointment
        )
        for overlap in provider_overlaps(slot, provider_ids)
    ]


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
    return Conflicts(
        appointments=overlapping_appointments(slot) if appointments else [],
        blockouts=list(
            blockouts_overlapping(
                org=slot.org_id,
                location_id=slot.location_id,
                operatory_id=slot.operatory_id,
                start=slot.start,
                end=slot.end,
            )
        ),
        providers=provider_overlaps(slot, provider_ids, location_ids),
    )


def ensure_slot_free(slot: Slot, *, allow_overlap: bool = False) -> Conflicts:
    """Lock the chair, then refuse the slot if it is taken or blocked (409).

    Call inside the transaction that writes the appointment: the locks are held until
    that transaction commits, so no other booking of the chair, and no new blockout at
    the location, can slip in between.
    """
    lock_slot(slot)
    if not _may_collide(slot, appointments=not allow_overlap):
        return Conflicts()  # the common case, settled in one query
    conflicts = find_conflicts(slot, appointments=not allow_overlap)
    if conflicts.blocking_codes:
        raise SchedulingConflict(conflicts, slot.timezone)
    return conflicts


def _may_collide(slot: Slot, *, appointments: bool) -> bool:
    """Whether anything could block the slot: a live appointment in the chair (before the
    rules are asked) or a no-schedule blockout. One query; the details only when so."""
    blocking = blockouts_overlapping(
        org=slot.org_id,
        location_id=slot.location_id,
        operatory_id=slot.operatory_id,
        start=slot.start,
        end=slot.end,
    ).filter(blockout_type__is_no_schedule=True)
    checks = {"blocked": Exists(blocking)}
    if appointments:
        taken = _overlapping(
            Appointment.objects.filter(
                org=slot.org_id, operatory=slot.operatory_id, status__in=LIVE_STATUSES
            ),
            slot.start,
            slot.end,
        )
        if slot.exclude_appointment_id is not None:
            taken = taken.exclude(pk=slot.exclude_appointment_id)
        checks["taken"] = Exists(taken)
    found = Location.objects.filter(pk=slot.location_id).annotate(**checks)
    return any(found.values_list(*checks).get())


def appointments_under_blockouts(blockouts: Sequence) -> list[str]:
    """Warnings naming the live appointments that new no-schedule blockouts land on.

    Registered with ``blockouts.coverage``: laying a blockout over booked appointments is
    allowed (the front desk reschedules them), but it is said. One query for the batch.
    """
    blocking = [b for b in blockouts if b.blockout_type.is_no_schedule]
    if not blocking:
        return []
    covers = Q()
    for blockout in blocking:
        covers |= _covered_by(blockout)
    found = list(
        Appointment.objects.filter(covers, org=blocking[0].org_id, status__in=LIVE_STATUSES)
        .select_related("patient", "operatory", "location")
        .order_by("start_at", "id")
    )
    warnings = []
    for blockout in blocking:
        hits = [a for a in found if _overlaps(blockout, a)]
        if hits:
            tz = blockout.location.timezone
            names = ", ".join(
                f"{a.patient.name} {to_local(a.start_at, tz):%H:%M}–{to_local(a.end_at, tz):%H:%M}"
                f" in {a.operatory.name} ({a.uuid})"
                for a in hits
            )
            where = blockout.operatory.name if blockout.operatory_id else "every operatory"
            warnings.append(
                f"{blockout.blockout_type.name} on {blockout.schedule_date.isoformat()} "
                f"({where}) covers booked appointments: {names}."
            )
    return warnings


def _covered_by(blockout) -> Q:
    q = Q(location=blockout.location_id, start_at__lt=blockout.end_at, end_at__gt=blockout.start_at)
    if blockout.operatory_id is not None:
        q &= Q(operatory=blockout.operatory_id)
    return q


def _overlaps(blockout, appointment: Appointment) -> bool:
    return (
        appointment.location_id == blockout.location_id
        and (blockout.operatory_id is None or appointment.operatory_id == blockout.operatory_id)
        and appointment.start_at < blockout.end_at
        and appointment.end_at > blockout.start_at
    )
