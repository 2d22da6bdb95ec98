"""Quick-fill: each matching criterion on its own, cross-location reach, the ranking,
max_results, the match metadata, a flat query count, and 404/403/422."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    DefinitionFactory,
    LocationFactory,
    OperatoryFactory,
    ProviderFactory,
)
from tests.waitlist.conftest import EntryLocationFactory, OutreachEntryFactory
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db

URL = "waitlist/quick-fill"
MONDAY = "2033-03-07"  # Chicago is UTC-6 that day: 09:00-10:00 local = 15:00-16:00 UTC


def opening(location, **fields):
    return {
        "location_uuid": str(location.uuid),
        "slot_date": MONDAY,
        "slot_start_time": "09:00",
        "slot_end_time": "10:00",
        **fields,
    }


def found(client, location, **fields) -> list[str]:
    response = client.post(URL, opening(location, **fields))
    assert response.status_code == 200, response.json()
    return [m["entry"]["id"] for m in response.json()["matches"]]


def entry(org, location, **fields) -> WaitlistEntry:
    return OutreachEntryFactory(org=org, location=location, **fields)


@pytest.mark.parametrize(
    ("fields", "matches"),
    [
        ({}, True),
        ({"status": "contacted"}, True),
        ({"status": "offered"}, False),
        ({"status": "scheduled"}, False),
        ({"date_range_start": "2033-03-07", "date_range_end": "2033-03-07"}, True),
        ({"date_range_start": "2033-03-08"}, False),
        ({"date_range_end": "2033-03-06"}, False),
        ({"preferred_days": [0, 2]}, True),
        ({"preferred_days": [1, 2]}, False),
        ({"preferred_time_start": time(8), "preferred_time_end": time(10)}, True),
        ({"preferred_time_start": time(9, 30)}, False),
        ({"preferred_time_end": time(9, 45)}, False),
        ({"estimated_duration_mins": 60}, True),
        ({"estimated_duration_mins": 75}, False),
    ],
)
def test_each_criterion(viewer_client, org, location, fields, matches):
    e = entry(org, location, **fields)
    assert found(viewer_client, location) == ([str(e.uuid)] if matches else [])


def test_duration_falls_back_to_the_type(viewer_client, org, location):
    long = entry(
        org, location, appointment_type=AppointmentTypeFactory(org=org, duration_minutes=90)
    )
    short = entry(
        org, location, appointment_type=AppointmentTypeFactory(org=org, duration_minutes=40)
    )
    own = entry(
        org,
        location,
        estimated_duration_mins=30,
        appointment_type=AppointmentTypeFactory(org=org, duration_minutes=90),
    )
    assert set(found(viewer_client, location)) == {str(short.uuid), str(own.uuid)}
    assert str(long.uuid) not in found(viewer_client, location)


def test_patient_booked_at_an_overlapping_time_is_left_out(viewer_client, org, location):
    busy, free = entry(org, location), entry(org, location)
    chair = OperatoryFactory(org=org, location=location)
    start = datetime(2033, 3, 7, 15, 30, tzinfo=UTC)
    AppointmentFactory(
        org=org,
        operatory=chair,
        patient=busy.patient,
        start_at=start,
        end_at=start + timedelta(minutes=30),
    )
    # Back to back (ends at the opening's start) and cancelled ones do not count.
    AppointmentFactory(
        org=org,
        operatory=chair,
        patient=free.patient,
        start_at=start - timedelta(minutes=60),
        end_at=start - timedelta(minutes=30),
    )
    AppointmentFactory(
        org=org,
        operatory=chair,
        patient=free.patient,
        status="cancelled",
        start_at=start,
        end_at=start + timedelta(minutes=30),
    )
    assert found(viewer_client, location) == [str(free.uuid)]


def test_cross_location_reach(viewer_client, org, location, second_location):
    home = entry(org, location)
    other_home = entry(org, second_location)
    anywhere = entry(org, second_location, reach="any")
    selected = entry(org, second_location, reach="selected")
    EntryLocationFactory(entry=selected, location=location)
    elsewhere = entry(org, second_location, reach="selected")
    EntryLocationFactory(entry=elsewhere, location=LocationFactory(org=org))
    response = viewer_client.post(URL, opening(location))
    by_id = {m["entry"]["id"]: m["location_match"] for m in response.json()["matches"]}
    assert by_id == {
        str(home.uuid): "home",
        str(anywhere.uuid): "any",
        str(selected.uuid): "selected",
    }
    assert str(other_home.uuid) not in by_id
    assert found(viewer_client, location, include_cross_location=False) == [str(home.uuid)]


def test_ranking(viewer_client, org, location):
    first_priority = DefinitionFactory(org=org, category="WaitlistPriority", item_order=1)
    second_priority = DefinitionFactory(org=org, category="WaitlistPriority", item_order=2)
    routine_old = entry(org, location, urgency="routine")
    routine_new = entry(org, location, urgency="routine")
    WaitlistEntry.objects.filter(pk=routine_old.pk).update(
        created_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    flexible = entry(org, location, urgency="flexible")
    urgent_2 = entry(org, location, urgency="urgent", priority=second_priority)
    urgent_1 = entry(org, location, urgency="urgent", priority=first_priority)
    urgent_none = entry(org, location, urgency="urgent")
    soon = entry(org, location, urgency="soon")
    expected = [urgent_1, urgent_2, urgent_none, soon, routine_old, routine_new, flexible]
    assert found(viewer_client, location) == [str(e.uuid) for e in expected]


def test_max_results_and_total(viewer_client, org, location):
    for _ in range(4):
        entry(org, location)
    response = viewer_client.post(URL, opening(location, max_results=3))
    assert len(response.json()["matches"]) == 3
    assert response.json()["total_matches"] == 4
    assert response.json()["location_timezone"] == "America/Chicago"
    for bad in (0, 101, "x"):
        assert viewer_client.post(URL, opening(location, max_results=bad)).status_code == 422


def test_match_metadata(viewer_client, org, location):
    provider, other = ProviderFactory(org=org), ProviderFactory(org=org)
    kind = AppointmentTypeFactory(org=org, duration_minutes=30)
    exact = entry(
        org, location, provider=provider, appointment_type=kind, estimated_duration_mins=55
    )
    good = entry(org, location, provider=provider, appointment_type=kind)
    partial = entry(org, location, provider=other, estimated_duration_mins=60)
    response = viewer_client.post(
        URL,
        opening(location, provider_uuid=str(provider.uuid), appointment_type_uuid=str(kind.uuid)),
    )
    matches = {m["entry"]["id"]: m for m in response.json()["matches"]}
    assert matches[str(exact.uuid)]["quality"] == "exact"
    assert matches[str(exact.uuid)]["duration_fit"] == 5
    assert matches[str(good.uuid)]["quality"] == "good"
    assert matches[str(good.uuid)]["duration_fit"] == 30
    assert matches[str(partial.uuid)]["quality"] == "partial"
    assert matches[str(partial.uuid)]["provider_match"] is False
    assert matches[str(partial.uuid)]["duration_fit"] == 0
    assert all(m["reasons"] for m in matches.values())


def test_query_count_is_flat(viewer_client, org, location, second_location):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer_client.post(URL, opening(location)).status_code == 200
        return len(queries)

    entry(org, location)
    count()  # warm: the caller's token and access are cached after the first call
    few = count()
    for _ in range(6):
        e = entry(
            org,
            second_location,
            reach="selected",
            priority=DefinitionFactory(org=org),
            provider=ProviderFactory(org=org),
        )
        EntryLocationFactory(entry=e, location=location)
        AppointmentFactory(
            org=org, operatory=OperatoryFactory(org=org, location=location), patient=e.patient
        )
    assert count() == few


def test_other_org_entries_and_location(viewer_client, org, other_org, location):
    entry(other_org, LocationFactory(org=other_org))
    assert found(viewer_client, location) == []
    foreign = LocationFactory(org=other_org)
    assert viewer_client.post(URL, opening(foreign)).status_code == 404
    response = viewer_client.post(
        URL, opening(location, provider_uuid=str(ProviderFactory(org=other_org).uuid))
    )
    assert response.status_code == 404


def test_forbidden_location_is_403(limited_client, org, location, second_location):
    assert limited_client.post(URL, opening(second_location)).status_code == 403
    # Entries at a location the caller may not see are not offered either.
    entry(org, second_location, reach="any")
    assert found(limited_client, location) == []


def test_invalid_openings_are_422(viewer_client, location):
    response = viewer_client.post(URL, opening(location, slot_end_time="09:00"))
    assert response.status_code == 422
    # 2033-03-13 02:30 does not exist in Chicago (spring forward).
    response = viewer_client.post(
        URL,
        opening(location, slot_date="2033-03-13", slot_start_time="02:30", slot_end_time="04:00"),
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "slot_start_time"]
