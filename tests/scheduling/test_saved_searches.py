"""Saved searches: each user's own (another user's is a 404 and never listed, admins
included), criteria kept as given, and at most one default per user and search type,
even when several requests make one the default at once."""

import json

import pytest

from scheduling.models import Role, SavedSearch
from scheduling.schedule.serializers import MAX_CRITERIA_BYTES, MAX_CRITERIA_DEPTH
from tests.concurrency import run_concurrently
from tests.conftest import Api, api_for
from tests.factories import MembershipFactory, SavedSearchFactory, UserFactory, issue_token

pytestmark = pytest.mark.django_db

SEARCHES = "schedule/saved-searches"
FIELDS = {
    "id", "name", "search_type", "criteria", "is_default", "created_at", "updated_at", "version",
}  # fmt: skip
CRITERIA = {
    "location_uuid": "5f0c6a4e-0000-4000-8000-000000000001",
    "provider_uuids": ["5f0c6a4e-0000-4000-8000-000000000002"],
    "duration_minutes": 60,
    "days": [0, 2],
    "window": {"from": "08:00", "to": "12:00", "strict": True, "note": None},
    "label": "Mañana — 朝",
    "ratio": 0.75,
}


def mine(client: Api, **fields) -> SavedSearch:
    """A saved search of the client's user."""
    return SavedSearchFactory(org=client.org, user=client.user, **fields)


def errors_at(response, *loc) -> list[dict]:
    assert response.status_code == 422, response.json()
    return [e for e in response.json()["detail"] if e["loc"] == ["body", *loc]]


# --- create and read ----------------------------------------------------------------------


