"""The free-time search (``GET schedule/free-time``): slots where a visit could be booked.

A slot is offered when the provider is scheduled there for all of it, the chair is free as
the conflict engine judges a booking, and the provider is booked nowhere else during the
visit's provider time. The property test at the end checks the search against the engine
itself on random schedules: every slot returned is one the engine accepts, and every slot
the engine would accept is returned.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.models import (
    Appointment,
    AppointmentProvider,
    AppointmentRule,
    AppointmentTypeLocation,
)
from appointments.services.conflicts import Booking, Slot, judge_slots
from appointments.services.free_time import (
    free_time_search,
    provider_cells,
    visit_pattern,
)
from scheduling.models import PatientPreference, Role
from scheduling.schedule.resolution import provider_days
from scheduling.timezones import to_utc
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    BlockoutFactory,
    BlockoutTypeFactory,
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    ProviderFactory,
    ScheduleOverrideFactory,
    ScheduleTemplateFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2030, 3, 4)  # far from daylight-saving changes; Chicago is UTC-6
TUESDAY = MONDAY + timedelta(days=1)
SPRING_FORWARD = date(2030, 3, 10)  # a Sunday: 02:00–03:00 does not exist in Chicago
FALL_BACK = date(2030, 11, 3)  # a Sunday: 01:00–02:00 happens twice in Chicago
TZ = "America/Chicago"


# --- the scene -------------------------------------------------------------------------


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 1", item_order=1)


@pytest.fixture
def other_chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 2", item_order=2)


@pytest.fixture
def provider(org):
    return ProviderFactory(org=org, first_name="Grace", last_name="Hopper")


@pytest.fixture
def patient(org):
    return PatientFactory(org=org)


def works(provider, location, *, start="08:00", end="10:00", day=MONDAY, operatory=None):
    """A weekly template: ``provider`` works at ``location`` on ``day``'s weekday."""
    return ScheduleTemplateFactory(
        org=provider.org,
        provider=provider,
        location=location,
        operatory=operatory,
        day_of_week=day.weekday(),
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        effective_from=date(2030, 1, 1),
    )


def at(day: date, wall: str, tz: str = TZ) -> datetime:
    return to_utc(day, time.fromisoformat(wall), tz)


def booked(chair, start: str, end: str, *, day=MONDAY, providers=(), **fields):
    """A live appointment in ``chair`` (with ``providers`` linked, as a booking links them)."""
    tz = chair.location.timezone
    appointment = AppointmentFactory(
        org=chair.org,
        operatory=chair,
        start_at=at(day, start, tz),
        end_at=at(day, end, tz),
        **fields,
    )
    for order, provider in enumerate(providers):
        AppointmentProviderFactory(
            org=chair.org, appointment=appointment, provider=provider, item_order=order
        )
    return appointment


def blocked(location, start: str, end: str, *, day=MONDAY, operatory=None, no_schedule=True):
    return BlockoutFactory(
        org=location.org,
        location=location,
        operatory=operatory,
        blockout_type=BlockoutTypeFactory(org=location.org, is_no_schedule=no_schedule),
        schedule_date=day,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
    )


def search(client, location, *, status=200, **params):
    """GET schedule/free-time on MONDAY (30 minutes unless a type gives the length); lists
    (``provider_uuids`` …) go comma-separated."""
    query = {
        "location_uuid": str(location.uuid),
        "date_from": MONDAY.isoformat(),
        "date_to": MONDAY.isoformat(),
        **params,
    }
    if "appointment_type_uuid" not in query:
        query.setdefault("duration_minutes", 30)
    query = {
        name: ",".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
        for name, value in query.items()
    }
    response = client.get("schedule/free-time", query)
    assert response.status_code == status, response.json()
    return response.json()


def starts(body) -> list[str]:
    return [f"{slot['date']} {slot['start_time'][:5]}" for slot in body["slots"]]


def on_monday(*walls: str) -> list[str]:
    return [f"{MONDAY} {wall}" for wall in walls]


# --- the provider's schedule -------------------------------------------------------------


def test_slots_lie_inside_the_providers_templates_only(viewer_client, location, chair, provider):
    works(provider, location, start="08:00", end="10:00")
    body = search(viewer_client, location, date_to=TUESDAY, increment_minutes=30)
    assert starts(body) == on_monday("08:00", "08:30", "09:00", "09:30")  # nothing on Tuesday
    first = body["slots"][0]
    assert first == {
        "date": "2030-03-04",
        "start_time": "08:00:00",
        "end_time": "08:30:00",
        "start_at": "2030-03-04T14:00:00Z",
        "end_at": "2030-03-04T14:30:00Z",
        "provider": {"id": str(provider.uuid), "name": "Grace Hopper"},
        "operatory": {"id": str(chair.uuid), "name": "Op 1"},
        "location_timezone": TZ,
    }
    assert body["location"] == {"id": str(location.uuid), "name": "Chicago"}
    assert body["location_timezone"] == TZ
    assert (body["date_from"], body["date_to"]) == ("2030-03-04", "2030-03-05")
    assert (body["duration_minutes"], body["time_pattern"]) == (30, "XXXXXX")
    assert body["appointment_type"] is None and body["truncated"] is False


