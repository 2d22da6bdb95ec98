"""Providers' daily production goals: one per provider, location and date, money in and
out, admins write, and a PUT /upsert that leaves one row however many race."""

from datetime import date
from decimal import Decimal

import pytest

from scheduling.models import ProductionGoal, Role
from scheduling.schedule import services
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    LocationFactory,
    MembershipFactory,
    ProductionGoalFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GOALS = "schedule/production-goals"
UPSERT = f"{GOALS}/upsert"
DAY = date(2031, 3, 3)
FIELDS = {
    "id", "provider", "location", "goal_date", "goal_amount", "created_at", "updated_at",
    "version",
}  # fmt: skip


@pytest.fixture
def provider(org):
    return ProviderFactory(org=org, first_name="Grace", last_name="Hopper")


def body(provider, location, **fields) -> dict:
    return {
        "provider_uuid": str(provider.uuid),
        "location_uuid": str(location.uuid),
        "goal_date": DAY.isoformat(),
        "goal_amount": 1500,
        **fields,
    }


def path(goal) -> str:
    return f"{GOALS}/{goal.uuid}"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


# --- create -----------------------------------------------------------------------------


class TestCreate:
    def test_a_goal_is_created_with_its_amount_as_money(self, admin_client, provider, location):
        response = admin_client.post(GOALS, body(provider, location))

        assert response.status_code == 201, response.json()
        goal = response.json()
        assert set(goal) == FIELDS
        assert goal["provider"] == {"id": str(provider.uuid), "name": provider.name}
        assert goal["location"] == {"id": str(location.uuid), "name": "Chicago"}
        assert (goal["goal_date"], goal["goal_amount"], goal["version"]) == (
            "2031-03-03",
            "1500.00",
            1,
        )
        assert ProductionGoal.objects.get(uuid=goal["id"]).goal_amount == Decimal("1500")

    @pytest.mark.parametrize(
        ("amount", "shown"),
        [(0, "0.00"), ("1234.5", "1234.50"), (99.99, "99.99"), ("99999999.99", "99999999.99")],
    )
    def test_amounts_are_taken_as_numbers_or_strings(
        self, admin_client, provider, location, amount, shown
    ):
        response = admin_client.post(GOALS, body(provider, location, goal_amount=amount))
        assert response.status_code == 201, response.json()
        assert response.json()["goal_amount"] == shown

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"goal_amount": -1}, "goal_amount"),
            ({"goal_amount": "-0.01"}, "goal_amount"),
            ({"goal_amount": "100000000"}, "goal_amount"),
            ({"goal_amount": "12.345"}, "goal_amount"),
            ({"goal_amount": "lots"}, "goal_amount"),
            ({"goal_amount": "NaN"}, "goal_amount"),
            ({"goal_amount": None}, "goal_amount"),
            ({"goal_date": "2031-02-30"}, "goal_date"),
            ({"goal_date": "1800-01-01"}, "goal_date"),
            ({"provider_uuid": "not-a-uuid"}, "provider_uuid"),
            ({"provider_uuid": 7}, "provider_uuid"),
            ({"version": 1}, "version"),
        ],
    )
    def test_bad_values_are_422_naming_the_field(
        self, admin_client, provider, location, change, field
    ):
        response = admin_client.post(GOALS, body(provider, location, **change))

        assert response.status_code == 422, response.json()
        assert [item["loc"] for item in response.json()["detail"]] == [["body", field]]
        assert not ProductionGoal.objects.exists()

    @pytest.mark.parametrize(
        "field", ["provider_uuid", "location_uuid", "goal_date", "goal_amount"]
    )
    def test_each_field_is_required(self, admin_client, provider, location, field):
        sent = {k: v for k, v in body(provider, location).items() if k != field}
        response = admin_client.post(GOALS, sent)
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {"loc": ["body", field], "msg": "This field is required.", "type": "required"}
        ]

    def test_a_second_goal_for_the_day_is_422_naming_goal_date(
        self, admin_client, provider, location, second_location
    ):
        first = admin_client.post(GOALS, body(provider, location))

        again = admin_client.post(GOALS, body(provider, location, goal_amount=900))

        assert again.status_code == 422
        (error,) = again.json()["detail"]
        assert (error["loc"], error["type"]) == (["body", "goal_date"], "duplicate")
        assert ProductionGoal.objects.get().uuid.hex == first.json()["id"].replace("-", "")
        # The same day at another location, or for another provider, is another goal.
        assert admin_client.post(GOALS, body(provider, second_location)).status_code == 201
        other = ProviderFactory(org=provider.org)
        assert admin_client.post(GOALS, body(other, location)).status_code == 201

    def test_ids_of_another_org_are_404_naming_them(
        self, admin_client, other_org, provider, location
    ):
        theirs = LocationFactory(org=other_org)
        response = admin_client.post(GOALS, body(provider, theirs))
        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["body", "location_uuid"]
        unknown = admin_client.post(
            GOALS, body(provider, location, provider_uuid="00000000-0000-4000-8000-000000000000")
        )
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["loc"] == ["body", "provider_uuid"]
        assert not ProductionGoal.objects.exists()

    def test_a_forbidden_location_is_403(
        self, limited_admin_client, provider, location, second_location
    ):
        response = limited_admin_client.post(GOALS, body(provider, second_location))
        assert response.status_code == 403
        assert limited_admin_client.post(GOALS, body(provider, location)).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_day_leave_one_goal_and_the_others_422(org):
    location, provider = LocationFactory(org=org), ProviderFactory(org=org)
    clients = [api_for(org) for _ in range(4)]
    statuses = run_concurrently(
        len(clients),
        lambda i: clients[i].post(GOALS, body(provider, location, goal_amount=i)).status_code,
    )
    assert sorted(statuses) == [201, 422, 422, 422]
    assert ProductionGoal.objects.filter(org=org).count() == 1


