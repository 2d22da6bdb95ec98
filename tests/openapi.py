"""The published OpenAPI schema as a test oracle: every response the API test client
receives must be one the schema declares (its status, and a body that validates), so the
schema cannot drift from what the server sends.

The schema is generated once per test session with drf-spectacular's ``SchemaGenerator``
(what ``/api/schema/`` serves), and openapi-core's spec object is built once from it; each
response is then matched to its operation by openapi-core and its body validated with
openapi-core's OpenAPI 3.0 schema validator (``nullable`` only counts next to a ``type``,
like the strictest clients). Stricter than the published schema in one way: an object
accepts only the properties it declares, so every key the server sends is declared.

- ``OPTIONS`` and ``HEAD`` are not operations of the schema (spectacular describes neither):
  not checked. A ``204`` or a ``304`` (a conditional GET's "not modified") must have no
  body; a ``304`` is otherwise checked as any response (declared, its headers).
- A 2xx from a path or method the schema does not have is a failure: the schema is missing
  an operation.
- A 4xx from a path or method the schema does not have (an unknown route, a malformed id in
  the path, a method the route lacks) must still be the error envelope: ``Error``, or
  ``ValidationError`` for a 422.
"""

from __future__ import annotations

import json
import re
from functools import cache

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

API_PREFIX = "/api/v1/"
UNDESCRIBED_METHODS = {"OPTIONS", "HEAD"}


class SchemaMismatch(AssertionError):
    """A response the OpenAPI schema does not declare."""


@cache
def openapi_schema() -> dict:
    """The schema ``/api/schema/`` serves, as plain JSON data."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated, renderer_context={}))


def _closed(node):
    """A copy of ``node`` in which an object that lists its properties allows no others.

    The published schema leaves objects open (a client must tolerate new fields); the tests
    hold the server to it: a key the server sends must be declared.
    """
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: _closed(value) for key, value in node.items()}
    if "properties" in closed and "additionalProperties" not in closed:
        closed["additionalProperties"] = False
    return closed


@cache
def openapi_spec() -> OpenAPI:
    return OpenAPI.from_dict(_closed(openapi_schema()))


@cache
def component_validator(name: str) -> OAS30Validator:
    """A validator of one ``components.schemas`` entry (its ``$ref``s resolve in the schema)."""
    root = {
        "allOf": [{"$ref": f"#/components/schemas/{name}"}],
        "components": _closed(openapi_schema()["components"]),
    }
    return OAS30Validator(root)


def _body(response):
    try:
        return json.loads(response.content) if response.content else None
    except ValueError:
        return response.content[:200]


def _explain(error: BaseException) -> str:
    """openapi-core's error with the schema errors beneath it, each with where it is."""
    lines = []
    while error is not None:
        schema_errors = getattr(error, "schema_errors", None)
        if schema_errors:
            for schema_error in schema_errors:
                for leaf in _leaves(schema_error):
                    where = "".join(f"[{p!r}]" for p in leaf.absolute_path) or "(body)"
                    line = f"  at {where}: {leaf.message[:300]}"
                    if line not in lines:
                        lines.append(line)
        elif error.__cause__ is None:
            lines.append(f"  {type(error).__name__}: {str(error)[:300]}")
        error = error.__cause__
    return "\n".join(lines)


def _leaves(error):
    """The innermost errors of a oneOf/anyOf failure: they say what really is wrong."""
    if not error.context:
        yield error
        return
    for sub in error.context:
        yield from _leaves(sub)


def _operation(method: str, path: str) -> str:
    """The schema's name for the request: its path template and operationId."""
    matches = []
    for template, item in openapi_schema()["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            matches.append((template.count("{"), template, item))
    if not matches:
        return f"{method} {path} (no such path in the schema)"
    _, template, item = min(matches, key=lambda match: match[0])
    operation_id = item.get(method.lower(), {}).get("operationId", "no such method in the schema")
    return f"{method} {template} ({operation_id}) ← {path}"


def _fail(method: str, path: str, status: int, reason: str, response) -> None:
    body = json.dumps(_body(response), default=str)
    if len(body) > 1500:
        body = body[:1500] + " …"
    raise SchemaMismatch(
        f"Response disagrees with the OpenAPI schema\n"
        f"  operation: {_operation(method, path)}\n  status: {status}\n{reason}\n"
        f"  body: {body}"
    ) from None  # the reason above says what openapi-core found


def check_response(response) -> None:
    """Fail with a clear message if ``response`` is not one the schema declares."""
    request = response.wsgi_request
    method, path, status = request.method, request.path, response.status_code
    if method in UNDESCRIBED_METHODS or not path.startswith(API_PREFIX):
        return
    if status in (204, 304) and response.content:
        _fail(method, path, status, f"  a {status} has no body", response)
    spec = openapi_spec()
    mock_request = MockRequest("http://testserver", method, path)
    mock_response = MockResponse(
        response.content,
        status_code=status,
        headers=dict(response.headers),
        content_type=response.get("Content-Type", "application/json"),
    )
    if status == 405:  # a method the route does not take: not an operation, the envelope
        _check_envelope(method, path, status, response)
        return
    try:
        spec.validate_response(mock_request, mock_response)
    except PathError as error:  # no such operation in the schema
        if 200 <= status < 300:
            _fail(method, path, status, f"  not in the schema: {error}", response)
        _check_envelope(method, path, status, response)
    except Exception as error:  # noqa: BLE001 - every validation error is a failure
        _fail(method, path, status, _explain(error), response)


def _check_envelope(method, path, status, response) -> None:
    component = "ValidationError" if status == 422 else "Error"
    errors = list(component_validator(component).iter_errors(_body(response)))
    if errors:
        reason = "\n".join(f"  not the {component} envelope: {e.message}" for e in errors)
        _fail(method, path, status, reason, response)
