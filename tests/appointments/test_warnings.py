"""A write that succeeds but should be said: a provider in two chairs at once, a visit
completed before its time. The response's ``warnings`` say it; reads carry none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from tests.appointments.conftest import DAY
from tests.factories import OperatoryFactory, ProviderFactory

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


def test_an_overlap_names_the_other_appointment_as_its_detail_does(
    org, book, exam, other_chair, staff_client, location, chair
):
    """The warning's and the conflict preview's entry show what the other appointment's
    own detail shows of it (its references, wall times and zone), untyped or typed."""
    dentist = ProviderFactory(org=org, first_name="Ada", last_name="Byron", suffix="DDS")
    typed = book(
        start="09:00",
        end="10:00",
        appointment_type_uuid=str(exam.uuid),
        provider_uuids=[str(dentist.uuid)],
    ).json()
    untyped = book(
        start="10:00",
        end="11:00",
        operatory_uuid=str(other_chair.uuid),
        provider_uuids=[str(dentist.uuid)],
    ).json()
    shown = ["id", "status", "patient", "operatory", "appointment_type", "location"]
    shown += ["location_timezone", "schedule_date"]
    # The detail's names of the wall times and the instants: the entry's.
    renamed = {"local_start_time": "start_time", "local_end_time": "end_time"}
    renamed |= {"start_time": "start_at", "end_time": "end_at"}

    def as_detail(body):
        return {key: body[key] for key in shown} | {new: body[old] for old, new in renamed.items()}

    def as_entry(entry):
        return {key: entry[key] for key in [*shown, *renamed.values()]}

    expected = [
        as_detail(staff_client.get(f"appointments/{a['id']}").json()) for a in (typed, untyped)
    ]
    assert expected[0]["appointment_type"]["name"] == "Exam"
    assert expected[1]["appointment_type"] is None

    def preview(start, end):
        with CaptureQueriesContext(connection) as queries:
            body = staff_client.post(
                "appointments/check-conflicts",
                {
                    "location_uuid": str(location.uuid),
                    "operatory_uuid": str(chair.uuid),
                    "schedule_date": DAY,
                    "start_time": start,
                    "end_time": end,
                    "provider_uuids": [str(dentist.uuid)],
                },
            ).json()
        return body, len(queries.captured_queries)

    (busy, busy_queries), (free, free_queries) = (
        preview("08:30", "10:30"),
        preview("13:00", "14:00"),
    )
    assert free["conflicts"]["providers"] == []
    assert busy_queries == free_queries  # what an entry shows was read with the overlaps
    providers = busy["conflicts"]["providers"]
    assert [as_entry(p["appointment"]) for p in providers] == expected
    assert [p["provider"]["name"] for p in providers] == ["Ada Byron, DDS"] * 2
    third_chair = OperatoryFactory(org=org, location=location)
    response = book(
        start="09:30",
        end="10:30",
        operatory_uuid=str(third_chair.uuid),
        provider_uuids=[str(dentist.uuid)],
    )
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert [as_entry(w["appointment"]) for w in warnings] == expected
    assert [w["provider"] for w in warnings] == [
        {"id": str(dentist.uuid), "name": "Ada Byron, DDS"}
    ] * 2
    assert "Ada Byron, DDS is also booked with" in warnings[0]["message"]
