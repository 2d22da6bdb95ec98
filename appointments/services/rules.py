"""The rules one appointment row must satisfy before it is written: its chair is at its
location, its type is active and offered there, a live appointment has a time and a
chair, and the chair is free (``hold_slot``, through the conflict engine)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects

from appointments.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    AppointmentTypeStatus,
)
from appointments.services.conflicts import Conflicts, Slot, ensure_slot_free
from appointments.services.times import instant_at
from scheduling.models import Location, Operatory

S = AppointmentStatus

#: Statuses in which an appointment has no place on the grid and needs none to be created.
TIMELESS_STATUSES = frozenset({S.UNSCHEDULED, S.PINBOARD, S.CANCELLED})
#: Statuses whose time is settled: neither moved nor re-timed.
FINAL_STATUSES = frozenset({S.COMPLETE, S.CANCELLED})


# --- validation ----------------------------------------------------------------------


def check_operatory_location(location: Location, operatory: Operatory | None) -> None:
    if operatory is not None and operatory.location_id != location.pk:
        raise ValidationError(
            {
                "operatory_uuid": ValidationError(
                    "The operatory is not at the appointment's location.", code="wrong_location"
                )
            }
        )


def check_type(location: Location, appointment_type: AppointmentType | None) -> None:
    if appointment_type is None:
        return
    if appointment_type.status != AppointmentTypeStatus.ACTIVE:
        raise ValidationError(
            {
                "appointment_type_uuid": ValidationError(
                    "The appointment type is archived.", code="archived"
                )
            }
        )
    offered = getattr(appointment_type, "offered_location_ids", None)
    if offered is None:  # not read with the type (see with_offered_locations)
        prefetch_related_objects([appointment_type], "locations")  # once per instance
        offered = [location.pk for location in appointment_type.locations.all()]
    if offered and location.pk not in offered:
        raise ValidationError(
            {
                "appointment_type_uuid": ValidationError(
                    "The appointment type is not offered at this location.",
                    code="wrong_location",
                )
            }
        )


def check_slot_fields(appointment: Appointment) -> None:
    """A live (or broken) appointment needs a time; a live one needs a chair."""
    if appointment.status in TIMELESS_STATUSES:
        return
    errors = {}
    if appointment.start_at is None:
        errors["start_time"] = ValidationError(
            f"A {appointment.status} appointment needs schedule_date and start_time.",
            code="required",
        )
    if appointment.status in LIVE_STATUSES and appointment.operatory_id is None:
        errors["operatory_uuid"] = ValidationError(
            f"A {appointment.status} appointment needs an operatory.", code="required"
        )
    if errors:
        raise ValidationError(errors)


def hold_slot(
    appointment: Appointment, *, allow_overlap: bool, provider_ids: Iterable[int] = ()
) -> Conflicts:
    """Lock the chair and refuse a taken or blocked slot (no-op if it holds no slot).

    Returns what the slot met without being refused: when one of ``provider_ids`` is
    booked elsewhere meanwhile, the read of those appointments (``Conflicts.providers_read``,
    to send with the write).
    """
    if appointment.status not in LIVE_STATUSES:
        return Conflicts()
    check_slot_fields(appointment)
    return ensure_slot_free(
        Slot.of(appointment), allow_overlap=allow_overlap, provider_ids=provider_ids
    )


def ask_to_arrive(location: Location, day: date | None, wall: time | None) -> datetime | None:
    if wall is None:
        return None
    if day is None:
        raise ValidationError(
            {
                "ask_to_arrive_time": ValidationError(
                    "The appointment has no date to arrive on.", code="no_date"
                )
            }
        )
    return instant_at(location, day, wall, "ask_to_arrive_time")


def check_arrival(appointment: Appointment) -> None:
    """The patient is asked to arrive before (or at) the start, never after it."""
    arrive, start = appointment.ask_to_arrive_at, appointment.start_at
    if arrive is not None and start is not None and arrive > start:
        raise ValidationError(
            {
                "ask_to_arrive_time": ValidationError(
                    "The arrival time lies after the appointment's start; ask the patient to "
                    "arrive at or before it.",
                    code="after_start",
                )
            }
        )