class TestCreate:
    def test_criteria_are_kept_as_given_and_the_type_defaults_to_free_time(self, admin_client):
        response = admin_client.post(SEARCHES, {"name": "Long mornings", "criteria": CRITERIA})

        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == FIELDS
        assert body["criteria"] == CRITERIA
        assert (body["search_type"], body["is_default"], body["version"]) == (
            "find_free_time",
            False,
            1,
        )
        search = SavedSearch.objects.get(uuid=body["id"])
        assert search.user == admin_client.user and search.criteria == CRITERIA
        assert admin_client.get(f"{SEARCHES}/{body['id']}").json() == body

    def test_an_empty_object_and_a_type_of_the_clients_own_are_fine(self, admin_client):
        body = {"name": "Recall list", "criteria": {}, "search_type": "recall_list_2"}
        response = admin_client.post(SEARCHES, body)
        assert response.status_code == 201, response.json()
        assert (response.json()["criteria"], response.json()["search_type"]) == (
            {},
            "recall_list_2",
        )

    @pytest.mark.parametrize(
        "criteria",
        [[], [{"a": 1}], "provider=1", 5, 1.5, True],
        ids=["list", "list-of-objects", "string", "int", "float", "bool"],
    )
    def test_criteria_must_be_an_object(self, admin_client, criteria):
        response = admin_client.post(SEARCHES, {"name": "X", "criteria": criteria})
        (error,) = errors_at(response, "criteria")
        assert error["type"] == "not_a_dict"
        assert not SavedSearch.objects.exists()

    def test_criteria_are_required_and_not_null(self, admin_client):
        assert errors_at(admin_client.post(SEARCHES, {"name": "X"}), "criteria")
        assert errors_at(admin_client.post(SEARCHES, {"name": "X", "criteria": None}), "criteria")

    def test_criteria_take_at_most_16_kb(self, admin_client):
        # {"k":"xxx…"} as compact JSON: 8 bytes around the value.
        at_limit = {"k": "x" * (MAX_CRITERIA_BYTES - 8)}
        assert len(json.dumps(at_limit, separators=(",", ":"))) == MAX_CRITERIA_BYTES
        assert admin_client.post(SEARCHES, {"name": "X", "criteria": at_limit}).status_code == 201

        over = {"k": "x" * (MAX_CRITERIA_BYTES - 7)}
        (error,) = errors_at(
            admin_client.post(SEARCHES, {"name": "Y", "criteria": over}), "criteria"
        )
        assert error["type"] == "too_large"
        # Bytes, not characters: 2-byte characters count twice.
        wide = {"k": "é" * (MAX_CRITERIA_BYTES // 2)}
        assert errors_at(admin_client.post(SEARCHES, {"name": "Z", "criteria": wide}), "criteria")

    def test_criteria_that_nest_too_deeply_are_422(self, admin_client):
        deep: dict = {}
        node = deep
        for _ in range(MAX_CRITERIA_DEPTH):
            node["n"] = {}
            node = node["n"]
        (error,) = errors_at(
            admin_client.post(SEARCHES, {"name": "X", "criteria": deep}), "criteria"
        )
        assert error["type"] == "too_deep"

    @pytest.mark.parametrize(
        "raw",
        ['{"a": "x\\u0000y"}', '{"a\\u0000": 1}', '{"a": [1e999]}'],
        ids=["nul-in-value", "nul-in-key", "infinite-number"],
    )
    def test_criteria_postgresql_cannot_store_are_422_not_500(self, admin_client, raw):
        admin_client.raise_request_exception = False
        response = admin_client.generic(
            "POST",
            admin_client.url(SEARCHES),
            f'{{"name": "X", "criteria": {raw}}}',
            content_type="application/json",
        )
        assert errors_at(response, "criteria")
        assert not SavedSearch.objects.exists()

    @pytest.mark.parametrize(
        "name", ["", "   ", "x" * 101, None, ["x"]], ids=["empty", "blank", "long", "null", "list"]
    )
    def test_name_is_required_and_at_most_100_characters(self, admin_client, name):
        response = admin_client.post(SEARCHES, {"name": name, "criteria": {}})
        assert errors_at(response, "name")

    def test_a_name_of_100_characters_is_fine(self, admin_client):
        response = admin_client.post(SEARCHES, {"name": "x" * 100, "criteria": {}})
        assert response.status_code == 201

    @pytest.mark.parametrize(
        "search_type",
        ["Find Free Time", "find-free-time", "_private", "9lives", "", "x" * 51, 5],
        ids=["spaces", "hyphens", "underscore-first", "digit-first", "empty", "long", "int"],
    )
    def test_search_type_is_a_slug_of_at_most_50(self, admin_client, search_type):
        response = admin_client.post(
            SEARCHES, {"name": "X", "criteria": {}, "search_type": search_type}
        )
        assert errors_at(response, "search_type")

    def test_no_user_can_be_named(self, admin_client, org):
        other = UserFactory()
        MembershipFactory(org=org, user=other)
        for field in ("user_uuid", "user_id", "user"):
            body = {"name": "X", "criteria": {}, field: str(other.pk)}
            (error,) = errors_at(admin_client.post(SEARCHES, body), field)
            assert error["type"] == "unknown_field"
        response = admin_client.get(SEARCHES, {"user_uuid": str(other.pk)})
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "unknown_parameter"


# --- whose they are -----------------------------------------------------------------------


class TestOwnership:
    @pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.VIEWER])
    def test_every_role_manages_its_own(self, org, role):
        client = api_for(org, role)
        created = client.post(SEARCHES, {"name": "Mine", "criteria": {"a": 1}, "is_default": True})
        assert created.status_code == 201, created.json()
        path = f"{SEARCHES}/{created.json()['id']}"
        changed = client.patch(path, {"base_version": 1, "name": "Still mine"})
        assert changed.status_code == 200, changed.json()
        assert client.get(SEARCHES).json()["total"] == 1
        assert client.delete(path).status_code == 204
        assert not SavedSearch.objects.exists()

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.VIEWER])
    def test_another_users_search_is_404_on_every_route_and_never_listed(self, org, role):
        owner = api_for(org, Role.VIEWER)
        theirs = mine(owner, name="Theirs", is_default=True)
        someone = api_for(org, role)  # an admin of the same org, too
        mine(someone, name="Someone's")
        path = f"{SEARCHES}/{theirs.uuid}"

        listed = someone.get(SEARCHES).json()
        assert [item["name"] for item in listed["items"]] == ["Someone's"]
        assert listed["total"] == 1
        assert someone.get(SEARCHES, {"search_type": "find_free_time"}).json()["total"] == 1
        for response in (
            someone.get(path),
            someone.patch(path, {"base_version": theirs.version, "name": "Mine now"}),
            someone.delete(path),
        ):
            assert response.status_code == 404
            assert response.json()["code"] == "NOT_FOUND"
        theirs.refresh_from_db()
        assert (theirs.name, theirs.version, theirs.user) == ("Theirs", 1, owner.user)
        assert owner.get(path).status_code == 200

    def test_the_same_user_in_another_org_sees_only_this_orgs(self, org, other_org):
        user = UserFactory()
        MembershipFactory(org=org, user=user)
        MembershipFactory(org=other_org, user=user)
        token = issue_token(user)
        here, there = Api(org, token), Api(other_org, token)
        elsewhere = SavedSearchFactory(org=other_org, user=user)
        SavedSearchFactory(org=org, user=user)
        assert here.get(SEARCHES).json()["total"] == 1
        assert here.get(f"{SEARCHES}/{elsewhere.uuid}").status_code == 404
        assert there.get(f"{SEARCHES}/{elsewhere.uuid}").status_code == 200

    def test_a_default_of_another_user_is_not_touched(self, org):
        first, second = api_for(org), api_for(org)
        theirs = mine(first, is_default=True)
        response = second.post(SEARCHES, {"name": "X", "criteria": {}, "is_default": True})
        assert response.status_code == 201
        theirs.refresh_from_db()
        assert (theirs.is_default, theirs.version) == (True, 1)


