"""The recall engine: completing a trigger procedure brings a recall round (on the
appointment's local date, months clamped to the month's end), a booking links the recall
it fulfils and releasing it unlinks (or relinks), a disabled recall gets no due date,
the bulk import announces its batch, and every recall change commits or rolls back with
the appointment write that caused it."""

from datetime import date
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from appointments.services import events
from appointments.services.appointments import appointment_update
from recalls import engine
from recalls.engine import add_interval
from recalls.models import PatientRecall
from scheduling.models import Role
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentTypeFactory,
    PatientFactory,
    PatientRecallFactory,
    ProcedureCodeFactory,
    RecallTriggerFactory,
    RecallTypeFactory,
)

pytestmark = pytest.mark.django_db

RECALLS = "recalls/patient-recalls"
LATER = "2030-03-11"


# --- add_interval --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "interval", "expected"),
    [
        (date(2030, 8, 31), {"months": 6}, date(2031, 2, 28)),
        (date(2031, 8, 31), {"months": 6}, date(2032, 2, 29)),  # a leap year
        (date(2031, 1, 31), {"months": 1}, date(2031, 2, 28)),
        (date(2032, 1, 31), {"months": 1}, date(2032, 2, 29)),
        (date(2032, 2, 29), {"years": 1}, date(2033, 2, 28)),
        (date(2032, 2, 29), {"years": 4}, date(2036, 2, 29)),
        (date(2030, 11, 15), {"months": 3}, date(2031, 2, 15)),  # across the year
        (date(2030, 3, 4), {"years": 1, "months": 2}, date(2031, 5, 4)),
        (date(2030, 12, 30), {"weeks": 1}, date(2031, 1, 6)),
        (date(2030, 2, 27), {"days": 3}, date(2030, 3, 2)),
        (date(2030, 1, 31), {"months": 1, "days": 1}, date(2030, 3, 1)),  # months first
    ],
)
def test_add_interval(day, interval, expected):
    assert add_interval(day, interval) == expected


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def prophy(org):
    """Prophy every six months, triggered by D1110, booked as an 'Recall visit'."""
    kind = AppointmentTypeFactory(org=org, name="Recall visit")
    recall_type = RecallTypeFactory(
        org=org, name="Prophy", default_interval={"months": 6}, appointment_type=kind
    )
    RecallTriggerFactory(
        org=org, recall_type=recall_type, procedure_code=ProcedureCodeFactory(org=org, code="D1110")
    )
    return recall_type


@pytest.fixture
def bitewings(org):
    recall_type = RecallTypeFactory(org=org, name="Bitewings", default_interval={"years": 1})
    RecallTriggerFactory(
        org=org, recall_type=recall_type, procedure_code=ProcedureCodeFactory(org=org, code="D0274")
    )
    return recall_type


@pytest.fixture
def recall(org, patient, prophy):
    return PatientRecallFactory(
        org=org, patient=patient, recall_type=prophy, date_due=date(2030, 3, 1)
    )


def booked_with(book, *codes, **fields) -> dict:
    response = book(procedure_codes=list(codes), **fields)
    assert response.status_code == 201, response.json()
    return response.json()


