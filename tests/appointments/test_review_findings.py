"""Edges found in review: long DST days, arrival times that move, what a limited member
may learn, bookings racing new blockouts, dry runs that must not hold chairs."""

import threading
import time as clock

import pytest
from django.db import connection, transaction

from appointments.models import Appointment, AppointmentProcedure, AppointmentRule
from appointments.services import bulk as bulk_service
from blockouts.services.planning import lock_location_blockouts
from scheduling.locks import OPERATORY_BOOKINGS, xact_lock
from scheduling.models import Role
from tests.appointments.conftest import DAY
from tests.conftest import api_for
from tests.factories import (
    AppointmentTypeFactory,
    LocationFactory,
    ProcedureCodeFactory,
)

FALL = "2030-11-03"  # Chicago falls back: a 25-hour day


@pytest.mark.django_db
class TestTimes:
    def test_a_25_hour_appointment_still_conflicts_at_its_end(self, book):
        assert book(day=FALL, start="00:00", end="23:59").status_code == 201
        response = book(day=FALL, start="23:00", end="23:30")
        assert response.status_code == 409
        assert response.json()["code"] == "APPOINTMENT_OVERLAP"

    def test_the_arrival_time_moves_with_the_appointment(self, book, staff_client, other_chair):
        created = book(start="09:00", end="10:00", ask_to_arrive_time="08:45").json()
        assert created["datetime_ask_to_arrive"] == "2030-03-04T14:45:00Z"
        path = f"appointments/{created['id']}"
        moved = staff_client.post(
            f"{path}/move",
            {
                "base_version": 1,
                "schedule_date": "2030-03-06",
                "start_time": "13:00",
                "end_time": "14:00",
            },
        ).json()
        assert moved["datetime_ask_to_arrive"] == "2030-03-06T18:45:00Z"
        patched = staff_client.patch(path, {"base_version": 2, "start_time": "15:00"}).json()
        assert patched["datetime_ask_to_arrive"] == "2030-03-06T20:45:00Z"

    def test_a_day_past_the_calendar_is_422_and_its_last_day_is_bookable(self, org, book):
        long_visit = AppointmentTypeFactory(org=org, duration_minutes=120)
        response = book(
            day="2200-01-01", start="23:00", end=None, appointment_type_uuid=str(long_visit.uuid)
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "schedule_date"]
        last = book(
            day="2199-12-31", start="21:00", end=None, appointment_type_uuid=str(long_visit.uuid)
        )
        assert last.status_code == 201

    def test_first_day_filter_east_of_utc_is_not_a_500(self, org, staff_client):
        tokyo = LocationFactory(org=org, timezone="Asia/Tokyo")
        staff_client.raise_request_exception = False
        response = staff_client.get(
            "appointments", {"location_uuid": str(tokyo.uuid), "date_from": "1900-01-01"}
        )
        assert response.status_code == 200
        before = staff_client.get(
            "appointments", {"location_uuid": str(tokyo.uuid), "date_from": "0001-01-01"}
        )
        assert before.status_code == 422


