"""Related-object inputs resolved in the caller's org.

An id of another org is indistinguishable from an unknown id (both fail as
``not_found``, which the view turns into a 404 naming every such id with its ``loc``);
an object at a location the caller may not access is refused (403). No request can
link to another tenant's row: every lookup here filters by the caller's org, and the
location check follows the model's declared ``location_scope``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from uuid import UUID
from weakref import WeakKeyDictionary

from django.db.models import QuerySet, UUIDField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from scheduling.access import Access
from scheduling.api.serializers import StrictUUIDField
from scheduling.db import Composed, equals_any, run_together
from scheduling.exceptions import NotFound
from scheduling.models import Definition
from scheduling.models.base import declared_scope, location_id_of


def label(model) -> str:
    return str(model._meta.verbose_name).capitalize()


class ResolutionCache(dict):
    """Objects already resolved for one request or batch (a bulk import's rows name the
    same ids again and again): pass it as the serializer context's ``resolution_cache``.

    Keyed by the queryset (the field's own object: one serializer validates the whole
    request or batch) and the id, so a field whose queryset is filtered never answers for
    another. Found objects are kept, and so are the ids ``preresolve`` found to be unknown
    (``missing``); the location check runs on every use.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing: set[tuple] = set()
        self._querysets: dict[int, QuerySet] = {}  # kept alive, so that ids stay unique

    def ident(self, queryset: QuerySet) -> int:
        """What identifies ``queryset`` in the keys."""
        self._querysets.setdefault(id(queryset), queryset)
        return id(queryset)

    def key(self, queryset: QuerySet, value: UUID) -> tuple:
        return (self.ident(queryset), value)


def preresolve(
    access: Access, cache: ResolutionCache, named: Iterable[tuple[QuerySet, Iterable]]
) -> None:
    """Resolve every id a request names before its fields are validated one by one.

    ``named``: ``(queryset, raw values)`` pairs, the values as the request gave them
    (``named_ids``). One round trip for all of them (``run_together``: a statement per
    queryset); the objects found and the ids found unknown both go into ``cache``, so
    that resolving the fields afterwards (``resolve_many`` with the cache) makes no
    query. Values that are not UUID strings are left for the fields to refuse. Each
    queryset's statement is composed once (``Composed``; a field's queryset is its
    declaration's, see ``_Resolving.__deepcopy__``).
    """
    wanted: dict[int, tuple[QuerySet, set[UUID]]] = {}
    for queryset, values in named:
        ids = wanted.setdefault(cache.ident(queryset), (queryset, set()))[1]
        for value in {v for v in values if isinstance(v, str)}:  # rows repeat ids a lot
            try:
                ids.add(UUID(value))
            except ValueError:
                continue
    batch = []
    for ident, (queryset, ids) in wanted.items():
        ids = {v for v in ids if (ident, v) not in cache and (ident, v) not in cache.missing}
        if ids:
            batch.append((ident, ids, _named(queryset)))
    statements = [
        composed.statement(org=access.org.pk, uuids=sorted(ids))
        for _ident, ids, composed in batch
        if composed is not None
    ]
    fetched = iter(run_together(statements))
    for ident, ids, composed in batch:
        objects = [] if composed is None else composed.read(next(fetched))
        found = {obj.uuid: obj for obj in objects}
        for value in ids:
            if value in found:
                cache[(ident, value)] = found[value]
            else:
                cache.missing.add((ident, value))


#: ``preresolve``'s statement of each queryset it met (its field's: one per declaration).
_NAMED_STATEMENTS: WeakKeyDictionary[QuerySet, Composed | None] = WeakKeyDictionary()


def _named(queryset: QuerySet) -> Composed | None:
    """The rows of ``queryset`` a request of an org may name, among some ids: composed
    once per queryset (``Composed``). None: the model declares no scope (names nothing)."""
    if queryset not in _NAMED_STATEMENTS:
        composed = None
        if declared_scope(queryset.model) is not None:
            composed = Composed(
                lambda v: (
                    queryset.restrict(Access(v["org"], location_ids=None), named=True)
                    .filter(equals_any("uuid", v["uuids"], UUIDField()))
                    .order_by()
                ),
                org=1_000_000_001,
                uuids=[UUID(int=1_000_000_002)],
            )
        _NAMED_STATEMENTS[queryset] = composed
    return _NAMED_STATEMENTS[queryset]


def named_ids(rows: Iterable[Mapping], fields: Mapping) -> Iterator[tuple[QuerySet, list]]:
    """``(queryset, raw ids)`` of each related-id field among ``fields`` (a serializer's),
    over the ``rows`` (request bodies), for ``preresolve``."""
    rows = [row for row in rows if isinstance(row, Mapping)]
    for name, field in fields.items():
        if isinstance(field, OrgRelatedField):
            yield field.queryset, [row.get(name) for row in rows]
        elif isinstance(field, OrgRelatedListField):
            values = (row.get(name) for row in rows)
            yield field.queryset, [v for value in values if isinstance(value, list) for v in value]


def query_ids(query: Mapping, fields: Mapping) -> Iterator[tuple[QuerySet, list]]:
    """``(queryset, raw ids)`` of each related-id field among ``fields`` (a query
    serializer's) as the fields will read them from ``query`` (a ``QueryDict``), for
    ``preresolve``."""
    for field in fields.values():
        if isinstance(field, (OrgRelatedField, OrgRelatedListField)):
            value = field.get_value(query)
            if value is not empty:
                yield field.queryset, value if isinstance(value, list) else [value]


