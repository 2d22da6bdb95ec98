"""Schedule views: personal and shared calendar layouts, and each user's default and
shortcuts among them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from scheduling.access import Access
from scheduling.exceptions import FieldError, Forbidden, NotFound
from scheduling.locks import SCHEDULE_VIEW_CHOICES, xact_lock
from scheduling.models import (
    Location,
    Operatory,
    Provider,
    Role,
    ScheduleView,
    ScheduleViewChoice,
    ScheduleViewOperatory,
    ScheduleViewProvider,
    ViewVisibility,
)
from scheduling.schedule.services.provider_schedules import _changed_copy, _validate
from scheduling.services import check_version, unique_violations, versioned_update

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
