"""``GET /api/v1/me``: a token's holder finds their orgs, roles and locations."""

import pytest
from rest_framework.test import APIClient

from scheduling.models import Role
from tests.factories import (
    LocationFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    issue_token,
)

pytestmark = pytest.mark.django_db


def me(token=None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get("/api/v1/me")


def test_me_lists_orgs_roles_and_permitted_locations(org, other_org, location, second_location):
    user = UserFactory(username="lee", first_name="Dana", last_name="Lee")
    MembershipFactory(org=org, user=user, role=Role.STAFF, locations=[location])
    MembershipFactory(org=other_org, user=user, role=Role.ADMIN)
    elsewhere = LocationFactory(org=other_org)
    OrganizationFactory()  # an org the user is not in

    response = me(issue_token(user))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "lee" and body["first_name"] == "Dana"
    by_org = {m["org_id"]: m for m in body["memberships"]}
    assert set(by_org) == {str(org.uuid), str(other_org.uuid)}
    limited = by_org[str(org.uuid)]
    assert limited["role"] == "staff" and limited["all_locations"] is False
    assert [loc["id"] for loc in limited["locations"]] == [str(location.uuid)]
    assert limited["locations"][0]["timezone"] == location.timezone
    full = by_org[str(other_org.uuid)]
    assert full["role"] == "admin" and full["all_locations"] is True
    assert [loc["id"] for loc in full["locations"]] == [str(elsewhere.uuid)]


def test_me_needs_a_valid_token():
    assert me().status_code == 401
    assert me("cs_0123456789_not-a-real-secret").status_code == 401


def test_me_reads_every_membership_in_one_round_trip(django_assert_num_queries):
    user = UserFactory()
    for n in range(3):
        org = OrganizationFactory()
        first, _second = LocationFactory(org=org), LocationFactory(org=org)
        MembershipFactory(org=org, user=user, locations=[first] if n else None)
    token = issue_token(user)
    me(token)  # the token's last use is stamped once a minute

    # The token, then the memberships with their orgs' locations and the limited ones'.
    with django_assert_num_queries(2):
        response = me(token)

    locations = [len(m["locations"]) for m in response.json()["memberships"]]
    assert sorted(locations) == [1, 1, 2]
