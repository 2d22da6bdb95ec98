"""When a provider works at a location on a date: the one resolution every reader uses
(provider availability, the daily providers, the calendars, the free-time search, and
the check that keeps a provider in one place at a time).

For a provider, location and date: the overrides of that date when there are any (an
``is_unavailable`` one gives no time), else the templates in effect that date (weekday,
``effective_from`` … ``effective_to``). Wall times become instants at the location; a
template's wall time in a spring-forward gap becomes the first instant after the gap (an
override's cannot be saved). Two queries, sent together, for any number of days,
providers and locations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet

from scheduling.db import fetch_together
from scheduling.models import (
    Location,
    Operatory,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
)
from scheduling.timezones import to_utc_after_gap

TEMPLATE = "template"
OVERRIDE = "override"


@dataclass(frozen=True)
class TimeRange:
    """One resolved range: local wall times on ``date`` and their UTC instants."""

    date: date
    start_time: time
    end_time: time
    start_at: datetime
    end_at: datetime
    location: Location
    operatory: Operatory | None
    source: str  # TEMPLATE or OVERRIDE
    source_id: int  # the template's or override's primary key
    source_uuid: UUID

    def overlaps(self, other: TimeRange) -> bool:
        return self.start_at < other.end_at and other.start_at < self.end_at


@dataclass
class ProviderDay:
    """A provider's schedule at one location on one date."""

    provider: Provider
    location: Location
    date: date
    is_override: bool = False
    ranges: list[TimeRange] = field(default_factory=list)


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def schedule_querysets(
    org_id: int,
    first: date,
    last: date,
    *,
    provider_ids: Iterable[int] | None = None,
    location_ids: Iterable[int] | None = None,
) -> tuple[QuerySet[ProviderScheduleTemplate], QuerySet[ProviderScheduleOverride]]:
    """The templates in effect at some date of ``first`` … ``last`` and the overrides of
    those dates (for the providers and locations given, else all), unevaluated: a reader
    that needs more rows (the free-time search) sends them in its own round trip."""
    scope = Q(org_id=org_id)
    if provider_ids is not None:
        scope &= Q(provider_id__in=list(provider_ids))
    if location_ids is not None:
        scope &= Q(location_id__in=list(location_ids))
    related = ("provider", "location", "operatory")
    templates = ProviderScheduleTemplate.objects.filter(
        scope,
        Q(effective_to__isnull=True) | Q(effective_to__gte=first),
        effective_from__lte=last,
    )
    weekdays = {day.weekday() for day in days(first, min(last, first + timedelta(days=6)))}
    if len(weekdays) < 7:  # a day's calendar reads its weekday's templates, not the week's
        templates = templates.filter(day_of_week__in=sorted(weekdays))
    return (
        templates.select_related(*related),
        ProviderScheduleOverride.objects.filter(
            scope, override_date__gte=first, override_date__lte=last
        ).select_related(*related),
    )


def schedule_rows(
    org_id: int,
    first: date,
    last: date,
    *,
    provider_ids: Iterable[int] | None = None,
    location_ids: Iterable[int] | None = None,
) -> tuple[list[ProviderScheduleTemplate], list[ProviderScheduleOverride]]:
    """``schedule_querysets``, read in one round trip."""
    templates, overrides = fetch_together(
        schedule_querysets(
            org_id, first, last, provider_ids=provider_ids, location_ids=location_ids
        )
    )
    return templates, overrides


def resolve(
    templates: Iterable[ProviderScheduleTemplate],
    overrides: Iterable[ProviderScheduleOverride],
    dates: Iterable[date],
) -> list[ProviderDay]:
    """Each provider's day at each location on each of ``dates`` that has a template in
    effect or an override (an unavailable provider's day has no ranges), ordered by date,
    provider and location; the ranges of a day by their start."""
    by_weekday: dict[int, list[ProviderScheduleTemplate]] = defaultdict(list)
    for template in templates:
        by_weekday[template.day_of_week].append(template)
    by_date: dict[date, list[ProviderScheduleOverride]] = defaultdict(list)
    for override in overrides:
        by_date[override.override_date].append(override)
    resolved = []
    for day in dates:
        found: dict[tuple[int, int], ProviderDay] = {}
        for override in by_date.get(day, ()):
            entry = found.setdefault(
                (override.provider_id, override.location_id),
                ProviderDay(override.provider, override.location, day, is_override=True),
            )
            if not override.is_unavailable:
                entry.ranges.append(_range(override, day, OVERRIDE))
        for template in by_weekday.get(day.weekday(), ()):
            if not in_effect(template, day):
                continue
            key = (template.provider_id, template.location_id)
            entry = found.get(key)
            if entry is None:
                entry = found[key] = ProviderDay(template.provider, template.location, day)
            if entry.is_override:
                continue  # the date's overrides replace the templates there
            timed = _range(template, day, TEMPLATE)
            if timed.start_at < timed.end_at:  # not wholly inside a DST gap
                entry.ranges.append(timed)
        for entry in found.values():
            entry.ranges.sort(key=lambda r: (r.start_at, r.end_at, r.source_id))
        resolved.extend(
            sorted(
                found.values(),
                key=lambda e: (
                    e.provider.last_name,
                    e.provider.first_name,
                    e.provider.pk,
                    e.location.name,
                    e.location.pk,
                ),
            )
        )
    return resolved


def in_effect(template: ProviderScheduleTemplate, day: date) -> bool:
    return (
        template.day_of_week == day.weekday()
        and template.effective_from <= day
        and (template.effective_to is None or day <= template.effective_to)
    )


def _range(schedule, day: date, source: str) -> TimeRange:
    tz_name = schedule.location.timezone
    return TimeRange(
        date=day,
        start_time=schedule.start_time,
        end_time=schedule.end_time,
        start_at=to_utc_after_gap(day, schedule.start_time, tz_name),
        end_at=to_utc_after_gap(day, schedule.end_time, tz_name),
        location=schedule.location,
        operatory=schedule.operatory,
        source=source,
        source_id=schedule.pk,
        source_uuid=schedule.uuid,
    )


def provider_days(
    org_id: int,
    first: date,
    last: date,
    *,
    provider_ids: Iterable[int] | None = None,
    location_ids: Iterable[int] | None = None,
) -> list[ProviderDay]:
    """``resolve`` over ``first`` … ``last`` for the providers and locations given."""
    templates, overrides = schedule_rows(
        org_id, first, last, provider_ids=provider_ids, location_ids=location_ids
    )
    return resolve(templates, overrides, days(first, last))