def test_ranges_that_touch_make_one_stretch(staff_client, location, chair, provider):
    works(provider, location, start="08:00", end="09:00")
    works(provider, location, start="09:00", end="10:00")
    body = search(staff_client, location, duration_minutes=60, increment_minutes=30)
    assert starts(body) == on_monday("08:00", "08:30", "09:00")


def test_a_day_off_gives_nothing(staff_client, location, chair, provider):
    works(provider, location)
    ScheduleOverrideFactory(
        org=location.org, provider=provider, location=location, override_date=MONDAY
    )
    assert search(staff_client, location)["slots"] == []


def test_extra_hours_give_slots_on_a_day_without_template(staff_client, location, chair, provider):
    ScheduleOverrideFactory(
        org=location.org,
        provider=provider,
        location=location,
        override_date=TUESDAY,
        is_unavailable=False,
        start_time=time(13, 0),
        end_time=time(14, 0),
        override_reason="extra_hours",
    )
    body = search(staff_client, location, date_to=TUESDAY, increment_minutes=30)
    assert starts(body) == [f"{TUESDAY} 13:00", f"{TUESDAY} 13:30"]


def test_an_override_replaces_the_templates_of_its_date(staff_client, location, chair, provider):
    works(provider, location, start="08:00", end="12:00")
    ScheduleOverrideFactory(
        org=location.org,
        provider=provider,
        location=location,
        override_date=MONDAY,
        is_unavailable=False,
        start_time=time(15, 0),
        end_time=time(15, 30),
        override_reason="schedule_change",
    )
    assert starts(search(staff_client, location)) == on_monday("15:00")


def test_a_range_naming_an_operatory_offers_only_that_one(
    staff_client, location, chair, other_chair, provider
):
    works(provider, location, start="08:00", end="08:30", operatory=other_chair)
    works(provider, location, start="09:00", end="09:30")  # any chair
    slots = search(staff_client, location)["slots"]
    assert [(s["start_time"], s["operatory"]["name"]) for s in slots] == [
        ("08:00:00", "Op 2"),
        ("09:00:00", "Op 1"),
        ("09:00:00", "Op 2"),
    ]
    only = search(staff_client, location, operatory_uuids=[chair.uuid])["slots"]
    assert [(s["start_time"], s["operatory"]["name"]) for s in only] == [("09:00:00", "Op 1")]


def test_inactive_chairs_and_providers_are_left_out_unless_named(
    staff_client, org, location, chair, provider
):
    works(provider, location, start="08:00", end="08:30")
    chair.is_active = False
    chair.save()
    assert search(staff_client, location)["slots"] == []
    assert len(search(staff_client, location, operatory_uuids=[chair.uuid])["slots"]) == 1
    chair.is_active = True
    chair.save()
    provider.is_active = False
    provider.save()
    assert search(staff_client, location)["slots"] == []
    assert len(search(staff_client, location, provider_uuids=[provider.uuid])["slots"]) == 1


# --- the chair ---------------------------------------------------------------------------


def test_live_appointments_take_the_chair_and_others_do_not(
    staff_client, location, chair, provider
):
    works(provider, location, start="08:00", end="10:00")
    booked(chair, "08:30", "09:00")
    booked(chair, "09:00", "09:30", status="cancelled")
    booked(chair, "09:30", "10:00", status="broken")
    body = search(staff_client, location, increment_minutes=30)
    assert starts(body) == on_monday("08:00", "09:00", "09:30")  # back to back is free


def test_an_appointment_elsewhere_takes_only_its_own_chair(
    staff_client, location, chair, other_chair, provider
):
    works(provider, location, start="08:00", end="08:30")
    booked(other_chair, "08:00", "08:30")
    slots = search(staff_client, location)["slots"]
    assert [s["operatory"]["name"] for s in slots] == ["Op 1"]


def test_no_schedule_blockouts_block_their_chair_or_the_whole_location(
    staff_client, location, chair, other_chair, provider
):
    works(provider, location, start="08:00", end="10:00")
    blocked(location, "08:00", "08:30", operatory=chair)
    blocked(location, "09:00", "09:30")  # location-wide
    blocked(location, "09:30", "10:00", no_schedule=False)  # informs, blocks nothing
    body = search(staff_client, location, increment_minutes=30)
    assert [(s["start_time"][:5], s["operatory"]["name"]) for s in body["slots"]] == [
        ("08:00", "Op 2"),
        ("08:30", "Op 1"),
        ("08:30", "Op 2"),
        ("09:30", "Op 1"),
        ("09:30", "Op 2"),
    ]


