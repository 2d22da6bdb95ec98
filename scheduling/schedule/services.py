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
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from scheduling.exceptions import Conflict, NotFound
from scheduling.locks import PROVIDER_SCHEDULE, xact_lock
from scheduling.models import (
    FlowStatus,
    Organization,
    ProductionGoal,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    ScheduleNote,
)
from scheduling.schedule.resolution import (
    OVERRIDE,
    TEMPLATE,
    TimeRange,
    in_effect,
    provider_days,
)
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


# --- Flow statuses ---------------------------------------------------------------------
# The steps of patient flow a practice tracks (arrived, seated, checked out …): org
# configuration. A status's slug is its name slugified, unique among the org's live
# statuses: the partial unique constraint ``flow_status_org_slug`` decides, so two
# concurrent creates (or renames) to "Seated" cannot both win, and ``unique_violations``
# turns its verdict into a 409 ``DUPLICATE_NAME``. Deleting is irreversible but keeps the
# row (``deleted_at``): the appointments and patient-flow events that name the status
# keep showing it, while ``FlowStatus.objects`` (lists, lookups, ids in bodies) no longer
# finds it, and its slug is free for a new status.

UNIQUE_FLOW_STATUS_SLUG = {
    "flow_status_org_slug": (
        "DUPLICATE_NAME",
        "A flow status with this name (or one with the same slug) already exists.",
    )
}
SLUG_LENGTH = FlowStatus._meta.get_field("slug").max_length


def flow_status_slug(name: str) -> str:
    """The slug of ``name`` (Django's ``slugify``: ASCII letters, digits, hyphens).

    A name with nothing to make a slug of ("!!!", a name in a non-Latin script) is a 422
    on ``name``: the slug is how clients and integrations name a status.
    """
    slug = slugify(name)[:SLUG_LENGTH].strip("-")
    if not slug:
        raise ValidationError(
            {
                "name": ValidationError(
                    "The name needs at least one Latin letter or digit (its slug is made of them).",
                    code="no_slug",
                )
            }
        )
    return slug


def flow_status_create(*, org: Organization, name: str, **fields) -> FlowStatus:
    """Create a status; its slug comes from the name and must be free (409 otherwise)."""
    flow_status = FlowStatus(org=org, name=name, slug=flow_status_slug(name), **fields)
    flow_status.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_FLOW_STATUS_SLUG):
        flow_status.save()
    return flow_status


def flow_status_update(*, flow_status: FlowStatus, base_version: int, **changes) -> FlowStatus:
    """A rename moves the slug with the name (409 when another live status has it)."""
    if "name" in changes:
        changes["slug"] = flow_status_slug(changes["name"])
    return update_versioned(
        flow_status, base_version=base_version, changes=changes, unique=UNIQUE_FLOW_STATUS_SLUG
    )


def flow_status_delete(*, flow_status: FlowStatus) -> None:
    """Delete a status for good (the API's DELETE, irreversible as the reference says).

    The row stays, marked deleted and inactive, because appointments and their flow
    events point at it (the database protects them) and must keep showing its name; it
    is gone from every list and lookup, cannot be named in a request again, and frees
    its slug. Deleting a deleted status changes nothing.
    """
    now = timezone.now()
    FlowStatus.objects.filter(pk=flow_status.pk).update(
        deleted_at=now, is_active=False, updated_at=now, version=F("version") + 1
    )


# --- Production goals ------------------------------------------------------------------
# What a provider is expected to produce at a location on a date: org configuration,
# shown against the day's production. One goal per provider, location and date, kept by
# the unique constraint ``production_goal_day``: a second create is a 422 naming
# ``goal_date`` (the reference calls it invalid input, not a conflict), even when two
# creates race, and the upsert takes the row it finds or inserts inside that constraint,
# so concurrent upserts of one day leave one row.

UNIQUE_GOAL_DAY = {
    "production_goal_day": lambda: ValidationError(
        {
            "goal_date": ValidationError(
                "The provider already has a goal at this location on this date; change "
                "that one, or upsert.",
                code="duplicate",
            )
        }
    )
}


def _validate_goal(goal: ProductionGoal) -> None:
    goal.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def production_goal_create(
    *, org: Organization, provider, location, goal_date: date, goal_amount: Decimal
) -> ProductionGoal:
    """Create the day's goal; a second one for the provider, location and date is a 422."""
    goal = ProductionGoal(
        org=org, provider=provider, location=location, goal_date=goal_date, goal_amount=goal_amount
    )
    _validate_goal(goal)
    with unique_violations(UNIQUE_GOAL_DAY):
        goal.save()
    return goal


def production_goal_upsert(
    *, org: Organization, provider, location, goal_date: date, goal_amount: Decimal
) -> tuple[ProductionGoal, bool]:
    """Set the goal of a provider at a location on a date, creating it if there is none.

    Returns the goal and whether it was created. The row is read under a row lock, or
    inserted; an insert that loses a race to another upsert fails on the unique
    constraint and reads (and locks) the winner's row instead, so either way one row
    results and each amount is written in turn. An unchanged amount writes nothing.
    """
    _validate_goal(
        ProductionGoal(
            org=org,
            provider=provider,
            location=location,
            goal_date=goal_date,
            goal_amount=goal_amount,
        )
    )
    with transaction.atomic():
        goal, created = ProductionGoal.objects.select_for_update().get_or_create(
            org=org,
            provider=provider,
            location=location,
            goal_date=goal_date,
            defaults={"goal_amount": goal_amount},
        )
        if not created:
            goal = update_versioned(
                goal, base_version=goal.version, changes={"goal_amount": goal_amount}
            )
    return goal, created


def production_goal_update(
    *, goal: ProductionGoal, goal_amount: Decimal, base_version: int | None = None
) -> ProductionGoal:
    """``base_version`` is optional (the reference gives goals none); when sent, it is
    checked like everywhere else, else the amount is simply written."""
    with transaction.atomic():
        if base_version is None:  # the row as it is now, locked until the write
            goal = ProductionGoal.objects.select_for_update().filter(pk=goal.pk).first()
            if goal is None:
                raise NotFound("Production goal not found.")
            base_version = goal.version
        return update_versioned(
            goal, base_version=base_version, changes={"goal_amount": goal_amount}
        )


def production_goal_delete(*, goal: ProductionGoal) -> None:
    """Goals are plain configuration with nothing pointing at them: deleted for good."""
    goal.delete()
