"""What happens to appointments, told to the apps above this one.

Recalls (and later the waitlist) react to appointments, but the appointments app cannot
import them (dependencies point the other way). So the appointment services announce
what they did, and whoever registered a listener here (in its ``AppConfig.ready()``)
hears it:

- ``BOOKED``: new appointments (a booking, an import), not complete;
- ``CHANGED``: an appointment's status, time, patient, type or procedures changed, and
  it still holds (or again holds) a booking;
- ``COMPLETED``: appointments became complete (or were created complete);
- ``RELEASED``: appointments left a booking: cancelled, broken, unscheduled, pinboarded;
- ``DELETED``: appointments deleted for good (the instances are no longer saved: their
  ``pk`` is gone, their ``org_id`` and ``patient_id`` remain).

Every announced appointment carries ``held_before``: the chair time (``HeldSlot``) it
held before the write, or None when it held none (a new booking, an appointment that
was not live, a write that did not touch its slot). With what it holds now
(``held_slot(appointment)``) a listener sees which time a cancellation, a deletion or a
move gave up: an appointment's status and times after the write cannot tell it.

Listeners run synchronously, inside the transaction of the write that caused the event
and after that write: what they write commits or rolls back with it, and an exception
in a listener fails (and rolls back) the appointment write. One announcement names
appointments of one organization; the bulk import announces its whole batch at once,
so a listener should read and write per batch, not per appointment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from appointments.models import LIVE_STATUSES, Appointment, AppointmentStatus

#: The statuses in which an appointment is a booking the patient is expected to keep.
BOOKING_STATUSES = frozenset({AppointmentStatus.PLANNED, AppointmentStatus.SCHEDULED})
#: The history names of the fields whose change a listener may care about.
WATCHED_CHANGES = frozenset(
    {"status", "start_time", "end_time", "operatory", "patient", "appointment_type", "location"}
)


class AppointmentEvent(Enum):
    BOOKED = "booked"
    CHANGED = "changed"
    COMPLETED = "completed"
    RELEASED = "released"
    DELETED = "deleted"


Listener = Callable[..., None]
#: A listener's first read of an announcement: the statement ``(sql, params)`` it runs
#: first, whatever the write did (None: none for this event).
FirstRead = Callable[[AppointmentEvent, Sequence[Appointment]], tuple[str, Sequence] | None]

_listeners: list[Listener] = []
_first_reads: dict[Listener, FirstRead] = {}


def register_listener(listener: Listener, *, first_read: FirstRead | None = None) -> None:
    """``listener(event, appointments)`` hears every announcement. ``first_read``: the
    statement it would run first, so that a writer may send it after its write in the same
    round trip (``first_reads``); the listener is then called with its rows as ``read``."""
    if listener not in _listeners:
        _listeners.append(listener)
    if first_read is not None:
        _first_reads[listener] = first_read


def first_reads(
    event: AppointmentEvent, appointments: Sequence[Appointment]
) -> dict[Listener, tuple[str, Sequence]]:
    """The statements the listeners would run first on hearing of ``appointments`` (as
    they will be announced, primary keys included), by listener: to send after the
    write's last statement, in its round trip, and give their rows to ``announce``."""
    reads = {}
    for listener in _listeners:
        first_read = _first_reads.get(listener)
        statement = first_read(event, appointments) if first_read is not None else None
        if statement is not None:
            reads[listener] = statement
    return reads


@dataclass(frozen=True)
class HeldSlot:
    """Chair time a live appointment holds: its location, operatory and
    ``[start_at, end_at)``."""

    location_id: int
    operatory_id: int
    start_at: datetime
    end_at: datetime


def held_slot(appointment: Appointment) -> HeldSlot | None:
    """The chair time ``appointment`` holds as it is now (None: not live, or no chair or
    time)."""
    if appointment.status not in LIVE_STATUSES or appointment.operatory_id is None:
        return None
    if appointment.start_at is None or appointment.end_at is None:
        return None
    return HeldSlot(
        appointment.location_id, appointment.operatory_id, appointment.start_at, appointment.end_at
    )


def created_event(appointment: Appointment) -> AppointmentEvent:
    if appointment.status == AppointmentStatus.COMPLETE:
        return AppointmentEvent.COMPLETED
    return AppointmentEvent.BOOKED


def change_event(old_status: str, appointment: Appointment, changes) -> AppointmentEvent | None:
    """What a write that made ``changes`` (history names) to ``appointment`` did, if
    anything a listener cares about."""
    new_status = appointment.status
    if new_status == AppointmentStatus.COMPLETE and old_status != AppointmentStatus.COMPLETE:
        return AppointmentEvent.COMPLETED
    if old_status in BOOKING_STATUSES and new_status not in BOOKING_STATUSES:
        return AppointmentEvent.RELEASED
    if WATCHED_CHANGES & set(changes):
        return AppointmentEvent.CHANGED
    return None


def announce(
    event: AppointmentEvent,
    appointments: Sequence[Appointment],
    *,
    held_before: Sequence[HeldSlot | None] = (),
    read: Mapping[Listener, list[tuple]] | None = None,
) -> None:
    """Tell every registered listener, in registration order (call inside the write's
    transaction, after the write). ``held_before``: the appointments' chair time before
    the write, in their order (none given: they held none). ``read``: the rows of the
    listeners' ``first_reads``, read after the write, by listener."""
    appointments = list(appointments)
    if not appointments:
        return
    held = list(held_before) or [None] * len(appointments)
    for appointment, slot in zip(appointments, held, strict=True):
        appointment.held_before = slot
    for listener in _listeners:
        if read is not None and listener in read:
            listener(event, appointments, read=read[listener])
        else:
            listener(event, appointments)