def test_a_rule_allowing_the_pair_lets_the_slot_overlap(
    staff_client, org, location, chair, provider
):
    works(provider, location, start="08:00", end="09:00")
    exam, cleaning = AppointmentTypeFactory(org=org), AppointmentTypeFactory(org=org)
    booked(chair, "08:00", "08:30", appointment_type=exam)
    params = {"appointment_type_uuid": cleaning.uuid, "increment_minutes": 30}
    assert starts(search(staff_client, location, **params)) == on_monday("08:30")
    AppointmentRule.objects.create(org=org, appointment_type_a=exam, appointment_type_b=cleaning)
    assert starts(search(staff_client, location, **params)) == on_monday("08:00", "08:30")
    # Without a type no rule applies; a rule of the location overrides the org-wide one.
    assert starts(search(staff_client, location, increment_minutes=30)) == on_monday("08:30")
    AppointmentRule.objects.create(
        org=org,
        appointment_type_a=exam,
        appointment_type_b=cleaning,
        location=location,
        allow_overlap=False,
    )
    assert starts(search(staff_client, location, **params)) == on_monday("08:30")


# --- the provider elsewhere --------------------------------------------------------------


def test_a_provider_booked_elsewhere_is_not_free_during_provider_time(
    staff_client, org, location, second_location, chair, provider
):
    """X cells must be clear of the provider's other bookings, at any location; `/`
    cells (assistant time) may overlap them."""
    works(provider, location, start="08:00", end="09:00")
    ny_chair = OperatoryFactory(org=org, location=second_location)
    booked(ny_chair, "09:00", "09:30", providers=[provider])  # 08:00–08:30 in Chicago
    assistant_first = AppointmentTypeFactory(
        org=org, duration_minutes=60, time_pattern="//////XXXXXX"
    )
    provider_first = AppointmentTypeFactory(
        org=org, duration_minutes=60, time_pattern="XXXXXX//////"
    )
    assert starts(search(staff_client, location, duration_minutes=60)) == []
    body = search(staff_client, location, appointment_type_uuid=assistant_first.uuid)
    assert starts(body) == on_monday("08:00")
    assert body["time_pattern"] == "//////XXXXXX"
    assert starts(search(staff_client, location, appointment_type_uuid=provider_first.uuid)) == []


def test_a_provider_on_a_cancelled_appointment_is_free(
    staff_client, location, other_chair, chair, provider
):
    works(provider, location, start="08:00", end="08:30", operatory=chair)
    booked(other_chair, "08:00", "08:30", providers=[provider], status="cancelled")
    assert starts(search(staff_client, location)) == on_monday("08:00")


def test_duration_wins_over_the_type_whose_pattern_is_cut_or_carried_on(
    staff_client, org, location, chair, provider
):
    works(provider, location, start="08:00", end="12:00")
    cleaning = AppointmentTypeFactory(org=org, duration_minutes=30, time_pattern="//XX//")
    longer = search(
        staff_client, location, appointment_type_uuid=cleaning.uuid, duration_minutes=45
    )
    assert (longer["duration_minutes"], longer["time_pattern"]) == (45, "//XX//XXX")
    assert longer["appointment_type"]["id"] == str(cleaning.uuid)
    assert longer["slots"][0]["end_time"] == "08:45:00"
    shorter = search(
        staff_client, location, appointment_type_uuid=cleaning.uuid, duration_minutes=15
    )
    assert shorter["time_pattern"] == "//X"
    assert (
        search(staff_client, location, appointment_type_uuid=cleaning.uuid)["duration_minutes"]
        == 30
    )


def test_patterns():
    assert visit_pattern(20, None) == "XXXX"
    assert provider_cells("//XX//X") == [(2, 4), (6, 7)]
    assert provider_cells("////") == []


# --- what to search ----------------------------------------------------------------------


def test_earliest_latest_and_increment(staff_client, location, chair, provider):
    works(provider, location, start="08:00", end="12:00")
    body = search(
        staff_client,
        location,
        duration_minutes=45,
        earliest_time="09:10",
        latest_time="11:00",
        increment_minutes=15,
    )
    assert starts(body) == on_monday("09:15", "09:30", "09:45", "10:00", "10:15")
    assert body["slots"][-1]["end_time"] == "11:00:00"
    fives = search(staff_client, location, earliest_time="08:00", latest_time="08:40")
    assert starts(fives) == on_monday("08:00", "08:10")  # default increment: 10
    assert starts(
        search(staff_client, location, latest_time="08:40", increment_minutes=5)
    ) == on_monday("08:00", "08:05", "08:10")


def test_limit_and_truncated(staff_client, location, chair, provider):
    works(provider, location, start="08:00", end="09:00")
    works(provider, location, start="08:00", end="09:00", day=TUESDAY)
    full = search(staff_client, location, date_to=TUESDAY, increment_minutes=30)
    assert len(full["slots"]) == 4 and not full["truncated"]
    cut = search(staff_client, location, date_to=TUESDAY, increment_minutes=30, limit=3)
    assert starts(cut) == starts(full)[:3] and cut["truncated"]
    exact = search(staff_client, location, date_to=TUESDAY, increment_minutes=30, limit=4)
    assert not exact["truncated"]


