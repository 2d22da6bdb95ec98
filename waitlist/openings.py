"""Openings: chair time an appointment gave up, recorded the moment it frees, with the ASAP
entries that could take it.

In the practice's words:

- When a live appointment (planned, scheduled, complete) is cancelled, broken,
  pinboarded, unscheduled or deleted, the time it held in its chair is an opening; when
  it is moved (another time, another chair, shorter), the time it held and no longer
  holds is (a move later by half an hour frees the first half hour).
- Only time that starts in the future and within the next 14 days is recorded: further
  out the ASAP list will have changed before anyone calls.
- Each opening keeps its top ``MATCHES_KEPT`` quick-fill matches as they ranked when it
  was freed (``waitlist.quick_fill``: the same criteria and order as the endpoint, for the
  location, the local date and wall times, the appointment's primary provider and type).
  A freed slot nobody on the list fits is still an opening: the desk still wants to know.
- Its status is derived when read, never stored (``with_status``): ``filled`` when a live
  appointment takes any of its time in that chair, else ``expired`` once its start has
  passed, else ``open``.

The appointments app announces its writes (``appointments.services.events``), each
appointment with the chair time it held before (``held_before``); this module listens,
inside the write's transaction, so an opening commits or rolls back with the
cancellation that made it. The work is bounded whatever the announcement holds: the
primary providers and every opening's ranked candidates
(``quick_fill.matching_statement``) are read in one round trip, and the openings written
in one statement. An announcement that frees no time in the next 14 days costs no query
at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import timedelta

from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from appointments.models import LIVE_STATUSES, Appointment, AppointmentProvider, ProviderRole
from appointments.services.events import AppointmentEvent, HeldSlot, held_slot
from scheduling.access import Access
from scheduling.db import insert_together, run_together
from scheduling.models import Location
from scheduling.timezones import zone
from waitlist.models import Opening, OpeningReason, OpeningStatus
from waitlist.quick_fill import ChairTime, Match, matching_statement, ranked, with_entries

#: How far ahead freed time becomes an opening.
HORIZON = timedelta(days=14)
#: How many matches an opening keeps (quick-fill's default ``max_results``).
MATCHES_KEPT = 10
#: The events after which an appointment may have given up time.
FREEING_EVENTS = frozenset(
    {AppointmentEvent.RELEASED, AppointmentEvent.CHANGED, AppointmentEvent.DELETED}
)
#: What an opening keeps of each ``Match`` besides its entry (by id).
KEPT_FIELDS = tuple(field.name for field in fields(Match) if field.name != "entry")


# --- recording -------------------------------------------------------------------------


def freed_time(before: HeldSlot | None, now: HeldSlot | None) -> list[HeldSlot]:
    """The parts of ``before`` that ``now`` does not hold (none, one, or two when an
    appointment shrank from both ends)."""
    if before is None:
        return []
    if now is None or now.operatory_id != before.operatory_id:
        return [before]
    parts = []
    if before.start_at < now.start_at:
        parts.append(replace(before, end_at=min(before.end_at, now.start_at)))
    if now.end_at < before.end_at:
        parts.append(replace(before, start_at=max(before.start_at, now.end_at)))
    return parts


@dataclass(frozen=True)
class _Freed:
    appointment: Appointment
    reason: str
    part: HeldSlot
    slot: ChairTime


def _reason(event: AppointmentEvent, appointment: Appointment) -> str:
    if event is AppointmentEvent.DELETED:
        return OpeningReason.DELETED
    if appointment.status in LIVE_STATUSES:
        return OpeningReason.MOVED
    return OpeningReason(appointment.status)


def _freed(event: AppointmentEvent, appointments: Sequence[Appointment]) -> list[_Freed]:
    """The time ``appointments`` gave up that makes openings (start in the horizon)."""
    now = timezone.now()
    parts = []
    for appointment in appointments:
        held_now = None if event is AppointmentEvent.DELETED else held_slot(appointment)
        for part in freed_time(appointment.held_before, held_now):
            if now < part.start_at < now + HORIZON:
                parts.append((appointment, part))
    locations = {appointment.location_id: appointment.location for appointment, _ in parts}
    moved_away = {part.location_id for _, part in parts} - locations.keys()
    if moved_away:  # an appointment moved to another location: the time freed is the old one's
        locations |= Location.objects.in_bulk(moved_away)
    found = []
    for appointment, part in parts:
        location = locations[part.location_id]
        tz = zone(location.timezone)
        start, end = part.start_at.astimezone(tz), part.end_at.astimezone(tz)
        slot = ChairTime(
            location=location,
            start_at=part.start_at,
            end_at=part.end_at,
            slot_date=start.date(),
            start_time=start.time(),
            end_time=end.time(),
            appointment_type_id=appointment.appointment_type_id,
        )
        found.append(_Freed(appointment, _reason(event, appointment), part, slot))
    return found


def _primary_providers(appointment_ids: Iterable[int]) -> QuerySet:
    """``(appointment id, provider id)``: each appointment's first primary provider, else
    its first provider."""
    primary_first = Case(When(role=ProviderRole.PRIMARY, then=Value(0)), default=Value(1))
    return (
        AppointmentProvider.objects.filter(appointment_id__in=list(appointment_ids))
        .order_by("appointment_id", primary_first, "item_order", "id")
        .distinct("appointment_id")
        .values_list("appointment_id", "provider_id")
    )


def on_appointment_event(event: AppointmentEvent, appointments: Sequence[Appointment]) -> None:
    """The listener registered in ``WaitlistConfig.ready()`` (see the module docstring)."""
    if event not in FREEING_EVENTS:
        return
    freed = _freed(event, appointments)
    if not freed:
        return
    org = appointments[0].org
    access = Access.operator(org)
    # A deleted appointment's providers went with it: its opening names none.
    existing = {f.appointment.pk for f in freed if f.appointment.pk is not None}
    statements = [matching_statement(access, f.slot) for f in freed]
    if existing:
        statements.append(_primary_providers(existing).query.sql_with_params())
    found = run_together(statements)
    provider_of = dict(found.pop()) if existing else {}
    openings = []
    for f, rows in zip(freed, found, strict=True):
        slot = replace(f.slot, provider_id=provider_of.get(f.appointment.pk))
        matches, total = ranked(slot, rows, limit=MATCHES_KEPT)
        openings.append(
            Opening(
                org=org,
                location=slot.location,
                operatory_id=f.part.operatory_id,
                provider_id=slot.provider_id,
                appointment_type_id=slot.appointment_type_id,
                appointment_id=f.appointment.pk,
                reason=f.reason,
                start_at=slot.start_at,
                end_at=slot.end_at,
                slot_date=slot.slot_date,
                start_time=slot.start_time,
                end_time=slot.end_time,
                matches=[_stored(match) for match in matches],
                total_matches=total,
            )
        )
    insert_together([openings])


def _stored(match: Match) -> dict:
    """A match as an opening keeps it: the entry by id, the rest as quick-fill said it."""
    return {name: getattr(match, name) for name in KEPT_FIELDS}


# --- reading ---------------------------------------------------------------------------


def with_status(queryset: QuerySet) -> QuerySet:
    """Annotate ``status`` (``OpeningStatus``), as of now: filled, else expired, else open."""
    taken = Appointment.objects.filter(
        org=OuterRef("org"),
        operatory=OuterRef("operatory"),
        status__in=LIVE_STATUSES,
        start_at__lt=OuterRef("end_at"),
        end_at__gt=OuterRef("start_at"),
    )
    return queryset.annotate(
        status=Case(
            When(Exists(taken), then=Value(OpeningStatus.FILLED)),
            When(start_at__lte=Now(), then=Value(OpeningStatus.EXPIRED)),
            default=Value(OpeningStatus.OPEN),
        )
    )


def with_matches(openings: Sequence[Opening], *, access: Access) -> Sequence[Opening]:
    """Give each opening ``ranked_matches``: its kept matches (``Match``) with their
    entries as they are now, read in one query for all of them, and ``shown_total``. An
    entry the caller may not see (its home location is forbidden to them) is left out,
    and not counted: a caller who sees every location gets the practice's count of all
    matches (``total_matches``), one limited to some locations the count of the kept
    matches shown."""
    kept = [
        [Match(**{name: stored[name] for name in KEPT_FIELDS}) for stored in opening.matches]
        for opening in openings
    ]
    with_entries(access, [match for matches in kept for match in matches])
    for opening, matches in zip(openings, kept, strict=True):
        opening.ranked_matches = [match for match in matches if match.entry is not None]
        opening.shown_total = (
            opening.total_matches if access.location_ids is None else len(opening.ranked_matches)
        )
    return openings


__all__ = [
    "HORIZON",
    "MATCHES_KEPT",
    "freed_time",
    "on_appointment_event",
    "with_matches",
    "with_status",
]
