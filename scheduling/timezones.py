"""Wall-clock times at a location ⇄ UTC instants.

The front desk speaks in local dates and wall times; the database stores instants. One
place converts between them, with the rules of CONVENTIONS "Values": a wall time that
does not exist (the spring-forward gap) is refused, an ambiguous one (the fall-back
hour) is its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, Func

#: The longest a local day lasts in real time (25 h on a fall-back day; 26 h bounds the
#: zones that once shifted by two hours). Nothing scheduled within a day lasts longer,
#: which bounds every overlap query below (see ``earliest_start``).
MAX_LOCAL_DAY = timedelta(hours=26)


class NonexistentLocalTime(ValueError):
    """The wall time falls in a daylight-saving gap at the location."""


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_utc(local_date: date, wall_time: time, tz_name: str) -> datetime:
    """The UTC instant of ``wall_time`` on ``local_date`` in the zone ``tz_name``.

    Raises ``NonexistentLocalTime`` for a wall time skipped by a DST change.
    """
    tz = zone(tz_name)
    local = datetime.combine(local_date, wall_time.replace(tzinfo=None), tzinfo=tz)  # fold=0
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{local_date.isoformat()} {wall_time.strftime('%H:%M')} does not exist in "
            f"{tz_name} (daylight-saving change)."
        )
    return instant


def to_utc_after_gap(local_date: date, wall_time: time, tz_name: str) -> datetime:
    """``to_utc``, except that a wall time skipped by a DST change becomes the first
    instant after the gap (a weekly schedule's 02:30 on the spring-forward day starts at
    03:00): what a recurring time means on the one day it does not exist."""
    try:
        return to_utc(local_date, wall_time, tz_name)
    except NonexistentLocalTime:
        pass
    tz = zone(tz_name)
    wall = datetime.combine(local_date, wall_time.replace(tzinfo=None))
    # The gap's two readings bracket the change: before it, local time is earlier than
    # the wall time; from the change on, later. The change is on a whole second.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) > wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def to_local(instant: datetime, tz_name: str) -> datetime:
    """``instant`` as a naive wall-clock datetime at the zone ``tz_name``."""
    return instant.astimezone(zone(tz_name)).replace(tzinfo=None)


def local_day_bounds(local_date: date, tz_name: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local calendar day (23 or 25 hours on DST days)."""
    return day_start(local_date, tz_name), day_start(local_date + timedelta(days=1), tz_name)


def day_start(local_date: date, tz_name: str) -> datetime:
    """The first instant of a local day (midnight, or the first wall time after a gap)."""
    tz = zone(tz_name)
    try:
        midnight = datetime.combine(local_date, time(0), tzinfo=tz)
        instant = midnight.astimezone(UTC)
        if instant.astimezone(tz).date() != local_date:  # midnight skipped: starts later
            instant = datetime.combine(local_date, time(1), tzinfo=tz).astimezone(UTC)
    except OverflowError:  # a day at the edge of the calendar: clamp to its end
        return (datetime.min if local_date.year == 1 else datetime.max).replace(tzinfo=UTC)
    return instant


class LocalDayStart(Func):
    """SQL: the first instant of ``local_date`` at a zone held in a column.

    ``LocalDayStart("location__timezone", date)`` lets one query cut days at every
    location's own midnight (PostgreSQL's ``timezone(zone, timestamp)``).
    """

    function = "timezone"
    template = "timezone(%(expressions)s::timestamp)"
    output_field = DateTimeField()


def earliest_start(start: datetime, max_length: timedelta = MAX_LOCAL_DAY) -> datetime:
    """The earliest start of an interval of at most ``max_length`` that overlaps one
    starting at ``start`` (bounds overlap queries so an index range serves them)."""
    try:
        return start - max_length
    except OverflowError:  # the first day of the calendar
        return datetime.min.replace(tzinfo=UTC)


def field_instant(local_date: date, wall_time: time, tz_name: str, field: str) -> datetime:
    """``to_utc`` for a request's field: a wall time in a DST gap is a 422 on ``field``
    (``dst_gap``), a date at the edge of the calendar a 422 on ``schedule_date``."""
    try:
        return to_utc(local_date, wall_time, tz_name)
    except NonexistentLocalTime as exc:
        raise ValidationError({field: ValidationError(str(exc), code="dst_gap")}) from exc
    except OverflowError as exc:  # an instant before year 1 or after 9999 in UTC
        raise ValidationError(
            {
                "schedule_date": ValidationError(
                    "The date is out of the supported range.", code="date_out_of_range"
                )
            }
        ) from exc
