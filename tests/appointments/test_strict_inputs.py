"""Inputs are strict and explicit: unknown fields and parameters are named, writes that
change nothing write nothing, and unknown ids are named with where they were given."""

import uuid

import pytest

from appointments.models import AppointmentHistory
from tests.appointments.conftest import DAY
from tests.factories import BlockoutTypeFactory, OperatoryFactory

pytestmark = pytest.mark.django_db


def history_count(appointment_id) -> int:
    return AppointmentHistory.objects.filter(appointment_uuid=appointment_id).count()


class TestUnknownInputs:
    def test_a_read_only_field_in_a_patch_is_named_and_nothing_changes(self, book, staff_client):
        booked = book().json()
        response = staff_client.patch(
            f"appointments/{booked['id']}", {"base_version": 1, "status": "complete"}
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "status"] and error["type"] == "unknown_field"
        assert "base_version" in error["msg"]  # it says what is accepted
        after = staff_client.get(f"appointments/{booked['id']}").json()
        assert after["status"] == "scheduled" and after["version"] == 1
        assert history_count(booked["id"]) == 1

    def test_unknown_fields_in_nested_items_are_named(self, book, provider, staff_client):
        booked = book().json()
        response = staff_client.put(
            f"appointments/{booked['id']}/providers",
            {"base_version": 1, "providers": [{"provider_uuid": str(provider.uuid), "x": 1}]},
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "providers", 0, "x"]

    def test_an_unknown_query_parameter_is_named(self, staff_client):
        response = staff_client.get("appointments", {"operatory": "x", "page": 1})
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "operatory"] and error["type"] == "unknown_parameter"
        assert "operatory_uuid" in error["msg"]

    def test_the_page_list_filters_by_operatory_like_the_cursor_list(
        self, org, location, book, staff_client
    ):
        booked = book().json()
        other = OperatoryFactory(org=org, location=location)
        for path in ("appointments", "appointments/cursor"):
            mine = staff_client.get(path, {"operatory_uuid": booked["operatory"]["id"]}).json()
            theirs = staff_client.get(path, {"operatory_uuid": str(other.uuid)}).json()
            items = mine.get("items", mine.get("data"))
            assert [a["id"] for a in items] == [booked["id"]]
            assert theirs.get("items", theirs.get("data")) == []

    def test_every_unknown_id_in_a_body_is_named_with_its_loc(
        self, location, patient, staff_client
    ):
        unknown_patient, unknown_chair = str(uuid.uuid4()), str(uuid.uuid4())
        response = staff_client.post(
            "appointments",
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": unknown_patient,
                "operatory_uuid": unknown_chair,
                "schedule_date": DAY,
                "start_time": "09:00",
                "end_time": "10:00",
            },
        )
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == "NOT_FOUND"
        named = {tuple(e["loc"]): e["msg"] for e in body["errors"]}
        assert set(named) == {("body", "patient_uuid"), ("body", "operatory_uuid")}
        assert unknown_patient in named[("body", "patient_uuid")]
        assert unknown_chair in body["detail"]

    def test_an_invalid_field_beside_an_unknown_id_makes_it_a_422(self, location, staff_client):
        response = staff_client.post(
            "appointments",
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(uuid.uuid4()),
                "priority": "x",
            },
        )
        assert response.status_code == 422
        types = {e["type"] for e in response.json()["detail"]}
        assert "not_found" in types


class TestWritesThatChangeNothing:
    def test_an_appointment_patch_with_the_same_values_writes_nothing(self, book, staff_client):
        booked = book(note="Hi").json()
        response = staff_client.patch(
            f"appointments/{booked['id']}",
            {"base_version": 1, "note": "Hi", "start_time": "09:00", "schedule_date": DAY},
        )
        assert response.status_code == 200
        assert response.json()["version"] == 1
        assert history_count(booked["id"]) == 1

    def test_a_stale_version_is_still_a_conflict(self, book, staff_client):
        booked = book(note="Hi").json()
        staff_client.patch(f"appointments/{booked['id']}", {"base_version": 1, "note": "Ho"})
        response = staff_client.patch(
            f"appointments/{booked['id']}", {"base_version": 1, "note": "Ho"}
        )
        assert response.status_code == 409 and response.json()["current_version"] == 2

    def test_a_resource_patch_with_the_same_values_bumps_no_version(self, org, admin_client):
        lunch = BlockoutTypeFactory(org=org, name="Lunch", color="#112233")
        path = f"blockouts/types/{lunch.uuid}"
        same = admin_client.patch(path, {"base_version": 1, "name": "Lunch", "color": "#112233"})
        assert same.status_code == 200 and same.json()["version"] == 1
        changed = admin_client.patch(path, {"base_version": 1, "color": "#445566"})
        assert changed.status_code == 200 and changed.json()["version"] == 2
