"""Openings: each kind of freeing records one (and what does not), the freed time of a
move, the matches as quick-fill ranks them, filling and expiry, the list's filters and
flat query count, the cost of recording, and other orgs and forbidden locations."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    LocationFactory,
    OperatoryFactory,
    ProviderFactory,
)
from tests.waitlist.conftest import OutreachEntryFactory
from waitlist.models import Opening

pytestmark = pytest.mark.django_db

URL = "waitlist/openings"


def soon(days: float = 2) -> timezone.datetime:
    """A whole hour ``days`` from now."""
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location)


@pytest.fixture
def booked(org, chair):
    """A scheduled hour two days from now, with a primary provider and a type."""
    start = soon()
    appointment = AppointmentFactory(
        org=org,
        operatory=chair,
        start_at=start,
        end_at=start + timedelta(hours=1),
        appointment_type=AppointmentTypeFactory(org=org, duration_minutes=60),
    )
    AppointmentProviderFactory(org=org, appointment=appointment, provider=ProviderFactory(org=org))
    return appointment


def local(instant, location):
    return instant.astimezone(ZoneInfo(location.timezone))


def listed(client, **query) -> list[dict]:
    response = client.get(URL, query)
    assert response.status_code == 200, response.json()
    return response.json()["items"]


def versioned(appointment, **fields) -> dict:
    appointment.refresh_from_db()
    return {"base_version": appointment.version, **fields}


def free(client, appointment, how: str):
    """Free ``appointment``'s slot the way ``how`` says, through the API."""
    path = f"appointments/{appointment.uuid}"
    if how == "delete":
        response = client.delete(path)
    elif how in ("cancel", "pinboard"):
        response = client.post(f"{path}/{how}", versioned(appointment))
    elif how in ("broken", "unscheduled"):
        response = client.post(f"{path}/transition", versioned(appointment, status=how))
    else:  # move to another chair, three days later
        later = local(appointment.start_at + timedelta(days=3), appointment.location)
        other = OperatoryFactory(org=appointment.org, location=appointment.location)
        response = client.post(
            f"{path}/move",
            versioned(
                appointment,
                operatory_uuid=str(other.uuid),
                schedule_date=later.date().isoformat(),
                start_time=later.strftime("%H:%M"),
                end_time=(later + timedelta(hours=1)).strftime("%H:%M"),
            ),
        )
    assert response.status_code in (200, 204), response.json()


FREEINGS = [
    ("cancel", "cancelled"),
    ("broken", "broken"),
    ("pinboard", "pinboard"),
    ("unscheduled", "unscheduled"),
    ("delete", "deleted"),
    ("move", "moved"),
]


@pytest.mark.parametrize(("how", "reason"), FREEINGS)
def test_each_freeing_records_an_opening(admin_client, org, location, chair, booked, how, reason):
    waiting = OutreachEntryFactory(org=org, location=location)
    start, end = booked.start_at, booked.end_at
    provider = booked.provider_links.get().provider
    free(admin_client, booked, how)

    (opening,) = listed(admin_client)
    wall = local(start, location)
    assert opening["reason"] == reason
    assert opening["status"] == "open"
    assert opening["location"]["id"] == str(location.uuid)
    assert opening["location_timezone"] == "America/Chicago"
    assert opening["operatory"]["id"] == str(chair.uuid)
    assert opening["appointment_type"]["id"] == str(booked.appointment_type.uuid)
    assert opening["start_time"] == start.isoformat().replace("+00:00", "Z")
    assert opening["end_time"] == end.isoformat().replace("+00:00", "Z")
    assert opening["slot_date"] == wall.date().isoformat()
    assert opening["slot_start_time"] == wall.strftime("%H:%M:%S")
    assert opening["duration_minutes"] == 60
    assert opening["total_matches"] == 1
    assert [m["entry"]["id"] for m in opening["matches"]] == [str(waiting.uuid)]
    if how == "delete":  # its providers went with it
        assert opening["appointment_id"] is None and opening["provider"] is None
    else:
        assert opening["appointment_id"] == str(booked.uuid)
        assert opening["provider"]["id"] == str(provider.uuid)
    assert admin_client.get(f"{URL}/{opening['id']}").json() == opening


