"""One suite over every operation (NetBox-style generic API tests).

Every (route, method) under /api/v1/{org_id}/ is discovered from the URL conf
(``tests.endpoints``: 73 operations on 53 routes) and called with the valid input
registered for it (``tests.bodies``); each check is parametrized over the operations it
applies to (1,765 cases). A write with no registered input fails
``test_every_operation_is_registered``.

It bites (measured on e1e9d3f by breaking the platform on purpose, one at a time, and
running this file; failing cases out of 1,614 non-xfail ones):
- ``OrgQuerySet.restrict`` without the org filter: 55 fail (41 another org's object in
  the path, 12 of 18 lists showing another org's rows (nested lists and the pinboard are
  also filtered by their parent or location), bulk-confirm, check-conflicts' exclusion);
- ``OrgQuerySet.restrict`` without the location filter: 41 fail (31 objects at a
  forbidden location, 10 of 11 located lists; the pinboard is filtered by its location);
- ``RolePermission.has_permission`` always True: 46 fail (34 viewer writes, 11 staff
  configuration writes, and OPTIONS on /providers for a viewer, a 500).
Ids in bodies and queries do not depend on ``restrict`` (``scheduling.api.relations``
filters by org itself), nor do 403s for named locations (``Access.check_location``), so
those checks hold under the first two breaks: a second line of defence, tested here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import AppointmentType
from recalls.models import RecallType
from scheduling.models import (
    Location,
    LocationScope,
    Operatory,
    Patient,
    Provider,
    Role,
    SavedSearch,
)
from scheduling.models.base import VersionedModel
from tests.bodies import INPUTS, MAKERS, make, make_named
from tests.conftest import Api, api_for
from tests.endpoints import Operation, api_operations, api_routes
from tests.factories import LocationFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

OPS = api_operations()
OP = {op.key: op for op in OPS}
ROUTES = api_routes()


def ops(predicate=lambda op: True) -> list:
    return [pytest.param(op, id=op.key) for op in OPS if predicate(op)]


def required_role(op: Operation) -> Role:
    """The role the registered call needs: the operation's, or more for its subject (an
    admin changes the shared schedule view the registry names; ``Input.role``)."""
    spec = INPUTS.get(op.key)
    return spec.role if spec is not None and spec.role is not None else op.required_role


def writes_personal_settings(op: Operation) -> bool:
    """A write open to viewers because it changes only the caller's own settings (a
    registered ``Input.personal``, or rows the caller owns: ``OWNED_BY_CALLER``)."""
    spec = INPUTS.get(op.key)
    return (spec is not None and spec.personal) or op.model in OWNED_BY_CALLER


PAGED = ops(lambda op: op.is_paged)
WITH_IDS = ops(lambda op: op.has_ids)
RETRIEVES = ops(lambda op: op.is_retrieve)
#: Writes a viewer may not make: every write but those lowered to viewer (check-conflicts).
GUARDED_WRITES = ops(lambda op: op.is_write and required_role(op) != Role.VIEWER)
ADMIN_ONLY = ops(lambda op: required_role(op) == Role.ADMIN)
VERSIONED = ops(lambda op: op.base_version_in is not None)
WITH_BODY = ops(lambda op: op.input_serializer is not None)
LOCATED_SUBJECTS = ops(lambda op: op.subject_is_located)
LOCATED_LISTS = ops(lambda op: op.is_paged and op.rows_are_located)

#: Rows each user has alone ("current user" scoping, CONVENTIONS: another user's saved
#: search is a 404), by model → the field naming their owner. This suite builds subjects
#: and rows before (or without) knowing who will call, and its checks are about orgs,
#: roles and locations, not users; so before each request the org's rows of these models
#: are handed to the caller (``personal_rows_belong_to_the_caller``). A known exception,
#: not a weaker rule: the server still finds only the caller's rows, and that another
#: user's are 404 and never listed is tested per resource
#: (``tests/scheduling/test_saved_searches.py``). Writes to these rows are open to
#: viewers, as personal settings, and really write (``test_registered_input_succeeds``).
OWNED_BY_CALLER = {SavedSearch: "user"}

#: What a ``*_uuid`` query parameter names (a new one must be added here).
QUERY_ID_MODELS = {
    "appointment_type_uuid": AppointmentType,
    "location_uuid": Location,
    "operatory_uuid": Operatory,
    "patient_uuid": Patient,
    "provider_uuid": Provider,
    "recall_type_uuid": RecallType,
    "saved_search_uuid": SavedSearch,
}


# --- calling an operation ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def personal_rows_belong_to_the_caller(monkeypatch):
    """Every request of this suite first hands the org's personal rows (``OWNED_BY_CALLER``)
    to the client's user, if the client has one (an anonymous client has none; a member
    of another org gets them, and still its 404 for the org)."""
    request = Api.request

    def request_as_owner(client, **kwargs):
        user = getattr(client, "user", None)
        if user is not None:
            for model, owner in OWNED_BY_CALLER.items():
                model.objects.filter(org__uuid=client.org.uuid).exclude(**{owner: user}).update(
                    **{owner: user}
                )
        return request(client, **kwargs)

    monkeypatch.setattr(Api, "request", request_as_owner)


@dataclass
class Call:
    """One operation, ready to send: its path (for ``subject``), body and query."""

    op: Operation
    subject: Any
    body: dict | None
    query: dict | None

    @property
    def path(self) -> str:
        return self.op.path(self.subject)


def subject_for(op: Operation, org, location):
    if op.subject_model is None:
        return None
    spec = INPUTS.get(op.key)
    if spec is not None and spec.subject is not None:
        return spec.subject(org, location)
    return make(op.subject_model, org, location)


def prepare(op: Operation, org, location, subject=None) -> Call:
    """The registered valid call of ``op`` in ``org``, its subject at ``location``."""
    if subject is None:
        subject = subject_for(op, org, location)
    spec = INPUTS.get(op.key)
    body = spec.body(org, subject, location) if spec and spec.body else None
    query = spec.query(org, subject, location) if spec and spec.query else None
    return Call(op, subject, body, query)


def send(client, call: Call, *, path=None, body=None, query=None, method=None):
    """Send ``call`` (or its variant: another path, body or query)."""
    path = call.path if path is None else path
    body = call.body if body is None else body
    query = call.query if query is None else query
    if query:
        path = f"{path}?{urlencode(query, doseq=True)}"
    method = method or call.op.method
    client.raise_request_exception = False  # a 500 is a status to assert on, like any other
    if method == "get":
        return client.get(path)
    if method in ("head", "options"):
        return getattr(client, method)(path)
    return getattr(client, method)(path, body)


def row_for(op: Operation, org, location, parent=None):
    spec = INPUTS.get(op.key)
    if spec is not None and spec.row is not None:
        return spec.row(org, location, parent)
    return make(op.model, org, location, parent)


def list_scene(op: Operation, org, location, count: int):
    """``count`` rows at ``location`` a paged list shows, and the call that lists them.

    Rows of a nested list share one parent. Locations are the one exception: each row is
    a location, so all but the first are new ones.
    """
    parent = subject_for(op, org, location)
    places = [location] * count
    if op.scope == LocationScope.SELF:
        places = [location] + [LocationFactory(org=org) for _ in range(count - 1)]
    rows = [row_for(op, org, place, parent) for place in places]
    return prepare(op, org, location, subject=parent), rows


ORG_MODELS = [
    model
    for model in apps.get_models()
    if any(field.name == "org" for field in model._meta.concrete_fields)
    and model._meta.app_label in ("scheduling", "appointments", "blockouts", "recalls", "waitlist")
]


def _fingerprint_sql() -> str:
    quote = connection.ops.quote_name
    parts = []
    for model in ORG_MODELS:
        columns = {field.column for field in model._meta.concrete_fields}
        aggregates = ["count(*)"]
        aggregates += ["max(updated_at)"] if "updated_at" in columns else []
        aggregates += ["sum(version)"] if "version" in columns else []
        aggregates += ["count(deleted_at)"] if "deleted_at" in columns else []
        parts.append(
            f"(SELECT json_build_array({', '.join(aggregates)}) "
            f"FROM {quote(model._meta.db_table)} WHERE org_id = %(org)s)"
        )
    return f"SELECT json_build_array({', '.join(parts)})"


FINGERPRINT_SQL = _fingerprint_sql()


def fingerprint(org) -> list:
    """What the org holds, in one query: per table its rows, last write, versions and
    soft deletions. Equal before and after a request: the request wrote nothing."""
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL, {"org": org.pk})
        return cursor.fetchone()[0]


def versioned_object(op: Operation, subject):
    """The row ``base_version`` guards: the subject, or its parent (a procedure's appointment)."""
    if isinstance(subject, VersionedModel):
        return subject
    return getattr(subject, op.viewset.parent_field)


def set_at(body: dict | None, loc: tuple, value) -> dict:
    """A copy of ``body`` with ``value`` at ``loc`` (``("body", "providers", 0, "x_uuid")``)."""
    body = copy.deepcopy(body or {})
    node, parts = body, loc[1:]
    for part, following in zip(parts, parts[1:], strict=False):
        if isinstance(node, list):
            while len(node) <= part:
                node.append({})
        else:
            node.setdefault(part, [] if isinstance(following, int) else {})
        node = node[part]
    node[parts[-1]] = value
    return body


def query_names(op: Operation) -> set[str]:
    """The query parameters the operation applies: its query serializer's, and its
    filters' when it is a list of the collection (``list``, the cursor list)."""
    names = set(op.query_serializer().fields) if op.query_serializer else set()
    names |= {"page", "page_size"} if op.is_paged else set()
    filterset = getattr(_view(op), "filterset_class", None)
    if filterset is not None and op.method == "get" and op.action in ("list", "cursor"):
        names |= set(filterset.base_filters)
    return names


def accepted_query_names(op: Operation) -> set[str]:
    """The query parameters the server lets through for the operation."""
    return _view(op).allowed_query_params()


def _view(op: Operation):
    view = op.viewset()
    view.action = op.action
    return view


# --- the registry is complete and right -------------------------------------------------


@pytest.mark.parametrize("op", ops())
def test_every_operation_is_registered(op):
    """A write, or a read that needs query parameters, is covered only by registering it."""
    spec = INPUTS.get(op.key)
    if op.is_write:
        assert spec is not None, f"register how to call {op.key} in tests/bodies.py INPUTS"
    needs_body = op.input_serializer is not None and any(
        field.required for field in op.input_serializer().fields.values()
    )
    if needs_body:
        assert spec is not None and spec.body, f"register a valid body for {op.key}"
    needs_query = op.query_serializer is not None and any(
        field.required for field in op.query_serializer().fields.values()
    )
    if needs_query:
        assert spec is not None and spec.query, f"register the query of {op.key}"
    for model in (op.subject_model, op.model if op.is_paged else None):
        assert model is None or model in MAKERS, f"add {model.__name__} to MAKERS"


def test_registry_names_only_discovered_operations():
    assert len(OPS) > 50, "the URL conf was not discovered"
    assert set(INPUTS) <= {op.key for op in OPS}


@pytest.mark.parametrize("op", ops())
def test_registered_input_succeeds(op, org, location, admin_client):
    """Each registration is right: an admin's call succeeds, and a write really writes."""
    call = prepare(op, org, location)
    versioned = versioned_object(op, call.subject) if op.base_version_in else None
    before = fingerprint(org)
    response = send(admin_client, call)
    expected = {"create": 201, "destroy": 204}.get(op.action, 200)
    assert response.status_code == expected, response.content
    if op.method == "delete":
        assert response.content == b""
    elif op.method == "get":
        body = response.json()
        paged = isinstance(body, dict) and {"items", "page", "page_size", "total"} <= set(body)
        assert paged == op.is_paged, "declare page lists in the viewset's paged_actions"
    if op.is_write and (required_role(op) != Role.VIEWER or writes_personal_settings(op)):
        assert fingerprint(org) != before, "the registered body must change something"
    elif op.is_write:
        assert fingerprint(org) == before, "a POST open to viewers only reads"
    if versioned is not None:
        old = versioned.version
        versioned.refresh_from_db()
        assert versioned.version == old + 1


@pytest.mark.parametrize("op", ops())
def test_least_role_at_one_location_may_call(op, org, location, second_location):
    """The role the operation asks for is enough, for a member limited to the location."""
    client = api_for(org, required_role(op), locations=[location])
    response = send(client, prepare(op, org, location))
    assert response.status_code == {"create": 201, "destroy": 204}.get(op.action, 200)


# --- who may call ----------------------------------------------------------------------


@pytest.mark.parametrize("op", ops())
def test_no_token_is_401(op, org, location, anonymous_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(anonymous_client, call)
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", ops())
def test_bad_token_is_401(op, org, location):
    call = prepare(op, org, location)
    response = send(Api(org, "cs_0123456789_not-a-real-secret"), call)
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_FAILED"
    assert response["WWW-Authenticate"].startswith("Bearer")


ORG_NOT_FOUND = {"detail": "Organization not found.", "code": "NOT_FOUND"}


@pytest.mark.parametrize("op", ops())
def test_another_orgs_member_gets_404_and_nothing_leaks(op, org, location, outsider_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(outsider_client, call)
    assert response.status_code == 404
    assert response.json() == ORG_NOT_FOUND
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", ops())
def test_unknown_org_is_404(op, org, location, admin_client):
    call = prepare(op, org, location)
    admin_client.org = OrganizationFactory.build()  # a uuid no org has
    response = send(admin_client, call)
    assert response.status_code == 404
    assert response.json() == ORG_NOT_FOUND


@pytest.mark.parametrize("op", GUARDED_WRITES)
def test_viewer_may_not_write(op, org, location, viewer_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(viewer_client, call)
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", ADMIN_ONLY)
def test_staff_may_not_change_configuration(op, org, location, staff_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(staff_client, call)
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert fingerprint(org) == before


# --- lists --------------------------------------------------------------------------------


@pytest.mark.parametrize("op", PAGED)
def test_list_never_shows_or_counts_another_orgs_rows(op, org, other_org, location, admin_client):
    call, mine = list_scene(op, org, location, 2)
    _their_call, theirs = list_scene(op, other_org, LocationFactory(org=other_org), 3)
    body = send(admin_client, call).json()
    ids = {item["id"] for item in body["items"]}
    assert {str(row.uuid) for row in mine} <= ids
    assert not ids & {str(row.uuid) for row in theirs}
    assert body["total"] == len(body["items"]) == len(ids)


PAGE_ERRORS = [
    {"page": 0},
    {"page": -1},
    {"page": "x"},
    {"page_size": 0},
    {"page_size": 201},
    {"page_size": "ten"},
]


@pytest.mark.parametrize("bad", PAGE_ERRORS, ids=lambda q: urlencode(q))
@pytest.mark.parametrize("op", PAGED)
def test_page_bounds_are_422(op, bad, org, location, admin_client):
    call = prepare(op, org, location)
    response = send(admin_client, call, query={**(call.query or {}), **bad})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(bad))]


@pytest.mark.parametrize("op", PAGED)
def test_pages_are_stable_and_complete(op, org, location, admin_client):
    call, rows = list_scene(op, org, location, 5)
    seen = []
    for page in (1, 2, 3):
        body = send(admin_client, call, query={**(call.query or {}), "page": page, "page_size": 2})
        body = body.json()
        assert body["page"] == page and body["page_size"] == 2
        seen += [item["id"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == body["total"]
    assert {str(row.uuid) for row in rows} <= set(seen)
    past_end = send(admin_client, call, query={**(call.query or {}), "page": 99, "page_size": 2})
    assert past_end.json()["items"] == [] and past_end.json()["total"] == body["total"]


@pytest.mark.parametrize("op", PAGED)
def test_list_query_count_does_not_grow_with_page_size(op, org, location, admin_client):
    call, _rows = list_scene(op, org, location, 25)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = send(
                admin_client, call, query={**(call.query or {}), "page_size": page_size}
            )
        assert response.status_code == 200
        assert len(response.json()["items"]) == min(page_size, response.json()["total"])
        return len(ctx.captured_queries)

    queries(1)  # warm caches (content types, the token's last_used_at)
    assert queries(1) == queries(25)


# --- details: the objects a path names -----------------------------------------------------


@pytest.mark.parametrize("op", WITH_IDS)
def test_another_orgs_object_in_the_path_is_404(op, org, other_org, location, admin_client):
    theirs = subject_for(op, other_org, LocationFactory(org=other_org))
    call = prepare(op, org, location, subject=theirs)  # the body's ids: the caller's org
    before = fingerprint(other_org)
    response = send(admin_client, call)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert fingerprint(other_org) == before


NESTED_DETAILS = ops(lambda op: op.lookup_kwarg and op.parent_kwarg)


@pytest.mark.parametrize("op", NESTED_DETAILS)
def test_child_of_another_parent_is_404(op, org, location, admin_client):
    """``/appointments/{a}/procedures/{p}``: p must be a child of a, not of a sibling."""
    call = prepare(op, org, location)
    sibling = subject_for(op, org, location)
    parent = getattr(sibling, op.viewset.parent_field)
    path = op.path(call.subject, **{op.parent_kwarg: str(parent.uuid)})
    before = fingerprint(org)
    response = send(admin_client, call, path=path)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", RETRIEVES)
def test_own_object_is_200_with_its_id(op, org, location, viewer_client):
    call = prepare(op, org, location)
    response = send(viewer_client, call)
    assert response.status_code == 200
    assert response.json()["id"] == str(call.subject.uuid)


@pytest.mark.parametrize("op", WITH_IDS)
def test_malformed_id_in_the_path_is_json_404(op, org, location, admin_client):
    call = prepare(op, org, location)
    last = op.path_kwargs[-1]
    response = send(admin_client, call, path=op.path(call.subject, **{last: "not-a-uuid"}))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "NOT_FOUND"


# --- forbidden locations -------------------------------------------------------------------


def limited(org, op: Operation, location) -> Api:
    """A member limited to ``location`` whose role allows ``op``."""
    role = Role.ADMIN if required_role(op) == Role.ADMIN else Role.STAFF
    return api_for(org, role, locations=[location])


@pytest.mark.parametrize("op", LOCATED_LISTS)
def test_rows_at_a_forbidden_location_are_invisible_in_lists(
    op, org, location, second_location, limited_client
):
    call, allowed = list_scene(op, org, location, 1)
    forbidden_call, forbidden = list_scene(op, org, second_location, 1)
    body = send(limited_client, call).json()
    ids = {item["id"] for item in body["items"]}
    assert str(allowed[0].uuid) in ids
    assert str(forbidden[0].uuid) not in ids
    assert body["total"] == len(ids)
    if op.parent_kwarg:  # the forbidden rows' parent itself is out of sight
        assert send(limited_client, forbidden_call).status_code == 404


@pytest.mark.parametrize("op", LOCATED_SUBJECTS)
def test_object_at_a_forbidden_location_is_404(op, org, location, second_location):
    client = limited(org, op, location)
    if not op.is_write:
        assert send(client, prepare(op, org, location)).status_code == 200
    call = prepare(op, org, location, subject=subject_for(op, org, second_location))
    before = fingerprint(org)
    response = send(client, call)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert fingerprint(org) == before


LOCATION_FIELDS = [
    pytest.param(op, field, id=f"{op.key} {field}")
    for op in OPS
    for field in op.related_fields()
    if field.names_a_location
]


@pytest.mark.parametrize(("op", "field"), LOCATION_FIELDS)
def test_body_naming_a_forbidden_location_is_403(op, field, org, location, second_location):
    client = limited(org, op, location)
    call = prepare(op, org, location)
    forbidden = str(make(field.model, org, second_location).uuid)
    body = set_at(call.body, field.loc, [forbidden] if field.many else forbidden)
    before = fingerprint(org)
    response = send(client, call, body=body)
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "PERMISSION_DENIED"
    assert fingerprint(org) == before


QUERY_IDS = [
    pytest.param(op, name, id=f"{op.key} ?{name}")
    for op in OPS
    for name in sorted(query_names(op))
    if name.endswith("_uuid")
]
LOCATION_QUERY_IDS = [
    param for param in QUERY_IDS if QUERY_ID_MODELS.get(param.values[1]) in (Location, Operatory)
]


@pytest.mark.parametrize(("op", "name"), LOCATION_QUERY_IDS)
def test_query_naming_a_forbidden_location_is_403(op, name, org, location, second_location):
    client = limited(org, op, location)
    call = prepare(op, org, location)
    forbidden = make(QUERY_ID_MODELS[name], org, second_location)
    response = send(client, call, query={**(call.query or {}), name: str(forbidden.uuid)})
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"


# --- another org's ids in the request ---------------------------------------------------


RELATED_FIELDS = [
    pytest.param(op, field, id=f"{op.key} {field}") for op in OPS for field in op.related_fields()
]


@pytest.mark.parametrize(("op", "field"), RELATED_FIELDS)
def test_another_orgs_id_in_the_body_is_404_naming_it(
    op, field, org, other_org, location, admin_client
):
    call = prepare(op, org, location)
    theirs = make_named(field.model, other_org, LocationFactory(org=other_org), field.category)
    body = set_at(call.body, field.loc, [str(theirs.uuid)] if field.many else str(theirs.uuid))
    before = fingerprint(org)
    response = send(admin_client, call, body=body)
    assert response.status_code == 404, response.json()
    assert response.json()["code"] == "NOT_FOUND"
    assert list(field.loc) in [item["loc"] for item in response.json()["errors"]]
    assert fingerprint(org) == before


@pytest.mark.parametrize(("op", "name"), QUERY_IDS)
def test_another_orgs_id_in_the_query_is_404(op, name, org, other_org, location, admin_client):
    assert name in QUERY_ID_MODELS, f"add the model {name} names to QUERY_ID_MODELS"
    call = prepare(op, org, location)
    theirs = make(QUERY_ID_MODELS[name], other_org, LocationFactory(org=other_org))
    response = send(admin_client, call, query={**(call.query or {}), name: str(theirs.uuid)})
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


BULK = "POST appointments/bulk"
BULK_ROW_FIELDS = [
    pytest.param(field, id=str(field)) for field in OP["POST appointments"].related_fields()
]


@pytest.mark.parametrize("field", BULK_ROW_FIELDS)
def test_another_orgs_id_in_a_bulk_row_fails_that_row(
    field, org, other_org, location, admin_client
):
    """Bulk rows are the create body: each is checked alone, so the row fails, named."""
    op = OP[BULK]
    call = prepare(op, org, location)
    theirs = make_named(field.model, other_org, LocationFactory(org=other_org), field.category)
    row = set_at(
        call.body["rows"][0], field.loc, [str(theirs.uuid)] if field.many else str(theirs.uuid)
    )
    before = fingerprint(org)
    response = send(admin_client, call, body={"rows": [row]})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["code"] == "NOT_FOUND"
    assert ["body", "rows", 0, *field.loc[1:]] in [item["loc"] for item in result["errors"]]
    assert fingerprint(org) == before


BULK_LOCATION_FIELDS = [p for p in BULK_ROW_FIELDS if p.values[0].names_a_location]


@pytest.mark.parametrize("field", BULK_LOCATION_FIELDS)
def test_bulk_row_naming_a_forbidden_location_fails_that_row(
    field, org, location, second_location, limited_client
):
    op = OP[BULK]
    call = prepare(op, org, location)
    forbidden = str(make(field.model, org, second_location).uuid)
    row = set_at(call.body["rows"][0], field.loc, [forbidden] if field.many else forbidden)
    before = fingerprint(org)
    response = send(limited_client, call, body={"rows": [row]})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result["code"] == "PERMISSION_DENIED"
    assert fingerprint(org) == before


def test_another_orgs_appointment_in_bulk_confirm_is_skipped(
    org, other_org, location, admin_client
):
    op = OP["POST appointments/bulk-confirm"]
    call = prepare(op, org, location)
    theirs = make(op.model, other_org, LocationFactory(org=other_org))
    before = fingerprint(other_org)
    response = send(admin_client, call, body={**call.body, "appointment_uuids": [str(theirs.uuid)]})
    assert response.status_code == 200
    assert response.json()["confirmed"] == []
    assert response.json()["skipped"] == [str(theirs.uuid)]
    assert fingerprint(other_org) == before


def test_another_orgs_appointment_excluded_from_a_conflict_check_is_404(
    org, other_org, location, viewer_client
):
    op = OP["POST appointments/check-conflicts"]
    call = prepare(op, org, location)
    theirs = make(op.model, other_org, LocationFactory(org=other_org))
    body = {**call.body, "exclude_appointment_uuid": str(theirs.uuid)}
    response = send(viewer_client, call, body=body)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


# --- optimistic concurrency ---------------------------------------------------------------


def another_writer(org, location, versioned):
    """Change ``versioned`` through the API as someone else would: its registered PATCH."""
    patches = [
        op for op in OPS if op.action == "partial_update" and op.subject_model is type(versioned)
    ]
    assert patches, f"no PATCH of {type(versioned).__name__} to make a version stale with"
    (patch,) = patches
    response = send(api_for(org, Role.ADMIN), prepare(patch, org, location, subject=versioned))
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize("op", VERSIONED)
def test_stale_base_version_is_409(op, org, location, admin_client):
    call = prepare(op, org, location)  # base_version: the version read now
    versioned = versioned_object(op, call.subject)
    read = versioned.version
    another_writer(org, location, versioned)
    before = fingerprint(org)
    response = send(admin_client, call)
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "VERSION_CONFLICT"
    assert response.json()["current_version"] == read + 1
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", VERSIONED)
def test_missing_base_version_is_422(op, org, location, admin_client):
    call = prepare(op, org, location)
    where = op.base_version_in
    body = {k: v for k, v in (call.body or {}).items() if k != "base_version"}
    query = {k: v for k, v in (call.query or {}).items() if k != "base_version"}
    before = fingerprint(org)
    response = send(admin_client, call, body=body, query=query)
    assert response.status_code == 422
    assert [where, "base_version"] in [item["loc"] for item in response.json()["detail"]]
    assert fingerprint(org) == before


# --- strict requests ----------------------------------------------------------------------


@pytest.mark.parametrize("op", WITH_BODY)
def test_unknown_body_field_is_422_naming_it(op, org, location, admin_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(admin_client, call, body={**(call.body or {}), "no_such_field": 1})
    assert response.status_code == 422
    assert {"loc": ["body", "no_such_field"], "type": "unknown_field"}.items() <= next(
        item for item in response.json()["detail"] if item["loc"] == ["body", "no_such_field"]
    ).items()
    assert fingerprint(org) == before


@pytest.mark.parametrize("raw", ['{"name": ', "[]", "null"], ids=["broken", "list", "null"])
@pytest.mark.parametrize("op", WITH_BODY)
def test_malformed_or_non_object_body_is_422(op, raw, org, location, admin_client):
    call = prepare(op, org, location)
    path = admin_client.url(call.path)
    if call.query:
        path = f"{path}?{urlencode(call.query)}"
    before = fingerprint(org)
    admin_client.raise_request_exception = False
    response = admin_client.generic(op.method.upper(), path, raw, "application/json")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body"]
    assert fingerprint(org) == before


@pytest.mark.parametrize("op", ops())
def test_unknown_query_parameter_is_422_naming_it(op, org, location, admin_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(admin_client, call, query={**(call.query or {}), "no_such_param": "1"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "no_such_param"]
    assert error["type"] == "unknown_parameter"
    assert fingerprint(org) == before


# --- OPTIONS, HEAD and methods a route does not take ----------------------------------------


def route_call(route: str, org, location) -> Call:
    """A call of the route: its GET if it has one, else its first operation."""
    candidates = [op for op in OPS if op.route == route]
    op = next((op for op in candidates if op.method == "get"), candidates[0])
    return prepare(op, org, location)


CALLERS = ["admin", "staff", "viewer", "anonymous", "outsider"]
OPTIONS_CASES = [
    pytest.param(route, caller, id=f"{route}-{caller}") for route in ROUTES for caller in CALLERS
]


@pytest.mark.parametrize(("route", "caller"), OPTIONS_CASES)
def test_options_never_5xx(route, caller, org, location, request):
    client = request.getfixturevalue(f"{caller}_client")
    call = route_call(route, org, location)
    response = send(client, call, method="options")
    assert response.status_code < 500
    assert response.status_code in (200, 401, 404, 405)
    if caller in ("admin", "staff", "viewer"):
        assert response.status_code == 200


@pytest.mark.parametrize("route", ROUTES)
def test_head_mirrors_get(route, org, location, admin_client):
    call = route_call(route, org, location)
    has_get = call.op.method == "get"
    if not has_get:
        call.query = None  # the query of another method's operation
    get = send(admin_client, call, method="get")
    head = send(admin_client, call, method="head")
    assert get.status_code == (200 if has_get else 405)
    assert head.status_code == get.status_code
    assert head.content == b""


METHODS = ("get", "post", "put", "patch", "delete")
NOT_ALLOWED = [
    pytest.param(route, method, id=f"{method.upper()} {route}")
    for route in ROUTES
    for method in METHODS
    if method not in {op.method for op in OPS if op.route == route}
]


@pytest.mark.parametrize(("route", "method"), NOT_ALLOWED)
def test_method_a_route_does_not_take_is_405(route, method, org, location, admin_client):
    call = route_call(route, org, location)
    before = fingerprint(org)
    response = send(admin_client, call, method=method, query={}, body={})
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert fingerprint(org) == before


def test_method_not_allowed_is_405_whatever_the_query(org, location, admin_client):
    op = OP["DELETE appointments/{appointment_uuid}/procedures/{procedure_uuid}"]
    call = prepare(op, org, location)
    assert send(admin_client, call, method="get").status_code == 405


FILTERS_NOT_APPLIED = [
    pytest.param(op, name, id=f"{op.key} ?{name}")
    for op in OPS
    if (filterset := getattr(_view(op), "filterset_class", None)) is not None
    for name in sorted(set(filterset.base_filters) - query_names(op))[:1]
]


def test_the_server_accepts_exactly_the_parameters_an_operation_applies():
    for op in OPS:
        assert accepted_query_names(op) == query_names(op), op.key


@pytest.mark.parametrize(("op", "name"), FILTERS_NOT_APPLIED)
def test_filters_an_operation_does_not_apply_are_refused(op, name, org, location, admin_client):
    call = prepare(op, org, location)
    before = fingerprint(org)
    response = send(admin_client, call, query={**(call.query or {}), name: "1"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", name] and error["type"] == "unknown_parameter"
    assert fingerprint(org) == before
