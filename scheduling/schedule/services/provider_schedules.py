"""Writing provider schedules (templates and overrides, keeping a provider in one place at
a time) and day notes.

Every write locks the provider's schedule (``PROVIDER_SCHEDULE``), writes, then resolves
the provider's days the write touches, at every location, and refuses the write (409
``SCHEDULE_OVERLAP``, naming the other range) when one of its ranges would overlap
another: two writers for one provider take turns, so exactly one of two clashing writes
wins. A recurring template is checked over its first year in effect from today (53
weeks: a full turn of every daylight-saving rule) and on every date an override of the
provider touches in its window.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from scheduling.exceptions import Conflict
from scheduling.locks import PROVIDER_SCHEDULE, xact_lock
from scheduling.models import (
    Organization,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
)
from scheduling.schedule.resolution import OVERRIDE, TEMPLATE, TimeRange, in_effect, provider_days
from scheduling.services import unique_violations, update_versioned

SCHEDULE_OVERLAP = "SCHEDULE_OVERLAP"
#: How far ahead a recurring template is checked against the provider's other ranges.
CHECKED_WEEKS = 53


@dataclass
class ScheduleClash:
    """The ranges a write would overlap (rendered by the API as ``conflicts``)."""

    ranges: list[TimeRange]


class ScheduleOverlap(Conflict):
    code = SCHEDULE_OVERLAP
    default_detail = "The provider is already scheduled at that time (at this or another location)."


def _validate(schedule) -> None:
    """The model's rules (times, dates, the operatory's location, DST gaps), as a 422."""
    schedule.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def _changed_copy(schedule, changes: dict):
    """The row as ``changes`` would leave it, to validate before anything is written."""
    candidate = copy.copy(schedule)
    for name, value in changes.items():
        setattr(candidate, name, value)
    return candidate


# --- templates -------------------------------------------------------------------------


def template_create(*, org: Organization, **fields) -> ProviderScheduleTemplate:
    template = ProviderScheduleTemplate(org=org, **fields)
    _validate(template)
    with transaction.atomic():
        lock_provider(template.provider_id)
        template.save()
        _check_template(template)
    return template


def template_update(
    *, template: ProviderScheduleTemplate, base_version: int, **changes
) -> ProviderScheduleTemplate:
    _validate(_changed_copy(template, changes))
    with transaction.atomic():
        lock_provider(template.provider_id)
        before = template.version
        template = update_versioned(template, base_version=base_version, changes=changes)
        if template.version != before:
            _check_template(template)
    return template


@transaction.atomic
def template_delete(*, template: ProviderScheduleTemplate) -> None:
    """Taking time away never makes ranges overlap: nothing to check."""
    template.delete()


# --- overrides -------------------------------------------------------------------------


def override_create(*, org: Organization, **fields) -> ProviderScheduleOverride:
    override = ProviderScheduleOverride(org=org, **fields)
    _validate(override)
    with transaction.atomic():
        lock_provider(override.provider_id)
        override.save()
        check_schedule(override)
    return override


def override_update(
    *, override: ProviderScheduleOverride, base_version: int | None = None, **changes
) -> ProviderScheduleOverride:
    """``base_version`` is optional here (the reference gives overrides none); when sent,
    it is checked like everywhere else."""
    if changes.get("is_unavailable"):  # a day off has no times
        changes.setdefault("start_time", None)
        changes.setdefault("end_time", None)
    with transaction.atomic():
        lock_provider(override.provider_id)
        if base_version is None:  # the version now (the lock keeps other writers out)
            override.version = ProviderScheduleOverride.objects.values_list(
                "version", flat=True
            ).get(pk=override.pk)
            base_version = override.version
        _validate(_changed_copy(override, changes))
        override = update_versioned(override, base_version=base_version, changes=changes)
        check_schedule(override)
    return override


def override_delete(*, override: ProviderScheduleOverride) -> None:
    """Deleting the date's last override at a location brings its templates back that
    day, which may overlap the provider's time elsewhere: checked like a write."""
    with transaction.atomic():
        lock_provider(override.provider_id)
        location_id, day = override.location_id, override.override_date
        override.delete()
        _check_dates(
            override.provider_id,
            override.org_id,
            [day],
            lambda r: r.source == TEMPLATE and r.location.pk == location_id,
        )


