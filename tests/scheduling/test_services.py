"""Shared services and fields, tested directly for their edges."""

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers

from scheduling.api.serializers import LocalTimeField, MoneyField, StrictUUIDField
from scheduling.exceptions import Conflict, VersionConflict
from scheduling.models import Location
from scheduling.services import unique_violations, versioned_update
from tests.factories import LocationFactory, ProcedureCodeFactory

pytestmark = pytest.mark.django_db


class TestVersionedUpdate:
    def test_writes_and_bumps_the_version_in_place(self, org):
        location = LocationFactory(org=org, name="Old")
        before = location.updated_at
        versioned_update(location, base_version=1, changes={"name": "New"})
        assert (location.name, location.version) == ("New", 2)
        location.refresh_from_db()
        assert (location.name, location.version) == ("New", 2)
        assert location.updated_at > before

    def test_stale_version_writes_nothing(self, org):
        location = LocationFactory(org=org, name="Old")
        Location.objects.filter(pk=location.pk).update(version=3)
        with pytest.raises(VersionConflict) as caught:
            versioned_update(location, base_version=1, changes={"name": "New"})
        assert caught.value.extra == {"current_version": 3, "base_version": 1}
        location.refresh_from_db()
        assert (location.name, location.version) == ("Old", 3)


class TestUniqueViolations:
    def test_named_constraint_becomes_a_conflict(self, org):
        ProcedureCodeFactory(org=org, code="D0120")
        messages = {"procedure_code_org_code": ("DUPLICATE_CODE", "That code exists.")}
        with pytest.raises(Conflict) as caught, unique_violations(messages):
            ProcedureCodeFactory.build(org=org, code="D0120").save()
        assert caught.value.code == "DUPLICATE_CODE"

    def test_other_integrity_errors_pass_through(self, org):
        from django.db import IntegrityError

        ProcedureCodeFactory(org=org, code="D0120")
        with pytest.raises(IntegrityError), unique_violations({}):
            ProcedureCodeFactory.build(org=org, code="D0120").save()


class TestFields:
    def test_local_time_accepts_minutes_and_seconds(self):
        field = LocalTimeField()
        assert field.to_internal_value("08:30") == datetime.time(8, 30)
        assert field.to_internal_value("08:30:15") == datetime.time(8, 30, 15)
        assert field.to_representation(datetime.time(8, 30)) == "08:30:00"
        with pytest.raises(serializers.ValidationError):
            field.to_internal_value("8.30am")

    def test_money_accepts_numbers_and_strings_and_prints_two_places(self):
        field = MoneyField()
        assert field.to_internal_value(150) == Decimal("150")
        assert field.to_internal_value("99.5") == Decimal("99.5")
        assert field.to_representation(Decimal("150")) == "150.00"
        with pytest.raises(serializers.ValidationError):
            field.to_internal_value("1.234")

    @pytest.mark.parametrize("value", [5, 5.0, None, ["x"], "nope"])
    def test_strict_uuid_takes_only_uuid_strings(self, value):
        with pytest.raises(serializers.ValidationError):
            StrictUUIDField().run_validation(value)
