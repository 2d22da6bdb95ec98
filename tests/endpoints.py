"""Every API operation, discovered from the URL conf: one ``Operation`` per (route, method).

The shared suite in ``test_every_endpoint.py`` runs over these. An operation names the
objects of its path (``appointments/{appointment_uuid}/procedures/{procedure_uuid}``):
the deepest one is its *subject* (the procedure), the others are read from it (the
procedure's appointment), so a path with two ids is always one consistent graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import serializers

from scheduling.api.relations import OrgRelatedField, OrgRelatedListField
from scheduling.api.serializers import BaseVersionSerializer
from scheduling.models import LocationScope, Role
from scheduling.models.base import declared_scope

API_PREFIX = "api/v1/<uuid:org_id>/"
WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    route: str  # "appointments/{appointment_uuid}/procedures/{procedure_uuid}"
    method: str  # lower case, as the viewset's action map has it
    viewset: type
    action: str

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """``"POST appointments/{appointment_uuid}/move"``: the registry's key."""
        return f"{self.method.upper()} {self.route}"

    # --- the path --------------------------------------------------------------------

    @cached_property
    def path_kwargs(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.route))

    @property
    def lookup_kwarg(self) -> str | None:
        """The path parameter naming the subject itself (``procedure_uuid``), if any."""
        kwarg = getattr(self.viewset, "lookup_url_kwarg", None)
        return kwarg if kwarg in self.path_kwargs else None

    @property
    def parent_kwarg(self) -> str | None:
        kwarg = getattr(self.viewset, "parent_lookup_url_kwarg", None)
        return kwarg if kwarg in self.path_kwargs else None

    @property
    def has_ids(self) -> bool:
        return bool(self.path_kwargs)

    @property
    def model(self):
        """The model of the rows the operation reads or writes."""
        return self.viewset.queryset.model

    @property
    def subject_model(self):
        """The model of the deepest object named in the path (None: the path names none)."""
        if self.lookup_kwarg:
            return self.model
        if self.parent_kwarg:
            return self.viewset.parent_queryset.model
        return None

    def path_objects(self, subject) -> dict:
        """Path parameter → object, for ``subject`` (a row of ``subject_model``)."""
        if subject is None:
            return {}
        if self.lookup_kwarg:
            objects = {self.lookup_kwarg: subject}
            if self.parent_kwarg:
                objects[self.parent_kwarg] = getattr(subject, self.viewset.parent_field)
            return objects
        return {self.parent_kwarg: subject}

    def path(self, subject=None, **overrides: str) -> str:
        values = {name: str(obj.uuid) for name, obj in self.path_objects(subject).items()}
        values.update(overrides)
        return self.route.format(**values)

    # --- what it does ----------------------------------------------------------------

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def required_role(self) -> Role:
        roles = getattr(self.viewset, "action_roles", {})
        if self.action in roles:
            return Role(roles[self.action])
        if not self.is_write:
            return Role.VIEWER
        return Role(getattr(self.viewset, "write_role", Role.STAFF))

    @property
    def is_paged(self) -> bool:
        """Answers ``{items, page, page_size, total}``."""
        return self.method == "get" and self.action in self.viewset.paged_actions

    @property
    def is_retrieve(self) -> bool:
        return self.method == "get" and self.action == "retrieve"

    @property
    def input_serializer(self) -> type | None:
        return getattr(self.viewset, "input_serializer_classes", {}).get(self.action)

    @property
    def query_serializer(self) -> type | None:
        return getattr(self.viewset, "query_serializer_classes", {}).get(self.action)

    @property
    def base_version_in(self) -> str | None:
        """Where the operation takes ``base_version``: ``"body"``, ``"query"`` or None."""
        if self.input_serializer and issubclass(self.input_serializer, BaseVersionSerializer):
            return "body"
        if self.query_serializer and issubclass(self.query_serializer, BaseVersionSerializer):
            return "query"
        return None

    @property
    def scope(self) -> str | None:
        return declared_scope(self.model)

    @property
    def subject_is_located(self) -> bool:
        """The subject's visibility depends on the caller's locations."""
        model = self.subject_model
        return model is not None and declared_scope(model) != LocationScope.ORG_WIDE

    @property
    def rows_are_located(self) -> bool:
        return self.scope not in (None, LocationScope.ORG_WIDE)

    def related_fields(self) -> list[RelatedField]:
        """Every id of the body resolved in the org (``*_uuid``/``*_uuids``), with its loc."""
        if self.input_serializer is None:
            return []
        return list(_related_fields(self.input_serializer(), ("body",)))


@dataclass(frozen=True)
class RelatedField:
    """An id input of a body: where it is (``loc``) and what it names."""

    loc: tuple
    model: type
    many: bool
    category: str | None  # a definition's category

    @property
    def names_a_location(self) -> bool:
        """Naming a row of this model names a location (a location, an operatory)."""
        return declared_scope(self.model) not in (None, LocationScope.ORG_WIDE)

    def __str__(self) -> str:
        return ".".join(str(part) for part in self.loc[1:])


def _related_fields(serializer, loc):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, (OrgRelatedField, OrgRelatedListField)):
            many = isinstance(field, OrgRelatedListField)
            category = getattr(field, "category", None)
            yield RelatedField((*loc, name), field.queryset.model, many, category)
        elif isinstance(field, serializers.ListSerializer):
            yield from _related_fields(field.child, (*loc, name, 0))
        elif isinstance(field, serializers.Serializer):
            yield from _related_fields(field, (*loc, name))


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def _route(regex: str) -> str:
    route = regex.removeprefix(API_PREFIX).lstrip("^").rstrip("$")
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)


def api_operations() -> list[Operation]:
    """Every (route, method) under ``/api/v1/{org_id}/``, HEAD and OPTIONS aside."""
    found = []
    for regex, callback in _walk(get_resolver().url_patterns):
        if not regex.startswith(API_PREFIX) or not hasattr(callback, "cls"):
            continue
        for method, action in callback.actions.items():
            found.append(Operation(_route(regex), method, callback.cls, action))
    return found


def api_routes() -> list[str]:
    return list(dict.fromkeys(op.route for op in api_operations()))
