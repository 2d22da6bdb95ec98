"""A write that succeeds but should be said: a provider in two chairs at once, a visit
completed before its time. The response's ``warnings`` say it; reads carry none."""

import pytest

from appointments.models import Appointment
from tests.appointments.conftest import DAY
from tests.factories import OperatoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(book, provider):
    """The provider is booked 09:00–10:00 in ``chair``."""
    return book(start="09:00", end="10:00", provider_uuids=[str(provider.uuid)]).json()


def provider_warning(body):
    (warning,) = body["warnings"]
    assert warning["code"] == "PROVIDER_OVERLAP"
    return warning


def test_booking_a_provider_in_a_second_chair_succeeds_and_says_so(
    book, busy, other_chair, provider
):
    response = book(
        start="09:30",
        end="10:30",
        operatory_uuid=str(other_chair.uuid),
        provider_uuids=[str(provider.uuid)],
    )
    assert response.status_code == 201
    warning = provider_warning(response.json())
    assert warning["provider"]["id"] == str(provider.uuid)
    assert warning["appointment"]["id"] == busy["id"]
    assert warning["appointment"]["schedule_date"] == DAY
    assert warning["appointment"]["start_time"] == "09:00:00"
    assert "Hopper" in warning["message"] and "Lovelace" in warning["message"]


def test_no_overlap_no_warning_and_reads_carry_none(
    book, busy, other_chair, provider, staff_client
):
    response = book(
        start="10:00",
        end="11:00",
        operatory_uuid=str(other_chair.uuid),
        provider_uuids=[str(provider.uuid)],
    )
    assert response.json()["warnings"] == []  # back to back is no overlap
    assert staff_client.get(f"appointments/{busy['id']}").json()["warnings"] == []


def test_moving_and_patching_into_an_overlap_say_so(
    book, busy, other_chair, provider, staff_client
):
    later = book(
        start="11:00",
        end="12:00",
        operatory_uuid=str(other_chair.uuid),
        provider_uuids=[str(provider.uuid)],
    ).json()
    moved = staff_client.post(
        f"appointments/{later['id']}/move",
        {"base_version": 1, "schedule_date": DAY, "start_time": "09:15", "end_time": "10:15"},
    )
    assert moved.status_code == 200
    assert provider_warning(moved.json())["appointment"]["id"] == busy["id"]
    patched = staff_client.patch(
        f"appointments/{later['id']}", {"base_version": 2, "start_time": "09:30"}
    )
    assert patched.status_code == 200
    provider_warning(patched.json())


def test_replacing_providers_into_an_overlap_says_so(
    book, busy, other_chair, provider, staff_client
):
    free = book(start="09:00", end="10:00", operatory_uuid=str(other_chair.uuid)).json()
    response = staff_client.put(
        f"appointments/{free['id']}/providers",
        {"base_version": 1, "providers": [{"provider_uuid": str(provider.uuid)}]},
    )
    assert response.status_code == 200
    provider_warning(response.json())


def test_an_overlap_at_a_forbidden_location_is_said_without_its_details(
    org, second_location, provider, limited_client, staff_client, location, patient, chair
):
    ny_chair = OperatoryFactory(org=org, location=second_location)
    staff_client.post(
        "appointments",
        {
            "location_uuid": str(second_location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(ny_chair.uuid),
            "schedule_date": DAY,
            "start_time": "10:00",
            "end_time": "11:00",
            "provider_uuids": [str(provider.uuid)],
        },
    )
    response = limited_client.post(
        "appointments",
        {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": "09:00",
            "end_time": "10:00",
            "provider_uuids": [str(provider.uuid)],
        },
    )
    assert response.status_code == 201
    warning = provider_warning(response.json())
    assert warning["appointment"] is None
    assert "another location" in warning["message"] and "Lovelace" not in warning["message"]


def test_completing_a_future_appointment_is_allowed_with_a_warning(staff_client, book):
    booked = book(day="2199-03-04").json()
    response = staff_client.post(
        f"appointments/{booked['id']}/transition", {"base_version": 1, "status": "complete"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "complete"
    (warning,) = body["warnings"]
    assert warning["code"] == "COMPLETED_IN_FUTURE" and "before its start" in warning["message"]
    assert Appointment.objects.get(uuid=booked["id"]).status == "complete"


def test_completing_a_past_appointment_has_no_warning(staff_client, book):
    booked = book(day="2020-03-04").json()
    response = staff_client.post(
        f"appointments/{booked['id']}/transition", {"base_version": 1, "status": "complete"}
    )
    assert response.json()["warnings"] == []
