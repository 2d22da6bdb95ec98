"""A small practice to book into: one chair at Chicago, one at New York, a patient, a type."""

import pytest

from tests.factories import (
    AppointmentTypeFactory,
    OperatoryFactory,
    PatientFactory,
    ProviderFactory,
)

DAY = "2030-03-04"  # a Monday, far from DST changes


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 1")


@pytest.fixture
def other_chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 2")


@pytest.fixture
def ny_chair(org, second_location):
    return OperatoryFactory(org=org, location=second_location, name="NY Op")


@pytest.fixture
def patient(org):
    return PatientFactory(org=org, first_name="Ada", last_name="Lovelace")


@pytest.fixture
def provider(org):
    return ProviderFactory(org=org, first_name="Grace", last_name="Hopper")


@pytest.fixture
def exam(org):
    return AppointmentTypeFactory(org=org, name="Exam", duration_minutes=30)


@pytest.fixture
def book(staff_client, location, chair, patient):
    """``book(start="09:00", end="10:00", **fields)`` → the POST response."""

    def _book(client=None, *, start="09:00", end="10:00", day=DAY, **fields):
        body = {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": day,
            "start_time": start,
            "end_time": end,
            **fields,
        }
        if end is None:
            body.pop("end_time")
        return (client or staff_client).post("appointments", body)

    return _book


@pytest.fixture
def booked(book):
    """A scheduled 09:00–10:00 appointment (its JSON)."""
    response = book()
    assert response.status_code == 201, response.json()
    return response.json()