# --- upsert -----------------------------------------------------------------------------


class TestUpsert:
    def test_creates_then_changes_the_days_goal(self, admin_client, provider, location):
        created = admin_client.put(UPSERT, body(provider, location))
        assert created.status_code == 201, created.json()

        changed = admin_client.put(UPSERT, body(provider, location, goal_amount="1750.5"))

        assert changed.status_code == 200, changed.json()
        assert changed.json()["id"] == created.json()["id"]
        assert (changed.json()["goal_amount"], changed.json()["version"]) == ("1750.50", 2)
        assert ProductionGoal.objects.count() == 1

    def test_the_same_amount_again_writes_nothing(self, admin_client, provider, location):
        goal = ProductionGoalFactory(
            org=provider.org, provider=provider, location=location, goal_date=DAY
        )
        response = admin_client.put(UPSERT, body(provider, location, goal_amount="1500.00"))
        assert response.status_code == 200
        assert response.json()["version"] == 1
        goal.refresh_from_db()
        assert goal.version == 1

    def test_unknown_ids_are_404_and_a_forbidden_location_403(
        self, admin_client, limited_admin_client, other_org, provider, second_location
    ):
        theirs = ProviderFactory(org=other_org)
        assert admin_client.put(UPSERT, body(theirs, second_location)).status_code == 404
        assert limited_admin_client.put(UPSERT, body(provider, second_location)).status_code == 403
        assert not ProductionGoal.objects.exists()

    def test_a_negative_amount_is_422_and_changes_nothing(self, admin_client, provider, location):
        goal = ProductionGoalFactory(
            org=provider.org, provider=provider, location=location, goal_date=DAY
        )
        response = admin_client.put(UPSERT, body(provider, location, goal_amount=-5))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "goal_amount"]
        goal.refresh_from_db()
        assert goal.goal_amount == Decimal("1500.00")

    def test_staff_may_not_upsert(self, staff_client, provider, location):
        response = staff_client.put(UPSERT, body(provider, location))
        assert response.status_code == 403
        assert not ProductionGoal.objects.exists()

    def test_the_upsert_route_takes_put_only(self, admin_client):
        assert admin_client.get(UPSERT).status_code == 405
        assert admin_client.put(GOALS, {}).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_one_day_leave_one_goal(org):
    location, provider = LocationFactory(org=org), ProviderFactory(org=org)
    clients = [api_for(org) for _ in range(4)]
    amounts = ["100.00", "200.00", "300.00", "400.00"]

    responses = run_concurrently(
        len(clients),
        lambda i: clients[i].put(UPSERT, body(provider, location, goal_amount=amounts[i])),
    )

    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    goal = ProductionGoal.objects.get(org=org)
    assert str(goal.goal_amount) in amounts
    assert goal.version == 4  # each upsert changed the amount in turn


# --- list, get ---------------------------------------------------------------------------


