"""An appointment's wall times at its location ⇄ its UTC interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError

from appointments.models import Appointment
from scheduling.models import Location
from scheduling.timezones import field_instant, to_local


@dataclass(frozen=True)
class WallTimes:
    """A local date with wall-clock start and end (end optional: derived from a duration)."""

    schedule_date: date
    start_time: time
    end_time: time | None = None


def instant_at(location: Location, day: date, wall: time, field: str) -> datetime:
    return field_instant(day, wall, location.timezone, field)


def local_interval(
    location: Location, wall: WallTimes, *, duration_minutes: int | None = None
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of wall times at ``location`` (422 for a DST gap).

    Without an end time the interval lasts ``duration_minutes`` of wall-clock time.
    Appointments do not cross midnight.
    """
    start_wall = datetime.combine(wall.schedule_date, wall.start_time)
    if wall.end_time is not None:
        end_wall = datetime.combine(wall.schedule_date, wall.end_time)
    elif duration_minutes:
        try:
            end_wall = start_wall + timedelta(minutes=duration_minutes)
        except OverflowError:  # past the last day of the calendar: not the same day
            end_wall = start_wall
    else:
        raise ValidationError(
            {"end_time": ValidationError("Give end_time or an appointment type.", code="required")}
        )
    if end_wall <= start_wall or end_wall.date() != wall.schedule_date:
        raise ValidationError(
            {
                "end_time": ValidationError(
                    "end_time must be after start_time on the same day.", code="invalid_interval"
                )
            }
        )
    start = instant_at(location, wall.schedule_date, start_wall.time(), "start_time")
    end = instant_at(location, wall.schedule_date, end_wall.time(), "end_time")
    return start, end


def set_interval(appointment: Appointment, start: datetime, end: datetime) -> None:
    """Give the appointment a new interval; the arrival time keeps its lead on the start."""
    if appointment.ask_to_arrive_at is not None and appointment.start_at is not None:
        lead = appointment.start_at - appointment.ask_to_arrive_at
        appointment.ask_to_arrive_at = start - lead
    appointment.start_at, appointment.end_at = start, end


def local_wall_times(appointment: Appointment) -> WallTimes | None:
    """The appointment's date and wall times at its location, or None if it has no time."""
    if appointment.start_at is None:
        return None
    tz = appointment.location.timezone
    start, end = to_local(appointment.start_at, tz), to_local(appointment.end_at, tz)
    return WallTimes(start.date(), start.time(), end.time())
