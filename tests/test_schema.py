"""The published OpenAPI schema is one a strict client can trust.

It validates; nullability is written so OpenAPI 3.0.3 tools honour it; every path id is a
UUID; errors are named components that declare every key the server sends; list filters
say how their items are sent; every operation has a summary. And the response check of
the API test client (``tests/openapi.py``) really rejects what the schema does not declare.
"""

import json
import re
import uuid

import pytest
from django.test import override_settings
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec

from tests.openapi import SchemaMismatch, check_response, openapi_schema

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    return openapi_schema()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _walk(node, where="#"):
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _refers_to(node, name) -> bool:
    """``node`` is that component (or ``allOf: [it]``, spectacular's way to add a description)."""
    return node == _ref(name) or node.get("allOf") == [_ref(name)]


def test_schema_validates(schema):
    assert schema["openapi"] == "3.0.3"
    validate_schema(schema)  # what `manage.py spectacular --validate` runs
    validate_spec(schema)  # openapi-spec-validator, as openapi-core reads it


def test_nullable_is_only_written_where_openapi_3_0_honours_it(schema):
    """``nullable`` counts only next to a ``type``: ``allOf: [$ref]`` + ``nullable`` (and any
    other typeless nullable) would let a strict client reject the ``null`` it receives."""
    ignored = [
        where for where, node in _walk(schema) if node.get("nullable") and "type" not in node
    ]
    assert ignored == []
    operatory = _component(schema, "Appointment")["properties"]["operatory"]
    assert operatory["oneOf"] == [_ref("Ref"), _ref("NullEnum")]
    assert _component(schema, "NullEnum") == {"enum": [None]}


def test_every_path_parameter_is_a_uuid(schema):
    for path, method, operation in _operations(schema):
        parameters = [p for p in operation.get("parameters", []) if p["in"] == "path"]
        named = {p["name"] for p in parameters}
        assert named == set(re.findall(r"\{(\w+)\}", path)), (method, path)
        for parameter in parameters:
            assert parameter["schema"] == {"type": "string", "format": "uuid"}, (method, path)


def test_every_operation_has_a_summary_and_declares_its_errors(schema):
    for path, method, operation in _operations(schema):
        assert operation.get("summary"), (method, path)
        assert operation.get("description"), (method, path)
        responses = operation["responses"]
        assert any(code.startswith("2") for code in responses), (method, path)
        for code in ("401", "403"):
            assert responses[code]["content"]["application/json"]["schema"] == _ref("Error")
        assert responses["404"]["content"]["application/json"]["schema"] == _ref("NotFoundError")
        assert responses["422"]["content"]["application/json"]["schema"] == _ref("ValidationError")
        if method != "get":
            conflict = responses["409"]["content"]["application/json"]["schema"]["$ref"]
            assert conflict.endswith("ConflictError"), (method, path)
        if method == "delete":
            assert "content" not in responses["204"], (method, path)


def test_errors_are_named_components_with_every_key_the_server_sends(schema):
    error = _component(schema, "Error")
    assert set(error["required"]) == {"detail", "code"}
    not_found = _component(schema, "NotFoundError")
    assert set(not_found["required"]) == {"detail", "code"}
    assert not_found["properties"]["errors"]["items"] == _ref("ValidationErrorItem")
    item = _component(schema, "ValidationErrorItem")
    assert item["properties"]["loc"]["items"] == {
        "oneOf": [{"type": "string"}, {"type": "integer"}]
    }
    assert _component(schema, "ValidationError")["properties"]["detail"]["items"] == _ref(
        "ValidationErrorItem"
    )
    version_keys = {"detail", "code", "current_version", "base_version"}
    assert set(_component(schema, "ConflictError")["properties"]) == version_keys
    scheduling = _component(schema, "SchedulingConflictError")["properties"]
    assert set(scheduling) == version_keys | {
        "conflicts",
        "reason_codes",
        "current_status",
        "allowed",
    }
    assert _refers_to(scheduling["conflicts"], "ConflictDetails")
    assert _refers_to(scheduling["current_status"], "AppointmentStatusEnum")
    assert _refers_to(scheduling["allowed"]["items"], "AppointmentStatusEnum")
    blockout = _component(schema, "BlockoutConflictError")["properties"]
    assert set(blockout) == version_keys | {"conflicts", "reason_codes"}
    assert _refers_to(blockout["conflicts"], "BlockoutOverlapDetails")
    overlapping = _component(schema, "BlockoutOverlapDetails")["properties"]["blockouts"]
    assert overlapping["items"] == _ref("ConflictingBlockout")
    for entry in ("ConflictingBlockout", "ConflictingAppointment"):  # one shape, one meaning
        times = {"schedule_date", "start_time", "end_time", "start_at", "end_at"}
        assert times <= set(_component(schema, entry)["properties"]), entry
    bulk_loc = _component(schema, "BulkRowError")["properties"]["loc"]
    assert bulk_loc["items"] == item["properties"]["loc"]["items"]