def test_order_is_start_then_provider_name_then_operatory_order(
    staff_client, org, location, chair, other_chair
):
    adams = ProviderFactory(org=org, first_name="Ann", last_name="Adams")
    baker = ProviderFactory(org=org, first_name="Bob", last_name="Baker")
    works(baker, location, start="08:00", end="09:00")
    works(adams, location, start="08:30", end="09:00")
    other_chair.item_order = 0  # Op 2 comes first now
    other_chair.save()
    slots = search(staff_client, location, increment_minutes=30)["slots"]
    assert [
        (s["start_time"][:5], s["provider"]["name"], s["operatory"]["name"]) for s in slots
    ] == [
        ("08:00", "Bob Baker", "Op 2"),
        ("08:00", "Bob Baker", "Op 1"),
        ("08:30", "Ann Adams", "Op 2"),
        ("08:30", "Ann Adams", "Op 1"),
        ("08:30", "Bob Baker", "Op 2"),
        ("08:30", "Bob Baker", "Op 1"),
    ]


def test_a_patient_without_preferences_changes_nothing(
    staff_client, location, chair, provider, patient
):
    works(provider, location)
    plain = search(staff_client, location)
    assert search(staff_client, location, patient_uuid=patient.uuid) == plain


def test_preferences_rank_slots_that_start_together(org, location, chair, other_chair):
    adams = ProviderFactory(org=org, last_name="Adams")
    baker = ProviderFactory(org=org, last_name="Baker")
    works(adams, location, start="08:00", end="08:30")
    works(baker, location, start="08:00", end="08:30")

    def order(preferences):
        found = free_time_search(
            location=location,
            date_from=MONDAY,
            date_to=MONDAY,
            duration_minutes=30,
            preferences=preferences,
        )
        return [(s.provider.last_name, s.operatory.name) for s in found.slots]

    assert order(None) == [
        ("Adams", "Op 1"),
        ("Adams", "Op 2"),
        ("Baker", "Op 1"),
        ("Baker", "Op 2"),
    ]
    likes_baker = PatientPreference(
        preferred_provider_id=baker.pk, preferred_operatory_id=other_chair.pk
    )
    assert order(likes_baker) == [  # the provider outweighs the chair
        ("Baker", "Op 2"),
        ("Baker", "Op 1"),
        ("Adams", "Op 2"),
        ("Adams", "Op 1"),
    ]


def test_a_patients_stored_preference_ranks_the_slots(org, location, staff_client, patient):
    """The search reads the patient's preference row (patient_uuid): their provider first."""
    from tests.factories import PatientPreferenceFactory, ProviderFactory

    first, second = (ProviderFactory(org=org, last_name=name) for name in ("Adams", "Baker"))
    chair = OperatoryFactory(org=org, location=location)
    for who in (first, second):
        works(who, location, start="09:00", end="10:00")
    PatientPreferenceFactory(org=org, patient=patient, preferred_provider=second)
    found = staff_client.get(
        "schedule/free-time",
        {
            "location_uuid": str(location.uuid),
            "date_from": MONDAY.isoformat(),
            "date_to": MONDAY.isoformat(),
            "duration_minutes": 30,
            "patient_uuid": str(patient.uuid),
            "operatory_uuids": str(chair.uuid),
        },
    ).json()["slots"]
    assert [s["provider"]["id"] for s in found[:2]] == [str(second.uuid), str(first.uuid)]


def test_slots_that_start_before_now_are_not_offered(org, location, chair, provider):
    works(provider, location, start="08:00", end="09:00")
    found = free_time_search(
        location=location,
        date_from=MONDAY,
        date_to=MONDAY,
        duration_minutes=30,
        increment_minutes=30,
        not_before=at(MONDAY, "08:10"),
    )
    assert [s.start_time for s in found.slots] == [time(8, 30)]


def test_the_search_writes_nothing(staff_client, location, chair, provider):
    works(provider, location)
    before = (Appointment.objects.count(), AppointmentProvider.objects.count())
    search(staff_client, location)
    assert (Appointment.objects.count(), AppointmentProvider.objects.count()) == before


# --- booking what was found --------------------------------------------------------------


def test_booking_a_returned_slot_succeeds_and_it_is_gone_from_the_next_search(
    staff_client, org, location, chair, provider, patient
):
    works(provider, location, start="08:00", end="09:00")
    crown = AppointmentTypeFactory(org=org, duration_minutes=30, time_pattern="XX//XX")
    params = {"appointment_type_uuid": crown.uuid, "increment_minutes": 30}
    first = search(staff_client, location, **params)["slots"][0]
    response = staff_client.post(
        "appointments",
        {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": first["operatory"]["id"],
            "provider_uuids": [first["provider"]["id"]],
            "appointment_type_uuid": str(crown.uuid),
            "schedule_date": first["date"],
            "start_time": first["start_time"],
            "end_time": first["end_time"],
        },
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["start_time"], response.json()["end_time"]) == (
        first["start_at"],
        first["end_at"],
    )
    assert starts(search(staff_client, location, **params)) == on_monday("08:30")


