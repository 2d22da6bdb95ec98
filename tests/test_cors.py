"""OPTIONS and CORS: what a browser front-end on another origin sends around its calls.

OPTIONS is an ordinary, authenticated request (it describes the endpoint to a member);
a CORS preflight is answered by the middleware before authentication, because a
browser never sends the token with it.
"""

import pytest
from django.test import override_settings

from tests.bodies import make
from tests.endpoints import api_operations, api_routes

pytestmark = pytest.mark.django_db

ROUTES = api_routes()
DESK = "https://desk.example.com"


def _methods(route: str) -> set[str]:
    return {op.method.upper() for op in api_operations() if op.route == route}


def _path(route, org, location):
    op = next(op for op in api_operations() if op.route == route)
    subject = make(op.subject_model, org, location) if op.has_ids else None
    return op.path(subject)


# --- OPTIONS -------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_options_describes_the_endpoint_to_a_member(route, org, location, viewer_client):
    response = viewer_client.options(_path(route, org, location))
    assert response.status_code == 200
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert _methods(route) | {"OPTIONS"} <= allowed
    body = response.json()
    assert body["name"] and set(body["allowed_methods"]) == allowed
    assert "actions" not in body  # the OpenAPI schema describes bodies, not OPTIONS


@pytest.mark.parametrize("route", ROUTES)
def test_options_needs_a_token_and_a_membership(
    route, org, location, anonymous_client, outsider_client
):
    path = _path(route, org, location)
    assert anonymous_client.options(path).status_code == 401
    response = outsider_client.options(path)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


# --- CORS ----------------------------------------------------------------------------


def _preflight(client, path, origin=DESK, method="PATCH"):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, if-match",
    )


@override_settings(CORS_ALLOWED_ORIGINS=[DESK])
def test_preflight_from_an_allowed_origin_needs_no_token(org, anonymous_client):
    response = _preflight(anonymous_client, "appointment-types")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == DESK
    allowed_headers = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    } <= allowed_headers
    assert "PATCH" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, not cookies


@override_settings(CORS_ALLOWED_ORIGINS=[DESK])
def test_responses_to_an_allowed_origin_expose_etag(admin_client):
    response = admin_client.get("appointment-types", HTTP_ORIGIN=DESK)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == DESK
    assert response["Access-Control-Expose-Headers"] == "ETag"
    assert "origin" in response["Vary"].lower()


@override_settings(CORS_ALLOWED_ORIGINS=[DESK])
def test_errors_carry_cors_headers_so_the_front_end_can_read_them(anonymous_client):
    response = anonymous_client.get("appointment-types", HTTP_ORIGIN=DESK)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == DESK


@override_settings(CORS_ALLOWED_ORIGINS=[DESK])
def test_a_disallowed_origin_gets_no_cors_headers(anonymous_client, admin_client):
    evil = "https://evil.example.com"
    preflight = _preflight(anonymous_client, "appointment-types", origin=evil)
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Headers" not in preflight
    response = admin_client.get("appointment-types", HTTP_ORIGIN=evil)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Expose-Headers" not in response


def test_no_origin_is_allowed_by_default(settings, anonymous_client):
    assert settings.CORS_ALLOWED_ORIGINS == []
    response = _preflight(anonymous_client, "appointment-types")
    assert "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[DESK])
def test_cors_covers_api_paths_only(client):
    response = client.options(
        "/admin/login/", HTTP_ORIGIN=DESK, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in response
    schema = client.get("/api/schema/", HTTP_ORIGIN=DESK)
    assert schema["Access-Control-Allow-Origin"] == DESK