def resolve_many(
    access: Access,
    queryset: QuerySet,
    values: Iterable[UUID],
    cache: ResolutionCache | None = None,
) -> tuple[list, list[UUID]]:
    """Resolve ids in one query, keeping the caller's order and dropping repeats.

    Returns the objects found and the ids not found; an object at a forbidden location
    is a 403 (``Forbidden``), since the request named it.
    """
    wanted = list(dict.fromkeys(values))
    found = {}
    unknown = wanted
    if cache is not None:
        ident, unknown = cache.ident(queryset), []
        for value in wanted:
            obj = cache.get((ident, value))
            if obj is not None:
                found[value] = obj
            elif (ident, value) not in cache.missing:
                unknown.append(value)
    if unknown:
        for obj in queryset.restrict(access, named=True).filter(uuid__in=unknown):
            found[obj.uuid] = obj
            if cache is not None:
                cache[cache.key(queryset, obj.uuid)] = obj
    for obj in found.values():
        access.check_location(location_id_of(obj))
    return [found[v] for v in wanted if v in found], [v for v in wanted if v not in found]


def resolve_one(access: Access, queryset: QuerySet, value: UUID, cache=None):
    """One id, or a 404 naming it."""
    objects, _missing = resolve_many(access, queryset, [value], cache)
    if not objects:
        raise NotFound(f"{label(queryset.model)} {value} not found.")
    return objects[0]


class _Resolving:
    default_error_messages = {"not_found": "{label} {ids} not found."}

    def __deepcopy__(self, memo):
        """A serializer's copy of its declared field (DRF copies them for every
        instance, from the arguments they were declared with) shares the declaration's
        queryset: deep-copying a queryset costs more than the rest of the field, and
        nobody evaluates it (each use derives its own: ``restrict``, ``_named``), so one
        object per declaration is safe, and ``preresolve`` composes its statement once."""

        def copied(value):
            return value if isinstance(value, QuerySet) else copy.deepcopy(value, memo)

        args = [copied(value) for value in self._args]
        kwargs = {
            key: value if key == "validators" else copied(value)
            for key, value in self._kwargs.items()
        }
        return self.__class__(*args, **kwargs)

    def _resolve(self, values: list[UUID]) -> list:
        context = self.context
        objects, missing = resolve_many(
            context["access"], self.queryset, values, context.get("resolution_cache")
        )
        if missing:
            self.fail(
                "not_found",
                label=label(self.queryset.model),
                ids=", ".join(str(v) for v in missing),
            )
        return objects


class OrgRelatedField(_Resolving, StrictUUIDField):
    """A ``*_uuid`` input resolved to the object of the caller's org."""

    def __init__(self, queryset: QuerySet, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return self._resolve([super().to_internal_value(data)])[0]


class OrgRelatedListField(_Resolving, serializers.ListField):
    """A ``*_uuids`` input resolved in one query."""

    def __init__(self, queryset: QuerySet, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("child", StrictUUIDField())
        kwargs.setdefault("max_length", 500)
        if kwargs.get("allow_empty") is False:
            kwargs.setdefault("min_length", 1)  # so the schema says so (minItems)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return self._resolve(super().to_internal_value(data))


#: One UUID, as the query-string list fields take them (with or without dashes).
_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


@extend_schema_field(
    {
        "type": "string",
        "pattern": f"^{_UUID}(,{_UUID})*$",
        "example": "3fa85f64-5717-4562-b3fc-2c963f66afa6,7c9e6679-7425-40de-944b-e07fc1f90ae7",
    }
)
class OrgRelatedQueryListField(OrgRelatedListField):
    """``*_uuids`` in a query string: ``?x=a,b`` and ``?x=a&x=b`` alike, as the list
    filters take their values (``scheduling.api.filters.CommaListWidget``), resolved in one
    query. Published as those filters are: a string holding one id or a comma-separated
    list. An empty value is the parameter not given."""

    def __init__(self, queryset: QuerySet, **kwargs):
        # Counted here, not by the list's validator, which the schema would publish as the
        # string's maxLength.
        self.max_ids = kwargs.pop("max_length", 500)
        super().__init__(queryset, max_length=None, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_ids:
            self.fail("max_length", max_length=self.max_ids)
        return super().to_internal_value(data)

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return empty
        if hasattr(dictionary, "getlist"):
            values = dictionary.getlist(self.field_name)
        else:
            values = [dictionary.get(self.field_name)]
        parts = [
            part.strip()
            for value in values
            if isinstance(value, str)
            for part in value.split(",")
            if part.strip()
        ]
        return parts or empty


#: The queryset of every definition field (``_Resolving.__deepcopy__``): the category is
#: checked on the definition found, so one statement resolves the ids of them all.
_DEFINITIONS = Definition.objects.all()


class DefinitionField(OrgRelatedField):
    """A ``*_uuid`` naming a definition of one category (a cancel reason, a tag …).

    A definition of another category is a 422 that says which category it is, not a 404:
    the id exists, it is just the wrong kind.
    """

    default_error_messages = {
        "wrong_category": "This is a {actual} definition; expected a {expected} definition."
    }

    def __init__(self, category: str, **kwargs):
        self.category = category
        super().__init__(_DEFINITIONS, **kwargs)

    def to_internal_value(self, data):
        definition = super().to_internal_value(data)
        if definition.category != self.category:
            self.fail("wrong_category", actual=definition.category, expected=self.category)
        return definition


class DefinitionListField(OrgRelatedListField):
    """``*_uuids`` naming definitions of one category (see ``DefinitionField``)."""

    def __init__(self, category: str, **kwargs):
        self.category = category
        super().__init__(_DEFINITIONS, **kwargs)

    def to_internal_value(self, data):
        definitions = super().to_internal_value(data)
        wrong = [d for d in definitions if d.category != self.category]
        if wrong:
            raise serializers.ValidationError(
                f"{', '.join(str(d.uuid) for d in wrong)}: not {self.category} definitions.",
                code="wrong_category",
            )
        return definitions
