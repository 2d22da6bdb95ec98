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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify

from scheduling.access import Access
from scheduling.exceptions import Conflict, FieldError, Forbidden, NotFound, VersionConflict
from scheduling.locks import (
    PROVIDER_SCHEDULE,
    SAVED_SEARCH_DEFAULT,
    SCHEDULE_VIEW_CHOICES,
    saved_search_default_key,
    xact_lock,
)
from scheduling.models import (
    FlowStatus,
    Location,
    Operatory,
    Organization,
    PatientPreference,
    ProductionGoal,
    Provider,
    ProviderScheduleOverride,
    ProviderScheduleTemplate,
    Role,
    SavedSearch,
    ScheduleNote,
    ScheduleView,
    ScheduleViewChoice,
    ScheduleViewOperatory,
    ScheduleViewProvider,
    ViewVisibility,
)
from scheduling.models.settings import FIND_FREE_TIME
from scheduling.schedule.preferences import LearnedPreference
from scheduling.schedule.resolution import (
    OVERRIDE,
    TEMPLATE,
    TimeRange,
    in_effect,
    provider_days,
)
from scheduling.services import (
    check_version,
    unique_violations,
    update_versioned,
    versioned_update,
)

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


# --- Schedule views ----------------------------------------------------------------------
#
# A schedule view is a calendar layout at a location. In the practice's words:
#
# - a *personal* view is its owner's alone: nobody else sees it, lists it or changes it
#   (another user's is a 404, whatever their role); staff make and change their own;
# - a *shared* view is practice configuration: every member who may see its location uses
#   it, and only admins make, change or delete one (or turn a personal view into one);
#   an admin who turns a shared view personal keeps it as their own, and everyone else's
#   default and shortcut for it go;
# - which view opens first at a location (the *default*) and which one Ctrl+1 … Ctrl+9
#   opens (the *shortcuts*) are each user's own choice, even among shared views: setting
#   one clears the user's previous one at that location. Viewers choose too: it changes
#   nothing anyone else sees.
#
# The race: two "set default" calls of one user at once could each clear the other's
# view and both set their own. The user's choices are written one writer at a time
# (``SCHEDULE_VIEW_CHOICES``, per user: coarser than per location, but these writes are
# rare and short, and one key per user cannot collide), and the partial unique
# constraints of ``ScheduleViewChoice`` stay the referee behind the lock. A choice
# write also locks its view's row, before any choice row, as a delete or a PATCH of the
# view does, so they take turns in one order (no deadlock) and a choice never lands on a
# view that was deleted or made someone else's meanwhile.

VIEW_CHOICE_CONSTRAINTS = {
    "schedule_view_one_default": (
        "CHOICE_CONFLICT",
        "Another default view was set at this location meanwhile; try again.",
    ),
    "schedule_view_one_shortcut": (
        "CHOICE_CONFLICT",
        "This shortcut was given to another view meanwhile; try again.",
    ),
    "schedule_view_choice": ("CHOICE_CONFLICT", "The view was chosen meanwhile; try again."),
}


def _user_id(access: Access) -> int | None:
    """The caller's user (None for an operator's command, who owns no personal view)."""
    return access.membership.user_id if access.membership is not None else None


def _visible_to(access: Access) -> Q:
    return Q(visibility=ViewVisibility.SHARED) | Q(owner_id=_user_id(access))


def schedule_views_visible(access: Access) -> QuerySet[ScheduleView]:
    """The views the caller sees (shared ones at their locations, and their own), by name.

    Each carries what the API shows of it for this caller: ``caller_is_default`` and
    ``caller_shortcut`` (their own choice, false/None when they made none) and the columns
    in order (``operatory_uuids``, ``provider_uuids``), all in the one query.
    """
    mine = ScheduleViewChoice.objects.filter(view=OuterRef("pk"), user_id=_user_id(access))
    return (
        ScheduleView.objects.restrict(access)
        .filter(_visible_to(access))
        .select_related("location")
        .annotate(
            caller_is_default=Coalesce(Subquery(mine.values("is_default")[:1]), Value(False)),
            caller_shortcut=Subquery(mine.values("keyboard_shortcut")[:1]),
            operatory_uuids=ArraySubquery(
                ScheduleViewOperatory.objects.filter(view=OuterRef("pk"))
                .order_by("item_order", "id")
                .values("operatory__uuid")
            ),
            provider_uuids=ArraySubquery(
                ScheduleViewProvider.objects.filter(view=OuterRef("pk"))
                .order_by("item_order", "id")
                .values("provider__uuid")
            ),
        )
        .order_by("name", "id")
    )


