"""Who may see what in the admin: the orgs a user administers and the locations their
membership opens (see the package docstring)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet

from scheduling.models import (
    Membership,
    MembershipLocation,
    Organization,
    Role,
)

#: Bookkeeping fields shown read-only wherever a model has them.
BOOKKEEPING_FIELDS = ("uuid", "version", "created_at", "updated_at")

#: The org filter of a changelist: only orgs of the rows the caller can see.
ORG_FILTER = ("org", admin.RelatedOnlyFieldListFilter)

_CACHE_ATTR = "_chairside_admin_org_ids"
_LOCATIONS_CACHE_ATTR = "_chairside_admin_location_ids"
_ZONE_CACHE_ATTR = "_chairside_admin_zone"


# --- Who may see what -------------------------------------------------------------------


def admin_org_ids(request) -> frozenset[int] | None:
    """Primary keys of the orgs ``request.user`` administers; ``None`` means every org.

    Computed once per request.
    """
    if not hasattr(request, _CACHE_ATTR):
        user = request.user
        if user.is_active and user.is_superuser:
            org_ids = None
        elif user.is_active and user.is_staff:
            org_ids = frozenset(
                Membership.objects.filter(user=user, role=Role.ADMIN).values_list(
                    "org_id", flat=True
                )
            )
        else:
            org_ids = frozenset()
        setattr(request, _CACHE_ATTR, org_ids)
    return getattr(request, _CACHE_ATTR)


def admin_location_ids(request) -> dict[int, frozenset[int] | None] | None:
    """For each org the caller administers, the locations their membership opens there
    (``None``: every location of that org); ``None`` overall means every org and location.

    A membership with "all locations" off opens only its listed locations, in the admin
    as in the API. Computed once per request.
    """
    if not hasattr(request, _LOCATIONS_CACHE_ATTR):
        org_ids = admin_org_ids(request)
        result: dict[int, frozenset[int] | None] | None = None
        if org_ids is not None:
            memberships = Membership.objects.filter(
                user=request.user, role=Role.ADMIN, org_id__in=org_ids
            ).values_list("pk", "org_id", "all_locations")
            limited = {pk: org_id for pk, org_id, every in memberships if not every}
            result = {org_id: None for _, org_id, every in memberships if every}
            opened: dict[int, set[int]] = {org_id: set() for org_id in limited.values()}
            if limited:
                for membership_id, location_id in MembershipLocation.objects.filter(
                    membership_id__in=limited
                ).values_list("membership_id", "location_id"):
                    opened[limited[membership_id]].add(location_id)
            result.update({org_id: frozenset(ids) for org_id, ids in opened.items()})
        setattr(request, _LOCATIONS_CACHE_ATTR, result)
    return getattr(request, _LOCATIONS_CACHE_ATTR)


def visible_locations_q(request, *, org_lookup: str = "org", location_lookup: str) -> Q | None:
    """The rows whose location (reached by ``location_lookup``) the caller may see;
    ``None`` when nothing is hidden. Rows without a location belong to the whole org."""
    access = admin_location_ids(request)
    if access is None:
        return None
    allowed = Q(pk__in=[])
    for org_id, location_ids in access.items():
        in_org = Q(**{org_lookup: org_id})
        if location_ids is not None:
            in_org &= Q(**{f"{location_lookup}__in": location_ids}) | Q(
                **{f"{location_lookup}__isnull": True}
            )
        allowed |= in_org
    return allowed


def may_see_location(request, org_id: int | None, location_id: int | None) -> bool:
    access = admin_location_ids(request)
    if access is None:
        return True
    if org_id not in access:
        return False
    location_ids = access[org_id]
    return location_ids is None or location_id is None or location_id in location_ids


def is_practice_admin(request) -> bool:
    """A superuser, or an admin of at least one org."""
    org_ids = admin_org_ids(request)
    return org_ids is None or bool(org_ids)


def may_administer(request, org_id: int | None) -> bool:
    org_ids = admin_org_ids(request)
    return org_ids is None or org_id in org_ids


def visible_users(request, queryset: QuerySet | None = None) -> QuerySet:
    """Users who are members of at least one of the caller's admin orgs."""
    queryset = get_user_model()._default_manager.all() if queryset is None else queryset
    org_ids = admin_org_ids(request)
    if org_ids is None:
        return queryset
    return queryset.filter(pk__in=Membership.objects.filter(org_id__in=org_ids).values("user_id"))


def manageable_users(request, queryset: QuerySet | None = None) -> QuerySet:
    """Users whose every membership is in one of the caller's admin orgs.

    Changing such a user (password, tokens …) affects no org the caller does not
    administer. Superusers are managed by superusers only.
    """
    org_ids = admin_org_ids(request)
    queryset = visible_users(request, queryset)
    if org_ids is None:
        return queryset
    return queryset.filter(is_superuser=False).exclude(
        pk__in=Membership.objects.exclude(org_id__in=org_ids).values("user_id")
    )


def _has_org_field(model) -> bool:
    try:
        field = model._meta.get_field("org")
    except FieldDoesNotExist:
        return False
    return field.is_relation and field.related_model is Organization


def scope_choices(queryset: QuerySet, request) -> QuerySet:
    """Limit a form's choices to rows of the caller's admin orgs.

    Models that belong to no org and are not users offer nothing to a non-superuser:
    a new relation to such a model must decide its scoping here first.
    """
    org_ids = admin_org_ids(request)
    if org_ids is None:
        return queryset
    model = queryset.model
    if model is Organization:
        return queryset.filter(pk__in=org_ids)
    if model is get_user_model():
        return visible_users(request, queryset)
    if _has_org_field(model):
        return queryset.filter(org_id__in=org_ids)
    return queryset.none()
