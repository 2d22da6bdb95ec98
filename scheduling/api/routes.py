"""The API's routes, found by their first segment.

Django tries a request's path against every route in order, and the API has about a
hundred under ``/api/v1/{org_id}/``: ~40 µs of every call went to trying those before
its own. Every route begins with a literal segment (``appointments/…``,
``schedule/…``), and routes of different first segments cannot match the same path, so
``BySegmentResolver`` groups them by segment, each group keeping its routes' order: a
path is tried against its own segment's routes only, with the same outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, URLResolver
from django.urls.resolvers import RegexPattern

_LITERAL_SEGMENT = re.compile(r"\^?([A-Za-z0-9_-]+)(?:/|\$|$)")


class FirstSegment(RegexPattern):
    """Matches a path whose first segment is ``segment`` and consumes nothing, so the
    routes under it see the path whole. Its regex is empty: reversing a URL and listing
    the routes (the OpenAPI schema) see no trace of it."""

    def __init__(self, segment: str):
        super().__init__("")
        self.segment = segment
        self._with_slash = f"{segment}/"

    def match(self, path):
        if path == self.segment or path.startswith(self._with_slash):
            return path, (), {}
        return None


def first_segment(route) -> str:
    match = _LITERAL_SEGMENT.match(str(route.pattern))
    if match is None:
        raise ImproperlyConfigured(f"the route {route.pattern} starts with no literal segment")
    return match.group(1)


class BySegmentResolver(URLResolver):
    """``routes`` grouped by their first segment, each group in its given order (and the
    groups in the order their segments first appear, for reversing and listing); a path
    is resolved by its own segment's group, found by name."""

    def __init__(self, routes: Iterable):
        groups: dict[str, list] = {}
        for route in routes:
            groups.setdefault(first_segment(route), []).append(route)
        resolvers = [URLResolver(FirstSegment(segment), group) for segment, group in groups.items()]
        super().__init__(RegexPattern(""), resolvers)
        self._groups = {resolver.pattern.segment: resolver for resolver in resolvers}

    def resolve(self, path):
        group = self._groups.get(str(path).split("/", 1)[0])
        if group is None:
            raise Resolver404({"path": path, "tried": []})
        return group.resolve(path)