def may_change_view(access: Access, view: ScheduleView) -> bool:
    """Shared views are admins' to change; a personal view is its owner's (not a viewer's)."""
    if view.visibility == ViewVisibility.SHARED:
        return access.has_role(Role.ADMIN)
    return view.owner_id == _user_id(access) and access.has_role(Role.STAFF)


def _check_may_change(access: Access, view: ScheduleView) -> None:
    if not may_change_view(access, view):
        raise Forbidden("Only an admin may make, change or delete a shared view.")


def _check_columns(location: Location, operatories: Sequence[Operatory] | None) -> None:
    """A view's operatory columns are chairs of its location (422 naming the field)."""
    wrong = [o for o in operatories or () if o.location_id != location.pk]
    if wrong:
        raise FieldError(
            ("operatory_uuids",),
            f"Not operatories of {location.name}: {', '.join(str(o.uuid) for o in wrong)}.",
            type="wrong_location",
        )


def _write_columns(
    view: ScheduleView,
    operatories: Sequence[Operatory] | None,
    providers: Sequence[Provider] | None,
) -> None:
    """Replace the view's operatory and provider columns (None: leave them), in order."""
    for links, model, field, objects in (
        (view.operatory_links, ScheduleViewOperatory, "operatory", operatories),
        (view.provider_links, ScheduleViewProvider, "provider", providers),
    ):
        if objects is None:
            continue
        links.all().delete()
        model.objects.bulk_create(
            model(org_id=view.org_id, view=view, item_order=index, **{field: obj})
            for index, obj in enumerate(objects)
        )


def _column_ids(view: ScheduleView) -> tuple[list[int], list[int]]:
    return (
        list(
            view.operatory_links.order_by("item_order", "id").values_list("operatory_id", flat=True)
        ),
        list(
            view.provider_links.order_by("item_order", "id").values_list("provider_id", flat=True)
        ),
    )


def _lock_view(view: ScheduleView) -> bool:
    """Lock the view's row until the transaction ends; False if it is gone."""
    return ScheduleView.objects.filter(pk=view.pk).select_for_update(no_key=True).exists()


def schedule_view_create(
    *,
    access: Access,
    location: Location,
    operatories: Sequence[Operatory] | None = None,
    providers: Sequence[Provider] | None = None,
    **fields,
) -> ScheduleView:
    """A new view owned by the caller: personal by default, shared only by an admin."""
    if _user_id(access) is None:
        raise Forbidden("A schedule view is made by a member of the practice.")
    view = ScheduleView(org=access.org, location=location, owner_id=_user_id(access), **fields)
    _check_may_change(access, view)
    _check_columns(location, operatories)
    _validate(view)
    with transaction.atomic():
        view.save()
        _write_columns(view, operatories, providers)
    return view


def schedule_view_update(
    *,
    access: Access,
    view: ScheduleView,
    base_version: int,
    operatories: Sequence[Operatory] | None = None,
    providers: Sequence[Provider] | None = None,
    **changes,
) -> ScheduleView:
    """Change a view under ``base_version``; the columns given replace the old ones.

    Making a view shared needs an admin; an admin making a shared view personal becomes
    its owner, and the other users' default and shortcut for it are cleared.
    """
    _check_may_change(access, view)
    visibility = changes.get("visibility", view.visibility)
    if visibility == ViewVisibility.SHARED:
        _check_may_change(access, _changed_copy(view, {"visibility": visibility}))
    made_personal = view.visibility == ViewVisibility.SHARED and visibility != view.visibility
    if made_personal:
        changes["owner_id"] = _user_id(access)
    _check_columns(view.location, operatories)
    _validate(_changed_copy(view, changes))
    with transaction.atomic():
        changed = {name: value for name, value in changes.items() if getattr(view, name) != value}
        operatory_ids, provider_ids = _column_ids(view)
        columns_changed = (
            operatories is not None and [o.pk for o in operatories] != operatory_ids
        ) or (providers is not None and [p.pk for p in providers] != provider_ids)
        if not changed and not columns_changed:
            check_version(view, base_version)
            return view
        # The conditional UPDATE decides the version race and locks the row first.
        versioned_update(view, base_version=base_version, changes=changed)
        _write_columns(view, operatories, providers)
        if made_personal:
            ScheduleViewChoice.objects.filter(view=view).exclude(user_id=view.owner_id).delete()
    return view