def complete(client, appointment: dict):
    response = client.post(
        f"appointments/{appointment['id']}/transition",
        {"base_version": appointment["version"], "status": "complete"},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def cancel(client, appointment: dict):
    response = client.post(
        f"appointments/{appointment['id']}/cancel", {"base_version": appointment["version"]}
    )
    assert response.status_code == 200, response.json()
    return response.json()


def read(client, recall: PatientRecall) -> dict:
    response = client.get(f"{RECALLS}/{recall.uuid}")
    assert response.status_code == 200, response.json()
    return response.json()


def open_recall(patient, recall_type) -> PatientRecall:
    return PatientRecall.objects.get(
        patient=patient, recall_type=recall_type, completed_at__isnull=True
    )


# --- completion ----------------------------------------------------------------------


def test_completion_completes_the_cycle_and_opens_the_next_on_the_local_date(
    staff_client, book, patient, prophy, recall
):
    # 20:00 in Chicago on March 4 is already March 5 in UTC.
    appointment = booked_with(book, "D1110", start="20:00", end="21:00")
    complete(staff_client, appointment)

    done = read(staff_client, recall)
    assert done["status"] == "completed"
    assert done["appointment"]["id"] == appointment["id"]
    nxt = open_recall(patient, prophy)
    assert nxt.pk != recall.pk
    assert (nxt.date_previous, nxt.date_due) == (date(2030, 3, 4), date(2030, 9, 4))
    assert nxt.appointment_id is None and nxt.date_scheduled is None
    assert read(staff_client, nxt)["status"] == "due"


def test_the_patients_own_interval_and_note_carry_over(staff_client, book, patient, prophy):
    PatientRecallFactory(
        org=prophy.org, patient=patient, recall_type=prophy, interval={"weeks": 3}, note="Nervous"
    )
    complete(staff_client, booked_with(book, "D1110"))
    nxt = open_recall(patient, prophy)
    assert (nxt.date_due, nxt.interval, nxt.note) == (date(2030, 3, 25), {"weeks": 3}, "Nervous")


def test_a_patient_without_a_recall_gets_one(staff_client, book, patient, prophy):
    complete(staff_client, booked_with(book, "D1110"))
    (recall,) = PatientRecall.objects.filter(patient=patient)
    assert recall.completed_at is None
    assert (recall.date_previous, recall.date_due) == (date(2030, 3, 4), date(2030, 9, 4))


def test_one_appointment_brings_two_types_round(staff_client, book, patient, prophy, bitewings):
    complete(staff_client, booked_with(book, "D1110", "D0274"))
    assert open_recall(patient, prophy).date_due == date(2030, 9, 4)
    assert open_recall(patient, bitewings).date_due == date(2031, 3, 4)


def test_no_trigger_or_an_inactive_type_changes_nothing(
    org, staff_client, book, patient, prophy, bitewings
):
    bitewings.is_active = False
    bitewings.save()
    ProcedureCodeFactory(org=org, code="D0120")
    complete(staff_client, booked_with(book, "D0120", "D0274"))
    assert not PatientRecall.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_completions_at_once_open_one_cycle(org, book, patient, other_chair, prophy):
    """No open cycle yet, two desks complete a visit of the patient in two chairs at once:
    the second waits for the first and brings the cycle it opened round, no error."""
    morning = booked_with(book, "D1110", start="09:00", end="10:00")
    noon = booked_with(
        book, "D1110", start="12:00", end="13:00", operatory_uuid=str(other_chair.uuid)
    )
    clients = [api_for(org, Role.STAFF) for _ in range(2)]
    responses = run_concurrently(
        2,
        lambda i: clients[i].post(
            f"appointments/{(morning, noon)[i]['id']}/transition",
            {"base_version": (morning, noon)[i]["version"], "status": "complete"},
        ),
    )
    assert [r.status_code for r in responses] == [200, 200]
    recall = open_recall(patient, prophy)
    assert (recall.date_previous, recall.date_due) == (date(2030, 3, 4), date(2030, 9, 4))


def test_months_are_clamped_to_the_months_end(staff_client, book, patient, prophy):
    complete(staff_client, booked_with(book, "D1110", day="2030-08-31"))
    assert open_recall(patient, prophy).date_due == date(2031, 2, 28)


def test_a_disabled_recall_records_the_visit_but_gets_no_due_date(
    staff_client, book, patient, prophy, recall
):
    recall.is_disabled = True
    recall.save()
    complete(staff_client, booked_with(book, "D1110"))
    recall.refresh_from_db()
    assert recall.completed_at is None
    assert (recall.date_previous, recall.date_due) == (date(2030, 3, 4), None)
    assert read(staff_client, recall)["status"] == "due"
    due = staff_client.get(f"{RECALLS}/due", {"due_on": "2099-01-01"}).json()["items"]
    assert due == []
    assert PatientRecall.objects.count() == 1

    switched_on = staff_client.patch(
        f"{RECALLS}/{recall.uuid}", {"base_version": recall.version, "is_disabled": False}
    )
    assert switched_on.status_code == 200, switched_on.json()
    assert switched_on.json()["date_due"] == "2030-09-04"  # one interval after the visit


# --- booking links -------------------------------------------------------------------


def test_booking_the_recalls_appointment_type_links_it_and_a_move_follows(
    staff_client, book, prophy, recall
):
    appointment = booked_with(book, appointment_type_uuid=str(prophy.appointment_type.uuid))
    body = read(staff_client, recall)
    assert body["status"] == "scheduled"
    assert body["date_scheduled"] == DAY
    assert body["appointment"]["id"] == appointment["id"]

    moved = staff_client.post(
        f"appointments/{appointment['id']}/move",
        {
            "base_version": appointment["version"],
            "schedule_date": LATER,
            "start_time": "09:00",
            "end_time": "10:00",
        },
    )
    assert moved.status_code == 200, moved.json()
    assert read(staff_client, recall)["date_scheduled"] == LATER


def test_adding_a_trigger_procedure_links_the_booking(staff_client, book, org, prophy, recall):
    appointment = booked_with(book)
    assert read(staff_client, recall)["status"] == "due"
    added = staff_client.post(
        f"appointments/{appointment['id']}/procedures",
        {
            "base_version": 1,
            "procedure_code_uuid": str(ProcedureCodeFactory(org=org, code="D1110").uuid),
        },
    )
    assert added.status_code == 201, added.json()
    assert read(staff_client, recall)["status"] == "scheduled"


def test_cancelling_relinks_to_the_next_booking_then_releases(staff_client, book, recall):
    first = booked_with(book, "D1110")
    second = booked_with(book, "D1110", day=LATER)
    assert read(staff_client, recall)["appointment"]["id"] == first["id"]

    cancel(staff_client, first)
    body = read(staff_client, recall)
    assert (body["appointment"]["id"], body["date_scheduled"]) == (second["id"], LATER)

    cancel(staff_client, second)
    body = read(staff_client, recall)
    assert body["appointment"] is None and body["date_scheduled"] is None
    assert body["status"] == "due"  # due again by its date (2030-03-01, after today)


def test_deleting_releases_the_link(staff_client, book, recall):
    appointment = booked_with(book, "D1110")
    assert staff_client.delete(f"appointments/{appointment['id']}").status_code == 204
    body = read(staff_client, recall)
    assert body["appointment"] is None and body["date_scheduled"] is None
    assert body["status"] == "due"


# --- the appointment's recall --------------------------------------------------------


def shown(client, appointment: dict) -> tuple:
    """The appointment's ``recall`` as its detail and the list show it."""
    detail = client.get(f"appointments/{appointment['id']}")
    assert detail.status_code == 200, detail.json()
    listed = client.get("appointments", {"page_size": 100})
    assert listed.status_code == 200, listed.json()
    (row,) = (row for row in listed.json()["items"] if row["id"] == appointment["id"])
    return detail.json()["recall"], row["recall"]


def test_the_appointment_shows_the_recall_it_fulfils_until_released(staff_client, book, recall):
    expected = {"id": str(recall.uuid), "name": "Prophy"}
    appointment = booked_with(book, "D1110")
    assert appointment["recall"] == expected  # the booking's own answer
    assert shown(staff_client, appointment) == (expected, expected)

    cancelled = cancel(staff_client, appointment)
    assert cancelled["recall"] is None
    assert shown(staff_client, appointment) == (None, None)


def test_the_recall_moves_to_the_next_booking_when_the_first_is_released(
    staff_client, book, recall
):
    first = booked_with(book, "D1110")
    second = booked_with(book, "D1110", day=LATER)
    assert shown(staff_client, second) == (None, None)  # the first holds it
    cancel(staff_client, first)
    expected = {"id": str(recall.uuid), "name": "Prophy"}
    assert shown(staff_client, second) == (expected, expected)
    assert shown(staff_client, first) == (None, None)


def test_a_completed_appointment_shows_the_cycle_it_completed(staff_client, book, recall):
    done = complete(staff_client, booked_with(book, "D1110"))
    expected = {"id": str(recall.uuid), "name": "Prophy"}
    assert done["recall"] == expected
    assert shown(staff_client, done) == (expected, expected)


def test_one_booking_of_two_types_shows_the_earliest_due(
    org, staff_client, book, patient, prophy, bitewings, recall
):
    """Prophy is due 2030-03-01; Bitewings, due earlier, is the one shown."""
    earlier = PatientRecallFactory(
        org=org, patient=patient, recall_type=bitewings, date_due=date(2030, 2, 1)
    )
    appointment = booked_with(book, "D1110", "D0274")
    assert read(staff_client, recall)["appointment"]["id"] == appointment["id"]
    expected = {"id": str(earlier.uuid), "name": "Bitewings"}
    assert appointment["recall"] == expected
    assert shown(staff_client, appointment) == (expected, expected)


def test_showing_the_recall_costs_no_query(staff_client, book, recall):
    appointment = booked_with(book, "D1110")
    path = f"appointments/{appointment['id']}"
    staff_client.get(path)  # the token's last_used_at is written once a minute
    with CaptureQueriesContext(connection) as ctx:
        assert staff_client.get(path).json()["recall"]["id"] == str(recall.uuid)
    assert len(ctx.captured_queries) == 1  # the token, with the appointment in its statement


# --- transactions --------------------------------------------------------------------


def test_a_failing_listener_rolls_back_the_recall_and_the_appointment(
    staff_client, book, patient, prophy, recall
):
    appointment = booked_with(book, "D1110")

    def boom(event, appointments):
        raise RuntimeError("listener failed")

    with (
        mock.patch.object(events, "_listeners", [engine.on_appointment_event, boom]),
        pytest.raises(RuntimeError),
    ):
        complete(staff_client, appointment)
    recall.refresh_from_db()
    assert recall.completed_at is None and PatientRecall.objects.count() == 1
    assert staff_client.get(f"appointments/{appointment['id']}").json()["status"] == "scheduled"


def test_a_stale_completion_changes_no_recall(staff_client, book, recall):
    appointment = booked_with(book, "D1110")
    stale = staff_client.post(
        f"appointments/{appointment['id']}/transition",
        {"base_version": appointment["version"] + 5, "status": "complete"},
    )
    assert stale.status_code == 409
    recall.refresh_from_db()
    assert recall.completed_at is None and PatientRecall.objects.count() == 1


# --- the bulk import -----------------------------------------------------------------


def test_the_bulk_import_announces_its_batch(staff_client, location, chair, patient, prophy):
    def row(day, status):
        return {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": day,
            "start_time": "09:00",
            "end_time": "10:00",
            "status": status,
            "procedure_codes": ["D1110"],
        }

    response = staff_client.post(
        "appointments/bulk", {"rows": [row("2030-01-07", "complete"), row(LATER, "scheduled")]}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    recall = open_recall(patient, prophy)
    assert (recall.date_previous, recall.date_due) == (date(2030, 1, 7), date(2030, 7, 7))
    assert recall.date_scheduled == date(2030, 3, 11)


def test_a_batch_costs_the_same_whatever_its_size(org, staff_client, location, chair, prophy):
    def batch(size: int, first_day: int) -> int:
        rows = []
        for n in range(size):
            patient = PatientFactory(org=org)
            PatientRecallFactory(org=org, patient=patient, recall_type=prophy)
            rows.append(
                {
                    "location_uuid": str(location.uuid),
                    "patient_uuid": str(patient.uuid),
                    "operatory_uuid": str(chair.uuid),
                    "schedule_date": f"2030-01-{first_day + n:02d}",
                    "start_time": "09:00",
                    "end_time": "10:00",
                    "status": "complete",
                    "procedure_codes": ["D1110"],
                }
            )
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.post("appointments/bulk", {"rows": rows})
        assert response.status_code == 200 and response.json()["created"] == size
        return len(ctx.captured_queries)

    staff_client.post("appointments/bulk", {"rows": []})  # the token's last use, written once
    assert batch(1, 1) == batch(5, 10)
    assert (
        PatientRecall.objects.filter(completed_at__isnull=True, date_previous__isnull=False).count()
        == 6
    )


def test_a_recall_follows_its_appointment_to_another_patient(org, book, staff_client, recall):
    """Not over the API (its PATCH keeps the patient), but the services allow it."""
    appointment = Appointment.objects.get(uuid=booked_with(book, "D1110")["id"])
    assert read(staff_client, recall)["status"] == "scheduled"
    appointment_update(
        appointment=appointment,
        actor=None,
        base_version=appointment.version,
        patient=PatientFactory(org=org),
    )
    body = read(staff_client, recall)
    assert body["appointment"] is None and body["status"] == "due"
