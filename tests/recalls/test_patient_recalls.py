"""Patient recalls: one open cycle per patient and type (race-free), the status derived
from the practice's today (its own zone, near midnight UTC), the due list and its
filters, the hand-settable fields, and a flat query count."""

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recalls.models import PatientRecall
from recalls.selectors import patient_recalls
from scheduling.models import Role
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    PatientFactory,
    PatientRecallFactory,
    RecallTypeFactory,
)

pytestmark = pytest.mark.django_db

RECALLS = "recalls/patient-recalls"
DUE = f"{RECALLS}/due"
# 2031-03-10 03:00 UTC is still 2031-03-09 (22:00) in Chicago.
NEAR_MIDNIGHT = datetime(2031, 3, 10, 3, 0, tzinfo=UTC)
CHICAGO_TODAY = date(2031, 3, 9)


def frozen(instant=NEAR_MIDNIGHT):
    return mock.patch("django.utils.timezone.now", return_value=instant)


@pytest.fixture
def chicago(org):
    org.timezone = "America/Chicago"
    org.save(update_fields=["timezone"])
    return org


@pytest.fixture
def patient(org):
    return PatientFactory(org=org, first_name="Ada", last_name="Lovelace", mobile_phone="555-0100")


@pytest.fixture
def cleaning(org):
    return RecallTypeFactory(org=org, name="Prophy", default_interval={"months": 6})


def body(patient, recall_type, **fields) -> dict:
    return {"patient_uuid": str(patient.uuid), "recall_type_uuid": str(recall_type.uuid), **fields}


def statuses(client, path=RECALLS, **query) -> dict:
    response = client.get(path, query)
    assert response.status_code == 200, response.json()
    return {item["id"]: item["status"] for item in response.json()["items"]}


# --- create --------------------------------------------------------------------------------


def test_create_is_due_today_with_the_types_interval(chicago, staff_client, patient, cleaning):
    with frozen():
        response = staff_client.post(RECALLS, body(patient, cleaning, note="Nervous"))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["date_due"] == CHICAGO_TODAY.isoformat()  # the practice's today, not UTC's
    assert data["interval"] == {"months": 6}
    assert data["uses_default_interval"] is True
    assert data["status"] == "due"
    assert data["patient"] == {"id": str(patient.uuid), "name": "Ada Lovelace"}
    assert data["patient_phone"] == "555-0100"
    assert data["recall_type"]["name"] == "Prophy"
    assert data["appointment"] is None
    assert (data["version"], data["note"], data["is_disabled"]) == (1, "Nervous", False)


def test_create_with_own_interval_and_due_date(admin_client, patient, cleaning):
    response = admin_client.post(
        RECALLS, body(patient, cleaning, interval={"months": 3}, date_due="2031-06-01")
    )
    assert response.status_code == 201, response.json()
    assert response.json()["interval"] == {"months": 3}
    assert response.json()["uses_default_interval"] is False
    assert response.json()["date_due"] == "2031-06-01"


def test_second_open_recall_of_a_type_is_409(admin_client, patient, cleaning):
    assert admin_client.post(RECALLS, body(patient, cleaning)).status_code == 201
    response = admin_client.post(RECALLS, body(patient, cleaning))
    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_RECALL"
    # Another type, or after the first is completed: fine.
    assert (
        admin_client.post(RECALLS, body(patient, RecallTypeFactory(org=patient.org))).status_code
        == 201
    )
    PatientRecall.objects.filter(patient=patient, recall_type=cleaning).update(
        completed_at=datetime(2031, 1, 1, tzinfo=UTC)
    )
    assert admin_client.post(RECALLS, body(patient, cleaning)).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_make_one_recall(org, patient, cleaning):
    def create(_index):
        return api_for(org, Role.STAFF).post(RECALLS, body(patient, cleaning)).status_code

    assert sorted(run_concurrently(2, create)) == [201, 409]


def test_unknown_or_other_orgs_ids_are_404(admin_client, other_org, patient, cleaning):
    theirs = RecallTypeFactory(org=other_org)
    assert admin_client.post(RECALLS, body(patient, theirs)).status_code == 404
    stranger = PatientFactory(org=other_org)
    assert admin_client.post(RECALLS, body(stranger, cleaning)).status_code == 404
    assert (
        admin_client.get(f"{RECALLS}/{PatientRecallFactory(org=other_org).uuid}").status_code == 404
    )