def schedule_view_delete(*, access: Access, view: ScheduleView) -> None:
    """Delete for good; every user's default and shortcut for it go with it."""
    _check_may_change(access, view)
    with transaction.atomic():
        if not _lock_view(view):  # the view's row before its choices, as choice writes do
            raise NotFound("Schedule view not found.")
        view.delete()


def schedule_view_set_default(*, access: Access, view: ScheduleView) -> None:
    """The view opens first at its location for the caller; their previous default there
    is one no more."""
    _choose(access, view, is_default=True)


def schedule_view_set_shortcut(*, access: Access, view: ScheduleView, shortcut: int) -> None:
    """Ctrl+``shortcut`` opens the view for the caller at its location; a view of theirs
    that had that number there loses it (a view has one number: this one replaces its
    previous number)."""
    if not 1 <= shortcut <= 9:
        raise FieldError(("shortcut",), "A shortcut is 1 to 9 (Ctrl+1 … Ctrl+9).")
    _choose(access, view, keyboard_shortcut=shortcut)


def _choose(access: Access, view: ScheduleView, **choice) -> None:
    """Give the caller's ``choice`` (``is_default=True`` or ``keyboard_shortcut=n``) at the
    view's location to ``view``, taking it from their other view there."""
    user_id = _user_id(access)
    if user_id is None:
        raise Forbidden("Defaults and shortcuts are a member's own choices.")
    ((field, value),) = choice.items()
    with unique_violations(VIEW_CHOICE_CONSTRAINTS):  # a transaction of its own
        xact_lock(SCHEDULE_VIEW_CHOICES, [user_id])
        still_visible = ScheduleView.objects.restrict(access).filter(_visible_to(access))
        if not still_visible.filter(pk=view.pk).select_for_update(no_key=True).exists():
            raise NotFound("Schedule view not found.")
        ScheduleViewChoice.objects.filter(
            org=view.org_id, user_id=user_id, location=view.location_id, **{field: value}
        ).exclude(view=view).update(**{field: None if field == "keyboard_shortcut" else False})
        ScheduleViewChoice.objects.update_or_create(
            org_id=view.org_id,
            user_id=user_id,
            view=view,
            defaults={"location_id": view.location_id, field: value},
        )


# --- Saved searches --------------------------------------------------------------------
# A search a user repeats (the free-time search's criteria, say), theirs alone: the API
# reads and writes only the caller's. At most one is the user's default per search type:
# making one the default unsets the previous one in the same transaction. Writers of one
# user's search type take turns on a transaction lock (``SAVED_SEARCH_DEFAULT``), so of
# several "make this my default" at once the last one wins and exactly one default is
# left; the partial unique constraint ``saved_search_one_default`` is the backstop for a
# writer that skips the lock (a 409, never two defaults).

#: The type of a saved search that names none: the free-time search's.
DEFAULT_SEARCH_TYPE = FIND_FREE_TIME

UNIQUE_DEFAULT_SEARCH = {
    "saved_search_one_default": (
        "DUPLICATE_DEFAULT",
        "Another saved search of this type became your default meanwhile; try again.",
    )
}


def _take_default(org_id: int, user_id: int, search_type: str, *, keep_pk=None) -> None:
    """Lock the user's search type and unset their current default there (a write to that
    search: its version grows). Call inside the transaction that sets the new default."""
    xact_lock(SAVED_SEARCH_DEFAULT, [saved_search_default_key(user_id, search_type)])
    now = timezone.now()
    SavedSearch.objects.filter(
        org_id=org_id, user_id=user_id, search_type=search_type, is_default=True
    ).exclude(pk=keep_pk).update(is_default=False, version=F("version") + 1, updated_at=now)


