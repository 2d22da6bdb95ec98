"""Every API endpoint, discovered from the URL conf, with a factory for its model.

The shared suite in ``test_every_endpoint.py`` runs over this list, so an endpoint is
covered by being registered. A new resource whose model has no factory here fails
loudly, instead of silently escaping the suite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tests import factories

FACTORIES = {
    "Location": factories.LocationFactory,
    "Operatory": factories.OperatoryFactory,
    "Provider": factories.ProviderFactory,
    "Patient": factories.PatientFactory,
    "ProcedureCode": factories.ProcedureCodeFactory,
    "Definition": factories.DefinitionFactory,
    "AppointmentType": factories.AppointmentTypeFactory,
    "Appointment": factories.AppointmentFactory,
    "BlockoutType": factories.BlockoutTypeFactory,
    "Blockout": factories.BlockoutFactory,
    "BlockoutTemplate": factories.BlockoutTemplateFactory,
    "BlockoutTemplateItem": factories.BlockoutTemplateItemFactory,
}


@dataclass(frozen=True)
class Endpoint:
    route: str  # e.g. "appointment-types" or "appointment-types/{}"
    viewset: type
    actions: dict

    @property
    def model(self):
        return self.viewset.queryset.model

    @property
    def factory(self):
        return FACTORIES[self.model.__name__]

    @property
    def is_detail(self) -> bool:
        return "{}" in self.route

    def path(self, obj=None) -> str:
        return self.route.replace("{}", str(obj.uuid)) if obj is not None else self.route

    def make(self, org, **kwargs):
        """A row this endpoint shows, in ``org``."""
        return self.factory(org=org, **kwargs)

    def __str__(self) -> str:
        return f"{'/'.join(self.actions.values())} {self.route}"


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_endpoints() -> list[Endpoint]:
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/<uuid:org_id>/") or not hasattr(callback, "cls"):
            continue
        path = route.removeprefix("api/v1/<uuid:org_id>/").lstrip("^").rstrip("$")
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", path)
        found.append(Endpoint(path, callback.cls, dict(callback.actions)))
    return found


def list_endpoints() -> list[Endpoint]:
    return [e for e in api_endpoints() if not e.is_detail and e.actions.get("get") == "list"]


def detail_endpoints() -> list[Endpoint]:
    return [e for e in api_endpoints() if e.is_detail and e.actions.get("get") == "retrieve"]


def patch_endpoints() -> list[Endpoint]:
    return [e for e in api_endpoints() if e.actions.get("patch") == "partial_update"]
