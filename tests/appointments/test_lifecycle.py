"""An appointment's life: the status machine, patient flow, procedures, providers,
confirmation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentProcedure, PatientFlowEvent
from appointments.services.lifecycle import TRANSITIONS
from tests.appointments.conftest import DAY
from tests.factories import (
    AppointmentFactory,
    DefinitionFactory,
    FlowStatusFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = ["planned", "scheduled", "complete", "broken", "cancelled", "unscheduled", "pinboard"]


def transition(client, appointment, status, **body):
    return client.post(
        f"appointments/{appointment.uuid}/transition",
        {"base_version": appointment.version, "status": status, **body},
    )


class TestStatusMachine:
    @pytest.mark.parametrize("source", STATUSES)
    @pytest.mark.parametrize("target", STATUSES)
    def test_every_pair(self, org, chair, staff_client, source, target):
        appointment = AppointmentFactory(org=org, operatory=chair, status=source)
        response = transition(staff_client, appointment, target)
        allowed = target in TRANSITIONS[source] and not (
            source == "pinboard" and target == "scheduled"
        )
        if allowed:
            assert response.status_code == 200, response.json()
            assert response.json()["status"] == target
            assert response.json()["version"] == 2
        else:
            assert response.status_code == 409
            assert response.json()["code"] == "INVALID_TRANSITION"
            appointment.refresh_from_db()
            assert (appointment.status, appointment.version) == (source, 1)

    def test_the_machine_is_the_one_of_conventions(self):
        assert {k: set(v) for k, v in TRANSITIONS.items()} == {
            "planned": {"scheduled", "cancelled"},
            "scheduled": {"complete", "broken", "cancelled", "unscheduled", "pinboard"},
            "pinboard": {"scheduled", "cancelled"},
            "unscheduled": {"scheduled", "cancelled"},
            "broken": {"scheduled", "unscheduled"},
            "complete": set(),
            "cancelled": set(),
        }

    def test_unknown_status_and_missing_version_are_422(self, booked, staff_client):
        path = f"appointments/{booked['id']}/transition"
        response = staff_client.post(path, {"base_version": 1, "status": "arrived"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "status"]
        response = staff_client.post(path, {"status": "complete"})
        assert response.json()["detail"][0]["loc"] == ["body", "base_version"]

    def test_stale_version_is_409(self, booked, staff_client):
        path = f"appointments/{booked['id']}/transition"
        response = staff_client.post(path, {"base_version": 7, "status": "complete"})
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"

    def test_back_into_the_schedule_rechecks_the_slot(self, booked, book, staff_client):
        appointment = Appointment.objects.get(uuid=booked["id"])
        assert transition(staff_client, appointment, "unscheduled").status_code == 200
        book()  # someone else takes the slot meanwhile
        appointment.refresh_from_db()
        response = transition(staff_client, appointment, "scheduled")
        assert response.status_code == 409
        assert response.json()["code"] == "APPOINTMENT_OVERLAP"
        response = transition(staff_client, appointment, "scheduled", allow_overlap=True)
        assert response.status_code == 200

    def test_completing_completes_the_procedures(self, org, booked, staff_client):
        code = ProcedureCodeFactory(org=org, code="D0274")
        staff_client.post(
            f"appointments/{booked['id']}/procedures",
            {"base_version": 1, "procedure_code_uuid": str(code.uuid)},
        )
        appointment = Appointment.objects.get(uuid=booked["id"])
        assert transition(staff_client, appointment, "complete").status_code == 200
        procedure = AppointmentProcedure.objects.get()
        assert procedure.status == "complete" and procedure.completed_at is not None


class TestActions:
    def test_cancel_with_reason(self, org, booked, staff_client):
        reason = DefinitionFactory(org=org, category="CancelReason", name="Sick")
        response = staff_client.post(
            f"appointments/{booked['id']}/cancel",
            {"base_version": 1, "cancel_reason_uuid": str(reason.uuid), "note": "Called in"},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "cancelled"
        assert body["cancel_reason"] == {"id": str(reason.uuid), "name": "Sick"}
        assert body["cancelled_by"] == "practice"  # the default
        entry = staff_client.get(f"appointments/{booked['id']}/history").json()["items"][0]
        assert entry["action"] == "cancelled" and entry["note"] == "Called in"

    def test_cancel_reason_must_be_a_cancel_reason_of_the_org(
        self, org, other_org, booked, staff_client
    ):
        confirmed = DefinitionFactory(org=org, category="ApptConfirmed")
        foreign = DefinitionFactory(org=other_org, category="CancelReason")
        wrong_kind = staff_client.post(
            f"appointments/{booked['id']}/cancel",
            {"base_version": 1, "cancel_reason_uuid": str(confirmed.uuid)},
        )
        assert wrong_kind.status_code == 422
        (error,) = wrong_kind.json()["detail"]
        assert error["loc"] == ["body", "cancel_reason_uuid"]
        assert error["type"] == "wrong_category"
        assert "ApptConfirmed" in error["msg"] and "CancelReason" in error["msg"]
        response = staff_client.post(
            f"appointments/{booked['id']}/cancel",
            {"base_version": 1, "cancel_reason_uuid": str(foreign.uuid)},
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["body", "cancel_reason_uuid"]
        assert str(foreign.uuid) in response.json()["detail"]

    def test_cancelled_by_is_kept_when_given(self, booked, staff_client):
        body = staff_client.post(
            f"appointments/{booked['id']}/cancel",
            {"base_version": 1, "cancelled_by": "patient"},
        ).json()
        assert body["cancelled_by"] == "patient"

    @pytest.mark.parametrize("value", ["Patient", "Dr. Lee", "", 1])
    def test_cancelled_by_is_patient_or_practice(self, booked, staff_client, value):
        response = staff_client.post(
            f"appointments/{booked['id']}/cancel", {"base_version": 1, "cancelled_by": value}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "cancelled_by"]

    def test_who_cancelled_is_in_the_history(self, booked, staff_client):
        body = staff_client.post(f"appointments/{booked['id']}/cancel", {"base_version": 1}).json()
        assert body["cancelled_by"] == "practice"
        entry = staff_client.get(f"appointments/{booked['id']}/history").json()["items"][0]
        assert entry["action"] == "cancelled" and entry["changed_by"]

    def test_break(self, org, booked, staff_client):
        reason = DefinitionFactory(org=org, category="BrokenReason", name="No show")
        response = staff_client.post(
            f"appointments/{booked['id']}/break",
            {"base_version": 1, "broken_reason_uuid": str(reason.uuid)},
        )
        assert response.status_code == 200
        assert response.json()["status"] == "broken"
        assert response.json()["broken_reason"]["name"] == "No show"
        again = staff_client.post(f"appointments/{booked['id']}/break", {"base_version": 2})
        assert again.status_code == 409 and again.json()["code"] == "INVALID_TRANSITION"

    def test_pinboard_then_place(self, booked, book, staff_client, location, other_chair):
        path = f"appointments/{booked['id']}"
        response = staff_client.post(f"{path}/pinboard", {"base_version": 1})
        assert response.status_code == 200 and response.json()["status"] == "pinboard"
        # The slot is free again while the appointment waits on the pinboard.
        assert book().status_code == 201
        pinboard = staff_client.get("appointments/pinboard", {"location_uuid": str(location.uuid)})
        assert [a["id"] for a in pinboard.json()["items"]] == [booked["id"]]
        place = {
            "base_version": 2,
            "schedule_date": DAY,
            "start_time": "09:30",
            "end_time": "10:30",
            "operatory_uuid": booked["operatory"]["id"],
        }
        taken = staff_client.post(f"{path}/place", place)
        assert taken.status_code == 409 and taken.json()["code"] == "APPOINTMENT_OVERLAP"
        placed = staff_client.post(
            f"{path}/place", {**place, "operatory_uuid": str(other_chair.uuid)}
        )
        assert placed.status_code == 200
        assert placed.json()["status"] == "scheduled"
        assert placed.json()["start_time"] == "2030-03-04T15:30:00Z"
        assert placed.json()["operatory"]["id"] == str(other_chair.uuid)
        assert (
            staff_client.get("appointments/pinboard", {"location_uuid": str(location.uuid)}).json()[
                "total"
            ]
            == 0
        )

    def test_only_pinboard_appointments_are_placed(self, booked, staff_client, chair):
        response = staff_client.post(
            f"appointments/{booked['id']}/place",
            {
                "base_version": 1,
                "schedule_date": DAY,
                "start_time": "11:00",
                "end_time": "11:30",
                "operatory_uuid": str(chair.uuid),
            },
        )
        assert response.status_code == 409
        assert response.json()["code"] == "INVALID_TRANSITION"

    def test_pinboard_list_needs_a_location_it_may_see(
        self, staff_client, limited_client, second_location
    ):
        assert staff_client.get("appointments/pinboard").status_code == 422
        missing = staff_client.get(
            "appointments/pinboard", {"location_uuid": "00000000-0000-0000-0000-000000000000"}
        )
        assert missing.status_code == 404
        forbidden = limited_client.get(
            "appointments/pinboard", {"location_uuid": str(second_location.uuid)}
        )
        assert forbidden.status_code == 403

    def test_a_completed_appointment_cannot_move(self, org, chair, staff_client):
        appointment = AppointmentFactory(org=org, operatory=chair, status="complete")
        response = staff_client.post(
            f"appointments/{appointment.uuid}/move",
            {"base_version": 1, "schedule_date": DAY, "start_time": "11:00", "end_time": "11:30"},
        )
        assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


class TestConfirmation:
    def test_patch_confirmation_status(self, org, booked, staff_client):
        confirmed = DefinitionFactory(org=org, category="ApptConfirmed", name="Confirmed")
        path = f"appointments/{booked['id']}/confirmation-status"
        response = staff_client.patch(
            path, {"base_version": 1, "confirmation_status_uuid": str(confirmed.uuid)}
        )
        assert response.status_code == 200
        assert response.json()["confirmation_status"]["name"] == "Confirmed"
        assert response.json()["confirmation_status_label"] == "Confirmed"
        stale = staff_client.patch(path, {"base_version": 1, "confirmation_status_uuid": None})
        assert stale.status_code == 409
        cleared = staff_client.patch(path, {"base_version": 2, "confirmation_status_uuid": None})
        assert cleared.json()["confirmation_status"] is None

    def test_listed_statuses_are_the_legal_values(self, org, staff_client):
        DefinitionFactory(org=org, category="ApptConfirmed", name="Left message")
        DefinitionFactory(org=org, category="CancelReason", name="Sick")
        body = staff_client.get("appointments/confirmation-statuses").json()
        assert [d["name"] for d in body["items"]] == ["Left message"]

    def test_bulk_confirm(self, org, booked, book, staff_client, other_org):
        confirmed = DefinitionFactory(org=org, category="ApptConfirmed", name="Confirmed")
        second = book(start="11:00", end="12:00").json()
        foreign = AppointmentFactory(org=other_org)
        unknown = "00000000-0000-0000-0000-000000000000"
        response = staff_client.post(
            "appointments/bulk-confirm",
            {
                "appointment_uuids": [booked["id"], second["id"], str(foreign.uuid), unknown],
                "confirmation_status_uuid": str(confirmed.uuid),
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert [a["id"] for a in body["confirmed"]] == [booked["id"], second["id"]]
        assert all(a["confirmation_status"]["name"] == "Confirmed" for a in body["confirmed"])
        assert body["skipped"] == [str(foreign.uuid), unknown]
        assert body["conflicts"] == []
        assert Appointment.objects.get(uuid=foreign.uuid).confirmation_status is None

    def test_bulk_confirm_errors(self, org, booked, staff_client, viewer_client):
        confirmed = DefinitionFactory(org=org, category="ApptConfirmed")
        body = {
            "appointment_uuids": [booked["id"]],
            "confirmation_status_uuid": str(confirmed.uuid),
        }
        assert viewer_client.post("appointments/bulk-confirm", body).status_code == 403
        unknown_status = {
            **body,
            "confirmation_status_uuid": "00000000-0000-0000-0000-000000000000",
        }
        assert staff_client.post("appointments/bulk-confirm", unknown_status).status_code == 404
        assert (
            staff_client.post(
                "appointments/bulk-confirm", {**body, "appointment_uuids": []}
            ).status_code
            == 422
        )
        too_many = {**body, "appointment_uuids": [booked["id"]] * 501}
        assert staff_client.post("appointments/bulk-confirm", too_many).status_code == 422


class TestPatientFlow:
    def test_events_and_stats(self, org, booked, staff_client):
        arrived = FlowStatusFactory(org=org, name="Arrived")
        seated = FlowStatusFactory(org=org, name="Seated")
        path = f"appointments/{booked['id']}"
        for status, note in [(arrived, "Early"), (seated, ""), (arrived, "Back from x-ray")]:
            response = staff_client.post(
                f"{path}/patient-flow-status",
                {"flow_status_uuid": str(status.uuid), "change_note": note},
            )
            assert response.status_code == 200
            assert response.json()["flow_status"]["name"] == status.name
        # Spread the events out in time so the durations are known.
        start = timezone.now() - timedelta(minutes=30)
        for minutes, event in zip(
            (0, 10, 25), PatientFlowEvent.objects.order_by("id"), strict=True
        ):
            event.changed_at = start + timedelta(minutes=minutes)
            event.save()
        events = staff_client.get(f"{path}/patient-flow-events").json()
        assert [e["flow_status"]["name"] for e in events["items"]] == [
            "Arrived",
            "Seated",
            "Arrived",
        ]
        assert events["items"][0]["change_note"] == "Early"
        appointment = staff_client.get(path).json()
        assert appointment["flow_status"]["name"] == "Arrived"
        assert appointment["version"] == 4  # each flow change is an appointment write

        stats = staff_client.get(f"{path}/patient-flow-stats").json()
        assert stats["appointment_uuid"] == booked["id"]
        assert stats["current_flow_status"]["name"] == "Arrived"
        durations = [s["duration_seconds"] for s in stats["segments"]]
        assert durations[:2] == [600, 900]
        assert 299 <= durations[2] <= 310 and stats["segments"][2]["end"] is None
        totals = {t["flow_status"]["name"]: t for t in stats["totals"]}
        assert totals["Seated"]["duration_seconds"] == 900
        assert totals["Arrived"]["segments"] == 2
        closed = staff_client.get(f"{path}/patient-flow-stats", {"include_open": "false"}).json()
        assert [s["duration_seconds"] for s in closed["segments"]] == [600, 900]
        assert {t["flow_status"]["name"]: t["duration_seconds"] for t in closed["totals"]} == {
            "Arrived": 600,
            "Seated": 900,
        }
        bad = staff_client.get(f"{path}/patient-flow-stats", {"include_open": "maybe"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == [
            "query",
            "include_open",
        ]

    def test_flow_needs_a_scheduled_or_complete_appointment(self, org, booked, book, staff_client):
        arrived = FlowStatusFactory(org=org)
        inactive = FlowStatusFactory(org=org, is_active=False)
        second = book(start="11:00", end="12:00").json()
        response = staff_client.post(
            f"appointments/{second['id']}/patient-flow-status",
            {"flow_status_uuid": str(inactive.uuid)},
        )
        assert response.status_code == 422
        path = f"appointments/{booked['id']}"
        staff_client.post(f"{path}/cancel", {"base_version": 1})
        response = staff_client.post(
            f"{path}/patient-flow-status", {"flow_status_uuid": str(arrived.uuid)}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "invalid_state"
        assert not PatientFlowEvent.objects.exists()

    def test_unknown_flow_status_is_404(self, booked, staff_client, other_org):
        foreign = FlowStatusFactory(org=other_org)
        response = staff_client.post(
            f"appointments/{booked['id']}/patient-flow-status",
            {"flow_status_uuid": str(foreign.uuid)},
        )
        assert response.status_code == 404


class TestProcedures:
    def test_add_list_remove(self, org, booked, staff_client, provider):
        code = ProcedureCodeFactory(org=org, code="D2740", default_fee="1200.00")
        path = f"appointments/{booked['id']}/procedures"
        added = staff_client.post(
            path,
            {
                "base_version": 1,
                "procedure_code_uuid": str(code.uuid),
                "provider_uuid": str(provider.uuid),
            },
        )
        assert added.status_code == 201, added.json()
        body = added.json()
        assert body["fee"] == "1200.00" and body["status"] == "planned"
        assert body["procedure_code_value"] == "D2740"
        assert body["appointment"]["id"] == booked["id"]
        assert body["provider"]["id"] == str(provider.uuid)
        second = staff_client.post(
            path, {"base_version": 2, "procedure_code_uuid": str(code.uuid), "fee": "99.5"}
        ).json()
        assert second["item_order"] == 1 and second["fee"] == "99.50"
        appointment = staff_client.get(f"appointments/{booked['id']}").json()
        assert appointment["version"] == 3  # a child write bumps the parent
        assert appointment["production_amount"] == "1299.50"
        listed = staff_client.get(path).json()
        assert [p["id"] for p in listed["items"]] == [body["id"], second["id"]]

        stale = staff_client.delete(f"{path}/{body['id']}?base_version=1")
        assert stale.status_code == 409
        missing_version = staff_client.delete(f"{path}/{body['id']}")
        assert missing_version.status_code == 422
        assert missing_version.json()["detail"][0]["loc"] == ["query", "base_version"]
        removed = staff_client.delete(f"{path}/{body['id']}?base_version=3")
        assert removed.status_code == 204
        assert staff_client.delete(f"{path}/{body['id']}?base_version=4").status_code == 404
        actions = [
            e["action"]
            for e in staff_client.get(f"appointments/{booked['id']}/history").json()["items"]
        ]
        assert actions == ["procedure_removed", "procedure_added", "procedure_added", "created"]

    def test_a_completed_appointments_procedures_are_fixed(self, org, chair, staff_client):
        code = ProcedureCodeFactory(org=org)
        appointment = AppointmentFactory(org=org, operatory=chair, status="complete")
        response = staff_client.post(
            f"appointments/{appointment.uuid}/procedures",
            {"base_version": 1, "procedure_code_uuid": str(code.uuid)},
        )
        assert response.status_code == 422

    def test_unknown_code_is_404(self, booked, staff_client, other_org):
        foreign = ProcedureCodeFactory(org=other_org)
        response = staff_client.post(
            f"appointments/{booked['id']}/procedures",
            {"base_version": 1, "procedure_code_uuid": str(foreign.uuid)},
        )
        assert response.status_code == 404

    def test_frequency_check(self, org, chair, patient, staff_client):
        code = ProcedureCodeFactory(org=org, code="D0120")
        never = staff_client.get(
            "appointments/procedure-frequency-check",
            {"patient_uuid": str(patient.uuid), "procedure_code": "d0120"},
        ).json()
        assert never["last_performed_date"] is None and never["days_since"] is None
        done_at = timezone.now() - timedelta(days=200)
        for days_ago, status in [(200, "complete"), (30, "planned")]:
            appointment = AppointmentFactory(
                org=org,
                operatory=chair,
                patient=patient,
                start_at=timezone.now() - timedelta(days=days_ago),
                end_at=timezone.now() - timedelta(days=days_ago) + timedelta(minutes=30),
            )
            AppointmentProcedure.objects.create(
                org=org,
                appointment=appointment,
                procedure_code=code,
                status=status,
                completed_at=done_at,
            )
        body = staff_client.get(
            "appointments/procedure-frequency-check",
            {"patient_uuid": str(patient.uuid), "procedure_code": "D0120"},
        ).json()
        assert body["procedure_code"] == "D0120"
        assert body["days_since"] in (199, 200, 201)
        other_patient = PatientFactory(org=org)
        other = staff_client.get(
            "appointments/procedure-frequency-check",
            {"patient_uuid": str(other_patient.uuid), "procedure_code": "D0120"},
        ).json()
        assert other["days_since"] is None

    def test_frequency_check_errors(self, patient, staff_client):
        path = "appointments/procedure-frequency-check"
        assert staff_client.get(path, {"patient_uuid": str(patient.uuid)}).status_code == 422
        unknown_code = staff_client.get(
            path, {"patient_uuid": str(patient.uuid), "procedure_code": "D9999"}
        )
        assert unknown_code.status_code == 404
        unknown_patient = staff_client.get(
            path,
            {"patient_uuid": "00000000-0000-0000-0000-000000000000", "procedure_code": "D0120"},
        )
        assert unknown_patient.status_code == 404


class TestProviders:
    def test_replace_and_list(self, org, booked, staff_client, provider):
        hygienist = ProviderFactory(
            org=org, first_name="Hy", last_name="Gienist", is_hygienist=True
        )
        path = f"appointments/{booked['id']}/providers"
        response = staff_client.put(
            path,
            {
                "base_version": 1,
                "providers": [
                    {
                        "provider_uuid": str(hygienist.uuid),
                        "start_time": "09:00",
                        "end_time": "09:40",
                    },
                    {"provider_uuid": str(provider.uuid), "role": "primary", "start_time": "09:40"},
                ],
            },
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert [p["id"] for p in body["providers"]] == [str(hygienist.uuid), str(provider.uuid)]
        assert body["provider"]["id"] == str(hygienist.uuid)
        assert body["version"] == 2
        listed = staff_client.get(path).json()["items"]
        assert [(p["role"], p["start_time"], p["end_time"]) for p in listed] == [
            ("hygienist", "2030-03-04T15:00:00Z", "2030-03-04T15:40:00Z"),
            ("primary", "2030-03-04T15:40:00Z", "2030-03-04T16:00:00Z"),
        ]
        emptied = staff_client.put(path, {"base_version": 2, "providers": []})
        assert emptied.json()["providers"] == []

    def test_replace_errors(self, org, booked, staff_client, provider, other_org):
        path = f"appointments/{booked['id']}/providers"
        twice = [{"provider_uuid": str(provider.uuid)}] * 2
        assert staff_client.put(path, {"base_version": 1, "providers": twice}).status_code == 422
        foreign = ProviderFactory(org=other_org)
        response = staff_client.put(
            path, {"base_version": 1, "providers": [{"provider_uuid": str(foreign.uuid)}]}
        )
        assert response.status_code == 404
        stale = staff_client.put(path, {"base_version": 9, "providers": []})
        assert stale.status_code == 409
        assert staff_client.put(path, {"providers": []}).status_code == 422
        assert staff_client.get(f"appointments/{booked['id']}").json()["version"] == 1