# --- lists --------------------------------------------------------------------------------


class TestList:
    def test_by_name_then_id_with_the_type_filter(self, admin_client):
        mine(admin_client, name="b")
        mine(admin_client, name="a", search_type="appointments")
        mine(admin_client, name="c")
        mine(admin_client, name="a")
        body = admin_client.get(SEARCHES, {"page_size": 3}).json()
        assert [(i["name"], i["search_type"]) for i in body["items"]] == [
            ("a", "appointments"),
            ("a", "find_free_time"),
            ("b", "find_free_time"),
        ]
        assert (body["page"], body["page_size"], body["total"]) == (1, 3, 4)
        free_time = admin_client.get(SEARCHES, {"search_type": "find_free_time"}).json()
        assert [i["name"] for i in free_time["items"]] == ["a", "b", "c"]
        assert admin_client.get(SEARCHES, {"search_type": "patients"}).json()["total"] == 0

    @pytest.mark.parametrize("value", ["Find Free Time", "x" * 51, "a;drop"])
    def test_a_search_type_filter_no_type_can_have_is_422(self, admin_client, value):
        response = admin_client.get(SEARCHES, {"search_type": value})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "search_type"]


# --- defaults -----------------------------------------------------------------------------


class TestDefault:
    def test_a_new_default_unsets_the_previous_one_of_its_type_only(self, admin_client):
        old = mine(admin_client, is_default=True)
        other_type = mine(admin_client, search_type="appointments", is_default=True)

        response = admin_client.post(SEARCHES, {"name": "New", "criteria": {}, "is_default": True})

        assert response.status_code == 201 and response.json()["is_default"] is True
        old.refresh_from_db()
        other_type.refresh_from_db()
        assert (old.is_default, old.version) == (False, 2)  # a write to it: version bumped
        assert (other_type.is_default, other_type.version) == (True, 1)

    def test_patching_is_default_moves_the_default(self, admin_client):
        old = mine(admin_client, is_default=True)
        new = mine(admin_client)
        response = admin_client.patch(
            f"{SEARCHES}/{new.uuid}", {"base_version": 1, "is_default": True}
        )
        assert response.status_code == 200, response.json()
        assert (response.json()["is_default"], response.json()["version"]) == (True, 2)
        old.refresh_from_db()
        assert old.is_default is False
        assert admin_client.get(f"{SEARCHES}/{old.uuid}").json()["is_default"] is False

    def test_moving_a_default_to_another_type_unsets_the_default_there(self, admin_client):
        there = mine(admin_client, search_type="appointments", is_default=True)
        moving = mine(admin_client, is_default=True)
        response = admin_client.patch(
            f"{SEARCHES}/{moving.uuid}", {"base_version": 1, "search_type": "appointments"}
        )
        assert response.status_code == 200, response.json()
        assert response.json()["is_default"] is True
        there.refresh_from_db()
        assert there.is_default is False
        assert SavedSearch.objects.filter(is_default=True).count() == 1

    def test_a_stale_patch_leaves_the_old_default_alone(self, admin_client):
        old = mine(admin_client, is_default=True)
        new = mine(admin_client)
        SavedSearch.objects.filter(pk=new.pk).update(version=2)  # someone wrote in between
        response = admin_client.patch(
            f"{SEARCHES}/{new.uuid}", {"base_version": 1, "is_default": True}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"
        old.refresh_from_db()
        assert (old.is_default, old.version) == (True, 1)

    def test_unsetting_the_default_leaves_none(self, admin_client):
        search = mine(admin_client, is_default=True)
        response = admin_client.patch(
            f"{SEARCHES}/{search.uuid}", {"base_version": 1, "is_default": False}
        )
        assert response.status_code == 200 and response.json()["is_default"] is False
        assert not SavedSearch.objects.filter(is_default=True).exists()


# --- updates and deletes ------------------------------------------------------------------


class TestUpdate:
    def test_criteria_are_replaced_not_merged_and_null_means_unchanged(self, admin_client):
        search = mine(admin_client, criteria={"a": 1, "b": 2})
        path = f"{SEARCHES}/{search.uuid}"
        replaced = admin_client.patch(path, {"base_version": 1, "criteria": {"c": [3]}})
        assert replaced.json()["criteria"] == {"c": [3]}
        kept = admin_client.patch(path, {"base_version": 2, "criteria": None, "name": "Renamed"})
        assert kept.status_code == 200
        assert (kept.json()["criteria"], kept.json()["name"]) == ({"c": [3]}, "Renamed")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("criteria", [1, 2]),
            ("criteria", "text"),
            ("name", ""),
            ("name", "x" * 101),
            ("search_type", "Bad Type"),
            ("is_default", "maybe"),
        ],
    )
    def test_invalid_values_are_422_naming_the_field(self, admin_client, field, value):
        search = mine(admin_client)
        response = admin_client.patch(
            f"{SEARCHES}/{search.uuid}", {"base_version": 1, field: value}
        )
        assert errors_at(response, field)
        search.refresh_from_db()
        assert search.version == 1

    def test_stale_and_missing_base_version(self, admin_client):
        search = mine(admin_client)
        path = f"{SEARCHES}/{search.uuid}"
        assert errors_at(admin_client.patch(path, {"name": "X"}), "base_version")
        stale = admin_client.patch(path, {"base_version": 7, "name": "X"})
        assert stale.status_code == 409
        assert (stale.json()["code"], stale.json()["current_version"]) == ("VERSION_CONFLICT", 1)

    def test_delete_is_for_good(self, admin_client):
        search = mine(admin_client, is_default=True)
        path = f"{SEARCHES}/{search.uuid}"
        assert admin_client.delete(path).status_code == 204
        assert admin_client.get(path).status_code == 404
        assert admin_client.delete(path).status_code == 404