class TestList:
    def test_by_date_then_provider(self, org, viewer_client, location):
        ann = ProviderFactory(org=org, first_name="Ann", last_name="Adams")
        bob = ProviderFactory(org=org, first_name="Bob", last_name="Baker")
        later = ProductionGoalFactory(org=org, provider=ann, location=location, goal_date=DAY)
        bobs = ProductionGoalFactory(
            org=org, provider=bob, location=location, goal_date=date(2031, 3, 2)
        )
        anns = ProductionGoalFactory(
            org=org, provider=ann, location=location, goal_date=date(2031, 3, 2)
        )

        response = viewer_client.get(GOALS)

        assert ids(response) == [str(g.uuid) for g in (anns, bobs, later)]
        assert response.json()["total"] == 3
        assert set(response.json()["items"][0]) == FIELDS

    def test_filters(self, org, admin_client, provider, location, second_location):
        other = ProviderFactory(org=org)
        mine = ProductionGoalFactory(org=org, provider=provider, location=location, goal_date=DAY)
        early = ProductionGoalFactory(
            org=org, provider=provider, location=location, goal_date=date(2031, 3, 1)
        )
        elsewhere = ProductionGoalFactory(
            org=org, provider=provider, location=second_location, goal_date=DAY
        )
        theirs = ProductionGoalFactory(org=org, provider=other, location=location, goal_date=DAY)

        def listed(**query):
            return set(ids(admin_client.get(GOALS, query)))

        assert listed(location_uuid=str(location.uuid)) == {
            str(g.uuid) for g in (mine, early, theirs)
        }
        assert listed(provider_uuid=str(provider.uuid)) == {
            str(g.uuid) for g in (mine, early, elsewhere)
        }
        assert listed(date_from="2031-03-02") == {str(g.uuid) for g in (mine, elsewhere, theirs)}
        assert listed(date_to="2031-03-02") == {str(early.uuid)}
        assert listed(
            provider_uuid=str(provider.uuid),
            location_uuid=str(location.uuid),
            date_from="2031-03-03",
            date_to="2031-03-03",
        ) == {str(mine.uuid)}

    @pytest.mark.parametrize(
        ("query", "status"),
        [
            ({"provider_uuid": "00000000-0000-4000-8000-000000000000"}, 404),
            ({"provider_uuid": "nope"}, 422),
            ({"date_from": "next week"}, 422),
            ({"date_to": "2031-13-01"}, 422),
            ({"page_size": 500}, 422),
            ({"goal_date": "2031-03-03"}, 422),
        ],
    )
    def test_bad_filters(self, admin_client, query, status):
        response = admin_client.get(GOALS, query)
        assert response.status_code == status
        if status == 422:
            assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]

    def test_another_orgs_ids_are_404(self, admin_client, other_org):
        theirs = ProductionGoalFactory(org=other_org)
        for name, named in (("location_uuid", theirs.location), ("provider_uuid", theirs.provider)):
            response = admin_client.get(GOALS, {name: str(named.uuid)})
            assert response.status_code == 404
            assert response.json()["code"] == "NOT_FOUND"
        assert ids(admin_client.get(GOALS)) == []
        assert admin_client.get(path(theirs)).status_code == 404

    def test_goals_at_a_forbidden_location_are_invisible(
        self, org, limited_client, location, second_location
    ):
        visible = ProductionGoalFactory(org=org, location=location)
        hidden = ProductionGoalFactory(org=org, location=second_location)

        assert ids(limited_client.get(GOALS)) == [str(visible.uuid)]
        assert limited_client.get(path(visible)).status_code == 200
        assert limited_client.get(path(hidden)).status_code == 404
        forbidden = limited_client.get(GOALS, {"location_uuid": str(second_location.uuid)})
        assert forbidden.status_code == 403

    def test_get_one(self, org, viewer_client):
        goal = ProductionGoalFactory(org=org, goal_amount=Decimal("2500.5"))
        response = viewer_client.get(path(goal))
        assert response.status_code == 200
        assert (response.json()["id"], response.json()["goal_amount"]) == (
            str(goal.uuid),
            "2500.50",
        )


# --- update and delete ---------------------------------------------------------------------


