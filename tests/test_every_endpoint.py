"""One suite over every registered endpoint (NetBox-style generic API tests).

No token → 401; another org → 404 and nothing leaks; a forbidden location → invisible
and 404; page bounds → 422; a list costs the same number of queries whatever the page
size; a stale or missing base_version → 409 / 422.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import LocationScope, Role
from scheduling.models.base import declared_scope
from tests.conftest import api_for
from tests.endpoints import api_endpoints, detail_endpoints, list_endpoints, patch_endpoints
from tests.factories import LocationFactory

ALL = api_endpoints()
LISTS = list_endpoints()
DETAILS = detail_endpoints()
PATCHES = patch_endpoints()

pytestmark = pytest.mark.django_db


def _ids(endpoints):
    return [str(e) for e in endpoints]


def _method(endpoint) -> str:
    return next(iter(endpoint.actions))


@pytest.mark.parametrize("endpoint", ALL, ids=_ids(ALL))
def test_no_token_is_401(endpoint, org, anonymous_client):
    obj = endpoint.make(org) if endpoint.is_detail else None
    response = getattr(anonymous_client, _method(endpoint))(endpoint.path(obj))
    assert response.status_code == 401
    assert response.json()["code"] == "NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("endpoint", ALL, ids=_ids(ALL))
def test_bad_token_is_401(endpoint, org):
    from tests.conftest import Api

    client = Api(org, "cs_0123456789_not-a-real-secret")
    response = getattr(client, _method(endpoint))(endpoint.path(endpoint.make(org)))
    assert response.status_code == 401
    assert response.json()["code"] == "AUTHENTICATION_FAILED"


@pytest.mark.parametrize("endpoint", ALL, ids=_ids(ALL))
def test_other_org_is_404(endpoint, org, outsider_client):
    obj = endpoint.make(org)
    response = getattr(outsider_client, _method(endpoint))(endpoint.path(obj))
    assert response.status_code == 404
    assert response.json() == {"detail": "Organization not found.", "code": "NOT_FOUND"}


@pytest.mark.parametrize("endpoint", ALL, ids=_ids(ALL))
def test_unknown_org_is_404(endpoint, org, admin_client):
    from tests.factories import OrganizationFactory

    admin_client.org = OrganizationFactory.build()  # a uuid no org has
    response = getattr(admin_client, _method(endpoint))(endpoint.path(endpoint.make(org)))
    assert response.status_code == 404


@pytest.mark.parametrize("endpoint", LISTS, ids=_ids(LISTS))
def test_list_never_shows_or_counts_another_orgs_rows(endpoint, org, other_org, admin_client):
    mine = endpoint.make(org)
    for _ in range(3):
        endpoint.make(other_org)
    body = admin_client.get(endpoint.path()).json()
    ids = {item["id"] for item in body["items"]}
    assert str(mine.uuid) in ids
    assert body["total"] == len(body["items"])
    assert all(not endpoint.model.objects.filter(uuid=i, org=other_org).exists() for i in ids)


@pytest.mark.parametrize("endpoint", DETAILS, ids=_ids(DETAILS))
def test_detail_of_another_orgs_row_is_404(endpoint, other_org, admin_client):
    theirs = endpoint.make(other_org)
    response = admin_client.get(endpoint.path(theirs))
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize("endpoint", DETAILS, ids=_ids(DETAILS))
def test_detail_shows_own_row(endpoint, org, viewer_client):
    obj = endpoint.make(org)
    response = viewer_client.get(endpoint.path(obj))
    assert response.status_code == 200
    assert response.json()["id"] == str(obj.uuid)


@pytest.mark.parametrize("endpoint", DETAILS, ids=_ids(DETAILS))
def test_malformed_id_in_path_is_json_404(endpoint, admin_client):
    response = admin_client.get(endpoint.route.replace("{}", "not-a-uuid"))
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def _scope(endpoint):
    return declared_scope(endpoint.model)


def _at_location(endpoint, org, location):
    lookup = _scope(endpoint)
    if lookup == LocationScope.SELF:
        return location
    if lookup == "location":
        return endpoint.make(org, location=location)
    return None


LOCATED = [
    e
    for e in ALL
    if _scope(e) in (LocationScope.SELF, "location")
    and _method(e) == "get"
    and (e.is_detail or e.actions["get"] == "list")
]


@pytest.mark.parametrize("endpoint", LOCATED, ids=_ids(LOCATED))
def test_rows_at_forbidden_locations_are_invisible(
    endpoint, org, location, second_location, limited_client
):
    allowed = _at_location(endpoint, org, location)
    forbidden = _at_location(endpoint, org, second_location)
    if endpoint.is_detail:
        assert limited_client.get(endpoint.path(allowed)).status_code == 200
        assert limited_client.get(endpoint.path(forbidden)).status_code == 404
    else:
        body = limited_client.get(endpoint.path()).json()
        ids = {item["id"] for item in body["items"]}
        assert str(allowed.uuid) in ids
        assert str(forbidden.uuid) not in ids
        assert body["total"] == len(ids)


@pytest.mark.parametrize("endpoint", LISTS, ids=_ids(LISTS))
@pytest.mark.parametrize(
    "query",
    [
        {"page": 0},
        {"page": -1},
        {"page": "x"},
        {"page_size": 0},
        {"page_size": 201},
        {"page_size": "ten"},
    ],
)
def test_page_bounds_are_422(endpoint, query, admin_client):
    response = admin_client.get(endpoint.path(), query)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(query))]


@pytest.mark.parametrize("endpoint", LISTS, ids=_ids(LISTS))
def test_pages_are_stable_and_complete(endpoint, org, admin_client):
    made = {str(endpoint.make(org).uuid) for _ in range(5)}
    seen = []
    for page in (1, 2, 3):
        body = admin_client.get(endpoint.path(), {"page": page, "page_size": 2}).json()
        assert body["page"] == page and body["page_size"] == 2
        seen += [item["id"] for item in body["items"]]
    assert len(seen) == len(set(seen)) == body["total"]
    assert made <= set(seen)
    past_end = admin_client.get(endpoint.path(), {"page": 99, "page_size": 2}).json()
    assert past_end["items"] == [] and past_end["total"] == body["total"]


@pytest.mark.parametrize("endpoint", LISTS, ids=_ids(LISTS))
def test_list_query_count_does_not_grow_with_page_size(endpoint, org, location, admin_client):
    kwargs = {"location": location} if _scope(endpoint) == "location" else {}
    for _ in range(25):
        endpoint.make(org, **kwargs)

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = admin_client.get(endpoint.path(), {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["items"]) == min(page_size, response.json()["total"])
        return len(ctx.captured_queries)

    queries(1)  # warm caches (content types, token last_used_at)
    assert queries(1) == queries(25)


@pytest.mark.parametrize("endpoint", PATCHES, ids=_ids(PATCHES))
def test_patch_without_base_version_is_422(endpoint, org, admin_client):
    obj = endpoint.make(org)
    response = admin_client.patch(endpoint.path(obj), {})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "base_version"]
    obj.refresh_from_db()
    assert obj.version == 1


@pytest.mark.parametrize("endpoint", PATCHES, ids=_ids(PATCHES))
def test_patch_with_stale_base_version_is_409(endpoint, org, admin_client):
    obj = endpoint.make(org)
    first = admin_client.patch(endpoint.path(obj), {"base_version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = admin_client.patch(endpoint.path(obj), {"base_version": 1})
    assert stale.status_code == 409
    assert stale.json()["code"] == "VERSION_CONFLICT"
    assert stale.json()["current_version"] == 2


WRITES = [
    e
    for e in ALL
    if _method(e) in ("post", "patch", "put", "delete")
    # A POST that only reads (a conflict check) is open to viewers.
    and e.viewset.action_roles.get(e.actions[_method(e)]) != Role.VIEWER
]


@pytest.mark.parametrize("endpoint", WRITES, ids=_ids(WRITES))
def test_viewers_may_not_write(endpoint, org, viewer_client):
    obj = endpoint.make(org) if endpoint.is_detail else None
    response = getattr(viewer_client, _method(endpoint))(endpoint.path(obj), {})
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"


def test_every_endpoint_model_has_a_factory():
    assert ALL, "no endpoints discovered"
    for endpoint in ALL:
        assert endpoint.factory is not None


def test_limited_member_with_no_locations_sees_no_located_rows(org, location):
    client = api_for(org, Role.STAFF, locations=[])
    LocationFactory(org=org)
    assert client.get("locations").json()["total"] == 0