def test_viewer_reads_but_may_not_write(org, viewer_client, patient, cleaning):
    recall = PatientRecallFactory(org=org, patient=patient, recall_type=cleaning)
    assert viewer_client.get(f"{RECALLS}/{recall.uuid}").status_code == 200
    assert viewer_client.post(RECALLS, body(PatientFactory(org=org), cleaning)).status_code == 403
    patch = viewer_client.patch(f"{RECALLS}/{recall.uuid}", {"base_version": 1, "note": "x"})
    assert patch.status_code == 403


@pytest.mark.parametrize(
    "interval",
    [{}, {"months": 0}, {"fortnights": 1}, {"months": -1}, {"months": 1.5}, {"months": True},
     {"years": 101}, [6], "6 months"],
)  # fmt: skip
def test_bad_intervals_are_422(admin_client, patient, cleaning, interval):
    if interval == {}:  # {} is "the type's default", not an error
        response = admin_client.post(RECALLS, body(patient, cleaning, interval=interval))
        assert response.status_code == 201
        assert response.json()["uses_default_interval"] is True
        return
    response = admin_client.post(RECALLS, body(patient, cleaning, interval=interval))
    assert response.status_code == 422, response.json()
    assert response.json()["detail"][0]["loc"] == ["body", "interval"]


@pytest.mark.parametrize(
    "fields",
    [{"date_due": "2031-02-30"}, {"note": "x" * 2001}, {"status": "due"}, {"patient_uuid": "nope"}],
)
def test_bad_create_bodies_are_422(admin_client, patient, cleaning, fields):
    assert admin_client.post(RECALLS, body(patient, cleaning, **fields)).status_code == 422


def test_inactive_patient_or_type_is_422(org, admin_client, patient, cleaning):
    inactive = RecallTypeFactory(org=org, is_active=False)
    assert admin_client.post(RECALLS, body(patient, inactive)).status_code == 422
    gone = PatientFactory(org=org, is_active=False)
    assert admin_client.post(RECALLS, body(gone, cleaning)).status_code == 422


# --- status ------------------------------------------------------------------------------


def test_status_follows_the_practices_today(chicago, admin_client, patient, cleaning):
    """At 22:00 in Chicago (03:00 UTC the next day) a recall due today is not overdue."""
    today = PatientRecallFactory(org=chicago, recall_type=cleaning, date_due=CHICAGO_TODAY)
    yesterday = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=CHICAGO_TODAY - timedelta(days=1)
    )
    undated = PatientRecallFactory(org=chicago, recall_type=cleaning)
    with frozen():
        got = statuses(admin_client)
    assert got == {str(today.uuid): "due", str(yesterday.uuid): "overdue", str(undated.uuid): "due"}
    with frozen(NEAR_MIDNIGHT + timedelta(hours=3)):  # 00:00 in Chicago: a new day
        assert statuses(admin_client)[str(today.uuid)] == "overdue"


def test_scheduled_completed_and_disabled(chicago, admin_client, cleaning):
    past = CHICAGO_TODAY - timedelta(days=30)
    booked = AppointmentFactory(org=chicago, start_at=NEAR_MIDNIGHT - timedelta(hours=2))  # 20:00
    booked_recall = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, appointment=booked
    )
    broken = AppointmentFactory(
        org=chicago, status="broken", start_at=NEAR_MIDNIGHT + timedelta(days=3)
    )
    broken_recall = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, appointment=broken
    )
    yesterday = AppointmentFactory(org=chicago, start_at=NEAR_MIDNIGHT - timedelta(days=1))
    missed_recall = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, appointment=yesterday
    )
    completed = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, completed_at=NEAR_MIDNIGHT
    )
    disabled = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, is_disabled=True
    )
    with frozen():
        got = statuses(admin_client)
        assert got == {
            str(booked_recall.uuid): "scheduled",
            str(broken_recall.uuid): "overdue",
            str(missed_recall.uuid): "overdue",
            str(completed.uuid): "completed",
            str(disabled.uuid): "due",
        }
        # The filter runs in the database, on the same derivation.
        assert set(statuses(admin_client, status="overdue")) == {
            str(broken_recall.uuid),
            str(missed_recall.uuid),
        }
        assert set(statuses(admin_client, status="scheduled")) == {str(booked_recall.uuid)}
        assert set(statuses(admin_client, status="completed")) == {str(completed.uuid)}
        assert set(statuses(admin_client, status="due")) == {str(disabled.uuid)}