def test_a_move_frees_only_the_time_it_gives_up(admin_client, chair, booked, location):
    """Half an hour later in the same chair: the first half hour is free."""
    start = booked.start_at
    later = local(start + timedelta(minutes=30), location)
    response = admin_client.patch(
        f"appointments/{booked.uuid}",
        versioned(booked, start_time=later.strftime("%H:%M")),
    )
    assert response.status_code == 200, response.json()
    (opening,) = listed(admin_client)
    assert opening["reason"] == "moved"
    assert opening["start_time"] == start.isoformat().replace("+00:00", "Z")
    assert opening["duration_minutes"] == 30
    assert opening["status"] == "open"  # its own new time does not fill it


def test_a_shorter_appointment_frees_its_tail(admin_client, booked, location):
    end = local(booked.end_at - timedelta(minutes=20), location)
    response = admin_client.patch(
        f"appointments/{booked.uuid}", versioned(booked, end_time=end.strftime("%H:%M"))
    )
    assert response.status_code == 200, response.json()
    (opening,) = listed(admin_client)
    assert opening["slot_start_time"] == end.strftime("%H:%M:%S")
    assert opening["duration_minutes"] == 20


def test_another_chair_at_the_same_time_frees_the_old_one(admin_client, org, location, booked):
    old_chair, other = booked.operatory, OperatoryFactory(org=org, location=location)
    response = admin_client.patch(
        f"appointments/{booked.uuid}", versioned(booked, operatory_uuid=str(other.uuid))
    )
    assert response.status_code == 200, response.json()
    (opening,) = listed(admin_client)
    assert opening["operatory"]["id"] == str(old_chair.uuid)
    assert opening["duration_minutes"] == 60


@pytest.mark.parametrize("days", [15, -1])
def test_only_future_time_within_14_days(admin_client, org, chair, days):
    start = soon(days)
    appointment = AppointmentFactory(
        org=org, operatory=chair, start_at=start, end_at=start + timedelta(hours=1)
    )
    free(admin_client, appointment, "cancel")
    assert listed(admin_client) == []


def test_writes_that_free_nothing_record_nothing(admin_client, booked):
    path = f"appointments/{booked.uuid}"
    assert admin_client.patch(path, versioned(booked, note="X-rays")).status_code == 200
    free(admin_client, booked, "pinboard")
    # A pinboard appointment holds no time: cancelling it frees nothing more.
    free(admin_client, booked, "cancel")
    assert [o["reason"] for o in listed(admin_client)] == ["pinboard"]


def test_a_slot_nobody_fits_is_still_an_opening(admin_client, org, location, booked):
    OutreachEntryFactory(org=org, location=location, estimated_duration_mins=90)
    free(admin_client, booked, "cancel")
    (opening,) = listed(admin_client)
    assert opening["matches"] == [] and opening["total_matches"] == 0


def test_matches_are_quick_fills(admin_client, org, location, booked):
    """Ranked and described exactly as quick-fill answers for that slot."""
    provider = booked.provider_links.get().provider
    for fields in (
        {"urgency": "urgent"},
        {"provider": provider},
        {"provider": ProviderFactory(org=org)},
        {"appointment_type": booked.appointment_type, "estimated_duration_mins": 55},
        {"estimated_duration_mins": 30},
    ):
        OutreachEntryFactory(org=org, location=location, **fields)
    free(admin_client, booked, "cancel")
    (opening,) = listed(admin_client)
    quick_fill = admin_client.post(
        "waitlist/quick-fill",
        {
            "location_uuid": str(location.uuid),
            "slot_date": opening["slot_date"],
            "slot_start_time": opening["slot_start_time"],
            "slot_end_time": opening["slot_end_time"],
            "provider_uuid": str(provider.uuid),
            "appointment_type_uuid": str(booked.appointment_type.uuid),
        },
    ).json()
    assert opening["matches"] == quick_fill["matches"]
    assert opening["total_matches"] == quick_fill["total_matches"] == 5
    assert {m["quality"] for m in opening["matches"]} == {"exact", "good", "partial"}


