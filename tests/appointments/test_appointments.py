"""Appointments: booking, the conflict engine, changes, and the appointment's shape."""

from datetime import UTC, datetime

import pytest
from django.http import QueryDict
from rest_framework.test import APIRequestFactory

from appointments.filters import AppointmentCursorFilterSet, AppointmentFilterSet
from appointments.models import Appointment, AppointmentHistory, AppointmentRule
from scheduling.access import Access
from tests.appointments.conftest import DAY
from tests.conftest import api_for
from tests.factories import (
    AppointmentTypeFactory,
    DefinitionFactory,
    OperatoryFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db


class TestCreate:
    def test_wall_times_become_utc_instants(self, booked, location, chair, patient):
        # Chicago is UTC-6 in early March (before the DST change on the 10th).
        assert booked["start_time"] == "2030-03-04T15:00:00Z"
        assert booked["end_time"] == "2030-03-04T16:00:00Z"
        assert booked["schedule_date"] == DAY
        assert booked["location_timezone"] == "America/Chicago"
        assert booked["location"] == {"id": str(location.uuid), "name": "Chicago"}
        assert booked["operatory"] == {"id": str(chair.uuid), "name": "Op 1"}
        assert booked["patient"] == {"id": str(patient.uuid), "name": "Ada Lovelace"}
        assert booked["status"] == "scheduled"
        assert booked["version"] == 1
        assert booked["production_amount"] == "0.00"
        assert booked["providers"] == [] and booked["provider"] is None
        assert booked["recall"] is None

    def test_end_defaults_to_the_type_duration_and_type_adds_its_procedures(
        self, org, book, staff_client
    ):
        ProcedureCodeFactory(org=org, code="D0120", default_fee="55.00")
        ProcedureCodeFactory(org=org, code="D1110", default_fee="95.50")
        cleaning = AppointmentTypeFactory(
            org=org, name="Cleaning", duration_minutes=45, procedure_codes_to_add=["D0120", "D1110"]
        )
        response = book(start="09:00", end=None, appointment_type_uuid=str(cleaning.uuid))
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["end_time"] == "2030-03-04T15:45:00Z"
        assert body["production_amount"] == "150.50"
        procedures = staff_client.get(f"appointments/{body['id']}/procedures").json()
        assert [p["procedure_code_value"] for p in procedures["items"]] == ["D0120", "D1110"]

    def test_providers_tags_and_money(self, org, book, provider):
        tag = DefinitionFactory(org=org, category="AppointmentTag", name="VIP")
        body = book(
            provider_uuids=[str(provider.uuid)],
            tag_uuids=[str(tag.uuid)],
            production_amount=300,
            estimated_insurance="120.5",
            note="Bring x-rays",
            priority=2,
            is_new_patient=True,
        ).json()
        assert body["provider"] == {"id": str(provider.uuid), "name": "Grace Hopper"}
        assert body["providers"] == [body["provider"]]
        assert body["tags"] == [{"id": str(tag.uuid), "name": "VIP"}]
        assert body["production_amount"] == "300.00"
        assert body["estimated_insurance"] == "120.50"
        assert body["note"] == "Bring x-rays" and body["priority"] == 2
        assert body["is_new_patient"] is True

    def test_pinboard_appointment_needs_no_time(self, staff_client, location, patient):
        response = staff_client.post(
            "appointments",
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "status": "pinboard",
            },
        )
        assert response.status_code == 201
        assert response.json()["start_time"] is None
        assert response.json()["schedule_date"] is None

    @pytest.mark.parametrize(
        "body, loc",
        [
            ({"start_time": None, "schedule_date": None}, "start_time"),
            ({"operatory_uuid": None}, "operatory_uuid"),
            ({"end_time": "08:00"}, "end_time"),
            ({"end_time": None}, "end_time"),
            ({"status": "arrived"}, "status"),
            ({"start_time": "9am"}, "start_time"),
            ({"schedule_date": "2030-02-30"}, "schedule_date"),
            ({"color_override": "red"}, "color_override"),
            ({"priority": 2**40}, "priority"),
            ({"patient_uuid": 12}, "patient_uuid"),
        ],
    )
    def test_bad_input_is_422_and_writes_nothing(self, book, body, loc):
        response = book(**body) if "end_time" not in body else book(**body)
        assert response.status_code == 422, response.json()
        assert [e["loc"] for e in response.json()["detail"]] == [["body", loc]]
        assert not Appointment.objects.exists()

    def test_missing_required_fields(self, staff_client):
        response = staff_client.post("appointments", {})
        assert response.status_code == 422
        locs = {tuple(e["loc"]) for e in response.json()["detail"]}
        assert locs == {("body", "location_uuid"), ("body", "patient_uuid")}

    def test_operatory_of_another_location_is_422(self, book, ny_chair):
        response = book(operatory_uuid=str(ny_chair.uuid))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "operatory_uuid"]

    def test_archived_type_or_type_not_offered_here_is_422(self, org, book, second_location):
        archived = AppointmentTypeFactory(org=org, status="archived")
        elsewhere = AppointmentTypeFactory(org=org)
        elsewhere.locations.through.objects.create(
            org=org, appointment_type=elsewhere, location=second_location
        )
        for appointment_type in (archived, elsewhere):
            response = book(appointment_type_uuid=str(appointment_type.uuid))
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "appointment_type_uuid"]

    def test_unknown_and_foreign_references_are_404(self, book, other_org):
        foreign_patient = PatientFactory(org=other_org)
        for field, value in [
            ("patient_uuid", str(foreign_patient.uuid)),
            ("operatory_uuid", str(OperatoryFactory(org=other_org).uuid)),
            ("appointment_type_uuid", "00000000-0000-0000-0000-000000000000"),
        ]:
            response = book(**{field: value})
            assert response.status_code == 404, field
            assert response.json()["code"] == "NOT_FOUND"
        assert not Appointment.objects.exists()

    def test_forbidden_location_is_403(self, org, book, limited_client, second_location, ny_chair):
        response = book(
            limited_client,
            location_uuid=str(second_location.uuid),
            operatory_uuid=str(ny_chair.uuid),
        )
        assert response.status_code == 403

    def test_viewer_cannot_book(self, book, viewer_client):
        assert book(viewer_client).status_code == 403

    def test_create_leaves_a_history_entry(self, booked, staff_client):
        history = staff_client.get(f"appointments/{booked['id']}/history").json()
        assert history["total"] == 1
        (entry,) = history["items"]
        assert entry["action"] == "created"
        assert entry["changes"]["start_time"] == {"old": None, "new": "2030-03-04T15:00:00Z"}
        assert entry["changed_by"]
        assert entry["version"] == 1