# --- daylight saving ---------------------------------------------------------------------


def test_spring_forward_offers_nothing_in_the_gap(staff_client, location, chair, provider):
    works(provider, location, start="01:00", end="04:00", day=SPRING_FORWARD)
    body = search(
        staff_client,
        location,
        date_from=SPRING_FORWARD,
        date_to=SPRING_FORWARD,
        increment_minutes=30,
    )
    # 01:30–02:00 ends in the gap, 02:00 and 02:30 start in it.
    assert [
        (s["start_time"], s["end_time"], s["start_at"], s["end_at"]) for s in body["slots"]
    ] == [
        ("01:00:00", "01:30:00", "2030-03-10T07:00:00Z", "2030-03-10T07:30:00Z"),
        ("03:00:00", "03:30:00", "2030-03-10T08:00:00Z", "2030-03-10T08:30:00Z"),
        ("03:30:00", "04:00:00", "2030-03-10T08:30:00Z", "2030-03-10T09:00:00Z"),
    ]


def test_fall_back_uses_the_first_occurrence_and_the_right_instants(
    staff_client, location, chair, provider, patient
):
    works(provider, location, start="00:30", end="03:00", day=FALL_BACK)
    body = search(
        staff_client, location, date_from=FALL_BACK, date_to=FALL_BACK, increment_minutes=30
    )
    assert [(s["start_time"], s["start_at"], s["end_at"]) for s in body["slots"]] == [
        ("00:30:00", "2030-11-03T05:30:00Z", "2030-11-03T06:00:00Z"),
        ("01:00:00", "2030-11-03T06:00:00Z", "2030-11-03T06:30:00Z"),  # CDT
        ("01:30:00", "2030-11-03T06:30:00Z", "2030-11-03T08:00:00Z"),  # to 02:00 CST
        ("02:00:00", "2030-11-03T08:00:00Z", "2030-11-03T08:30:00Z"),
        ("02:30:00", "2030-11-03T08:30:00Z", "2030-11-03T09:00:00Z"),
    ]
    slot = body["slots"][2]
    response = staff_client.post(
        "appointments",
        {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": slot["operatory"]["id"],
            "schedule_date": slot["date"],
            "start_time": slot["start_time"],
            "end_time": slot["end_time"],
        },
    )
    assert response.status_code == 201
    assert (response.json()["start_time"], response.json()["end_time"]) == (
        slot["start_at"],
        slot["end_at"],
    )


def test_a_booking_in_the_repeated_hour_blocks_by_its_instants(
    staff_client, location, chair, provider
):
    """An appointment in the second 01:00–02:00 (CST) takes 07:00Z–08:00Z: the first
    occurrence's 01:00 slots (CDT) stay free, the 01:30 slot (to 02:00 CST) does not."""
    works(provider, location, start="01:00", end="02:30", day=FALL_BACK)
    Appointment.objects.create(
        org=location.org,
        location=location,
        operatory=chair,
        patient=PatientFactory(org=location.org),
        start_at=datetime(2030, 11, 3, 7, 0, tzinfo=UTC),
        end_at=datetime(2030, 11, 3, 8, 0, tzinfo=UTC),
    )
    body = search(
        staff_client, location, date_from=FALL_BACK, date_to=FALL_BACK, increment_minutes=30
    )
    assert [s["start_time"] for s in body["slots"]] == ["01:00:00", "02:00:00"]


# --- the request -------------------------------------------------------------------------


def test_31_days_is_the_most(staff_client, location):
    last = MONDAY + timedelta(days=30)
    assert search(staff_client, location, date_to=last)["slots"] == []
    body = search(staff_client, location, date_to=last + timedelta(days=1), status=422)
    assert [item["loc"] for item in body["detail"]] == [["query", "date_to"]]
    body = search(staff_client, location, date_to=MONDAY - timedelta(days=1), status=422)
    assert [item["loc"] for item in body["detail"]] == [["query", "date_to"]]


def test_a_length_is_required(staff_client, location):
    response = staff_client.get(
        "schedule/free-time",
        {
            "location_uuid": str(location.uuid),
            "date_from": MONDAY.isoformat(),
            "date_to": MONDAY.isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "duration_minutes"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("duration_minutes", "7"),
        ("duration_minutes", "0"),
        ("duration_minutes", "725"),
        ("duration_minutes", "1.5"),
        ("increment_minutes", "7"),
        ("limit", "0"),
        ("limit", "501"),
        ("earliest_time", "25:00"),
        ("date_from", "2030-02-30"),
        ("date_from", "1899-12-31"),
        ("provider_uuids", "not-a-uuid"),
        ("operatory_uuids", "1,2"),
        ("location_uuid", "123"),
    ],
)
def test_malformed_values_are_422_naming_the_parameter(staff_client, location, name, value):
    body = search(staff_client, location, status=422, **{name: value})
    assert body["detail"][0]["loc"][:2] == ["query", name]


