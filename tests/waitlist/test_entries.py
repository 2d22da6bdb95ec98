"""ASAP entries: create (every allowed-values rule, 404/409/422), the list (filters,
cross-location scopes, the default and named statuses, sorting with a stable tie-break,
a flat query count), days_waiting and the score, PATCH transitions, DELETE and bulk
removal, and visibility by the home location."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import Role
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    DefinitionFactory,
    LocationFactory,
    PatientFactory,
    PatientRecallFactory,
    ProviderFactory,
    WaitlistEntryFactory,
)
from waitlist.models import WaitlistEntry, WaitlistEntryLocation

pytestmark = pytest.mark.django_db

ENTRIES = "waitlist/entries"
BULK = f"{ENTRIES}/bulk-remove"


@pytest.fixture
def patient(org):
    return PatientFactory(org=org)


def body(patient, location, **fields) -> dict:
    return {"patient_uuid": str(patient.uuid), "location_uuid": str(location.uuid), **fields}


def ids(response) -> list:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def entry(org, location, **fields):
    return WaitlistEntryFactory(org=org, location=location, **fields)


# --- create --------------------------------------------------------------------------------


def test_create_defaults(staff_client, patient, location):
    response = staff_client.post(ENTRIES, body(patient, location))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "waiting"
    assert data["location_scope"] == "home_only"
    assert data["urgency"] == "routine"
    assert data["source"] == "manual"
    assert data["additional_locations"] == []
    assert data["preferred_days"] == []
    assert data["days_waiting"] == 0
    assert data["patient_score"] == 30
    assert data["score_details"] == {
        "urgency": 30,
        "priority": 0,
        "days_waiting": 0,
        "treatment_value": 0,
    }
    assert data["score_calculated_at"]
    assert data["contact_method_used"] is None and data["patient_response"] is None


def test_create_selected_with_everything(org, staff_client, patient, location, second_location):
    priority = DefinitionFactory(org=org, category="WaitlistPriority", item_order=1)
    appointment = AppointmentFactory(org=org, patient=patient)
    recall = PatientRecallFactory(org=org, patient=patient)
    response = staff_client.post(
        ENTRIES,
        body(
            patient,
            location,
            location_scope="selected",
            additional_location_uuids=[str(second_location.uuid), str(location.uuid)],
            provider_uuid=str(ProviderFactory(org=org).uuid),
            appointment_type_uuid=str(AppointmentTypeFactory(org=org).uuid),
            appointment_uuid=str(appointment.uuid),
            recall_uuid=str(recall.uuid),
            priority_uuid=str(priority.uuid),
            preferred_days=[4, 0],
            preferred_time_start="08:00",
            preferred_time_end="11:30",
            urgency="urgent",
            source="recall",
            treatment_value=1250,
            estimated_duration_mins=45,
        ),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    # The home location is not an additional one.
    assert [ref["id"] for ref in data["additional_locations"]] == [str(second_location.uuid)]
    assert data["treatment_value"] == "1250.00"
    assert data["preferred_time_end"] == "11:30:00"
    assert data["score_details"] == {
        "urgency": 100,
        "priority": 40,
        "days_waiting": 0,
        "treatment_value": 12,
    }
    assert data["patient_score"] == 152


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"urgency": "asap"}, "urgency"),
        ({"source": "walk_in"}, "source"),
        ({"location_scope": "everywhere"}, "location_scope"),
        ({"preferred_days": [7]}, "preferred_days"),
        ({"preferred_days": [-1]}, "preferred_days"),
        ({"preferred_days": [1, 1]}, "preferred_days"),
        ({"preferred_time_start": "12:00", "preferred_time_end": "09:00"}, "preferred_time_end"),
        ({"preferred_time_start": "09:00", "preferred_time_end": "09:00"}, "preferred_time_end"),
        ({"date_range_start": "2031-03-10", "date_range_end": "2031-03-09"}, "date_range_end"),
        ({"estimated_duration_mins": 1}, "estimated_duration_mins"),
        ({"treatment_value": -1}, "treatment_value"),
        ({"location_scope": "selected"}, "additional_location_uuids"),
        ({"status": "waiting"}, "status"),
    ],
)
def test_bad_values_are_422(staff_client, patient, location, fields, field):
    response = staff_client.post(ENTRIES, body(patient, location, **fields))
    assert response.status_code == 422, response.json()
    assert field in str(response.json())


def test_additional_locations_need_scope_selected(staff_client, patient, location, second_location):
    response = staff_client.post(
        ENTRIES, body(patient, location, additional_location_uuids=[str(second_location.uuid)])
    )
    assert response.status_code == 422
    assert "additional_location_uuids" in str(response.json())


def test_wrong_category_priority_and_other_patients_links_are_422(
    org, staff_client, patient, location
):
    other = DefinitionFactory(org=org, category="CancelReason")
    response = staff_client.post(ENTRIES, body(patient, location, priority_uuid=str(other.uuid)))
    assert response.status_code == 422
    theirs = AppointmentFactory(org=org)
    response = staff_client.post(
        ENTRIES, body(patient, location, appointment_uuid=str(theirs.uuid))
    )
    assert response.status_code == 422 and "appointment_uuid" in str(response.json())
    recall = PatientRecallFactory(org=org)
    response = staff_client.post(ENTRIES, body(patient, location, recall_uuid=str(recall.uuid)))
    assert response.status_code == 422 and "recall_uuid" in str(response.json())


def test_unknown_or_other_orgs_ids_are_404(admin_client, other_org, patient, location):
    stranger = PatientFactory(org=other_org)
    assert admin_client.post(ENTRIES, body(stranger, location)).status_code == 404
    theirs = ProviderFactory(org=other_org)
    response = admin_client.post(ENTRIES, body(patient, location, provider_uuid=str(theirs.uuid)))
    assert response.status_code == 404
    assert str(theirs.uuid) in str(response.json())
    assert (
        admin_client.get(f"{ENTRIES}/{WaitlistEntryFactory(org=other_org).uuid}").status_code == 404
    )


def test_duplicate_active_entry_is_409_until_removed(org, staff_client, patient, location):
    kind = AppointmentTypeFactory(org=org)
    first = body(patient, location, appointment_type_uuid=str(kind.uuid))
    created = staff_client.post(ENTRIES, first).json()
    response = staff_client.post(ENTRIES, first)
    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_ENTRY"
    # Without an appointment type it is another entry (nulls count as one value too).
    assert staff_client.post(ENTRIES, body(patient, location)).status_code == 201
    assert staff_client.post(ENTRIES, body(patient, location)).status_code == 409
    assert staff_client.delete(f"{ENTRIES}/{created['id']}").status_code == 204
    assert staff_client.post(ENTRIES, first).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_make_one_entry(org, patient, location):
    def create(_index):
        return api_for(org, Role.STAFF).post(ENTRIES, body(patient, location)).status_code

    assert sorted(run_concurrently(2, create)) == [201, 409]


def test_viewer_reads_but_may_not_write(org, viewer_client, patient, location):
    row = entry(org, location)
    assert viewer_client.get(f"{ENTRIES}/{row.uuid}").status_code == 200
    assert viewer_client.post(ENTRIES, body(patient, location)).status_code == 403
    assert viewer_client.delete(f"{ENTRIES}/{row.uuid}").status_code == 403


# --- list ----------------------------------------------------------------------------------


def test_list_defaults_to_active_and_shows_removed_only_when_named(org, viewer_client, location):
    waiting = entry(org, location)
    contacted = entry(org, location, status="contacted")
    removed = entry(org, location, status="removed")
    scheduled = entry(org, location, status="scheduled")
    assert set(ids(viewer_client.get(ENTRIES))) == {str(waiting.uuid), str(contacted.uuid)}
    assert set(ids(viewer_client.get(ENTRIES, {"status": "removed,scheduled"}))) == {
        str(removed.uuid),
        str(scheduled.uuid),
    }
    assert viewer_client.get(ENTRIES, {"status": "gone"}).status_code == 422


def test_filters(org, viewer_client, location):
    provider = ProviderFactory(org=org)
    kind = AppointmentTypeFactory(org=org)
    a = entry(org, location, provider=provider, urgency="urgent", source="recall")
    b = entry(org, location, appointment_type=kind, urgency="soon")
    assert ids(viewer_client.get(ENTRIES, {"provider_uuid": str(provider.uuid)})) == [str(a.uuid)]
    assert ids(viewer_client.get(ENTRIES, {"appointment_type_uuid": str(kind.uuid)})) == [
        str(b.uuid)
    ]
    assert ids(viewer_client.get(ENTRIES, {"patient_uuid": str(a.patient.uuid)})) == [str(a.uuid)]
    assert ids(viewer_client.get(ENTRIES, {"urgency": "urgent"})) == [str(a.uuid)]
    assert set(ids(viewer_client.get(ENTRIES, {"urgency": "urgent,soon"}))) == {
        str(a.uuid),
        str(b.uuid),
    }
    assert ids(viewer_client.get(ENTRIES, {"source": "recall"})) == [str(a.uuid)]
    for bad in ({"urgency": "now"}, {"source": "fax"}, {"sort_by": "name"}, {"sort_dir": "up"}):
        assert viewer_client.get(ENTRIES, bad).status_code == 422
    assert viewer_client.get(ENTRIES, {"include_cross_location": "maybe"}).status_code == 422
    unknown = "00000000-0000-0000-0000-000000000001"
    assert viewer_client.get(ENTRIES, {"patient_uuid": unknown}).status_code == 404


def test_cross_location_scopes(org, viewer_client, location, second_location):
    third = LocationFactory(org=org)
    own = entry(org, location)
    anywhere = entry(org, second_location, reach="any")
    chosen = entry(org, second_location, reach="selected")
    WaitlistEntryLocation.objects.create(org=org, entry=chosen, location=location)
    elsewhere = entry(org, second_location, reach="selected")
    WaitlistEntryLocation.objects.create(org=org, entry=elsewhere, location=third)
    entry(org, second_location)  # home only, at the other location
    here = {"location_uuid": str(location.uuid)}
    assert set(ids(viewer_client.get(ENTRIES, here))) == {
        str(own.uuid),
        str(anywhere.uuid),
        str(chosen.uuid),
    }
    narrow = {**here, "include_cross_location": "false"}
    assert ids(viewer_client.get(ENTRIES, narrow)) == [str(own.uuid)]


def test_entries_at_a_forbidden_location_are_invisible(org, location, second_location):
    mine = entry(org, location)
    hidden = entry(org, second_location, reach="any")
    client = api_for(org, Role.STAFF, locations=[location])
    assert ids(client.get(ENTRIES)) == [str(mine.uuid)]
    assert client.get(f"{ENTRIES}/{hidden.uuid}").status_code == 404
    assert client.delete(f"{ENTRIES}/{hidden.uuid}").status_code == 404
    assert client.post(BULK, {"entry_uuids": [str(hidden.uuid)]}).status_code in (403, 404)
    hidden.refresh_from_db()
    assert hidden.status == "waiting"


def test_sorting_with_stable_tie_break(org, viewer_client, location):
    rows = [entry(org, location, urgency=u) for u in ("routine", "urgent", "routine", "flexible")]
    by_id = sorted(rows, key=lambda row: row.pk)
    got = ids(viewer_client.get(ENTRIES, {"sort_by": "urgency", "sort_dir": "desc"}))
    routine = [str(r.uuid) for r in by_id if r.urgency == "routine"]
    assert got == [str(rows[1].uuid), *routine, str(rows[3].uuid)]
    got = ids(viewer_client.get(ENTRIES, {"sort_by": "urgency", "sort_dir": "asc"}))
    assert got == [str(rows[3].uuid), *routine, str(rows[1].uuid)]
    # Equal scores (two routine, no value): by id, and the same on every read.
    score = ids(viewer_client.get(ENTRIES, {"sort_by": "score"}))
    assert score[0] == str(rows[1].uuid)
    assert score == ids(viewer_client.get(ENTRIES, {"sort_by": "score"}))


def test_sort_by_treatment_value_puts_none_last(org, viewer_client, location):
    low = entry(org, location, treatment_value=Decimal("100"))
    high = entry(org, location, treatment_value=Decimal("900"))
    none = entry(org, location)
    assert ids(viewer_client.get(ENTRIES, {"sort_by": "treatment_value"})) == [
        str(high.uuid),
        str(low.uuid),
        str(none.uuid),
    ]
    assert ids(viewer_client.get(ENTRIES, {"sort_by": "treatment_value", "sort_dir": "asc"})) == [
        str(low.uuid),
        str(high.uuid),
        str(none.uuid),
    ]


def test_days_waiting_counts_the_practices_days(org, viewer_client, location):
    org.timezone = "America/Chicago"
    org.save(update_fields=["timezone"])
    row = entry(org, location, urgency="flexible")
    # Created 2031-03-01 05:00 UTC (still Feb 28 in Chicago); read 2031-03-10 03:00 UTC
    # (Mar 9 in Chicago): 9 practice days, though UTC says 9 too by other dates.
    WaitlistEntry.objects.filter(pk=row.pk).update(
        created_at=datetime(2031, 3, 1, 5, 0, tzinfo=UTC)
    )
    now = datetime(2031, 3, 10, 3, 0, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=now):
        data = viewer_client.get(f"{ENTRIES}/{row.uuid}").json()
    assert data["days_waiting"] == 9  # Feb 28 → Mar 9 in Chicago (UTC would say Mar 1 → 10)
    assert data["patient_score"] == 10 + 9
    older = entry(org, location, urgency="flexible")
    WaitlistEntry.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=30))
    with mock.patch("django.utils.timezone.now", return_value=now):
        got = ids(viewer_client.get(ENTRIES, {"sort_by": "days_waiting"}))
    assert got == [str(older.uuid), str(row.uuid)]


def test_list_query_count_is_flat(org, admin_client, location, second_location):
    def count(n):
        for _ in range(n):
            row = entry(
                org,
                location,
                reach="selected",
                priority=DefinitionFactory(org=org, category="WaitlistPriority"),
                provider=ProviderFactory(org=org),
            )
            WaitlistEntryLocation.objects.create(org=org, entry=row, location=second_location)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(ENTRIES, {"page_size": 200}).status_code == 200
        return len(queries)

    admin_client.get(ENTRIES)  # warm: the first request reads what later ones cache
    assert count(1) == count(10)


# --- PATCH, DELETE, bulk remove ------------------------------------------------------------


def test_patch_changes_fields_and_checks_base_version_when_sent(org, staff_client, location):
    row = entry(org, location)
    url = f"{ENTRIES}/{row.uuid}"
    response = staff_client.patch(url, {"urgency": "soon", "note": "Call after 5"})
    assert response.status_code == 200, response.json()
    assert response.json()["urgency"] == "soon" and response.json()["version"] == 2
    assert staff_client.patch(url, {"base_version": 1, "note": "x"}).status_code == 409
    response = staff_client.patch(url, {"base_version": 2, "note": "y"})
    assert response.status_code == 200 and response.json()["note"] == "y"


def test_patch_cross_field_rules_use_the_stored_values(org, staff_client, location):
    row = entry(org, location, preferred_time_start="09:00")
    WaitlistEntry.objects.filter(pk=row.pk).update(date_range_start=date(2031, 3, 10))
    url = f"{ENTRIES}/{row.uuid}"
    response = staff_client.patch(url, {"preferred_time_end": "08:00"})
    assert response.status_code == 422 and "preferred_time_end" in str(response.json())
    response = staff_client.patch(url, {"date_range_end": "2031-03-01"})
    assert response.status_code == 422 and "date_range_end" in str(response.json())


def test_patch_scope_and_additional_locations(org, staff_client, location, second_location):
    row = entry(org, location)
    url = f"{ENTRIES}/{row.uuid}"
    response = staff_client.patch(
        url,
        {"location_scope": "selected", "additional_location_uuids": [str(second_location.uuid)]},
    )
    assert response.status_code == 200, response.json()
    assert [ref["id"] for ref in response.json()["additional_locations"]] == [
        str(second_location.uuid)
    ]
    response = staff_client.patch(url, {"location_scope": "any"})
    assert response.status_code == 200
    assert response.json()["additional_locations"] == []
    assert not WaitlistEntryLocation.objects.filter(entry=row).exists()


@pytest.mark.parametrize(
    "start, target, code",
    [
        ("waiting", "removed", 200),
        ("contacted", "waiting", 200),
        ("offered", "waiting", 200),
        ("offered", "removed", 200),
        ("waiting", "waiting", 200),
        ("waiting", "contacted", 409),
        ("waiting", "scheduled", 409),
        ("removed", "waiting", 409),
        ("scheduled", "removed", 409),
        ("expired", "waiting", 409),
    ],
)
def test_patch_status_moves(org, staff_client, location, start, target, code):
    row = entry(org, location, status=start)
    response = staff_client.patch(f"{ENTRIES}/{row.uuid}", {"status": target})
    assert response.status_code == code, response.json()
    if code == 409:
        assert response.json()["code"] == "INVALID_TRANSITION"
    else:
        assert response.json()["status"] == target


def test_patch_into_another_active_entrys_place_is_409(org, staff_client, location):
    first, second = AppointmentTypeFactory(org=org), AppointmentTypeFactory(org=org)
    row = entry(org, location, appointment_type=first)
    entry(org, location, patient=row.patient, appointment_type=second)
    response = staff_client.patch(
        f"{ENTRIES}/{row.uuid}", {"appointment_type_uuid": str(second.uuid)}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "DUPLICATE_ENTRY"


def test_delete_keeps_the_entry_as_removed(org, staff_client, location):
    row = entry(org, location)
    url = f"{ENTRIES}/{row.uuid}"
    assert staff_client.delete(url).status_code == 204
    row.refresh_from_db()
    assert row.status == "removed"
    assert str(row.uuid) not in ids(staff_client.get(ENTRIES))
    assert str(row.uuid) in ids(staff_client.get(ENTRIES, {"status": "removed"}))
    assert staff_client.get(url).json()["status"] == "removed"
    assert staff_client.delete(url).status_code == 204  # again: nothing to do
    done = entry(org, location, status="scheduled")
    response = staff_client.delete(f"{ENTRIES}/{done.uuid}")
    assert response.status_code == 409 and response.json()["code"] == "INVALID_TRANSITION"


def test_bulk_remove(org, staff_client, location):
    a, b = entry(org, location), entry(org, location, status="offered")
    gone = entry(org, location, status="removed")
    response = staff_client.post(BULK, {"entry_uuids": [str(a.uuid), str(b.uuid), str(gone.uuid)]})
    assert response.status_code == 200, response.json()
    assert response.json() == {"removed_count": 2}
    assert set(WaitlistEntry.objects.values_list("status", flat=True)) == {"removed"}
    assert ids(staff_client.get(ENTRIES)) == []


def test_bulk_remove_unknown_ids_are_404_and_change_nothing(org, other_org, staff_client, location):
    mine = entry(org, location)
    theirs = WaitlistEntryFactory(org=other_org)
    response = staff_client.post(BULK, {"entry_uuids": [str(mine.uuid), str(theirs.uuid)]})
    assert response.status_code == 404
    assert str(theirs.uuid) in str(response.json())
    mine.refresh_from_db()
    assert mine.status == "waiting"
    assert staff_client.post(BULK, {"entry_uuids": []}).status_code == 422
    assert staff_client.post(BULK, {}).status_code == 422
