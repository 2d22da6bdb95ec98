"""Abstract bases every tenant-owned row builds on, and the one way rows are read for a
caller: ``Model.objects.restrict(access)``.

Closed by default (as NetBox's ``RestrictedQuerySet.restrict()``): every org-owned model
declares once, in ``location_scope``, how a row reaches the location that decides who
may see it. A model that forgets the declaration is restricted to nothing, so the
mistake hides data instead of leaking it (and ``tests/test_scoping.py`` names it).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from scheduling.access import Access


class LocationScope:
    """Values of ``location_scope`` besides a lookup path to a location (``"location"``,
    ``"appointment__location"``): the row is a location, or belongs to the whole org."""

    SELF = "<self>"
    ORG_WIDE = "<org-wide>"


def declared_scope(model: type[models.Model]) -> str | None:
    """The model's ``location_scope``, or None when it declares none."""
    return getattr(model, "location_scope", None)


def location_id_of(obj: models.Model) -> int | None:
    """The primary key of the location that decides who may see ``obj`` (None: org-wide)."""
    scope = declared_scope(type(obj))
    if scope is None:
        raise TypeError(f"{type(obj).__name__} declares no location_scope")
    if scope == LocationScope.ORG_WIDE:
        return None
    if scope == LocationScope.SELF:
        return obj.pk
    *hops, last = scope.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


class OrgQuerySet(models.QuerySet):
    def restrict(self, access: Access, *, named: bool = False) -> OrgQuerySet:
        """The rows ``access`` may see: its org's, at its permitted locations.

        Rows whose location is NULL (a template or rule for every location) are org-wide
        and visible to every member. A model without a declared scope yields nothing.
        ``named``: the rows a request may *name* (ids in a body or filter), which include
        those at forbidden locations, so that naming one is refused (403) rather than
        reported unknown; the caller then checks ``access.check_location``.
        """
        scope = declared_scope(self.model)
        if scope is None:
            return self.none()
        queryset = self.filter(org=access.org)
        location_ids = access.location_ids
        if named or location_ids is None or scope == LocationScope.ORG_WIDE:
            return queryset
        if scope == LocationScope.SELF:
            return queryset.filter(pk__in=location_ids)
        return queryset.filter(
            Q(**{f"{scope}__in": location_ids}) | Q(**{f"{scope}__isnull": True})
        )


class Restriction:
    """``restrict(access)`` as a WHERE condition over a table alias, for constant SQL.

    ``sql`` is the same for every caller (the org and the permitted locations are
    parameters, NULL for all locations), so a statement built on it can be prepared once;
    ``params(access)`` fills it. ``over(org, locations)`` is the same condition over SQL
    expressions instead (a statement that reads the caller's membership itself). Only for
    scopes a row holds itself (its location column, SELF, ORG_WIDE); an undeclared model
    matches nothing, as with ``restrict``.
    """

    def __init__(self, model: type[models.Model], alias: str):
        scope = declared_scope(model)
        self.declared = scope is not None
        self.by_location = self.declared and scope != LocationScope.ORG_WIDE
        if not self.declared:
            self._template = "FALSE"
        else:
            self._template = f"{alias}.org_id = {{org}}"
        if self.by_location:
            if scope == LocationScope.SELF:
                column, nullable = "id", False
            elif "__" not in scope:
                field = model._meta.get_field(scope)
                column, nullable = field.column, field.null
            else:
                raise ValueError(f"{model.__name__}: a Restriction follows no path ({scope})")
            permitted = f"{alias}.{column} = ANY({{locations}})"
            if nullable:
                permitted += f" OR {alias}.{column} IS NULL"
            self._template += f" AND ({{locations}} IS NULL OR {permitted})"
        self.sql = self.over("%s", "%s::bigint[]")

    def over(self, org: str, locations: str) -> str:
        """The condition with the org's id and the permitted locations' ids (an array,
        NULL for all) given as SQL expressions."""
        return self._template.format(org=org, locations=locations)

    def params(self, access: Access) -> list:
        if not self.declared:
            return []
        if not self.by_location:
            return [access.org.pk]
        ids = None if access.location_ids is None else sorted(access.location_ids)
        return [access.org.pk, ids, ids]


class LiveOrgManager(models.Manager.from_queryset(OrgQuerySet)):
    """The default manager of a model whose DELETE is irreversible but whose rows others
    still name (a blockout type its blockouts show): deleted rows (``deleted_at`` set) are
    gone for every query that starts from the model, while a foreign key that points at
    one still reads it (Django follows relations through the base manager)."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def validate_same_org(instance: models.Model, *fields: str) -> None:
    """A row may only point at rows of its own org (the rule that keeps tenants apart).

    API inputs are resolved through the org of the path and never reach here with a
    foreign row; this guards every other writer (admin forms, imports, shell).
    """
    errors = {}
    for name in fields:
        if getattr(instance, f"{name}_id") is None:
            continue
        related = getattr(instance, name)
        if related.org_id != instance.org_id:
            errors[name] = ValidationError(
                "%(related)s belongs to another organization.",
                code="cross_org",
                params={"related": related},
            )
    if errors:
        raise ValidationError(errors)


class OrgOwnedModel(models.Model):
    """A row that belongs to exactly one organization.

    The public id is ``uuid`` (the API's ``id``); the integer primary key never leaves
    the database. The org's uniqueness constraint on ``uuid`` includes the org, like
    every unique constraint here, so the data can later be distributed by org.
    """

    org = models.ForeignKey("scheduling.Organization", on_delete=models.CASCADE, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    #: How a row reaches its location: a lookup path (``"location"``), or a
    #: ``LocationScope`` value. Every concrete subclass declares it; see ``restrict``.
    location_scope: str | None = None
    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["org", "uuid"], name="%(app_label)s_%(class)s_org_uuid"
            ),
        ]

    def __str__(self) -> str:
        return getattr(self, "name", None) or str(self.uuid)


class VersionedModel(OrgOwnedModel):
    """An org-owned row written under optimistic concurrency.

    ``version`` starts at 1 and grows by one with every successful write; writers send
    the version they read as ``base_version`` and the write is one conditional UPDATE
    (see ``scheduling.services.versioned_update``).
    """

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta(OrgOwnedModel.Meta):
        abstract = True