class TestUpdate:
    def test_the_amount_changes_without_a_base_version(self, org, admin_client):
        goal = ProductionGoalFactory(org=org)

        response = admin_client.patch(path(goal), {"goal_amount": "1800"})

        assert response.status_code == 200, response.json()
        assert (response.json()["goal_amount"], response.json()["version"]) == ("1800.00", 2)

    def test_a_base_version_sent_is_checked(self, org, admin_client):
        goal = ProductionGoalFactory(org=org, version=2)

        stale = admin_client.patch(path(goal), {"goal_amount": 1, "base_version": 1})
        current = admin_client.patch(path(goal), {"goal_amount": 2, "base_version": 2})

        assert stale.status_code == 409
        assert stale.json()["code"] == "VERSION_CONFLICT"
        assert stale.json()["current_version"] == 2
        assert current.status_code == 200
        assert (current.json()["goal_amount"], current.json()["version"]) == ("2.00", 3)

    @pytest.mark.parametrize(
        ("sent", "field"),
        [
            ({}, "goal_amount"),
            ({"goal_amount": -10}, "goal_amount"),
            ({"goal_amount": 5, "base_version": 0}, "base_version"),
            ({"goal_amount": 5, "goal_date": "2031-03-04"}, "goal_date"),
            ({"goal_amount": 5, "provider_uuid": "00000000-0000-4000-8000-000000000000"}, None),
        ],
    )
    def test_bad_bodies_are_422(self, org, admin_client, sent, field):
        goal = ProductionGoalFactory(org=org)
        response = admin_client.patch(path(goal), sent)
        assert response.status_code == 422
        locs = [item["loc"] for item in response.json()["detail"]]
        assert locs == [["body", field or next(k for k in sent if k.endswith("uuid"))]]
        goal.refresh_from_db()
        assert (goal.goal_amount, goal.version) == (Decimal("1500.00"), 1)

    def test_a_stale_instance_is_reread_when_no_base_version_is_sent(self, org):
        """Without base_version the amount read under the lock decides what changes, not the
        copy the request loaded before someone else wrote."""
        goal = ProductionGoalFactory(org=org, goal_amount=Decimal("100"))
        stale = ProductionGoal.objects.get(pk=goal.pk)
        services.production_goal_update(goal=goal, goal_amount=Decimal("200"))

        updated = services.production_goal_update(goal=stale, goal_amount=Decimal("100"))

        assert (updated.goal_amount, updated.version) == (Decimal("100"), 3)
        goal.refresh_from_db()
        assert goal.goal_amount == Decimal("100")

    def test_only_admins_write_goals(self, org, staff_client, viewer_client, provider, location):
        goal = ProductionGoalFactory(org=org, location=location)
        for client in (staff_client, viewer_client):
            assert client.get(path(goal)).status_code == 200
            for response in (
                client.post(GOALS, body(provider, location)),
                client.patch(path(goal), {"goal_amount": 1}),
                client.delete(path(goal)),
            ):
                assert response.status_code == 403
                assert response.json()["code"] == "PERMISSION_DENIED"
        goal.refresh_from_db()
        assert goal.version == 1


class TestDelete:
    def test_a_goal_is_deleted_for_good(self, org, admin_client):
        goal = ProductionGoalFactory(org=org)

        response = admin_client.delete(path(goal))

        assert response.status_code == 204
        assert response.content == b""
        assert not ProductionGoal.objects.filter(pk=goal.pk).exists()
        assert admin_client.get(path(goal)).status_code == 404
        assert admin_client.delete(path(goal)).status_code == 404

    def test_another_orgs_or_a_forbidden_locations_goal_is_404(
        self, org, other_org, admin_client, second_location
    ):
        theirs = ProductionGoalFactory(org=other_org)
        elsewhere = ProductionGoalFactory(org=org, location=second_location)
        limited = api_for(org, Role.ADMIN, locations=[LocationFactory(org=org)])

        assert admin_client.delete(path(theirs)).status_code == 404
        assert limited.delete(path(elsewhere)).status_code == 404
        assert ProductionGoal.objects.count() == 2


# --- the admin --------------------------------------------------------------------------


def test_the_admin_shows_goals_at_the_administrators_locations(
    client, org, location, second_location, provider
):
    admin_user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=admin_user, role=Role.ADMIN, locations=[location])
    client.force_login(admin_user)
    here = ProductionGoalFactory(org=org, provider=provider, location=location, goal_date=DAY)
    there = ProductionGoalFactory(org=org, location=second_location, goal_date=DAY)
    changelist = "/admin/scheduling/productiongoal/"

    page = client.get(changelist)

    assert page.status_code == 200
    shown = list(page.context["cl"].result_list)
    assert shown == [here]
    assert "New York" not in page.content.decode()  # nor in the location filter
    assert client.get(f"{changelist}{here.pk}/change/").status_code == 200
    assert client.get(f"{changelist}{there.pk}/change/", follow=True).status_code == 200
    assert client.get(f"{changelist}add/").status_code == 200
    form = {
        "org": org.pk,
        "provider": provider.pk,
        "location": location.pk,
        "goal_date": DAY.isoformat(),
        "goal_amount": "900.00",
    }
    refused = client.post(f"{changelist}add/", form)
    assert refused.status_code == 200  # the form again: the day has a goal
    assert refused.context["adminform"].form.errors
    assert ProductionGoal.objects.filter(org=org).count() == 2
    saved = client.post(f"{changelist}add/", {**form, "goal_date": "2031-03-04"})
    assert saved.status_code == 302
    assert ProductionGoal.objects.filter(org=org).count() == 3
