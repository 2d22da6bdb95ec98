"""Blockouts in the conflict engine: no-schedule blockouts block booking, others inform."""

from datetime import date, time

import pytest

from appointments.models import Appointment
from tests.appointments.conftest import DAY
from tests.factories import BlockoutFactory, BlockoutTypeFactory

pytestmark = pytest.mark.django_db

MONDAY = date.fromisoformat(DAY)


@pytest.fixture
def lunch(org, location, chair):
    """A no-schedule lunch 12:00–13:00 on ``chair``."""
    return BlockoutFactory(
        org=org,
        location=location,
        operatory=chair,
        blockout_type=BlockoutTypeFactory(org=org, name="Lunch", is_no_schedule=True),
        schedule_date=MONDAY,
        start_time=time(12),
        end_time=time(13),
    )


@pytest.fixture
def meeting(org, location):
    """A no-schedule staff meeting 16:00–17:00 over the whole location."""
    return BlockoutFactory(
        org=org,
        location=location,
        operatory=None,
        blockout_type=BlockoutTypeFactory(org=org, name="Staff meeting", is_no_schedule=True),
        schedule_date=MONDAY,
        start_time=time(16),
        end_time=time(17),
    )


@pytest.fixture
def crowns_only(org, location, chair):
    """An informational blockout 14:00–15:00 (not no-schedule)."""
    return BlockoutFactory(
        org=org,
        location=location,
        operatory=chair,
        blockout_type=BlockoutTypeFactory(org=org, name="Crowns only", is_no_schedule=False),
        schedule_date=MONDAY,
        start_time=time(14),
        end_time=time(15),
    )


def assert_blocked(response, blockout):
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "BLOCKED_TIME_CONFLICT"
    assert "BLOCKED_TIME_CONFLICT" in body["reason_codes"]
    assert [b["id"] for b in body["conflicts"]["blockouts"]] == [str(blockout.uuid)]
    assert blockout.blockout_type.name in body["detail"]


class TestBooking:
    def test_no_schedule_blockout_on_the_chair_blocks(self, lunch, book):
        assert_blocked(book(start="12:30", end="13:30"), lunch)
        assert not Appointment.objects.exists()

    def test_allow_overlap_does_not_lift_a_blockout(self, lunch, book):
        assert_blocked(book(start="12:00", end="12:30", allow_overlap=True), lunch)

    def test_location_wide_blockout_blocks_every_chair(self, meeting, book, other_chair):
        assert_blocked(book(start="16:30", end="17:00"), meeting)
        assert_blocked(
            book(start="15:30", end="16:30", operatory_uuid=str(other_chair.uuid)), meeting
        )

    def test_touching_a_blockout_is_fine(self, lunch, book):
        assert book(start="11:00", end="12:00").status_code == 201
        assert book(start="13:00", end="14:00").status_code == 201

    def test_other_chairs_and_informational_blockouts_do_not_block(
        self, lunch, crowns_only, book, other_chair
    ):
        assert (
            book(start="12:00", end="13:00", operatory_uuid=str(other_chair.uuid)).status_code
            == 201
        )
        assert book(start="14:00", end="15:00").status_code == 201

    def test_cancelled_blockout_does_not_block(self, lunch, book):
        lunch.status = "cancelled"
        lunch.save()
        assert book(start="12:00", end="13:00").status_code == 201

    def test_blocked_and_overlapping_reports_both(self, lunch, book):
        assert book(start="11:30", end="12:00").status_code == 201
        response = book(start="11:45", end="12:15")
        assert response.status_code == 409
        assert response.json()["reason_codes"] == ["APPOINTMENT_OVERLAP", "BLOCKED_TIME_CONFLICT"]
        assert response.json()["code"] == "BLOCKED_TIME_CONFLICT"