def test_latest_must_come_after_earliest(staff_client, location):
    body = search(staff_client, location, earliest_time="10:00", latest_time="10:00", status=422)
    assert body["detail"][0]["loc"] == ["query", "latest_time"]


def test_an_archived_type_or_one_not_offered_there_is_422(staff_client, org, location):
    archived = AppointmentTypeFactory(org=org, status="archived")
    body = search(staff_client, location, appointment_type_uuid=archived.uuid, status=422)
    assert body["detail"][0]["loc"] == ["query", "appointment_type_uuid"]
    elsewhere = AppointmentTypeFactory(org=org)
    AppointmentTypeLocation.objects.create(
        org=org, appointment_type=elsewhere, location=LocationFactory(org=org)
    )
    body = search(staff_client, location, appointment_type_uuid=elsewhere.uuid, status=422)
    assert body["detail"][0]["type"] == "wrong_location"


def test_an_operatory_of_another_location_is_422(staff_client, org, location, second_location):
    ny_chair = OperatoryFactory(org=org, location=second_location)
    body = search(staff_client, location, operatory_uuids=[ny_chair.uuid], status=422)
    assert body["detail"][0]["loc"] == ["query", "operatory_uuids"]
    assert body["detail"][0]["type"] == "wrong_location"


def test_unknown_ids_are_404_naming_them(staff_client, org, other_org, location, provider):
    theirs = ProviderFactory(org=other_org)
    for params in (
        {"provider_uuids": [provider.uuid, theirs.uuid]},
        {"operatory_uuids": [OperatoryFactory(org=other_org).uuid]},
        {"patient_uuid": PatientFactory(org=other_org).uuid},
        {"appointment_type_uuid": AppointmentTypeFactory(org=other_org).uuid},
    ):
        body = search(staff_client, location, status=404, **params)
        assert body["code"] == "NOT_FOUND"
        assert [error["loc"] for error in body["errors"]] == [["query", next(iter(params))]]
    body = search(staff_client, LocationFactory(org=other_org), status=404)
    assert body["errors"][0]["loc"] == ["query", "location_uuid"]


def test_lists_take_commas_and_repeats_alike(staff_client, org, location, chair, provider):
    other = ProviderFactory(org=org)
    works(provider, location, start="08:00", end="08:30")
    works(other, location, start="08:00", end="08:30")
    query = (
        f"location_uuid={location.uuid}&date_from={MONDAY}&date_to={MONDAY}"
        f"&duration_minutes=30&provider_uuids={provider.uuid}&provider_uuids={other.uuid}"
    )
    repeated = staff_client.get(f"schedule/free-time?{query}").json()
    commas = search(staff_client, location, provider_uuids=[provider.uuid, other.uuid])
    assert repeated == commas and len(commas["slots"]) == 2
    only = search(staff_client, location, provider_uuids=[other.uuid])
    assert [s["provider"]["id"] for s in only["slots"]] == [str(other.uuid)]


def test_a_forbidden_location_is_403(limited_client, second_location):
    body = search(limited_client, second_location, status=403)
    assert body["code"] == "PERMISSION_DENIED"


def test_every_role_may_search(org, location, chair, provider):
    works(provider, location, start="08:00", end="08:30")
    for role in Role:
        assert len(search(api_for(org, role), location)["slots"]) == 1


# --- cost ----------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_days_providers_and_operatories(
    staff_client, org, location
):
    chairs = [OperatoryFactory(org=org, location=location) for _ in range(4)]
    providers = [ProviderFactory(org=org) for _ in range(5)]
    for day in range(7):
        for n, provider in enumerate(providers):
            works(provider, location, day=MONDAY + timedelta(days=day), operatory=chairs[n % 2])
            booked(
                chairs[n % 4],
                "08:00",
                "08:30",
                day=MONDAY + timedelta(days=day),
                providers=[provider],
            )
        blocked(location, "09:00", "09:10", day=MONDAY + timedelta(days=day))
    exam = AppointmentTypeFactory(org=org)
    patient = PatientFactory(org=org)

    def queries(days: int, people: list, rooms: list) -> int:
        with CaptureQueriesContext(connection) as ctx:
            search(
                staff_client,
                location,
                date_to=MONDAY + timedelta(days=days - 1),
                provider_uuids=[p.uuid for p in people],
                operatory_uuids=[o.uuid for o in rooms],
                appointment_type_uuid=exam.uuid,
                patient_uuid=patient.uuid,
                limit=500,
            )
        return len(ctx.captured_queries)

    queries(1, providers[:1], chairs[:1])  # warm: the token's last_used_at
    small = queries(1, providers[:1], chairs[:1])
    assert small == queries(14, providers, chairs)
    assert small <= 3  # the token, the ids named, then everything the search reads