def test_selector_takes_today_explicitly(org, cleaning):
    recall = PatientRecallFactory(org=org, recall_type=cleaning, date_due=date(2031, 5, 1))
    assert patient_recalls(org=org, today=date(2031, 5, 1)).get(pk=recall.pk).status == "due"
    assert patient_recalls(org=org, today=date(2031, 5, 2)).get(pk=recall.pk).status == "overdue"


# --- lists ---------------------------------------------------------------------------------


def test_list_filters_and_order(org, admin_client, patient, cleaning):
    later = PatientRecallFactory(
        org=org, patient=patient, recall_type=cleaning, date_due=date(2031, 9, 1)
    )
    sooner = PatientRecallFactory(org=org, recall_type=cleaning, date_due=date(2031, 4, 1))
    other_type = PatientRecallFactory(org=org, patient=patient, date_due=date(2031, 1, 1))
    items = admin_client.get(RECALLS).json()["items"]
    assert [i["id"] for i in items] == [str(r.uuid) for r in (other_type, sooner, later)]
    by_patient = statuses(admin_client, patient_uuid=str(patient.uuid))
    assert set(by_patient) == {str(later.uuid), str(other_type.uuid)}
    by_type = statuses(admin_client, recall_type_uuid=str(cleaning.uuid))
    assert set(by_type) == {str(later.uuid), str(sooner.uuid)}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"status": "late"}, 422),
        ({"patient_uuid": "not-a-uuid"}, 422),
        ({"recall_type_uuid": "6f1c0c44-1a8e-4a43-9a43-3ef9c1f1a5e0"}, 404),
        ({"patient_uuid": "6f1c0c44-1a8e-4a43-9a43-3ef9c1f1a5e0"}, 404),
        ({"page_size": 201}, 422),
    ],
)
def test_bad_list_queries(admin_client, query, code):
    assert admin_client.get(RECALLS, query).status_code == code


def test_due_list(chicago, admin_client, cleaning):
    past = CHICAGO_TODAY - timedelta(days=10)
    oldest = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past - timedelta(days=90)
    )
    overdue = PatientRecallFactory(org=chicago, recall_type=cleaning, date_due=past)
    today = PatientRecallFactory(org=chicago, recall_type=cleaning, date_due=CHICAGO_TODAY)
    next_week = PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=CHICAGO_TODAY + timedelta(days=7)
    )
    booked = PatientRecallFactory(
        org=chicago,
        recall_type=cleaning,
        date_due=past,
        appointment=AppointmentFactory(org=chicago, start_at=NEAR_MIDNIGHT + timedelta(days=2)),
    )
    PatientRecallFactory(org=chicago, recall_type=cleaning, date_due=past, is_disabled=True)
    PatientRecallFactory(
        org=chicago, recall_type=cleaning, date_due=past, completed_at=NEAR_MIDNIGHT
    )
    PatientRecallFactory(org=chicago, recall_type=cleaning)  # no due date: never due
    with frozen():

        def ids(**query):
            response = admin_client.get(DUE, query)
            assert response.status_code == 200, response.json()
            return [item["id"] for item in response.json()["items"]]

        assert ids() == [str(oldest.uuid), str(overdue.uuid), str(today.uuid)]
        assert ids(include_scheduled="true") == [
            str(oldest.uuid), str(overdue.uuid), str(booked.uuid), str(today.uuid)
        ]  # fmt: skip
        assert ids(due_on=(CHICAGO_TODAY + timedelta(days=7)).isoformat())[-1] == str(
            next_week.uuid
        )
        assert ids(due_on=past.isoformat()) == [str(oldest.uuid), str(overdue.uuid)]
    for bad in ({"due_on": "2031-13-01"}, {"include_scheduled": "maybe"}, {"status": "due"}):
        assert admin_client.get(DUE, bad).status_code == 422


