"""One meaning, one name: an appointment answers its local date and wall times beside the
contract's UTC instants, so a client can send back what it read."""

import pytest

from tests.appointments.conftest import DAY

pytestmark = pytest.mark.django_db


def test_an_appointment_carries_local_and_utc_times(book):
    body = book(start="09:00", end="09:45").json()
    assert (body["schedule_date"], body["local_start_time"], body["local_end_time"]) == (
        DAY,
        "09:00:00",
        "09:45:00",
    )
    # Chicago is UTC-6 on DAY.
    assert (body["start_time"], body["end_time"]) == (
        "2030-03-04T15:00:00Z",
        "2030-03-04T15:45:00Z",
    )
    assert body["location_timezone"] == "America/Chicago"


def test_what_was_read_can_be_sent_back_unchanged(book, staff_client):
    body = book(start="09:00", end="09:45").json()
    response = staff_client.patch(
        f"appointments/{body['id']}",
        {
            "base_version": body["version"],
            "schedule_date": body["schedule_date"],
            "start_time": body["local_start_time"],
            "end_time": body["local_end_time"],
        },
    )
    assert response.status_code == 200 and response.json()["version"] == body["version"]


def test_an_unscheduled_appointment_has_no_times(location, patient, staff_client):
    response = staff_client.post(
        "appointments",
        {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "status": "unscheduled",
        },
    )
    body = response.json()
    assert response.status_code == 201
    assert body["schedule_date"] is body["local_start_time"] is body["local_end_time"] is None


def test_conflict_entries_carry_local_and_utc_times(book, staff_client):
    booked = book(start="09:00", end="10:00").json()
    response = book(start="09:30", end="10:30")
    assert response.status_code == 409
    (entry,) = response.json()["conflicts"]["appointments"]
    assert entry["id"] == booked["id"]
    assert (entry["schedule_date"], entry["start_time"], entry["end_time"]) == (
        DAY,
        "09:00:00",
        "10:00:00",
    )
    assert (entry["start_at"], entry["end_at"]) == (booked["start_time"], booked["end_time"])
    assert entry["location"]["id"] == booked["location"]["id"]