# --- the check -------------------------------------------------------------------------


def lock_provider(provider_id: int) -> None:
    """Take the provider's schedule lock until the transaction ends (every writer does)."""
    xact_lock(PROVIDER_SCHEDULE, [provider_id])


def check_schedule(schedule: ProviderScheduleTemplate | ProviderScheduleOverride) -> None:
    """Refuse (409) a saved template or override whose time overlaps the provider's other
    time; call under ``lock_provider`` in the transaction that wrote it (the admin does)."""
    if isinstance(schedule, ProviderScheduleTemplate):
        _check_template(schedule)
    else:
        _check_dates(
            schedule.provider_id, schedule.org_id, [schedule.override_date], _mine(schedule)
        )


def _mine(schedule):
    source = TEMPLATE if isinstance(schedule, ProviderScheduleTemplate) else OVERRIDE
    return lambda r: r.source == source and r.source_id == schedule.pk


def _check_template(template: ProviderScheduleTemplate) -> None:
    """The template's dates to check: its next 53 weeks in effect (from today, or from
    its start when that is later; a template wholly in the past: its own first weeks),
    and every date an override of the provider falls on in its window."""
    today = timezone.localdate()
    first = template.effective_from
    if template.effective_to is None or template.effective_to >= today:
        first = max(first, today)
    first += timedelta(days=(template.day_of_week - first.weekday()) % 7)
    dates = [first + timedelta(weeks=n) for n in range(CHECKED_WEEKS)]
    window_end = template.effective_to or dates[-1]
    overridden = ProviderScheduleOverride.objects.filter(
        org=template.org_id,
        provider=template.provider_id,
        override_date__gte=template.effective_from,
        override_date__lte=max(window_end, dates[-1]),
    ).values_list("override_date", flat=True)
    dates = [d for d in {*dates, *overridden} if in_effect(template, d)]
    _check_dates(template.provider_id, template.org_id, dates, _mine(template))


def _check_dates(provider_id: int, org_id: int, dates: Iterable[date], mine) -> None:
    """Refuse (409) if, on one of ``dates``, a range ``mine`` selects overlaps another
    range of the provider at any location."""
    dates = sorted(set(dates))
    if not dates:
        return
    wanted = set(dates)
    clashes: list[TimeRange] = []
    by_date: dict[date, list[TimeRange]] = {}
    for day in provider_days(org_id, dates[0], dates[-1], provider_ids=[provider_id]):
        if day.date in wanted:
            by_date.setdefault(day.date, []).extend(day.ranges)
    for ranges in by_date.values():
        for written in filter(mine, ranges):
            clashes += [other for other in ranges if not mine(other) and other.overlaps(written)]
        if clashes:
            break  # the first date that clashes says enough
    if clashes:
        raise ScheduleOverlap(
            f"The provider is already scheduled at that time ({_describe(clashes[0])}).",
            conflicts=ScheduleClash(_unique(clashes)),
            reason_codes=[SCHEDULE_OVERLAP],
        )


def _describe(other: TimeRange) -> str:
    return (
        f"{other.location.name} on {other.date.isoformat()} "
        f"{other.start_time:%H:%M}–{other.end_time:%H:%M}, a {other.source}"
    )


def _unique(ranges: list[TimeRange]) -> list[TimeRange]:
    seen, unique = set(), []
    for other in ranges:
        key = (other.source, other.source_id, other.date)
        if key not in seen:
            seen.add(key)
            unique.append(other)
    return unique


# --- notes -----------------------------------------------------------------------------

UNIQUE_NOTE = {
    "schedule_note_location_date": (
        "DUPLICATE_NOTE",
        "The location already has a note for this date; change that one.",
    )
}


def note_create(*, org: Organization, **fields) -> ScheduleNote:
    note = ScheduleNote(org=org, **fields)
    note.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_NOTE):
        note.save()
    return note


def note_update(schedule_note: ScheduleNote, *, base_version: int, **changes) -> ScheduleNote:
    return update_versioned(schedule_note, base_version=base_version, changes=changes)


def note_delete(schedule_note: ScheduleNote) -> None:
    schedule_note.delete()