class TestConflicts:
    def test_overlap_in_the_same_chair_is_409_naming_the_appointment(self, booked, book):
        response = book(start="09:30", end="10:30")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "APPOINTMENT_OVERLAP"
        assert body["reason_codes"] == ["APPOINTMENT_OVERLAP"]
        assert [a["id"] for a in body["conflicts"]["appointments"]] == [booked["id"]]
        # The message speaks the front desk's wall time at the location.
        assert "Ada Lovelace 2030-03-04 09:00–10:00" in body["detail"]
        assert Appointment.objects.count() == 1

    def test_back_to_back_is_fine(self, booked, book):
        assert book(start="10:00", end="10:30").status_code == 201
        assert book(start="08:30", end="09:00").status_code == 201

    def test_other_chair_is_fine(self, booked, book, other_chair):
        assert book(operatory_uuid=str(other_chair.uuid)).status_code == 201

    def test_allow_overlap_books_anyway(self, booked, book):
        assert book(allow_overlap=True).status_code == 201

    def test_appointments_that_hold_no_slot_do_not_conflict(self, booked, book, staff_client):
        response = staff_client.post(
            f"appointments/{booked['id']}/cancel", {"base_version": booked["version"]}
        )
        assert response.status_code == 200
        assert book().status_code == 201

    def test_a_rule_may_allow_a_pair_of_types(self, org, book, location, second_location):
        exam = AppointmentTypeFactory(org=org, name="Exam")
        prophy = AppointmentTypeFactory(org=org, name="Prophy")
        assert book(appointment_type_uuid=str(exam.uuid)).status_code == 201
        AppointmentRule.objects.create(
            org=org, appointment_type_a=prophy, appointment_type_b=exam, allow_overlap=True
        )
        assert book(appointment_type_uuid=str(prophy.uuid)).status_code == 201
        # A location rule overrides the org-wide rule.
        AppointmentRule.objects.create(
            org=org,
            appointment_type_a=exam,
            appointment_type_b=prophy,
            location=location,
            allow_overlap=False,
        )
        response = book(appointment_type_uuid=str(prophy.uuid))
        assert response.status_code == 409
        # Exam + Exam has no rule: still a conflict.
        assert book(appointment_type_uuid=str(exam.uuid)).status_code == 409

    def test_check_conflicts_previews_without_writing(
        self, booked, staff_client, location, chair, provider, book, other_chair
    ):
        # The provider is busy in another chair at the time of a second appointment.
        mover = book(
            operatory_uuid=str(other_chair.uuid),
            start="11:00",
            end="12:00",
            provider_uuids=[str(provider.uuid)],
        ).json()
        staff_client.put(
            f"appointments/{booked['id']}/providers",
            {"base_version": 1, "providers": [{"provider_uuid": str(provider.uuid)}]},
        )
        response = staff_client.post(
            "appointments/check-conflicts",
            {
                "location_uuid": str(location.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": DAY,
                "start_time": "09:45",
                "end_time": "10:15",
                "exclude_appointment_uuid": mover["id"],
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert body["has_conflicts"] is True
        assert body["reason_codes"] == ["APPOINTMENT_OVERLAP", "PROVIDER_OVERLAP"]
        assert [a["id"] for a in body["conflicts"]["appointments"]] == [booked["id"]]
        (overlap,) = body["conflicts"]["providers"]
        assert overlap["provider"]["id"] == str(provider.uuid)
        assert overlap["appointment"]["id"] == booked["id"]
        assert body["start_time"] == "2030-03-04T15:45:00Z"

    def test_check_conflicts_free_slot(self, staff_client, location, chair, viewer_client):
        body = {
            "location_uuid": str(location.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": "09:00",
            "end_time": "09:30",
        }
        response = viewer_client.post("appointments/check-conflicts", body)
        assert response.status_code == 200
        assert response.json()["has_conflicts"] is False
        assert response.json()["conflicts"] == {
            "appointments": [],
            "providers": [],
            "blockouts": [],
        }

    def test_check_conflicts_errors(self, staff_client, location, chair, ny_chair):
        body = {
            "location_uuid": str(location.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": "2030-03-10",  # spring forward in Chicago
            "start_time": "02:30",
            "end_time": "03:30",
        }
        response = staff_client.post("appointments/check-conflicts", body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "start_time"]
        assert response.json()["detail"][0]["type"] == "dst_gap"
        body.update(schedule_date=DAY, operatory_uuid=str(ny_chair.uuid))
        assert staff_client.post("appointments/check-conflicts", body).status_code == 422
        body.update(operatory_uuid="00000000-0000-0000-0000-000000000000")
        assert staff_client.post("appointments/check-conflicts", body).status_code == 404


class TestUpdate:
    def test_patch_details_bumps_version_and_records_changes(self, booked, staff_client):
        response = staff_client.patch(
            f"appointments/{booked['id']}",
            {"base_version": 1, "note": "Allergic to latex", "estimated_patient_portion": 40},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["version"] == 2 and body["note"] == "Allergic to latex"
        assert body["estimated_patient_portion"] == "40.00"
        entry = staff_client.get(f"appointments/{booked['id']}/history").json()["items"][0]
        assert entry["action"] == "updated"
        assert entry["changes"] == {
            "note": {"old": "", "new": "Allergic to latex"},
            "estimated_patient_portion": {"old": None, "new": "40.00"},
        }

    def test_patch_start_keeps_the_length(self, booked, staff_client):
        response = staff_client.patch(
            f"appointments/{booked['id']}", {"base_version": 1, "start_time": "13:00"}
        )
        assert response.status_code == 200
        assert response.json()["start_time"] == "2030-03-04T19:00:00Z"
        assert response.json()["end_time"] == "2030-03-04T20:00:00Z"

    def test_patch_into_a_taken_slot_is_409_and_changes_nothing(self, booked, book, staff_client):
        other = book(start="11:00", end="12:00").json()
        response = staff_client.patch(
            f"appointments/{other['id']}", {"base_version": 1, "start_time": "09:30"}
        )
        assert response.status_code == 409
        assert response.json()["code"] == "APPOINTMENT_OVERLAP"
        assert staff_client.get(f"appointments/{other['id']}").json()["version"] == 1

    def test_stale_version_is_409(self, booked, staff_client):
        path = f"appointments/{booked['id']}"
        assert staff_client.patch(path, {"base_version": 1, "note": "a"}).status_code == 200
        response = staff_client.patch(path, {"base_version": 1, "note": "b"})
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"
        assert response.json()["current_version"] == 2

    def test_move(self, booked, staff_client, other_chair):
        response = staff_client.post(
            f"appointments/{booked['id']}/move",
            {
                "base_version": 1,
                "schedule_date": "2030-03-05",
                "start_time": "14:00",
                "end_time": "14:45",
                "operatory_uuid": str(other_chair.uuid),
                "note": "Patient asked",
            },
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["start_time"] == "2030-03-05T20:00:00Z"
        assert body["operatory"]["id"] == str(other_chair.uuid)
        entry = staff_client.get(f"appointments/{booked['id']}/history").json()["items"][0]
        assert entry["action"] == "moved" and entry["note"] == "Patient asked"
        assert set(entry["changes"]) == {"start_time", "end_time", "operatory"}

    def test_move_errors(self, booked, book, staff_client, ny_chair):
        path = f"appointments/{booked['id']}/move"
        book(start="14:00", end="15:00")
        move = {"base_version": 1, "schedule_date": DAY, "start_time": "14:30", "end_time": "15:30"}
        assert staff_client.post(path, move).status_code == 409
        assert staff_client.post(path, {**move, "allow_overlap": True}).status_code == 200
        assert staff_client.post(path, move).status_code == 409  # stale version now
        wrong_place = {**move, "base_version": 2, "operatory_uuid": str(ny_chair.uuid)}
        assert staff_client.post(path, wrong_place).status_code == 422
        assert staff_client.post(path, {"base_version": 2}).status_code == 422

    def test_delete_keeps_the_history(self, booked, staff_client):
        path = f"appointments/{booked['id']}"
        response = staff_client.delete(path)
        assert response.status_code == 204 and response.content == b""
        assert staff_client.get(path).status_code == 404
        assert staff_client.delete(path).status_code == 404
        actions = list(
            AppointmentHistory.objects.filter(appointment_uuid=booked["id"]).values_list(
                "action", flat=True
            )
        )
        assert actions == ["deleted", "created"]


class TestReads:
    def test_list_filters(
        self, org, booked, book, staff_client, location, second_location, ny_chair
    ):
        other_patient = PatientFactory(org=org)
        ny = staff_client.post(
            "appointments",
            {
                "location_uuid": str(second_location.uuid),
                "patient_uuid": str(other_patient.uuid),
                "operatory_uuid": str(ny_chair.uuid),
                "schedule_date": "2030-03-05",
                "start_time": "08:00",
                "end_time": "09:00",
            },
        ).json()

        def ids(**query):
            response = staff_client.get("appointments", query)
            assert response.status_code == 200, response.json()
            return [item["id"] for item in response.json()["items"]]

        assert ids() == [booked["id"], ny["id"]]
        assert ids(location_uuid=str(second_location.uuid)) == [ny["id"]]
        assert ids(patient_uuid=str(other_patient.uuid)) == [ny["id"]]
        assert ids(status="scheduled,complete") == [booked["id"], ny["id"]]
        assert ids(status="cancelled") == []
        # Date-only filters are local days at the named location (or each row's own).
        assert ids(date_from="2030-03-05") == [ny["id"]]
        assert ids(date_to="2030-03-04") == [booked["id"]]
        assert ids(
            date_from="2030-03-04", date_to="2030-03-04", location_uuid=str(location.uuid)
        ) == [booked["id"]]
        assert ids(date_from="2030-03-04T15:00:00Z", date_to="2030-03-04T15:00:00Z") == [
            booked["id"]
        ]

    @pytest.mark.parametrize(
        "query",
        [{"status": "nope"}, {"date_from": "March"}, {"location_uuid": "x"}],
    )
    def test_bad_list_filters_are_422(self, staff_client, query):
        response = staff_client.get("appointments", query)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]

    def test_unknown_patient_filter_is_404(self, staff_client):
        response = staff_client.get(
            "appointments", {"patient_uuid": "00000000-0000-0000-0000-000000000000"}
        )
        assert response.status_code == 404

    def test_counts_by_location(self, org, booked, book, staff_client, location, second_location):
        book(start="11:00", end="12:00", day="2030-03-06")
        book(start="13:00", end="14:00", status="planned")
        response = staff_client.get(
            "appointments/counts/by-location", {"date_from": DAY, "date_to": "2030-03-06"}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["status_set"] == ["scheduled"] and body["group_by"] == "location"
        assert [(i["location"]["name"], i["count"]) for i in body["items"]] == [
            ("Chicago", 1),
            ("New York", 0),
        ]
        assert body["total"] == 1
        both = staff_client.get(
            "appointments/counts/by-location?date_from=2030-03-04&date_to=2030-03-07"
            "&status_set=scheduled&status_set=planned"
        ).json()
        assert both["total"] == 3 and both["status_set"] == ["scheduled", "planned"]

    def test_counts_by_location_hides_forbidden_locations(self, booked, limited_client):
        body = limited_client.get(
            "appointments/counts/by-location", {"date_from": DAY, "date_to": "2030-03-05"}
        ).json()
        assert [i["location"]["name"] for i in body["items"]] == ["Chicago"]

    @pytest.mark.parametrize(
        "query",
        [
            {},
            {"date_from": DAY},
            {"date_from": DAY, "date_to": DAY},
            {"date_from": DAY, "date_to": "2030-03-05", "status_set": "nope"},
        ],
    )
    def test_counts_bad_query_is_422(self, staff_client, query):
        response = staff_client.get("appointments/counts/by-location", query)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "query"

    def test_list_and_detail_query_counts_are_constant(self, org, book, staff_client, provider):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        tag = DefinitionFactory(org=org, category="AppointmentTag")
        for hour in range(8, 18):
            book(
                start=f"{hour:02d}:00",
                end=f"{hour:02d}:30",
                provider_uuids=[str(provider.uuid)],
                tag_uuids=[str(tag.uuid)],
            )

        def queries(path, **query):
            with CaptureQueriesContext(connection) as ctx:
                assert staff_client.get(path, query).status_code == 200
            return len(ctx.captured_queries)

        queries("appointments")
        assert queries("appointments", page_size=1) == queries("appointments", page_size=10)
        assert queries("appointments/cursor", first=1) == queries("appointments/cursor", first=10)
        one = Appointment.objects.first()
        assert queries(f"appointments/{one.uuid}") <= 6

    def test_a_create_costs_eight_queries_whatever_it_names(self, org, book, location):
        """Authentication (1); the ids the body names, together (1); the appointment's id
        with the type's procedure codes (1); the transaction (2); the chair's locks with
        the collision check (1); the appointment with its providers, tags, procedures and
        history entry, then the recall engine's read of the patient's open recalls (1);
        the answer (1). A provider booked elsewhere meanwhile adds nothing (the warning's
        details are read with the insert); a slot that may collide adds the conflict
        engine's reads."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        ProcedureCodeFactory(org=org, code="D0120", default_fee="55.00")
        kind = AppointmentTypeFactory(org=org, procedure_codes_to_add=["D0120"])
        tags = [DefinitionFactory(org=org, category="AppointmentTag") for _ in range(3)]
        providers = [ProviderFactory(org=org) for _ in range(3)]
        book(start="07:00", end="07:30")  # the token's last_used_at is written once a minute

        answers = []

        def queries(hour: int, count: int, **fields) -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = book(
                    start=f"{hour:02d}:00",
                    end=f"{hour:02d}:30",
                    appointment_type_uuid=str(kind.uuid),
                    provider_uuids=[str(p.uuid) for p in providers[:count]],
                    tag_uuids=[str(t.uuid) for t in tags[:count]],
                    **fields,
                )
            assert response.status_code == 201, response.json()
            answers.append(response.json())
            return len(ctx.captured_queries)

        assert queries(8, 1) == queries(9, 3) == 8
        other_chair = OperatoryFactory(org=org, location=location)
        booked_elsewhere = queries(10, 1, operatory_uuid=str(other_chair.uuid))
        assert queries(10, 1) == booked_elsewhere == 8
        assert [w["code"] for w in answers[-1]["warnings"]] == ["PROVIDER_OVERLAP"]
        # The other one, never itself (read once it is inserted).
        assert answers[-1]["warnings"][0]["appointment"]["id"] == answers[-2]["id"]
        assert all(answer["warnings"] == [] for answer in answers[:-1])


def test_another_orgs_appointment_cannot_be_touched(org, other_org, booked, outsider_client):
    theirs = api_for(other_org)
    assert theirs.get(f"appointments/{booked['id']}").status_code == 404
    assert (
        theirs.post(f"appointments/{booked['id']}/cancel", {"base_version": 1}).status_code == 404
    )
    assert theirs.get("appointments").json()["total"] == 0
    assert Appointment.objects.get(uuid=booked["id"]).status == "scheduled"


def test_times_are_utc_with_z(booked):
    assert datetime.fromisoformat(booked["created_at"].replace("Z", "+00:00")).tzinfo == UTC


def test_appointments_at_a_forbidden_location_are_invisible_to_every_operation(
    org, second_location, ny_chair, patient, limited_client, staff_client
):
    ny = staff_client.post(
        "appointments",
        {
            "location_uuid": str(second_location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(ny_chair.uuid),
            "schedule_date": DAY,
            "start_time": "09:00",
            "end_time": "10:00",
        },
    ).json()
    path = f"appointments/{ny['id']}"
    calls = [
        limited_client.get(path),
        limited_client.get(f"{path}/history"),
        limited_client.get(f"{path}/procedures"),
        limited_client.patch(path, {"base_version": 1, "note": "x"}),
        limited_client.post(f"{path}/cancel", {"base_version": 1}),
        limited_client.post(f"{path}/transition", {"base_version": 1, "status": "complete"}),
        limited_client.put(f"{path}/providers", {"base_version": 1, "providers": []}),
        limited_client.delete(path),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    assert limited_client.get("appointments").json()["total"] == 0
    assert limited_client.get("appointments/cursor").json()["data"] == []
    assert staff_client.get(path).json()["version"] == 1


def test_moving_into_a_forbidden_chair_is_403(booked, limited_client, ny_chair, chair):
    # booked is at the limited member's own location; the target chair is not.
    response = limited_client.post(
        f"appointments/{booked['id']}/move",
        {
            "base_version": 1,
            "schedule_date": DAY,
            "start_time": "11:00",
            "end_time": "11:30",
            "operatory_uuid": str(ny_chair.uuid),
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize("filterset_class", [AppointmentFilterSet, AppointmentCursorFilterSet])
def test_a_filterset_kept_unbuilt_when_absent_keeps_every_row(org, filterset_class):
    """``keeps_all_when_absent`` lets an unfiltered list skip the filterset: given none of
    its parameters, it must answer the very queryset it was given (no default applied)."""
    assert filterset_class.keeps_all_when_absent
    queryset = Appointment.objects.filter(org=org)
    request = APIRequestFactory().get("/")
    request.access = Access.operator(org)
    built = filterset_class(QueryDict(), queryset=queryset, request=request)
    assert built.is_valid()
    assert str(built.qs.query) == str(queryset.query)
