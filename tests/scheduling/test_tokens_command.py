"""``manage.py create_token`` and ``manage.py revoke_token``."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from scheduling.models import ApiToken, Membership, Role, User
from tests.factories import LocationFactory, MembershipFactory, UserFactory


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def create_token(*args) -> str:
    """The token alone is the last line of output."""
    return run("create_token", *args)[-1]


def api_status(org, token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(f"/api/v1/{org.uuid}/locations").status_code


def test_create_token_prints_a_working_token(org):
    user = UserFactory(username="integration")
    MembershipFactory(org=org, user=user, role=Role.VIEWER)
    token = create_token("integration", "--name", "nightly sync")
    assert api_status(org, token) == 200
    row = ApiToken.objects.get(user=user)
    assert row.name == "nightly sync"
    assert row.digest == ApiToken.hash(token)


def test_the_token_appears_once_and_is_not_stored(org):
    UserFactory(username="integration")
    lines = run("create_token", "integration")
    token = lines[-1]
    assert sum(token in line for line in lines) == 1
    row = ApiToken.objects.get(user__username="integration")
    assert token not in (row.prefix, row.digest, row.name)


@pytest.mark.parametrize("org_by", ["uuid", "name"])
def test_org_and_role_create_a_membership_for_all_locations(org, org_by):
    LocationFactory(org=org)
    UserFactory(username="frontdesk")
    token = create_token("frontdesk", "--org", str(getattr(org, org_by)), "--role", "staff")
    membership = Membership.objects.get(user__username="frontdesk", org=org)
    assert (membership.role, membership.all_locations) == (Role.STAFF, True)
    assert api_status(org, token) == 200


def test_org_and_role_update_an_existing_membership(org, location):
    user = UserFactory(username="frontdesk")
    MembershipFactory(org=org, user=user, role=Role.VIEWER, locations=[location])
    create_token("frontdesk", "--org", org.name, "--role", "admin")
    membership = Membership.objects.get(user=user, org=org)
    assert (membership.role, membership.all_locations) == (Role.ADMIN, True)
    assert Membership.objects.filter(user=user).count() == 1


def test_unknown_user_is_an_error_and_creates_nothing(org):
    with pytest.raises(CommandError):
        run("create_token", "nobody")
    assert not User.objects.filter(username="nobody").exists()
    assert not ApiToken.objects.exists()


def test_create_user_creates_the_user_without_a_password(org):
    token = create_token("newbot", "--create-user", "--org", org.name, "--role", "viewer")
    user = User.objects.get(username="newbot")
    assert not user.has_usable_password()
    assert api_status(org, token) == 200


@pytest.mark.parametrize(
    "args",
    [
        ["--org", "No Such Practice", "--role", "staff"],
        ["--org", "00000000-0000-0000-0000-000000000000", "--role", "staff"],
        ["--role", "staff"],
        ["--org", "{org}"],
    ],
    ids=["unknown-org-name", "unknown-org-uuid", "role-without-org", "org-without-role"],
)
def test_bad_org_arguments_are_errors(org, args):
    UserFactory(username="frontdesk")
    with pytest.raises(CommandError):
        run("create_token", "frontdesk", *(arg.format(org=org.name) for arg in args))
    assert not ApiToken.objects.exists()
    assert not Membership.objects.filter(user__username="frontdesk").exists()


def test_unknown_role_is_an_error(org):
    UserFactory(username="frontdesk")
    with pytest.raises(CommandError):
        run("create_token", "frontdesk", "--org", org.name, "--role", "owner")


def test_revoke_token_by_prefix(org):
    user = UserFactory(username="integration")
    MembershipFactory(org=org, user=user)
    token = create_token("integration")
    assert api_status(org, token) == 200
    run("revoke_token", ApiToken.parse_prefix(token))
    assert api_status(org, token) == 401
    assert run("revoke_token", token)  # again, by the whole token: already revoked, no error


def test_revoke_unknown_prefix_is_an_error(db):
    with pytest.raises(CommandError):
        run("revoke_token", "0123456789")
