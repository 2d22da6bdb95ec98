"""Reads of the blockouts domain that views and other apps (the conflict engine) share."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet

from blockouts.models import Blockout, BlockoutStatus
from scheduling.models import Organization
from scheduling.timezones import earliest_start


def blockouts_overlapping(
    *,
    org: Organization | int,
    location_id: int,
    operatory_id: int | None,
    start: datetime,
    end: datetime,
) -> QuerySet[Blockout]:
    """Active blockouts overlapping the half-open ``[start, end)`` on that operatory.

    Location-wide blockouts (no operatory) cover every operatory of the location, so they
    are included; with ``operatory_id=None`` only location-wide ones are. Touching
    intervals do not overlap. Cancelled blockouts hold no time. Ordered by ``start_at``,
    ``id``, with ``blockout_type``, ``operatory`` and ``location`` loaded: the conflict
    engine treats those whose type ``is_no_schedule`` as blocking, the others as
    information.
    """
    earliest = earliest_start(start)  # a blockout lies within one local day
    operatory = Q(operatory__isnull=True)
    if operatory_id is not None:
        operatory |= Q(operatory_id=operatory_id)
    return (
        Blockout.objects.filter(
            operatory,
            org=org,
            location_id=location_id,
            status=BlockoutStatus.ACTIVE,
            start_at__lt=end,
            start_at__gt=earliest,
            end_at__gt=start,
        )
        .select_related("blockout_type", "operatory", "location")
        .order_by("start_at", "id")
    )


def holiday_dates(*, org: Organization, location_id: int, dates: list[date]) -> dict[date, str]:
    """The dates among ``dates`` holding an active holiday blockout at the location.

    Maps each such date to the holiday's name (the first by start), for warnings.
    """
    holidays = (
        Blockout.objects.filter(
            org=org,
            location_id=location_id,
            schedule_date__in=dates,
            status=BlockoutStatus.ACTIVE,
            blockout_type__is_holiday=True,
        )
        .order_by("schedule_date", "start_at", "id")
        .values_list("schedule_date", "blockout_type__name")
    )
    found: dict[date, str] = {}
    for day, name in holidays:
        found.setdefault(day, name)
    return found
