"""``manage.py seed_demo``: the object API clients and tests rely on."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from scheduling.models import Location, Organization, Patient
from tests.conftest import Api

pytestmark = pytest.mark.django_db


def seed(*args) -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_has_everything_conventions_promise():
    data = seed()
    assert [loc["timezone"] for loc in data["locations"]] == ["America/Chicago", "America/New_York"]
    first, second = (loc["id"] for loc in data["locations"])
    assert sum(op["location_id"] == first for op in data["operatories"]) >= 3
    assert sum(op["location_id"] == second for op in data["operatories"]) >= 2
    assert len(data["providers"]) >= 3 and len(data["patients"]) >= 10
    assert len(data["appointment_types"]) >= 3
    assert all(t["duration_minutes"] > 0 for t in data["appointment_types"])
    assert {"D0120", "D1110", "D0274", "D2740"} <= {c["code"] for c in data["procedure_codes"]}
    assert len(data["confirmation_statuses"]) >= 3
    assert len(data["cancel_reasons"]) >= 1 and len(data["broken_reasons"]) >= 1
    assert len(data["flow_statuses"]) >= 3
    kinds = {(t["is_no_schedule"], t["is_do_not_copy"]) for t in data["blockout_types"]}
    assert (False, False) in kinds
    assert any(ns for ns, _ in kinds) and any(dnc for _, dnc in kinds)
    assert data["recall_types"]
    org = Organization.objects.get(uuid=data["org_id"])
    assert org.name == "Demo Dental"


def test_tokens_work_and_the_limited_one_sees_only_the_first_location():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    limited = Api(org, data["limited_token"])
    assert admin.get("locations").json()["total"] == 2
    assert [loc["id"] for loc in limited.get("locations").json()["items"]] == [
        data["locations"][0]["id"]
    ]
    assert admin.post("appointment-types", {"name": "Seed check"}).status_code == 201
    assert limited.post("appointment-types", {"name": "Staff"}).status_code == 403


def test_running_again_creates_nothing_new_and_issues_fresh_tokens():
    first = seed()
    counts = (Location.objects.count(), Patient.objects.count())
    second = seed()
    assert second["org_id"] == first["org_id"]
    assert (Location.objects.count(), Patient.objects.count()) == counts
    assert second["patients"] == first["patients"]
    org = Organization.objects.get(uuid=first["org_id"])
    assert second["token"] != first["token"]
    assert Api(org, second["token"]).get("locations").status_code == 200
    assert Api(org, first["token"]).get("locations").status_code == 401


def test_org_name_makes_a_separate_practice():
    a = seed()
    b = seed("--org-name", "Second Smile")
    assert a["org_id"] != b["org_id"]
    org_b = Organization.objects.get(uuid=b["org_id"])
    assert Api(org_b, a["token"]).get("locations").status_code == 404


def test_plain_output_prints_tokens():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "admin token" in out.getvalue()
