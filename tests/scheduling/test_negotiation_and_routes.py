"""Content negotiation's shortcut (``scheduling.api.negotiation``) and the API's routes
found by their first segment (``scheduling.api.routes``): both change only how fast an
answer is found, never which."""

from itertools import chain

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import re_path, resolve, reverse
from django.urls.resolvers import RoutePattern, URLResolver
from rest_framework.test import APIClient

from config.urls import API_PREFIX, API_ROUTES
from scheduling.api.routes import BySegmentResolver
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_plain_json_accept_gets_json(admin_client, accept):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = admin_client.get("locations", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"items":[')


def test_any_other_accept_is_drfs_to_judge(admin_client):
    unchecked = APIClient()  # a 406 is not among the schema's answers
    unchecked.credentials(HTTP_AUTHORIZATION=admin_client._credentials["HTTP_AUTHORIZATION"])
    refused = unchecked.get(admin_client.url("locations"), HTTP_ACCEPT="text/html")
    assert refused.status_code == 406
    indented = admin_client.get("locations", HTTP_ACCEPT="application/json; indent=4")
    assert indented.status_code == 200 and b'\n    "items"' in indented.content
    weighted = admin_client.get("locations", HTTP_ACCEPT="text/html;q=0.9, application/json")
    assert weighted.status_code == 200 and weighted["Content-Type"] == "application/json"


def _linear(path: str):
    """What Django resolves trying every API route in order (no grouping)."""
    routes = list(chain(*API_ROUTES))
    return URLResolver(RoutePattern(API_PREFIX), routes).resolve(path.lstrip("/"))


def test_every_api_route_resolves_as_a_linear_search_would(org):
    location = LocationFactory(org=org)
    base = f"api/v1/{org.uuid}/"
    paths = [
        "locations",
        f"locations/{location.uuid}",
        "appointments",
        "appointments/cursor",
        "appointments/confirmation-statuses",
        f"appointments/{location.uuid}",
        f"appointments/{location.uuid}/history",
        "schedule/calendar/daily",
        "schedule/production-goals",
        f"schedule/production-goals/{location.uuid}",
        "waitlist/openings",
        "recalls/patient-recalls/due",
    ]
    for path in paths:
        found, linear = resolve(f"/{base}{path}"), _linear(f"/{base}{path}")
        assert (found.func, found.kwargs) == (linear.func, linear.kwargs), path
    assert reverse("location-list", kwargs={"org_id": org.uuid}) == f"/{base}locations"


def test_an_unknown_first_segment_is_the_apis_json_404(admin_client):
    response = admin_client.get("no-such-resource/anything")
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


def test_a_route_without_a_literal_first_segment_is_refused():
    with pytest.raises(ImproperlyConfigured):
        BySegmentResolver([re_path(r"^(?P<kind>[a-z]+)/list$", lambda request: None)])
