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


def resolve_one(request, queryset: QuerySet, value: UUID, location_lookup: str | None = None):
    obj = queryset.filter(org=request.org, uuid=value).first()
    if obj is None:
        raise exceptions.NotFound(f"{_label(queryset)} {value} not found.")
    request.access.check_location(_location_id(obj, location_lookup))
    return obj


def resolve_many(
    request, queryset: QuerySet, values: Iterable[UUID], location_lookup: str | None = None
) -> list:
    """Resolve ids in one query, keeping the caller's order and dropping repeats."""
    wanted = list(dict.fromkeys(values))
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