@pytest.mark.django_db
class TestWhatALimitedMemberLearns:
    def test_check_conflicts_hides_provider_overlaps_at_forbidden_locations(
        self, org, location, chair, second_location, ny_chair, patient, provider, staff_client
    ):
        ny = staff_client.post(
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
        ).json()
        body = {
            "location_uuid": str(location.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": "09:00",  # 10:00 Chicago is 11:00 New York: overlaps 10:00-11:00 NY
            "end_time": "10:30",
            "provider_uuids": [str(provider.uuid)],
        }
        everyone = staff_client.post("appointments/check-conflicts", body).json()
        assert [o["appointment"]["id"] for o in everyone["conflicts"]["providers"]] == [ny["id"]]
        limited = api_for(org, Role.STAFF, locations=[location])
        hidden = limited.post("appointments/check-conflicts", body).json()
        assert hidden["conflicts"]["providers"] == [] and hidden["has_conflicts"] is False

    def test_frequency_check_does_not_name_an_appointment_it_may_not_see(
        self, org, location, second_location, ny_chair, patient, staff_client
    ):
        code = ProcedureCodeFactory(org=org, code="D0120")
        appointment = Appointment.objects.create(
            org=org,
            location=second_location,
            operatory=ny_chair,
            patient=patient,
            status="complete",
            start_at="2030-01-07T15:00:00Z",
            end_at="2030-01-07T16:00:00Z",
        )
        AppointmentProcedure.objects.create(
            org=org, appointment=appointment, procedure_code=code, status="complete"
        )
        query = {"patient_uuid": str(patient.uuid), "procedure_code": "D0120"}
        full = staff_client.get("appointments/procedure-frequency-check", query).json()
        assert full["last_appointment"]["id"] == str(appointment.uuid)
        limited = api_for(org, Role.STAFF, locations=[location])
        partial = limited.get("appointments/procedure-frequency-check", query).json()
        assert partial["last_performed_date"] == "2030-01-07"
        assert partial["last_appointment"] is None


@pytest.mark.django_db
class TestSmallerEdges:
    def test_created_complete_the_type_procedures_are_complete(self, org, book):
        ProcedureCodeFactory(org=org, code="D0120")
        exam = AppointmentTypeFactory(org=org, procedure_codes_to_add=["D0120"])
        response = book(status="complete", appointment_type_uuid=str(exam.uuid))
        assert response.status_code == 201
        procedure = AppointmentProcedure.objects.get()
        assert procedure.status == "complete" and procedure.completed_at is not None

    def test_placing_a_scheduled_appointment_names_the_allowed_targets(
        self, booked, staff_client, chair
    ):
        body = staff_client.post(
            f"appointments/{booked['id']}/place",
            {
                "base_version": 1,
                "schedule_date": DAY,
                "start_time": "11:00",
                "end_time": "11:30",
                "operatory_uuid": str(chair.uuid),
            },
        ).json()
        assert body["code"] == "INVALID_TRANSITION"
        assert body["allowed"] == ["broken", "cancelled", "complete", "pinboard", "unscheduled"]

    def test_malformed_procedure_id_in_the_path_is_404(self, booked, staff_client):
        response = staff_client.delete(f"appointments/{booked['id']}/procedures/{'-' * 36}")
        assert response.status_code == 404

    def test_unknown_excluded_appointment_is_404(self, staff_client, location, chair):
        response = staff_client.post(
            "appointments/check-conflicts",
            {
                "location_uuid": str(location.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": DAY,
                "start_time": "09:00",
                "end_time": "10:00",
                "exclude_appointment_uuid": "00000000-0000-0000-0000-000000000000",
            },
        )
        assert response.status_code == 404

    def test_create_history_names_providers_and_tags(self, booked, book, provider, staff_client):
        created = book(start="11:00", end="12:00", provider_uuids=[str(provider.uuid)]).json()
        (entry,) = staff_client.get(f"appointments/{created['id']}/history").json()["items"]
        assert entry["changes"]["providers"] == {"old": None, "new": [str(provider.uuid)]}

    def test_provider_time_outside_the_appointment_is_422(self, booked, provider, staff_client):
        response = staff_client.put(
            f"appointments/{booked['id']}/providers",
            {
                "base_version": 1,
                "providers": [
                    {
                        "provider_uuid": str(provider.uuid),
                        "start_time": "06:00",
                        "end_time": "07:00",
                    }
                ],
            },
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "providers", 0, "start_time"]

    def test_a_database_error_fails_its_row_alone(
        self, monkeypatch, book, staff_client, location, chair, patient
    ):
        from django.db import DataError

        real = bulk_service.appointment_create
        calls = []

        def flaky(**kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise DataError("value too long")
            return real(**kwargs)

        monkeypatch.setattr(bulk_service, "appointment_create", flaky)

        def refused(self, rows):  # the batch's insert fails: its rows are written one by one
            raise DataError("value too long")

        monkeypatch.setattr(bulk_service._Batch, "_insert", refused)
        rows = [
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": DAY,
                "start_time": f"{hour}:00",
                "end_time": f"{hour}:30",
            }
            for hour in (9, 10, 11)
        ]
        body = staff_client.post("appointments/bulk", {"rows": rows}).json()
        assert [r["status"] for r in body["results"]] == ["created", "failed", "created"]
        assert body["results"][1]["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db(transaction=True)
class TestLocks:
    def _hold(self, lock, held, release):
        def run():
            try:
                with transaction.atomic():
                    lock()
                    held.set()
                    release.wait(10)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        assert held.wait(10)
        return thread

    def test_a_booking_waits_for_a_blockout_write_at_its_location(
        self, org, location, chair, patient, staff_client
    ):
        held, release = threading.Event(), threading.Event()
        thread = self._hold(lambda: lock_location_blockouts(location.pk), held, release)
        done = threading.Event()

        def book():
            try:
                client = api_for(org, Role.STAFF)
                client.post(
                    "appointments",
                    {
                        "location_uuid": str(location.uuid),
                        "patient_uuid": str(patient.uuid),
                        "operatory_uuid": str(chair.uuid),
                        "schedule_date": DAY,
                        "start_time": "09:00",
                        "end_time": "10:00",
                    },
                )
                done.set()
            finally:
                connection.close()

        booking = threading.Thread(target=book)
        booking.start()
        assert not done.wait(0.5)  # the blockout writer holds the location
        release.set()
        thread.join()
        booking.join()
        assert done.is_set() and Appointment.objects.count() == 1

    def test_a_dry_run_does_not_wait_for_a_booking_in_progress(
        self, org, location, chair, patient, staff_client
    ):
        held, release = threading.Event(), threading.Event()
        thread = self._hold(lambda: xact_lock(OPERATORY_BOOKINGS, [chair.pk]), held, release)
        try:
            row = {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": DAY,
                "start_time": "09:00",
                "end_time": "10:00",
            }
            started = clock.monotonic()
            body = staff_client.post(
                "appointments/bulk", {"rows": [row], "meta": {"dry_run": True}}
            )
            assert clock.monotonic() - started < 5
            assert body.json()["validated"] == 1
        finally:
            release.set()
            thread.join()
        assert not Appointment.objects.exists()


def test_rules_are_unordered_pairs(db, org):
    a, b = AppointmentTypeFactory(org=org), AppointmentTypeFactory(org=org)
    high, low = sorted([a, b], key=lambda t: -t.pk)
    rule = AppointmentRule.objects.create(org=org, appointment_type_a=high, appointment_type_b=low)
    rule.refresh_from_db()
    assert (rule.appointment_type_a_id, rule.appointment_type_b_id) == (low.pk, high.pk)