def test_at_most_ten_matches_are_kept(admin_client, org, location, booked):
    for _ in range(12):
        OutreachEntryFactory(org=org, location=location)
    free(admin_client, booked, "cancel")
    (opening,) = listed(admin_client)
    assert len(opening["matches"]) == 10 and opening["total_matches"] == 12


def test_filled_when_a_live_appointment_takes_some_of_its_time(admin_client, org, chair, booked):
    free(admin_client, booked, "cancel")
    # Another chair, or a cancelled appointment in this one, fills nothing.
    AppointmentFactory(org=org, start_at=booked.start_at, end_at=booked.end_at)
    AppointmentFactory(
        org=org, operatory=chair, status="cancelled", start_at=booked.start_at, end_at=booked.end_at
    )
    # Back to back with the opening does not take any of its time.
    AppointmentFactory(
        org=org, operatory=chair, start_at=booked.end_at, end_at=booked.end_at + timedelta(hours=1)
    )
    assert [o["status"] for o in listed(admin_client)] == ["open"]
    AppointmentFactory(
        org=org,
        operatory=chair,
        start_at=booked.start_at + timedelta(minutes=45),
        end_at=booked.end_at,
    )
    assert [o["status"] for o in listed(admin_client)] == ["filled"]
    assert listed(admin_client, status="open") == []
    assert len(listed(admin_client, status="filled")) == 1


def test_rescheduling_the_appointment_back_fills_it(admin_client, booked):
    free(admin_client, booked, "broken")
    assert [o["status"] for o in listed(admin_client)] == ["open"]
    back = admin_client.post(
        f"appointments/{booked.uuid}/transition", versioned(booked, status="scheduled")
    )
    assert back.status_code == 200, back.json()
    assert [o["status"] for o in listed(admin_client)] == ["filled"]


def test_expired_once_its_start_has_passed(admin_client, org, chair, booked):
    free(admin_client, booked, "cancel")
    Opening.objects.update(
        start_at=timezone.now() - timedelta(minutes=1), end_at=timezone.now() + timedelta(hours=1)
    )
    assert [o["status"] for o in listed(admin_client)] == ["expired"]
    assert len(listed(admin_client, status="expired")) == 1
    assert listed(admin_client, status="open,filled") == []
    # Filled wins: the chair was taken after all.
    AppointmentFactory(org=org, operatory=chair, start_at=soon(0), end_at=soon(0.1))
    assert [o["status"] for o in listed(admin_client)] == ["filled"]


def test_newest_first_and_by_location(admin_client, org, location, second_location, booked):
    free(admin_client, booked, "cancel")
    start = soon(3)
    elsewhere = AppointmentFactory(
        org=org,
        operatory=OperatoryFactory(org=org, location=second_location),
        start_at=start,
        end_at=start + timedelta(hours=1),
    )
    free(admin_client, elsewhere, "cancel")
    newest, oldest = listed(admin_client)
    assert newest["location"]["id"] == str(second_location.uuid)
    assert oldest["location"]["id"] == str(location.uuid)
    here = listed(admin_client, location_uuid=str(location.uuid))
    assert [o["id"] for o in here] == [oldest["id"]]


