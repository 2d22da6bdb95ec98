"""Related-object inputs resolved through the org of the path.

An id of another org is indistinguishable from an unknown id (404); an object at a
location the caller may not access is refused (403). No request can link to another
tenant's row, because every lookup here filters by ``request.org``.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import QuerySet
from rest_framework import exceptions, serializers

from scheduling.api.serializers import StrictUUIDField


def _label(queryset: QuerySet) -> str:
    return str(queryset.model._meta.verbose_name).capitalize()


def _location_id(obj, location_lookup: str | None) -> int | None:
    if location_lookup is None:
        return None
    if location_lookup == "pk":
        return obj.pk
    return getattr(obj, f"{location_lookup}_id")


class ResolutionCache(dict):
    """Objects already resolved in this request, for requests that name the same ids again
    and again (a bulk import's rows). Opt-in: set ``request.resolution_cache``.

    Keyed by the queryset's SQL and the id, so a filtered queryset (definitions of one
    category) never answers for another. Only found objects are kept; the location check
    runs on every use.
    """

    def key(self, queryset: QuerySet, value: UUID) -> tuple:
        return (str(queryset.query), value)


def resolve_one(request, queryset: QuerySet, value: UUID, location_lookup: str | None = None):
    cache: ResolutionCache | None = getattr(request, "resolution_cache", None)
    key = cache.key(queryset, value) if cache is not None else None
    obj = cache.get(key) if cache is not None else None
    if obj is None:
        obj = queryset.filter(org=request.org, uuid=value).first()
        if obj is None:
            raise exceptions.NotFound(f"{_label(queryset)} {value} not found.")
        if cache is not None:
            cache[key] = obj
    request.access.check_location(_location_id(obj, location_lookup))
    return obj


def resolve_many(
    request, queryset: QuerySet, values: Iterable[UUID], location_lookup: str | None = None
) -> list:
    """Resolve ids in one query, keeping the caller's order and dropping repeats."""
    wanted = list(dict.fromkeys(values))
    cache: ResolutionCache | None = getattr(request, "resolution_cache", None)
    if cache is not None and len(wanted) == 1:
        return [resolve_one(request, queryset, wanted[0], location_lookup)]
    found = {obj.uuid: obj for obj in queryset.filter(org=request.org, uuid__in=wanted)}
    missing = [str(v) for v in wanted if v not in found]
    if missing:
        raise exceptions.NotFound(f"{_label(queryset)} not found: {', '.join(missing)}.")
    for obj in found.values():
        request.access.check_location(_location_id(obj, location_lookup))
    return [found[v] for v in wanted]


class OrgRelatedField(StrictUUIDField):
    """A ``*_uuid`` input resolved to the object of the caller's org."""

    def __init__(self, queryset: QuerySet, location_lookup: str | None = None, **kwargs):
        self.queryset = queryset
        self.location_lookup = location_lookup
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return resolve_one(self.context["request"], self.queryset, value, self.location_lookup)


class OrgRelatedListField(serializers.ListField):
    """A ``*_uuids`` input resolved in one query."""

    def __init__(self, queryset: QuerySet, location_lookup: str | None = None, **kwargs):
        self.queryset = queryset
        self.location_lookup = location_lookup
        kwargs.setdefault("child", StrictUUIDField())
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return resolve_many(self.context["request"], self.queryset, values, self.location_lookup)