class TestEveryWritePath:
    def test_move_patch_place_and_transition(self, lunch, booked, staff_client):
        path = f"appointments/{booked['id']}"
        move = {"base_version": 1, "schedule_date": DAY, "start_time": "12:00", "end_time": "12:30"}
        assert_blocked(staff_client.post(f"{path}/move", move), lunch)
        assert_blocked(staff_client.patch(path, {"base_version": 1, "start_time": "11:45"}), lunch)
        assert staff_client.post(f"{path}/pinboard", {"base_version": 1}).status_code == 200
        place = {**move, "base_version": 2, "operatory_uuid": booked["operatory"]["id"]}
        assert_blocked(staff_client.post(f"{path}/place", place), lunch)
        assert staff_client.get(path).json()["start_time"] == booked["start_time"]

    def test_back_into_the_schedule_over_a_new_blockout(
        self, org, location, chair, booked, staff_client
    ):
        path = f"appointments/{booked['id']}"
        assert (
            staff_client.post(
                f"{path}/transition", {"base_version": 1, "status": "unscheduled"}
            ).status_code
            == 200
        )
        blockout = BlockoutFactory(
            org=org,
            location=location,
            operatory=chair,
            blockout_type=BlockoutTypeFactory(org=org, is_no_schedule=True),
            schedule_date=MONDAY,
            start_time=time(9),
            end_time=time(9, 30),
        )
        response = staff_client.post(
            f"{path}/transition", {"base_version": 2, "status": "scheduled"}
        )
        assert_blocked(response, blockout)

    def test_bulk_row(self, lunch, staff_client, location, chair, patient):
        row = {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": "12:15",
            "end_time": "12:45",
        }
        body = staff_client.post("appointments/bulk", {"rows": [row]}).json()
        (result,) = body["results"]
        assert result["status"] == "failed" and result["code"] == "BLOCKED_TIME_CONFLICT"
        assert [b["id"] for b in result["conflicts"]["blockouts"]] == [str(lunch.uuid)]

    def test_check_conflicts(self, lunch, crowns_only, staff_client, location, chair):
        body = {
            "location_uuid": str(location.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": "11:30",
            "end_time": "14:30",
        }
        result = staff_client.post("appointments/check-conflicts", body).json()
        assert result["has_conflicts"] is True
        assert result["reason_codes"] == ["BLOCKED_TIME_CONFLICT"]
        assert [(b["id"], b["is_no_schedule"]) for b in result["conflicts"]["blockouts"]] == [
            (str(lunch.uuid), True),
            (str(crowns_only.uuid), False),
        ]
        body.update(start_time="14:00", end_time="14:30")
        informational = staff_client.post("appointments/check-conflicts", body).json()
        assert informational["has_conflicts"] is False
        assert len(informational["conflicts"]["blockouts"]) == 1


class TestBlockoutOverAppointments:
    def _create(self, client, location, blockout_type, **fields):
        return client.post(
            "blockouts/instances",
            {
                "location_uuid": str(location.uuid),
                "blockout_type_uuid": str(blockout_type.uuid),
                "schedule_date": DAY,
                "start_time": "09:30",
                "end_time": "10:30",
                **fields,
            },
        )

    def test_no_schedule_blockout_over_booked_appointments_warns(
        self, org, booked, staff_client, admin_client, location, chair, other_chair
    ):
        lunch = BlockoutTypeFactory(org=org, name="Early lunch", is_no_schedule=True)
        response = self._create(staff_client, location, lunch)
        assert response.status_code == 201, response.json()
        (warning,) = response.json()["warnings"]
        assert booked["id"] in warning and "Ada Lovelace" in warning and "09:00" in warning
        # On another chair, or informational: nothing to say.
        quiet = self._create(
            staff_client, location, lunch, operatory_uuids=[str(other_chair.uuid)]
        ).json()
        assert quiet["warnings"] == []
        info = BlockoutTypeFactory(org=org, name="Note", is_no_schedule=False)
        assert self._create(staff_client, location, info).json()["warnings"] == []
        # The appointment is untouched.
        assert staff_client.get(f"appointments/{booked['id']}").json()["version"] == 1