def saved_search_create(
    *,
    org: Organization,
    user,
    name: str,
    criteria: dict,
    search_type: str = DEFAULT_SEARCH_TYPE,
    is_default: bool = False,
) -> SavedSearch:
    """Save a search for ``user``; as their default of its type, it replaces the old one."""
    search = SavedSearch(
        org=org,
        user=user,
        name=name,
        criteria=criteria,
        search_type=search_type,
        is_default=is_default,
    )
    search.full_clean(exclude=["org", "user"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        if is_default:
            _take_default(org.pk, user.pk, search_type)
        with unique_violations(UNIQUE_DEFAULT_SEARCH):
            search.save()
    return search


def saved_search_update(*, search: SavedSearch, base_version: int, **changes) -> SavedSearch:
    """Change a saved search. Becoming the default (or moving a default to another search
    type) unsets the user's default there, in the same transaction as the version check:
    a stale ``base_version`` (409) leaves the old default alone."""
    becomes_default = changes.get("is_default", search.is_default)
    with transaction.atomic():
        if becomes_default and {"is_default", "search_type"} & changes.keys():
            search_type = changes.get("search_type", search.search_type)
            _take_default(search.org_id, search.user_id, search_type, keep_pk=search.pk)
        return update_versioned(
            search, base_version=base_version, changes=changes, unique=UNIQUE_DEFAULT_SEARCH
        )


def saved_search_delete(*, search: SavedSearch) -> None:
    """Deleted for good; the user simply has no default of its type until they pick one."""
    search.delete()


# --- Patient preferences ---------------------------------------------------------------
# When and with whom a patient likes to be seen: one preference per patient, entered by a
# person or learned from the patient's completed appointments (``learned_from_history``).
# The unique constraint ``patient_preference_one`` decides "one per patient", so of two
# racing creates (POST, or the first PUT by-patient) one wins and the other is a 409
# ``DUPLICATE_PREFERENCE``. A preference a person writes is theirs: it stops being
# learned (``learned_from_history`` false) unless the request says otherwise, and
# ``learn_preferences`` never overwrites it. A provider or operatory named in a write
# must be active (a preference for a chair nobody books helps no one); one deactivated
# later stays on the preference until someone changes it.

UNIQUE_PREFERENCE = {
    "patient_preference_one": (
        "DUPLICATE_PREFERENCE",
        "The patient already has a scheduling preference; change that one (PATCH it, or "
        "PUT by-patient with its base_version).",
    )
}

#: A preference with nothing set: what a PUT leaves of each field it does not give.
PREFERENCE_CLEARED = {
    "preferred_provider": None,
    "preferred_operatory": None,
    "preferred_days": [],
    "preferred_time_start": None,
    "preferred_time_end": None,
    "preferred_contact_method": "",
    "notes": "",
    "learned_from_history": False,
}


def _preference_fields(fields: dict) -> dict:
    """Check the rows a write names (active: 422 otherwise, on the request's field) and
    keep the weekdays in order (Monday first), whatever order they came in."""
    errors = {}
    for name in ("preferred_provider", "preferred_operatory"):
        row = fields.get(name)
        if row is not None and not row.is_active:
            errors[f"{name}_uuid"] = ValidationError(
                f"{type(row)._meta.verbose_name.capitalize()} {row.uuid} is inactive.",
                code="inactive",
            )
    if errors:
        raise ValidationError(errors)
    if fields.get("preferred_days") is not None:
        fields = {**fields, "preferred_days": sorted(fields["preferred_days"])}
    return fields


def patient_preference_create(*, org: Organization, patient, **fields) -> PatientPreference:
    """A new preference for the patient (409 ``DUPLICATE_PREFERENCE`` if they have one)."""
    fields.setdefault("learned_from_history", False)
    preference = PatientPreference(org=org, patient=patient, **_preference_fields(fields))
    preference.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)
    with unique_violations(UNIQUE_PREFERENCE):
        preference.save()
    return preference


def patient_preference_update(
    *, preference: PatientPreference, base_version: int, **changes
) -> PatientPreference:
    """A person's change (only the fields given); the whole row is validated as it would
    be left (a new start after the stored end is a 422 on ``preferred_time_end``)."""
    changes.setdefault("learned_from_history", False)
    return update_versioned(
        preference, base_version=base_version, changes=_preference_fields(changes)
    )


def patient_preference_upsert(
    *, org: Organization, patient, base_version: int | None = None, **fields
) -> tuple[PatientPreference, bool]:
    """Set the patient's whole preference (a PUT: fields not given are cleared); returns
    it and whether it was created.

    No preference yet: created, and ``base_version`` must not be sent (409: the one the
    client read is gone). A preference exists: ``base_version`` is required (422) and
    checked (409). Two first PUTs at once: the unique constraint lets one create, the
    other is a 409 ``DUPLICATE_PREFERENCE`` (read it, then PUT with its version).
    """
    fields = {**PREFERENCE_CLEARED, **fields}
    existing = (
        PatientPreference.objects.select_related("preferred_provider", "preferred_operatory")
        .filter(org=org, patient=patient)
        .first()
    )
    if existing is None:
        if base_version is not None:
            raise VersionConflict(
                "The patient has no scheduling preference (any more); PUT without "
                "base_version to create one.",
                current_version=None,
                base_version=base_version,
            )
        return patient_preference_create(org=org, patient=patient, **fields), True
    if base_version is None:
        raise ValidationError(
            {
                "base_version": ValidationError(
                    f"The patient has a scheduling preference (version {existing.version}); "
                    "send it as base_version to change it.",
                    code="required",
                )
            }
        )
    preference = patient_preference_update(preference=existing, base_version=base_version, **fields)
    return preference, False


def patient_preference_delete(*, preference: PatientPreference) -> None:
    """Deleted for good; ``learn_preferences`` may learn one again from the history."""
    preference.delete()


@dataclass
class LearnSummary:
    """What ``preferences_apply_learned`` did, per patient it was given."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # a person's preference, left alone


#: Rows per statement of the bulk writes.
LEARN_BATCH = 1000


def preferences_apply_learned(
    *, org: Organization, learned: Iterable[LearnedPreference]
) -> LearnSummary:
    """Store what learning found: create the preferences patients lack, update earlier
    learned ones that differ, never touch one a person entered. Set-based: a few
    statements whatever the number of patients (one per ``LEARN_BATCH`` rows written).

    One transaction. The learned preferences it may update are read under row locks, so
    a person's concurrent change waits and then finds its ``base_version`` stale (409),
    never half-overwritten; a preference a person creates meanwhile wins over the
    learned one (the insert skips it on the unique constraint). Values are built valid
    by the caller (weekdays once each, start before end): rows are not validated one by
    one.
    """
    learned = {item.patient_id: item for item in learned}
    summary = LearnSummary()
    now = timezone.now()
    with transaction.atomic():
        earlier = {
            preference.patient_id: preference
            for preference in PatientPreference.objects.filter(org=org, learned_from_history=True)
            .select_for_update()
            .order_by("id")
        }
        entered = set(
            PatientPreference.objects.filter(org=org, learned_from_history=False).values_list(
                "patient_id", flat=True
            )
        )
        to_create, to_update = [], []
        for patient_id, item in learned.items():
            values = item.fields()
            if patient_id in entered:
                summary.skipped += 1
            elif patient_id not in earlier:
                to_create.append(PatientPreference(org=org, patient_id=patient_id, **values))
            else:
                preference = earlier[patient_id]
                if all(getattr(preference, name) == value for name, value in values.items()):
                    summary.unchanged += 1
                    continue
                for name, value in values.items():
                    setattr(preference, name, value)
                preference.version = F("version") + 1
                preference.updated_at = now
                to_update.append(preference)
        PatientPreference.objects.bulk_create(
            to_create, batch_size=LEARN_BATCH, ignore_conflicts=True
        )
        uuids = [preference.uuid for preference in to_create]
        summary.created = sum(
            PatientPreference.objects.filter(org=org, uuid__in=uuids[i : i + LEARN_BATCH]).count()
            for i in range(0, len(uuids), LEARN_BATCH)
        )
        summary.skipped += len(to_create) - summary.created  # entered meanwhile
        PatientPreference.objects.bulk_update(
            to_update,
            [*LearnedPreference(patient_id=0).fields(), "version", "updated_at"],
            batch_size=LEARN_BATCH,
        )
        summary.updated = len(to_update)
    return summary
