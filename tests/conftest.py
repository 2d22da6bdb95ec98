"""Shared fixtures: two orgs, and an API client per role (and one limited to a location)."""

from __future__ import annotations

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
from tests.openapi import check_response


class Api(APIClient):
    """An API client for one org: ``get("appointment-types")`` → /api/v1/{org}/appointment-types.

    Every response it receives is checked against the generated OpenAPI schema
    (``tests/openapi.py``): a response the schema does not declare fails the test.
    """

    def __init__(self, org, token: str | None = None):
        super().__init__()
        self.org = org
        if token:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def request(self, **kwargs):
        response = super().request(**kwargs)
        check_response(response)
        return response

    def url(self, path: str) -> str:
        return f"/api/v1/{self.org.uuid}/{path.lstrip('/')}"

    def get(self, path, data=None, **kw):
        return super().get(self.url(path), data, **kw)

    def post(self, path, data=None, **kw):
        return super().post(self.url(path), data, format=kw.pop("format", "json"), **kw)

    def patch(self, path, data=None, **kw):
        return super().patch(self.url(path), data, format=kw.pop("format", "json"), **kw)

    def put(self, path, data=None, **kw):
        return super().put(self.url(path), data, format=kw.pop("format", "json"), **kw)

    def delete(self, path, data=None, **kw):
        return super().delete(self.url(path), data, format=kw.pop("format", "json"), **kw)

    def options(self, path, data=None, **kw):
        return super().options(self.url(path), data, **kw)

    def head(self, path, data=None, **kw):
        return super().head(self.url(path), data, **kw)


def api_for(org, role: Role = Role.ADMIN, locations=None) -> Api:
    """A client of a new member (``client.user``) with that role (and those locations)."""
    user = UserFactory()
    MembershipFactory(org=org, user=user, role=role, locations=locations)
    client = Api(org, issue_token(user))
    client.user = user
    return client


@pytest.fixture
def org(db):
    return OrganizationFactory()


@pytest.fixture
def other_org(db):
    return OrganizationFactory()


@pytest.fixture
def location(org):
    return LocationFactory(org=org, name="Chicago", timezone="America/Chicago")


@pytest.fixture
def second_location(org):
    return LocationFactory(org=org, name="New York", timezone="America/New_York")


@pytest.fixture
def admin_client(org):
    return api_for(org, Role.ADMIN)


@pytest.fixture
def staff_client(org):
    return api_for(org, Role.STAFF)


@pytest.fixture
def viewer_client(org):
    return api_for(org, Role.VIEWER)


@pytest.fixture
def limited_client(org, location, second_location):
    """A staff member who may access ``location`` only (not ``second_location``)."""
    return api_for(org, Role.STAFF, locations=[location])


@pytest.fixture
def limited_admin_client(org, location, second_location):
    return api_for(org, Role.ADMIN, locations=[location])


@pytest.fixture
def anonymous_client(org):
    return Api(org)


@pytest.fixture
def outsider_client(org, other_org):
    """An admin of another org, calling this org's paths."""
    client = api_for(other_org, Role.ADMIN)
    client.org = org
    return client