def _parameter(schema, path, name):
    operation = schema["paths"][f"/api/v1/{{org_id}}/{path}"]["get"]
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_list_filters_say_how_their_items_are_sent(schema):
    for path in ("appointments", "appointments/cursor"):
        status = _parameter(schema, path, "status")  # ?status=scheduled,complete
        assert status["schema"]["type"] == "string"  # as the contract words it
        pattern = re.compile(status["schema"]["pattern"])
        assert pattern.match("scheduled") and pattern.match("scheduled,complete")
        assert not pattern.match("scheduled,nope") and not pattern.match("")
    status_set = _parameter(schema, "appointments/counts/by-location", "status_set")
    assert status_set["schema"]["type"] == "array"  # ?status_set=a&status_set=b
    assert status_set.get("style", "form") == "form" and status_set.get("explode", True)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["appointments", "appointments/cursor"])
def test_a_status_list_filters_comma_separated_or_repeated(path, org, location, admin_client):
    from tests.factories import AppointmentFactory

    made = {
        status: str(AppointmentFactory(org=org, location=location, status=status).uuid)
        for status in ("scheduled", "complete", "cancelled")
    }

    def ids(query):
        response = admin_client.get(path, query)
        assert response.status_code == 200
        body = response.json()
        return {item["id"] for item in body.get("items", body.get("data", []))}

    wanted = {made["scheduled"], made["complete"]}
    assert ids({"status": "scheduled,complete"}) == wanted
    assert ids({"status": ["scheduled", "complete"]}) == wanted
    assert ids({"status": "cancelled"}) == {made["cancelled"]}
    bad = admin_client.get(path, {"status": "scheduled,nope"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "status"]


# --- JSON everywhere under /api/ -----------------------------------------------------


@pytest.mark.django_db
@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/{org}/no-such-thing"),
        ("get", "/api/v1/{org}/appointments/not-a-uuid"),
        ("get", "/api/v1/{org}/locations/"),  # no trailing slash in the contract
        ("get", "/api/v1/not-an-org/locations"),
        ("get", "/api/v2/"),
        ("post", "/api/v1/{org}/no-such-thing"),
        ("delete", "/api/v1/{org}/appointments/not-a-uuid/procedures/x"),
    ],
)
def test_unmatched_api_paths_are_json_404_even_with_debug_on(client, org, method, path):
    response = getattr(client, method)(path.format(org=org.uuid))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "NOT_FOUND"}


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_api_client_checks_unmatched_paths_against_the_error_envelope(admin_client):
    response = admin_client.get(f"appointments/{uuid.uuid4()}/nope")
    assert response.status_code == 404  # checked by the client: an ``Error`` body


# --- the response check bites --------------------------------------------------------


@pytest.mark.django_db
def test_the_response_check_rejects_an_undeclared_key(admin_client, location):
    response = admin_client.get(f"locations/{location.uuid}")
    assert response.status_code == 200
    body = response.json()
    response.content = json.dumps({**body, "surprise": 1}).encode()
    with pytest.raises(SchemaMismatch, match="surprise"):
        check_response(response)


@pytest.mark.django_db
def test_the_response_check_rejects_a_wrong_type_and_an_undeclared_status(admin_client, location):
    response = admin_client.get(f"locations/{location.uuid}")
    response.content = json.dumps({**response.json(), "id": 5}).encode()
    with pytest.raises(SchemaMismatch, match=r"GET /api/v1/.*/locations/"):
        check_response(response)
    response = admin_client.get(f"locations/{location.uuid}")
    response.status_code = 418
    with pytest.raises(SchemaMismatch, match="418"):
        check_response(response)


@pytest.mark.django_db
def test_the_response_check_rejects_a_success_from_an_undescribed_path(admin_client):
    response = admin_client.get(f"appointments/{uuid.uuid4()}/nope")
    response.status_code = 200
    with pytest.raises(SchemaMismatch, match="not in the schema"):
        check_response(response)
    response.status_code = 404
    response.content = b'{"detail": "Not found."}'  # no code: not the envelope
    with pytest.raises(SchemaMismatch, match="not the Error envelope"):
        check_response(response)
