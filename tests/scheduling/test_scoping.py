"""Scoping closes by default: every org-owned model declares how it reaches its location,
every served queryset and related-id field goes through ``restrict``, and a model that
forgets its declaration shows nothing."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.access import NOT_READ, Access
from scheduling.api.authentication import read_token
from scheduling.api.relations import OrgRelatedField, OrgRelatedListField, resolve_many
from scheduling.exceptions import Forbidden, NotFound
from scheduling.models import (
    ApiToken,
    Location,
    LocationScope,
    Membership,
    Operatory,
    OrgOwnedModel,
    Role,
)
from scheduling.models.base import OrgQuerySet, Restriction, declared_scope, location_id_of
from tests.endpoints import api_operations
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    MembershipFactory,
    OperatoryFactory,
    OrganizationFactory,
    UserFactory,
    issue_token,
)

ORG_OWNED = [
    model
    for model in apps.get_models()
    if issubclass(model, OrgOwnedModel) and not model._meta.abstract
]


def _serializer_fields(serializer_class):
    for field in serializer_class().fields.values():
        yield field
        child = getattr(field, "child", None)
        if child is not None and hasattr(child, "fields"):
            yield from child.fields.values()


@pytest.mark.parametrize("model", ORG_OWNED, ids=lambda m: m.__name__)
def test_every_org_owned_model_declares_its_location_scope(model):
    scope = declared_scope(model)
    assert scope, f"{model.__name__} declares no location_scope"
    if scope not in (LocationScope.SELF, LocationScope.ORG_WIDE):
        # The path must end at a Location foreign key.
        current = model
        for hop in scope.split("__"):
            field = current._meta.get_field(hop)
            current = field.related_model
        assert current is Location, f"{model.__name__}.location_scope does not reach a Location"
    assert isinstance(model.objects.all(), OrgQuerySet)


def test_every_served_queryset_and_id_field_is_of_a_declared_model():
    seen = set()
    for operation in api_operations():
        view = operation.viewset
        querysets = [view.queryset, getattr(view, "parent_queryset", None)]
        classes = [
            view.serializer_class,
            *getattr(view, "input_serializer_classes", {}).values(),
            *getattr(view, "query_serializer_classes", {}).values(),
        ]
        for serializer_class in filter(None, classes):
            for field in _serializer_fields(serializer_class):
                if isinstance(field, (OrgRelatedField, OrgRelatedListField)):
                    querysets.append(field.queryset)
        for queryset in querysets:
            if queryset is not None:
                seen.add(queryset.model)
                assert declared_scope(queryset.model), queryset.model.__name__
    assert Operatory in seen and Location in seen


@pytest.mark.django_db
def test_a_model_without_a_declared_scope_is_restricted_to_nothing(org, monkeypatch):
    operatory = OperatoryFactory(org=org)
    access = Access.operator(org)
    assert list(Operatory.objects.restrict(access)) == [operatory]
    monkeypatch.setattr(Operatory, "location_scope", None)  # as if someone forgot it
    assert list(Operatory.objects.restrict(access)) == []
    with pytest.raises(TypeError):
        location_id_of(operatory)


@pytest.mark.django_db
class TestRestrict:
    def test_a_limited_member_sees_only_permitted_locations(self, org, other_org):
        here, there = LocationFactory(org=org), LocationFactory(org=org)
        LocationFactory(org=other_org)
        user = UserFactory()
        membership = MembershipFactory(org=org, user=user, role=Role.STAFF, locations=[here])
        access = Access(org, membership)
        assert list(Location.objects.restrict(access)) == [here]
        assert access.can_access_location(here.pk) and not access.can_access_location(there.pk)
        with pytest.raises(Forbidden):
            access.check_location(there.pk)

    def test_rows_follow_their_declared_path(self, org):
        here, there = LocationFactory(org=org), LocationFactory(org=org)
        mine = AppointmentFactory(org=org, location=here)
        AppointmentFactory(org=org, location=there)
        membership = MembershipFactory(
            org=org, user=UserFactory(), role=Role.VIEWER, locations=[here]
        )
        access = Access(org, membership)
        assert list(type(mine).objects.restrict(access)) == [mine]
        assert location_id_of(mine) == here.pk
        assert location_id_of(here) == here.pk

    def test_an_operator_sees_the_whole_org_and_nothing_else(self, org, other_org):
        OperatoryFactory(org=org)
        OperatoryFactory(org=other_org)
        access = Access.operator(org)
        assert access.role == Role.ADMIN and access.user is None
        assert {o.org_id for o in Operatory.objects.restrict(access)} == {org.pk}

    def test_a_non_member_is_not_found(self, org):
        with pytest.raises(NotFound):
            Access.member(UserFactory(), org.uuid)


@pytest.mark.django_db
def test_ids_of_an_undeclared_model_name_nothing(org, monkeypatch):
    operatory = OperatoryFactory(org=org)
    access = Access.operator(org)
    assert resolve_many(access, Operatory.objects.all(), [operatory.uuid]) == ([operatory], [])
    monkeypatch.setattr(Operatory, "location_scope", None)
    assert resolve_many(access, Operatory.objects.all(), [operatory.uuid]) == (
        [],
        [operatory.uuid],
    )


@pytest.mark.django_db
def test_naming_a_row_at_a_forbidden_location_is_refused(org):
    here, there = LocationFactory(org=org), LocationFactory(org=org)
    chair = OperatoryFactory(org=org, location=there)
    membership = MembershipFactory(org=org, user=UserFactory(), role=Role.STAFF, locations=[here])
    with pytest.raises(Forbidden):
        resolve_many(Access(org, membership), Operatory.objects.all(), [chair.uuid])


@pytest.mark.django_db
def test_the_membership_read_with_the_token_is_the_same_access(org, location, second_location):
    user = UserFactory()
    MembershipFactory(org=org, user=user, role=Role.STAFF, locations=[location])
    token = ApiToken.objects.get(prefix=ApiToken.parse_prefix(issue_token(user)))
    found = read_token(token.prefix, org.uuid)
    read, prefetched = found.token, found.access
    queried = Access.member(user, org.uuid)
    assert read == token and read.user == user and read.user.username == user.username
    assert prefetched.org == queried.org == org and prefetched.org.name == org.name
    assert prefetched.role == queried.role == Role.STAFF
    assert prefetched.location_ids == queried.location_ids == frozenset({location.pk})
    assert prefetched.membership.pk == Membership.objects.get(user=user).pk
    assert read_token(token.prefix, OrganizationFactory().uuid).access is None  # not a member
    assert read_token(token.prefix, None).access is NOT_READ
    assert found.companion_row is NOT_READ  # none was sent
    org.timezone = ""  # the practice's day falls back to its first location's zone
    org.save(update_fields=["timezone"])
    first = Location.objects.filter(org=org).order_by("id").first()
    with CaptureQueriesContext(connection) as ctx:
        read_org = read_token(token.prefix, org.uuid).access.org
        assert read_org.local_timezone() == first.timezone == location.timezone
    assert len(ctx.captured_queries) == 1  # read with the token
    with pytest.raises(NotFound):
        Access.member(user, org.uuid, prefetched=None)
    token.revoke()
    assert read_token(token.prefix, org.uuid) is None


def _direct_scope_models():
    return [
        model
        for model in ORG_OWNED
        if declared_scope(model) is not None and "__" not in declared_scope(model)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("model", _direct_scope_models(), ids=lambda m: m.__name__)
def test_a_restriction_in_sql_selects_what_restrict_selects(model, org, other_org):
    here, there = LocationFactory(org=org), LocationFactory(org=org)
    for made in (
        AppointmentFactory(org=org, location=here),
        AppointmentFactory(org=org, location=there),
        AppointmentFactory(org=other_org),
        OperatoryFactory(org=org, location=there),
    ):
        assert made.pk
    limited = Access(org, MembershipFactory(org=org, role=Role.STAFF, locations=[here]))
    restriction = Restriction(model, "r")
    table = connection.ops.quote_name(model._meta.db_table)
    for access in (limited, Access.operator(org), Access.operator(other_org)):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT r.id FROM {table} r WHERE {restriction.sql}", restriction.params(access)
            )
            in_sql = {row[0] for row in cursor.fetchall()}
        assert in_sql == set(model.objects.restrict(access).values_list("pk", flat=True))


def test_an_undeclared_model_restricted_in_sql_matches_nothing(monkeypatch):
    monkeypatch.setattr(Operatory, "location_scope", None)
    restriction = Restriction(Operatory, "r")
    assert (restriction.sql, restriction.params(None)) == ("FALSE", [])
