"""The monthly calendar: one line per local day of a month at a location
(``GET schedule/calendar/monthly``), the office manager's view of how full and how
productive each day is, without a single appointment in it.

In the practice's words, for each local date of the month at the location:

- ``appointment_count``: the appointments on the books that day, those holding a chair
  (planned, scheduled, complete: the live ones). Broken and cancelled visits freed their
  chair and unscheduled or pinboard ones never held one, so none of them is counted;
  their production is the production summary's "lost".
- ``scheduled_production``: the production of the planned and scheduled ones (still to
  be earned); ``completed_production``: that of the complete ones. Production is an
  appointment's override, else the sum of its procedures' fees (``production``).
- ``production_goal``: the sum of the providers' goals at the location that date.
- ``is_holiday``: an active blockout of a holiday type lies on that date there.
- ``day_hours``: how long the local day lasts, 23 or 25 on daylight-saving changes, so a
  client can tell the short day from a quiet one.

A day is the location's own: an appointment at 23:30 in Chicago is on that Chicago date
though it is the next day in UTC. The sums are taken in the database, grouped by the
local date of ``start_at`` (``(start_at AT TIME ZONE zone)::date``).

Cost: three statements, whatever the number of appointments (appointments per local
date, goals per date, holiday dates); the days themselves are calendar arithmetic.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from appointments.models import LIVE_STATUSES, Appointment
from appointments.services.production import (
    COMPLETED_STATUSES,
    SCHEDULED_STATUSES,
    ZERO,
    money_sum,
    production_amount,
)
from blockouts.models import Blockout, BlockoutStatus
from scheduling.models import Location, ProductionGoal
from scheduling.timezones import local_day_bounds, zone

__all__ = ["MonthDay", "MonthlyCalendar", "monthly_calendar"]


@dataclass
class MonthDay:
    date: date
    day_hours: float
    appointment_count: int = 0
    scheduled_production: Decimal = ZERO
    completed_production: Decimal = ZERO
    production_goal: Decimal = ZERO
    is_holiday: bool = False


@dataclass
class MonthlyCalendar:
    location: Location
    month: date  # its first day
    days: list[MonthDay]


def monthly_calendar(*, location: Location, month: date) -> MonthlyCalendar:
    """The month holding ``month`` at ``location``, one ``MonthDay`` per local date.

    The caller has checked the caller's access to the location.
    """
    tz_name = location.timezone
    first = month.replace(day=1)
    last = first.replace(day=monthrange(first.year, first.month)[1])
    days: dict[date, MonthDay] = {}
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        start, end = local_day_bounds(day, tz_name)
        days[day] = MonthDay(day, (end - start).total_seconds() / 3600)
    start = local_day_bounds(first, tz_name)[0]
    end = local_day_bounds(last, tz_name)[1]

    appointments = (
        Appointment.objects.filter(
            org=location.org_id,
            location=location,
            status__in=LIVE_STATUSES,
            start_at__gte=start,
            start_at__lt=end,
        )
        .annotate(
            local_date=TruncDate("start_at", tzinfo=zone(tz_name)),
            production=production_amount(),
        )
        .order_by()
        .values("local_date")
        .annotate(
            count=Count("id"),
            scheduled=money_sum(SCHEDULED_STATUSES),
            completed=money_sum(COMPLETED_STATUSES),
        )
    )
    for found in appointments:
        day = days[found["local_date"]]
        day.appointment_count = found["count"]
        day.scheduled_production = found["scheduled"]
        day.completed_production = found["completed"]

    goals = (
        ProductionGoal.objects.filter(
            org=location.org_id, location=location, goal_date__gte=first, goal_date__lte=last
        )
        .order_by()
        .values("goal_date")
        .annotate(goal=Sum("goal_amount"))
    )
    for found in goals:
        days[found["goal_date"]].production_goal = found["goal"]

    holidays = (
        Blockout.objects.filter(
            org=location.org_id,
            location=location,
            status=BlockoutStatus.ACTIVE,
            blockout_type__is_holiday=True,
            schedule_date__gte=first,
            schedule_date__lte=last,
        )
        .order_by()
        .values_list("schedule_date", flat=True)
        .distinct()
    )
    for holiday in holidays:
        days[holiday].is_holiday = True
    return MonthlyCalendar(location, first, list(days.values()))
