"""The read-only reference endpoints and their filters."""

import pytest

from scheduling.models import DefinitionCategory
from tests.factories import (
    DefinitionFactory,
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


def names(response, key="name"):
    assert response.status_code == 200, response.json()
    return [item[key] for item in response.json()["items"]]


def test_locations_carry_their_timezone(org, viewer_client):
    LocationFactory(org=org, name="Denver", timezone="America/Denver")
    (item,) = viewer_client.get("locations").json()["items"]
    assert item["timezone"] == "America/Denver"


def test_operatories_filter_by_location(org, viewer_client, location, second_location):
    OperatoryFactory(org=org, location=location, name="Op A")
    OperatoryFactory(org=org, location=second_location, name="Op B")
    response = viewer_client.get("operatories", {"location_uuid": str(location.uuid)})
    assert names(response) == ["Op A"]
    assert response.json()["items"][0]["location"] == {
        "id": str(location.uuid),
        "name": location.name,
    }


def test_operatories_of_a_forbidden_location_named_is_403(limited_client, second_location):
    response = limited_client.get("operatories", {"location_uuid": str(second_location.uuid)})
    assert response.status_code == 403
    assert response.json()["code"] == "PERMISSION_DENIED"


def test_operatories_of_another_orgs_location_is_404(other_org, viewer_client):
    theirs = LocationFactory(org=other_org)
    assert viewer_client.get("operatories", {"location_uuid": str(theirs.uuid)}).status_code == 404


def test_providers_have_a_display_name(org, viewer_client):
    ProviderFactory(org=org, first_name="Maya", last_name="Patel", suffix="DDS")
    assert names(viewer_client.get("providers")) == ["Maya Patel, DDS"]


@pytest.mark.parametrize(
    "search, expected",
    [
        ("oli", ["Olivia Martin"]),
        ("MARTIN", ["Olivia Martin"]),
        ("oli mar", ["Olivia Martin"]),
        ("oli brown", []),
        ("C1002", ["Noah Brown"]),
        ("555-0101", ["Olivia Martin"]),
        ("example.com", ["Noah Brown", "Olivia Martin"]),
    ],
)
def test_patient_search(org, viewer_client, search, expected):
    PatientFactory(
        org=org,
        first_name="Olivia",
        last_name="Martin",
        chart_number="C1001",
        mobile_phone="555-0101",
        email="olivia@example.com",
    )
    PatientFactory(
        org=org,
        first_name="Noah",
        last_name="Brown",
        chart_number="C1002",
        email="noah@example.com",
    )
    assert names(viewer_client.get("patients", {"search": search})) == expected


def test_patient_search_never_reaches_another_org(other_org, viewer_client):
    PatientFactory(org=other_org, first_name="Olivia")
    response = viewer_client.get("patients", {"search": "Olivia"})
    assert response.json()["total"] == 0


def test_procedure_codes_filter_by_code(org, viewer_client):
    ProcedureCodeFactory(org=org, code="D0120")
    ProcedureCodeFactory(org=org, code="D1110")
    assert names(viewer_client.get("procedure-codes", {"code": "d1110"}), "code") == ["D1110"]


def test_definitions_filter_by_category(org, viewer_client):
    DefinitionFactory(org=org, category=DefinitionCategory.CANCEL_REASON, name="Illness")
    DefinitionFactory(org=org, category=DefinitionCategory.APPT_CONFIRMED, name="Confirmed")
    response = viewer_client.get("definitions", {"category": "CancelReason"})
    assert names(response) == ["Illness"]
    assert response.json()["items"][0]["category"] == "CancelReason"


def test_confirmation_statuses_are_the_appt_confirmed_definitions(org, viewer_client):
    DefinitionFactory(
        org=org, category=DefinitionCategory.APPT_CONFIRMED, name="Texted", item_order=2
    )
    DefinitionFactory(
        org=org, category=DefinitionCategory.APPT_CONFIRMED, name="Confirmed", item_order=1
    )
    DefinitionFactory(org=org, category=DefinitionCategory.CANCEL_REASON, name="Illness")
    response = viewer_client.get("appointments/confirmation-statuses")
    assert names(response) == ["Confirmed", "Texted"]
    assert set(response.json()) == {"items", "page", "page_size", "total"}


def test_reference_data_is_read_only_over_the_api(org, admin_client, location):
    assert admin_client.post("locations", {"name": "X"}).status_code == 405
    assert admin_client.patch(f"locations/{location.uuid}", {"base_version": 1}).status_code == 405
    assert admin_client.delete(f"locations/{location.uuid}").status_code == 405


@pytest.mark.parametrize("path", ["operatories", "patients"])
def test_a_bad_boolean_filter_is_422_not_ignored(path, admin_client):
    response = admin_client.get(path, {"is_active": "perhaps"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "is_active"]
    assert admin_client.get(path, {"is_active": "false"}).status_code == 200