# --- the property: the search and the conflict engine agree ----------------------------------

QUARTERS = st.integers(8 * 4, 11 * 4).map(lambda n: time(n // 4, n % 4 * 15))
DAYS = st.sampled_from([MONDAY, TUESDAY])


@st.composite
def spans(draw, shortest: int = 5, longest: int = 120) -> tuple[time, time]:
    """A local ``(start, end)`` in one morning, on a quarter hour, 5-minute lengths (one
    crowded morning, so that rows collide often)."""
    start = draw(QUARTERS)
    minutes = draw(st.integers(shortest // 5, longest // 5)) * 5
    return start, (datetime.combine(MONDAY, start) + timedelta(minutes=minutes)).time()


CHAIR = st.integers(0, 1)
MAYBE = st.sampled_from([None, 0, 1])  # a chair, type or provider, or none


@st.composite
def scenes(draw) -> dict:
    """Two chairs and two providers over a Monday and a Tuesday: random templates (in a
    chair or any), maybe an override, appointments (live or not, typed or not, with a
    provider or not), blockouts (of a chair or the location, blocking or not), maybe a
    rule allowing the two types together, and a search."""
    return {
        "templates": draw(
            st.lists(st.tuples(CHAIR, DAYS, spans(30, 180), MAYBE), min_size=1, max_size=4)
        ),
        "override": draw(st.none() | st.tuples(CHAIR, DAYS, st.booleans())),
        "appointments": draw(
            st.lists(
                st.tuples(
                    CHAIR, DAYS, spans(), st.sampled_from(["scheduled", "cancelled"]), MAYBE, MAYBE
                ),
                max_size=8,
            )
        ),
        "blockouts": draw(
            st.lists(st.tuples(MAYBE, DAYS, spans(), st.booleans()), min_size=1, max_size=3)
        ),
        "rule": draw(st.booleans()),
        "searched_type": draw(MAYBE),
        "duration": draw(st.sampled_from([15, 30, 45])),
        "increment": draw(st.sampled_from([5, 15])),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scene=scenes())
def test_the_search_finds_exactly_the_slots_the_engine_accepts(org, location, scene):
    with transaction.atomic():  # each example's rows go away with it
        _check_scene(org, location, scene)
        transaction.set_rollback(True)


def _check_scene(org, location, scene):
    chairs = [OperatoryFactory(org=org, location=location) for _ in range(2)]
    providers = [ProviderFactory(org=org) for _ in range(2)]
    types = [
        AppointmentTypeFactory(org=org, duration_minutes=30, time_pattern="XX////"),
        AppointmentTypeFactory(org=org, duration_minutes=45, time_pattern="///XXXXXX"),
    ]
    for who, day, (start, end), chair in scene["templates"]:
        ScheduleTemplateFactory(
            org=org,
            provider=providers[who],
            location=location,
            operatory=None if chair is None else chairs[chair],
            day_of_week=day.weekday(),
            start_time=start,
            end_time=end,
            effective_from=date(2030, 1, 1),
        )
    if scene["override"] is not None:
        who, day, off = scene["override"]
        ScheduleOverrideFactory(
            org=org,
            provider=providers[who],
            location=location,
            override_date=day,
            is_unavailable=off,
            start_time=None if off else time(10),
            end_time=None if off else time(12),
        )
    for chair, day, (start, end), status, kind, who in scene["appointments"]:
        booked(
            chairs[chair],
            start.isoformat(),
            end.isoformat(),
            day=day,
            status=status,
            appointment_type=None if kind is None else types[kind],
            providers=[] if who is None else [providers[who]],
        )
    for chair, day, (start, end), no_schedule in scene["blockouts"]:
        blocked(
            location,
            start.isoformat(),
            end.isoformat(),
            day=day,
            operatory=None if chair is None else chairs[chair],
            no_schedule=no_schedule,
        )
    if scene["rule"]:
        AppointmentRule.objects.create(
            org=org, appointment_type_a=types[0], appointment_type_b=types[1]
        )
    kind = None if scene["searched_type"] is None else types[scene["searched_type"]]
    duration = kind.duration_minutes if kind else scene["duration"]
    found = free_time_search(
        location=location,
        date_from=MONDAY,
        date_to=TUESDAY,
        duration_minutes=duration,
        appointment_type=kind,
        increment_minutes=scene["increment"],
        limit=500,
    )
    assert not found.truncated
    got = [(s.start_at, s.provider.pk, s.operatory.pk) for s in found.slots]
    assert got == sorted(got, key=lambda g: g[0])  # by start
    for slot in found.slots:  # a booking of its wall times holds its instants
        assert at(slot.date, slot.start_time.isoformat()) == slot.start_at
        assert at(slot.date, slot.end_time.isoformat()) == slot.end_at
    assert set(got) == _accepted(org, location, chairs, duration, scene["increment"], kind)
    assert len(set(got)) == len(got)


def _accepted(org, location, chairs, duration, increment, kind) -> set:
    """The oracle: every aligned start inside the provider's scheduled time (the
    resolution's ranges, usable in their chair or in any), judged by the conflict engine
    (one batch, each slot alone), its provider time clear of the provider's live
    bookings."""
    candidates = []
    for day in (MONDAY, TUESDAY):
        for resolved in provider_days(org.pk, day, day, location_ids=[location.pk]):
            for chair in chairs:
                ranges = [
                    (r.start_at, r.end_at)
                    for r in resolved.ranges
                    if r.operatory is None or r.operatory.pk == chair.pk
                ]
                for minute in range(0, 24 * 60 - duration, increment):
                    start = at(day, f"{minute // 60:02d}:{minute % 60:02d}")
                    end = start + timedelta(minutes=duration)
                    if _covered(ranges, start, end):
                        candidates.append((resolved.provider, chair, start, end))
    verdicts = judge_slots(
        [
            Booking(
                Slot(
                    org_id=org.pk,
                    location_id=location.pk,
                    operatory_id=chair.pk,
                    start=start,
                    end=end,
                    appointment_type_id=kind.pk if kind else None,
                )
            )
            for _provider, chair, start, end in candidates
        ]
    )
    bookings = list(
        AppointmentProvider.objects.filter(
            org=org, appointment__status__in=["planned", "scheduled", "complete"]
        ).values_list("provider_id", "appointment__start_at", "appointment__end_at")
    )
    pattern = visit_pattern(duration, kind)
    accepted = set()
    for (provider, chair, start, _end), conflicts in zip(candidates, verdicts, strict=True):
        busy = any(
            who == provider.pk
            and booked_start < start + timedelta(minutes=5 * after)
            and start + timedelta(minutes=5 * first) < booked_end
            for first, after in provider_cells(pattern)
            for who, booked_start, booked_end in bookings
        )
        if not conflicts.blocking_codes and not busy:
            accepted.add((start, provider.pk, chair.pk))
    return accepted


def _covered(ranges, start, end) -> bool:
    """``[start, end)`` lies within the union of ``ranges``."""
    for low, high in sorted(ranges):
        if low <= start < high:
            start = high
        if start >= end:
            return True
    return False


class TestSavedSearch:
    """``saved_search_uuid``: the caller's saved free-time search fills in the query."""

    @pytest.fixture
    def saved(self, org, location, staff_client, provider):
        from tests.factories import SavedSearchFactory

        works(provider, location, start="08:00", end="10:00")
        return SavedSearchFactory(
            org=org,
            user=staff_client.user,
            criteria={
                "location_uuid": str(location.uuid),
                "date_from": MONDAY.isoformat(),
                "date_to": MONDAY.isoformat(),
                "duration_minutes": 60,
                "provider_uuids": [str(provider.uuid)],
            },
        )

    def run(self, client, saved, status=200, **params):
        response = client.get(
            "schedule/free-time", {"saved_search_uuid": str(saved.uuid), **params}
        )
        assert response.status_code == status, response.json()
        return response.json()

    def test_its_criteria_are_the_query_and_explicit_parameters_win(
        self, staff_client, saved, location, chair
    ):
        body = self.run(staff_client, saved)
        assert body["duration_minutes"] == 60
        assert body["slots"] == search(staff_client, location, duration_minutes=60)["slots"]
        assert body["slots"]
        shorter = self.run(staff_client, saved, duration_minutes=30)
        assert shorter["duration_minutes"] == 30 and len(shorter["slots"]) > len(body["slots"])

    def test_another_users_search_is_404(self, org, saved, location):
        other = api_for(org, Role.STAFF)
        assert self.run(other, saved, status=404)["code"] == "NOT_FOUND"

    def test_criteria_that_no_longer_hold_are_a_422_naming_the_key(
        self, staff_client, saved, provider, chair
    ):
        saved.criteria = {**saved.criteria, "provider_uuids": [str(uuid4())], "colour": "red"}
        saved.save()
        body = self.run(staff_client, saved, status=422)
        assert [item["loc"] for item in body["detail"]] == [["query", "criteria", "colour"]]
        saved.criteria.pop("colour")
        saved.save()
        body = self.run(staff_client, saved, status=422)
        assert body["detail"][0]["loc"] == ["query", "criteria", "provider_uuids"]
        assert body["detail"][0]["type"] == "stale"
        fixed = self.run(staff_client, saved, provider_uuids=str(provider.uuid))  # explicit wins
        assert fixed["slots"]

    def test_a_search_of_another_type_is_422(self, staff_client, saved):
        saved.search_type = "patients"
        saved.save()
        body = self.run(staff_client, saved, status=422)
        assert body["detail"][0]["loc"] == ["query", "saved_search_uuid"]
        malformed = staff_client.get("schedule/free-time", {"saved_search_uuid": "nope"})
        assert malformed.status_code == 422