def test_bad_filters(admin_client, org):
    response = admin_client.get(URL, {"status": "taken"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "status"]
    unknown = LocationFactory(org=LocationFactory().org)
    assert admin_client.get(URL, {"location_uuid": str(unknown.uuid)}).status_code == 404


def test_other_orgs_openings(admin_client, outsider_client, org, other_org, booked):
    free(admin_client, booked, "cancel")
    (opening,) = listed(admin_client)
    assert outsider_client.get(URL).status_code == 404
    theirs = api_client_of(other_org)
    assert listed(theirs) == []
    assert theirs.get(f"{URL}/{opening['id']}").status_code == 404
    foreign = LocationFactory(org=other_org)
    assert admin_client.get(URL, {"location_uuid": str(foreign.uuid)}).status_code == 404


def api_client_of(org):
    from tests.conftest import api_for

    return api_for(org)


def test_forbidden_location(limited_client, admin_client, org, location, second_location):
    """Openings at a forbidden location are invisible; naming it is a 403; a match whose
    entry lives there is left out of the caller's view."""
    start = soon()
    there = AppointmentFactory(
        org=org,
        operatory=OperatoryFactory(org=org, location=second_location),
        start_at=start,
        end_at=start + timedelta(hours=1),
    )
    here = AppointmentFactory(
        org=org,
        operatory=OperatoryFactory(org=org, location=location),
        start_at=start,
        end_at=start + timedelta(hours=1),
    )
    visible = OutreachEntryFactory(org=org, location=location)
    OutreachEntryFactory(org=org, location=second_location, reach="any")
    free(admin_client, there, "cancel")
    free(admin_client, here, "cancel")
    hidden = Opening.objects.get(location=second_location)

    (opening,) = listed(limited_client)
    assert opening["location"]["id"] == str(location.uuid)
    assert [m["entry"]["id"] for m in opening["matches"]] == [str(visible.uuid)]
    # Entries at a location this desk may not see are neither shown nor counted.
    assert opening["total_matches"] == 1
    assert listed(admin_client, location_uuid=str(location.uuid))[0]["total_matches"] == 2
    assert len(listed(admin_client, location_uuid=str(location.uuid))[0]["matches"]) == 2
    assert limited_client.get(f"{URL}/{hidden.uuid}").status_code == 404
    named = limited_client.get(URL, {"location_uuid": str(second_location.uuid)})
    assert named.status_code == 403


def test_list_query_count_is_flat(viewer_client, admin_client, org, location):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer_client.get(URL).status_code == 200
        return len(queries)

    def opening():
        start = soon(len(Opening.objects.all()) + 1)
        appointment = AppointmentFactory(
            org=org,
            operatory=OperatoryFactory(org=org, location=location),
            start_at=start,
            end_at=start + timedelta(hours=1),
        )
        AppointmentProviderFactory(org=org, appointment=appointment)
        OutreachEntryFactory(org=org, location=location)
        free(admin_client, appointment, "cancel")

    opening()
    count()  # warm: the caller's token and access are cached after the first call
    few = count()
    for _ in range(4):
        opening()
    assert len(listed(viewer_client)[0]["matches"]) == 5
    assert count() == few


def test_recording_costs_a_constant_few_round_trips(admin_client, org, chair, location):
    """A cancellation that records an opening costs a constant few round trips, however
    many entries match."""

    def cancel(days: float) -> int:
        start = soon(days)
        appointment = AppointmentFactory(
            org=org, operatory=chair, start_at=start, end_at=start + timedelta(hours=1)
        )
        AppointmentProviderFactory(org=org, appointment=appointment)
        body = versioned(appointment)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post(f"appointments/{appointment.uuid}/cancel", body)
        assert response.status_code == 200, response.json()
        return len(queries)

    cancel(30)  # warm
    without = cancel(30)  # beyond the horizon: no opening
    for _ in range(5):
        OutreachEntryFactory(org=org, location=location)
    # The provider and the ranked candidates together (one statement whatever the list
    # holds), then the insert; the practice's zone (for days waiting; an org without its
    # own has its first location's) was read with the token.
    assert cancel(2) == without + 2
    assert Opening.objects.get().total_matches == 5


def test_a_refused_write_records_nothing(admin_client, booked):
    response = admin_client.post(
        f"appointments/{booked.uuid}/cancel", {"base_version": booked.version + 5}
    )
    assert response.status_code == 409
    assert not Opening.objects.exists()


def test_a_move_to_another_location_frees_the_old_ones_time(
    admin_client, org, location, second_location, booked
):
    """No endpoint moves an appointment between locations today; the service can."""
    from appointments.services.appointments import appointment_update

    old_chair = booked.operatory
    appointment_update(
        appointment=booked,
        actor=None,
        base_version=booked.version,
        location=second_location,
        operatory=OperatoryFactory(org=org, location=second_location),
    )
    (opening,) = listed(admin_client)
    assert opening["location"]["id"] == str(location.uuid)
    assert opening["operatory"]["id"] == str(old_chair.uuid)
    assert opening["location_timezone"] == "America/Chicago"