# --- concurrency --------------------------------------------------------------------------

RACERS = 6


def same_user_clients(org, count: int) -> list[Api]:
    """``count`` clients of one user (a client per thread)."""
    user = UserFactory()
    MembershipFactory(org=org, user=user, role=Role.VIEWER)
    token = issue_token(user)
    clients = [Api(org, token) for _ in range(count)]
    for client in clients:
        client.user = user
    return clients


@pytest.mark.django_db(transaction=True)
def test_concurrent_default_creates_leave_exactly_one_default(org):
    clients = same_user_clients(org, RACERS)
    mine(clients[0], is_default=True)  # the old default, unset by whoever comes first

    responses = run_concurrently(
        RACERS,
        lambda i: clients[i].post(
            SEARCHES, {"name": f"Racer {i}", "criteria": {"i": i}, "is_default": True}
        ),
    )

    assert [r.status_code for r in responses] == [201] * RACERS
    searches = SavedSearch.objects.filter(org=org, user=clients[0].user)
    assert searches.count() == RACERS + 1
    assert searches.filter(is_default=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_to_default_leave_exactly_one_default(org):
    clients = same_user_clients(org, RACERS)
    searches = [mine(clients[0], name=f"Search {i}") for i in range(RACERS)]

    responses = run_concurrently(
        RACERS,
        lambda i: clients[i].patch(
            f"{SEARCHES}/{searches[i].uuid}", {"base_version": 1, "is_default": True}
        ),
    )

    # Each patch unsets the default before it; a search unset by a later one had been
    # patched already, so none of these base_versions goes stale.
    assert [r.status_code for r in responses] == [200] * RACERS
    assert SavedSearch.objects.filter(org=org, is_default=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_one_search_one_wins_and_none_500s(org):
    clients = same_user_clients(org, RACERS)
    search = mine(clients[0])
    others = [mine(clients[0], is_default=(i == 0)) for i in range(2)]

    responses = run_concurrently(
        RACERS,
        lambda i: clients[i].patch(
            f"{SEARCHES}/{search.uuid}", {"base_version": 1, "is_default": True, "name": f"{i}"}
        ),
    )

    assert sorted(r.status_code for r in responses) == [200] + [409] * (RACERS - 1)
    assert SavedSearch.objects.filter(org=org, is_default=True).get() == search
    assert all(
        o.is_default is False for o in SavedSearch.objects.filter(pk__in=[o.pk for o in others])
    )