def test_due_list_by_location_of_the_last_completed_visit(
    org, location, second_location, admin_client, cleaning
):
    here, there, never = (PatientFactory(org=org) for _ in range(3))
    AppointmentFactory(org=org, patient=here, status="complete", operatory__location=location,
                       start_at=datetime(2030, 5, 1, 15, tzinfo=UTC))  # fmt: skip
    # There's last completed visit was at the second location; an earlier one was here,
    # and a later broken one here does not count.
    AppointmentFactory(org=org, patient=there, status="complete", operatory__location=location,
                       start_at=datetime(2030, 1, 1, 15, tzinfo=UTC))  # fmt: skip
    AppointmentFactory(org=org, patient=there, status="complete",
                       operatory__location=second_location,
                       start_at=datetime(2030, 6, 1, 15, tzinfo=UTC))  # fmt: skip
    AppointmentFactory(org=org, patient=there, status="broken", operatory__location=location,
                       start_at=datetime(2030, 7, 1, 15, tzinfo=UTC))  # fmt: skip
    recalls = {
        p: PatientRecallFactory(org=org, patient=p, recall_type=cleaning, date_due=date(2031, 1, 1))
        for p in (here, there, never)
    }
    query = {"due_on": "2031-02-01", "location_uuid": str(location.uuid)}
    items = admin_client.get(DUE, query).json()["items"]
    assert [i["id"] for i in items] == [str(recalls[here].uuid)]
    query["location_uuid"] = str(second_location.uuid)
    assert [i["id"] for i in admin_client.get(DUE, query).json()["items"]] == [
        str(recalls[there].uuid)
    ]
    query["location_uuid"] = str(LocationFactory().uuid)  # another org's
    assert admin_client.get(DUE, query).status_code == 404


def test_list_query_count_is_flat(org, admin_client, cleaning):
    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert (
                admin_client.get(path, {"due_on": "2031-12-31"} if path == DUE else {}).status_code
                == 200
            )
        return len(queries)

    def add(n):
        for _ in range(n):
            appointment = AppointmentFactory(org=org)
            PatientRecallFactory(
                org=org, patient=appointment.patient, appointment=appointment,
                recall_type=RecallTypeFactory(org=org), date_due=date(2031, 1, 1),
            )  # fmt: skip

    add(1)
    count(RECALLS)  # warm up: the first call makes one-off lookups
    few = count(RECALLS), count(DUE)
    add(5)
    assert (count(RECALLS), count(DUE)) == few


# --- update --------------------------------------------------------------------------------


def test_patch_changes_fields_and_version(org, staff_client, patient, cleaning):
    recall = PatientRecallFactory(
        org=org, patient=patient, recall_type=cleaning, date_due=date(2031, 1, 1)
    )
    url = f"{RECALLS}/{recall.uuid}"
    response = staff_client.patch(
        url,
        {"base_version": 1, "date_due": "2031-07-01", "date_scheduled": "2031-06-20",
         "interval": {"weeks": 10}, "is_disabled": True, "note": "Moved away?"},
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["version"], data["date_due"], data["date_scheduled"]) == (
        2,
        "2031-07-01",
        "2031-06-20",
    )
    assert (data["interval"], data["is_disabled"], data["note"]) == (
        {"weeks": 10},
        True,
        "Moved away?",
    )
    back = staff_client.patch(url, {"base_version": 2, "interval": {}})
    assert back.json()["interval"] == {"months": 6} and back.json()["uses_default_interval"]
    stale = staff_client.patch(url, {"base_version": 2, "note": "late"})
    assert stale.status_code == 409
    assert staff_client.patch(url, {"note": "no version"}).status_code == 422


def test_patch_status_completed_closes_the_cycle(org, admin_client, patient, cleaning):
    recall = PatientRecallFactory(org=org, patient=patient, recall_type=cleaning)
    url = f"{RECALLS}/{recall.uuid}"
    for derived in ("due", "overdue", "scheduled", "bogus"):
        response = admin_client.patch(url, {"base_version": 1, "status": derived})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "status"]
    with frozen():
        response = admin_client.patch(url, {"base_version": 1, "status": "completed"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    assert response.json()["completed_at"] == "2031-03-10T03:00:00Z"
    # The patient may now have a new cycle of the type.
    assert admin_client.post(RECALLS, body(patient, cleaning)).status_code == 201
