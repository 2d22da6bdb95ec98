"""Daylight saving: wall times at a location ⇄ UTC instants, through the API and the helper.

CONVENTIONS "Values": appointments are stored as UTC instants; inputs are a local date
and wall times at the location. A wall time in the spring-forward gap does not exist →
422 (``type: dst_gap``, ``loc`` the field); an ambiguous one (the repeated fall-back hour)
is its first occurrence. Date-only filters are whole local days, 23 or 25 hours long on
the change days.

The dates: in 2030 the US changes on Sunday 10 March (02:00 → 03:00) and on Sunday
3 November (02:00 → 01:00). Chicago is UTC-6 (CST) / UTC-5 (CDT), New York one hour ahead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from appointments.models import Appointment, AppointmentHistory
from scheduling.demo import LOCATIONS as DEMO_LOCATIONS
from scheduling.timezones import NonexistentLocalTime, local_day_bounds, to_local, to_utc
from tests.appointments.conftest import DAY
from tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    PatientFactory,
    ProviderFactory,
)

SPRING = "2030-03-10"  # 23 hours: 02:00–02:59 does not exist
FALL = "2030-11-03"  # 25 hours: 01:00–01:59 happens twice
CHICAGO = "America/Chicago"
NEW_YORK = "America/New_York"
#: Every zone the demo seed gives its locations.
SEED_ZONES = sorted({tz for _, tz, _ in DEMO_LOCATIONS})


def z(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_dst_gap(response, field: str) -> None:
    assert response.status_code == 422, response.json()
    detail = response.json()["detail"]
    assert [(e["loc"], e["type"]) for e in detail] == [(["body", field], "dst_gap")], detail
    assert "does not exist" in detail[0]["msg"]


def test_the_seed_zones_are_the_ones_these_tests_are_about():
    assert SEED_ZONES == [CHICAGO, NEW_YORK]


# --- the spring-forward gap --------------------------------------------------------------


@pytest.fixture
def snapshot():
    """Counts of what a refused request must not have written."""

    def take():
        return (
            Appointment.objects.count(),
            AppointmentHistory.objects.count(),
            list(Appointment.objects.order_by("id").values_list("version", "start_at", "status")),
        )

    return take


@pytest.mark.django_db
class TestSpringForwardGap:
    @pytest.mark.parametrize("start", ["02:00", "02:30", "02:59"])
    def test_create_with_a_start_in_the_gap_is_422(self, book, snapshot, start):
        before = snapshot()
        assert_dst_gap(book(day=SPRING, start=start, end="03:30"), "start_time")
        assert snapshot() == before

    @pytest.mark.parametrize("end", ["02:00", "02:30", "02:59:59"])
    def test_create_with_an_end_in_the_gap_is_422_on_end_time(self, book, snapshot, end):
        before = snapshot()
        assert_dst_gap(book(day=SPRING, start="01:00", end=end), "end_time")
        assert snapshot() == before

    def test_ask_to_arrive_in_the_gap_is_422(self, book, snapshot):
        before = snapshot()
        response = book(day=SPRING, start="03:00", end="04:00", ask_to_arrive_time="02:45")
        assert_dst_gap(response, "ask_to_arrive_time")
        assert snapshot() == before

    def test_the_edges_of_the_gap_exist(self, book):
        """01:30–03:00 on the spring day is a valid booking of 30 real minutes."""
        response = book(day=SPRING, start="01:30", end="03:00")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["start_time"], body["end_time"]) == (
            "2030-03-10T07:30:00Z",  # 01:30 CST
            "2030-03-10T08:00:00Z",  # 03:00 CDT
        )
        assert body["schedule_date"] == SPRING

    def test_move_into_the_gap_is_422_and_changes_nothing(self, booked, staff_client, snapshot):
        before = snapshot()
        path = f"appointments/{booked['id']}/move"
        move = {"base_version": 1, "schedule_date": SPRING, "start_time": "02:30"}
        assert_dst_gap(staff_client.post(path, {**move, "end_time": "03:30"}), "start_time")
        move.update(start_time="01:00", end_time="02:15")
        assert_dst_gap(staff_client.post(path, move), "end_time")
        assert snapshot() == before
        # The same move one hour later is fine: the version was not used up.
        move.update(start_time="03:30", end_time="04:00")
        response = staff_client.post(path, move)
        assert response.status_code == 200, response.json()
        assert response.json()["start_time"] == "2030-03-10T08:30:00Z"

    def test_place_into_the_gap_is_422_and_leaves_it_on_the_pinboard(
        self, staff_client, location, patient, chair, snapshot
    ):
        pinned = staff_client.post(
            "appointments",
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "status": "pinboard",
            },
        ).json()
        before = snapshot()
        body = {
            "base_version": pinned["version"],
            "operatory_uuid": str(chair.uuid),
            "schedule_date": SPRING,
            "start_time": "02:30",
            "end_time": "03:30",
        }
        assert_dst_gap(staff_client.post(f"appointments/{pinned['id']}/place", body), "start_time")
        body.update(start_time="01:30", end_time="02:30")
        assert_dst_gap(staff_client.post(f"appointments/{pinned['id']}/place", body), "end_time")
        assert snapshot() == before
        assert staff_client.get(f"appointments/{pinned['id']}").json()["status"] == "pinboard"

    @pytest.mark.parametrize(
        "change, field",
        [
            ({"schedule_date": SPRING, "start_time": "02:30", "end_time": "03:30"}, "start_time"),
            ({"schedule_date": SPRING, "start_time": "01:00", "end_time": "02:30"}, "end_time"),
        ],
    )
    def test_patch_into_the_gap_is_422(self, booked, staff_client, snapshot, change, field):
        before = snapshot()
        response = staff_client.patch(f"appointments/{booked['id']}", {"base_version": 1, **change})
        assert_dst_gap(response, field)
        assert snapshot() == before

    def test_patch_of_the_date_alone_keeps_wall_times_which_may_fall_in_the_gap(
        self, book, staff_client, snapshot
    ):
        """A 02:30 appointment on an ordinary day cannot be moved to the spring day as is."""
        early = book(start="02:30", end="03:30").json()
        before = snapshot()
        response = staff_client.patch(
            f"appointments/{early['id']}", {"base_version": 1, "schedule_date": SPRING}
        )
        assert_dst_gap(response, "start_time")
        assert snapshot() == before

    def test_check_conflicts_with_a_gap_end_is_422_on_end_time(self, staff_client, location, chair):
        body = {
            "location_uuid": str(location.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": SPRING,
            "start_time": "01:00",
            "end_time": "02:30",
        }
        assert_dst_gap(staff_client.post("appointments/check-conflicts", body), "end_time")
        body.update(start_time="02:00", end_time="03:30")
        assert_dst_gap(staff_client.post("appointments/check-conflicts", body), "start_time")

    def test_bulk_row_in_the_gap_fails_alone(self, staff_client, location, patient, chair):
        row = {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": SPRING,
        }
        response = staff_client.post(
            "appointments/bulk",
            {
                "rows": [
                    {**row, "start_time": "02:30", "end_time": "03:30"},
                    {**row, "start_time": "03:30", "end_time": "04:00"},
                ]
            },
        )
        assert response.status_code == 200, response.json()
        failed, created = response.json()["results"]
        assert failed["status"] == "failed" and failed["code"] == "VALIDATION_ERROR"
        assert [(e["loc"], e["type"]) for e in failed["errors"]] == [
            (["body", "rows", 0, "start_time"], "dst_gap")
        ]
        assert created["status"] == "created"
        assert Appointment.objects.count() == 1

    def test_the_gap_is_only_in_the_locations_own_zone(self, book, ny_chair, second_location):
        """02:30 on the spring day is refused in New York too, but 02:30 the day before is not."""
        ny = {"location_uuid": str(second_location.uuid), "operatory_uuid": str(ny_chair.uuid)}
        assert_dst_gap(book(day=SPRING, start="02:30", end="03:30", **ny), "start_time")
        response = book(day="2030-03-09", start="02:30", end="03:30", **ny)
        assert response.status_code == 201
        assert response.json()["start_time"] == "2030-03-09T07:30:00Z"  # 02:30 EST


# --- the fall-back hour ------------------------------------------------------------------


@pytest.mark.django_db
class TestFallBackHour:
    def test_an_ambiguous_start_is_the_first_occurrence(self, book):
        response = book(day=FALL, start="01:30", end="01:45")
        assert response.status_code == 201, response.json()
        body = response.json()
        # 01:30 CDT (UTC-5), not 01:30 CST (UTC-6, 07:30Z).
        assert (body["start_time"], body["end_time"]) == (
            "2030-11-03T06:30:00Z",
            "2030-11-03T06:45:00Z",
        )
        assert body["schedule_date"] == FALL

    def test_new_york_ambiguous_start_is_the_first_occurrence(
        self, book, ny_chair, second_location
    ):
        response = book(
            day=FALL,
            start="01:30",
            end="02:00",
            location_uuid=str(second_location.uuid),
            operatory_uuid=str(ny_chair.uuid),
        )
        assert response.status_code == 201
        assert response.json()["start_time"] == "2030-11-03T05:30:00Z"  # 01:30 EDT
        assert response.json()["end_time"] == "2030-11-03T07:00:00Z"  # 02:00 EST

    def test_one_wall_hour_across_the_change_lasts_two_real_hours(self, book):
        """Wall-clock semantics, intended: the front desk books 01:00–02:00 on the schedule
        they look at; the chair is then held from 01:00 CDT to 02:00 CST, i.e. two hours
        (the whole repeated hour). The slot engine works on the real instants."""
        response = book(day=FALL, start="01:00", end="02:00")
        assert response.status_code == 201
        body = response.json()
        start = datetime.fromisoformat(body["start_time"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(body["end_time"].replace("Z", "+00:00"))
        assert (body["start_time"], body["end_time"]) == (
            "2030-11-03T06:00:00Z",
            "2030-11-03T08:00:00Z",
        )
        assert end - start == timedelta(hours=2)
        # The chair is held through the second 01:xx as well, and free again at 02:00 CST.
        assert book(day=FALL, start="01:30", end="01:45").status_code == 409
        assert book(day=FALL, start="02:00", end="02:30").status_code == 201

    def test_move_and_check_conflicts_use_the_first_occurrence(
        self, booked, staff_client, location, chair
    ):
        preview = staff_client.post(
            "appointments/check-conflicts",
            {
                "location_uuid": str(location.uuid),
                "operatory_uuid": str(chair.uuid),
                "schedule_date": FALL,
                "start_time": "01:30",
                "end_time": "01:59",
            },
        )
        assert preview.status_code == 200
        assert preview.json()["start_time"] == "2030-11-03T06:30:00Z"
        assert preview.json()["end_time"] == "2030-11-03T06:59:00Z"
        moved = staff_client.post(
            f"appointments/{booked['id']}/move",
            {"base_version": 1, "schedule_date": FALL, "start_time": "01:30", "end_time": "02:30"},
        )
        assert moved.status_code == 200
        assert (moved.json()["start_time"], moved.json()["end_time"]) == (
            "2030-11-03T06:30:00Z",
            "2030-11-03T08:30:00Z",
        )
        assert moved.json()["schedule_date"] == FALL

    def test_type_duration_is_wall_clock_minutes(self, org, book):
        """Without an end time the type's duration is added on the wall clock: 30 minutes
        from 01:45 is 02:15 (CST), 90 real minutes after 01:45 CDT."""
        cleaning = AppointmentTypeFactory(org=org, duration_minutes=30)
        response = book(day=FALL, start="01:45", end=None, appointment_type_uuid=str(cleaning.uuid))
        assert response.status_code == 201
        assert response.json()["start_time"] == "2030-11-03T06:45:00Z"
        assert response.json()["end_time"] == "2030-11-03T08:15:00Z"


# --- 23- and 25-hour days: date-only filters and counts ----------------------------------


DST_DAYS = [
    pytest.param(date(2030, 3, 10), 23, id="23-hour-day"),
    pytest.param(date(2030, 11, 3), 25, id="25-hour-day"),
]


@pytest.mark.django_db
class TestDstDays:
    @pytest.fixture
    def day_plan(self, org, book, location, second_location, chair, ny_chair):
        """Appointments at both locations just inside and just outside a local day.

        Returns ``book_around(day) → (chicago_inside, ny_inside)`` as sets of ids.
        """

        def at(loc, chair_, day: date, start: str, end: str) -> str:
            response = book(
                day=day.isoformat(),
                start=start,
                end=end,
                location_uuid=str(loc.uuid),
                operatory_uuid=str(chair_.uuid),
                allow_overlap=True,
            )
            assert response.status_code == 201, response.json()
            return response.json()["id"]

        def book_around(day: date):
            before, after = day - timedelta(days=1), day + timedelta(days=1)
            chicago_in = {
                at(location, chair, day, "00:00", "00:15"),
                at(location, chair, day, "00:30", "01:00"),
                at(location, chair, day, "01:30", "01:45"),
                at(location, chair, day, "03:00", "03:30"),
                at(location, chair, day, "23:30", "23:59"),
            }
            chicago_out = {
                at(location, chair, before, "23:30", "23:59"),
                at(location, chair, after, "00:00", "00:30"),
            }
            ny_in = {
                at(second_location, ny_chair, day, "00:30", "01:00"),
                at(second_location, ny_chair, day, "23:30", "23:59"),
            }
            ny_out = {
                # 23:30 at Chicago on ``day``: inside Chicago's day, not New York's.
                at(second_location, ny_chair, after, "00:30", "01:00"),
                at(second_location, ny_chair, before, "23:30", "23:59"),
            }
            if day.month == 11:
                # The second 01:30 (CST) cannot be booked by wall time; it is still the day.
                start = to_utc(day, time(1, 30), CHICAGO) + timedelta(hours=1)
                assert to_local(start, CHICAGO) == datetime.combine(day, time(1, 30))
                second = AppointmentFactory(
                    org=org,
                    location=location,
                    operatory=chair,
                    patient=PatientFactory(org=org),
                    start_at=start,
                    end_at=start + timedelta(minutes=15),
                )
                chicago_in.add(str(second.uuid))
            assert len(chicago_out | ny_out) == 4
            return chicago_in, ny_in

        return book_around

    @pytest.mark.parametrize("day, hours", DST_DAYS)
    def test_the_day_is_23_or_25_hours_long(self, day, hours):
        for tz in SEED_ZONES:
            start, end = local_day_bounds(day, tz)
            assert end - start == timedelta(hours=hours)
            assert to_local(start, tz) == datetime.combine(day, time(0))
            assert to_local(end, tz) == datetime.combine(day + timedelta(days=1), time(0))

    @pytest.mark.parametrize("day, hours", DST_DAYS)
    def test_list_date_filters_cover_exactly_the_local_day(
        self, day_plan, staff_client, location, second_location, day, hours
    ):
        chicago_in, ny_in = day_plan(day)

        def listed(path="appointments", **query):
            response = staff_client.get(path, {"date_from": day, "date_to": day, **query})
            assert response.status_code == 200, response.json()
            body = response.json()
            items = body["items"] if "items" in body else body["data"]
            starts = [item["start_time"] for item in items]
            assert starts == sorted(starts)
            return {item["id"] for item in items}

        assert listed(location_uuid=str(location.uuid)) == chicago_in
        assert listed(location_uuid=str(second_location.uuid)) == ny_in
        # No location named: each appointment's day is that of its own location.
        assert listed() == chicago_in | ny_in
        # The cursor list reads the same filters.
        assert listed("appointments/cursor", location_uuid=str(location.uuid)) == chicago_in
        assert listed("appointments/cursor") == chicago_in | ny_in

    @pytest.mark.parametrize("day, hours", DST_DAYS)
    def test_counts_by_location_cut_each_location_at_its_own_midnight(
        self, day_plan, staff_client, day, hours
    ):
        chicago_in, ny_in = day_plan(day)
        response = staff_client.get(
            "appointments/counts/by-location",
            {"date_from": day, "date_to": day + timedelta(days=1)},
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        counts = {item["location"]["name"]: item["count"] for item in body["items"]}
        assert counts == {"Chicago": len(chicago_in), "New York": len(ny_in)}
        assert body["total"] == len(chicago_in) + len(ny_in)
        zones = {item["location"]["name"]: item["location_timezone"] for item in body["items"]}
        assert zones == {"Chicago": CHICAGO, "New York": NEW_YORK}


# --- the conversion itself, as a property ------------------------------------------------


def instants_showing(wall: datetime, tz_name: str) -> list[datetime]:
    """Every UTC instant whose wall clock in ``tz_name`` reads ``wall`` (naive), ascending.

    An oracle independent of ``to_utc``: it only converts UTC → local (a function, never
    ambiguous), trying each offset the zone uses within a day of ``wall``.
    """
    tz = ZoneInfo(tz_name)
    naive_utc = wall.replace(tzinfo=UTC)
    offsets = {
        (naive_utc + timedelta(hours=h)).astimezone(tz).utcoffset() for h in range(-30, 31, 6)
    }
    candidates = {naive_utc - offset for offset in offsets}
    return sorted(i for i in candidates if i.astimezone(tz).replace(tzinfo=None) == wall)


def transition_days(tz_name: str, years: range) -> list[date]:
    """The local dates on which the zone's UTC offset changes."""
    tz = ZoneInfo(tz_name)
    days = []
    for year in years:
        day = date(year, 1, 1)
        offset = datetime.combine(day, time(12), tzinfo=tz).utcoffset()
        while day.year == year:
            following = datetime.combine(day + timedelta(days=1), time(12), tzinfo=tz).utcoffset()
            if following != offset:
                days.append(day + timedelta(days=1))
                offset = following
            day += timedelta(days=1)
    return days


YEARS = range(2000, 2041)
TRANSITIONS = [(tz, day) for tz in SEED_ZONES for day in transition_days(tz, YEARS)]
five_minutes = st.integers(0, 24 * 12 - 1).map(lambda n: time(n // 12, n % 12 * 5))


def check_round_trip(tz_name: str, day: date, wall: time) -> str:
    """The property; returns which case held ("exists", "ambiguous" or "gap")."""
    local = datetime.combine(day, wall)
    showing = instants_showing(local, tz_name)
    try:
        instant = to_utc(day, wall, tz_name)
    except NonexistentLocalTime:
        # Really a gap: no instant shows that wall time, and the zone's offset changes
        # across it (the offset an hour before differs from the one an hour after).
        assert showing == []
        tz = ZoneInfo(tz_name)
        before = datetime.combine(day, wall, tzinfo=tz) - timedelta(hours=1)
        after = datetime.combine(day, wall, tzinfo=tz) + timedelta(hours=1)
        assert before.utcoffset() < after.utcoffset()
        return "gap"
    assert instant.tzinfo is not None and instant.utcoffset() == timedelta(0)
    assert to_local(instant, tz_name) == local
    assert instant == showing[0]  # the first occurrence when ambiguous
    return "ambiguous" if len(showing) > 1 else "exists"


def test_the_transition_days_are_the_us_rules():
    # 2000–2006: first Sunday of April, last Sunday of October; since 2007: second Sunday
    # of March, first Sunday of November; 41 years × 2 changes × 2 zones.
    assert len(TRANSITIONS) == 41 * 2 * 2
    assert (CHICAGO, date(2030, 3, 10)) in TRANSITIONS
    assert (CHICAGO, date(2030, 11, 3)) in TRANSITIONS
    assert (NEW_YORK, date(2006, 4, 2)) in TRANSITIONS
    assert all(day.weekday() == 6 for _, day in TRANSITIONS)


@settings(max_examples=300, deadline=None)
@given(
    tz_name=st.sampled_from(SEED_ZONES),
    day=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    wall=five_minutes,
)
@example(tz_name=CHICAGO, day=date(2030, 3, 10), wall=time(2, 30))
@example(tz_name=CHICAGO, day=date(2030, 11, 3), wall=time(1, 30))
@example(tz_name=NEW_YORK, day=date(2000, 4, 2), wall=time(2, 0))
@example(tz_name=NEW_YORK, day=date(2040, 11, 4), wall=time(1, 55))
def test_local_to_utc_to_local_round_trips_on_any_day(tz_name, day, wall):
    check_round_trip(tz_name, day, wall)


@settings(max_examples=300, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    wall=st.integers(0, 4 * 12 - 1).map(lambda n: time(n // 12, n % 12 * 5)),
)
def test_local_to_utc_to_local_round_trips_around_every_change(transition, wall):
    """The same property concentrated on the change days, 00:00–03:55, where it matters."""
    tz_name, day = transition
    case = check_round_trip(tz_name, day, wall)
    # On the change days exactly the 02:xx (spring) or 01:xx (fall) wall times are special.
    special = wall.hour == (2 if day.month <= 4 else 1)
    expected = ("gap" if day.month <= 4 else "ambiguous") if special else "exists"
    assert case == expected


@settings(max_examples=200, deadline=None)
@given(tz_name=st.sampled_from(SEED_ZONES), day=st.dates(date(2000, 1, 1), date(2040, 12, 31)))
def test_local_day_bounds_are_consecutive_midnights(tz_name, day):
    start, end = local_day_bounds(day, tz_name)
    assert to_local(start, tz_name) == datetime.combine(day, time(0))
    assert to_local(end, tz_name) == datetime.combine(day + timedelta(days=1), time(0))
    hours = (end - start) / timedelta(hours=1)
    if (tz_name, day) in TRANSITIONS:
        assert hours == (23 if day.month <= 4 else 25)
    else:
        assert hours == 24
    assert local_day_bounds(day + timedelta(days=1), tz_name)[0] == end


# --- and through the API -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "where, day, start, end",
    [
        ("chicago", DAY, "09:00", "09:45"),
        ("chicago", SPRING, "01:55", "03:05"),
        ("chicago", FALL, "00:55", "01:05"),
        ("chicago", "2040-03-11", "03:00", "03:30"),
        ("new_york", SPRING, "03:00", "23:55"),
        ("new_york", FALL, "01:59", "02:01"),
        ("new_york", "2004-10-31", "01:00", "01:30"),
        ("new_york", "2000-04-02", "00:00", "01:59"),
    ],
)
def test_api_round_trip(
    book, staff_client, location, second_location, chair, ny_chair, where, day, start, end
):
    loc, chair_ = (location, chair) if where == "chicago" else (second_location, ny_chair)
    response = book(
        day=day, start=start, end=end, location_uuid=str(loc.uuid), operatory_uuid=str(chair_.uuid)
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    local_day = date.fromisoformat(day)
    expected_start = to_utc(local_day, time.fromisoformat(start), loc.timezone)
    expected_end = to_utc(local_day, time.fromisoformat(end), loc.timezone)
    fetched = staff_client.get(f"appointments/{created['id']}").json()
    for body in (created, fetched):
        assert body["start_time"] == z(expected_start)
        assert body["end_time"] == z(expected_end)
        assert body["schedule_date"] == day
        assert body["location_timezone"] == loc.timezone
    # And back: the stored instants read as the wall times that were sent.
    stored = Appointment.objects.get(uuid=created["id"])
    assert to_local(stored.start_at, loc.timezone) == datetime.combine(
        local_day, time.fromisoformat(start)
    )
    assert to_local(stored.end_at, loc.timezone) == datetime.combine(
        local_day, time.fromisoformat(end)
    )


# --- regressions ------------------------------------------------------------------------


def _length(body) -> tuple[timedelta, timedelta]:
    """(real length, wall-clock length at Chicago) of an appointment JSON."""
    start = datetime.fromisoformat(body["start_time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(body["end_time"].replace("Z", "+00:00"))
    return end - start, to_local(end, CHICAGO) - to_local(start, CHICAGO)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, start, end, new_start, new_span",
    [
        # 1 wall hour (2 real) from 00:30: 00:30–01:30 CDT, 1 real hour.
        (FALL, "01:00", "02:00", "00:30", ("2030-11-03T05:30:00Z", "2030-11-03T06:30:00Z")),
        # 3 wall hours (2 real) from 01:30: 01:30 CST–04:30 CDT, 2 real hours.
        (SPRING, "01:00", "04:00", "01:30", ("2030-03-10T07:30:00Z", "2030-03-10T09:30:00Z")),
        # From an ordinary day onto the wall clock of a change day: still 1 wall hour.
        (FALL, "05:00", "06:00", "01:30", ("2030-11-03T06:30:00Z", "2030-11-03T08:30:00Z")),
    ],
)
def test_patch_of_the_start_alone_keeps_the_wall_clock_length(
    book, staff_client, day, start, end, new_start, new_span
):
    """Regression: the length was measured in real minutes and added on the wall clock,
    so across a change it was neither the real nor the wall-clock length."""
    created = book(day=day, start=start, end=end)
    assert created.status_code == 201, created.json()
    response = staff_client.patch(
        f"appointments/{created.json()['id']}", {"base_version": 1, "start_time": new_start}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["start_time"], body["end_time"]) == new_span
    assert _length(body)[1] == _length(created.json())[1]


@pytest.mark.django_db
def test_patch_of_the_start_alone_may_push_the_end_into_the_gap(book, staff_client, snapshot):
    created = book(day=SPRING, start="01:00", end="01:30").json()
    before = snapshot()
    response = staff_client.patch(
        f"appointments/{created['id']}", {"base_version": 1, "start_time": "01:45"}
    )
    assert_dst_gap(response, "end_time")  # 01:45 + 30 wall minutes = 02:15
    assert snapshot() == before


@pytest.mark.django_db
def test_provider_time_in_the_gap_names_the_provider_row(book, staff_client, provider, snapshot):
    """Regression: the error was reported at ['body', 'start_time'], a field the PUT body
    does not have."""
    other = ProviderFactory(org=provider.org)
    created = book(day=SPRING, start="01:00", end="04:00").json()
    before = snapshot()
    response = staff_client.put(
        f"appointments/{created['id']}/providers",
        {
            "base_version": 1,
            "providers": [
                {"provider_uuid": str(other.uuid)},
                {"provider_uuid": str(provider.uuid), "start_time": "01:30", "end_time": "02:30"},
            ],
        },
    )
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "providers", 1, "end_time"], "dst_gap")
    ]
    assert snapshot() == before


def no_raise(client):
    """Let a 500 come back as a response instead of re-raising in the test."""
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "day, start, end",
    [
        pytest.param("0001-01-01", "00:00", "01:00", id="year-1"),
        pytest.param("9999-12-31", "22:00", "23:00", id="year-9999"),
    ],
)
def test_a_date_at_the_edge_of_the_calendar_is_never_a_500(
    book, booked, staff_client, location, chair, snapshot, day, start, end
):
    """Wall times at the ends of the calendar (Chicago is UTC-6 and LMT -5:50:36 there):
    refused with a 422 on schedule_date or accepted, never a 500, on every way in."""
    no_raise(staff_client)
    before = snapshot()
    times = {"schedule_date": day, "start_time": start, "end_time": end}
    responses = {
        "create": book(day=day, start=start, end=end),
        "move": staff_client.post(
            f"appointments/{booked['id']}/move", {"base_version": 1, **times}
        ),
        "check-conflicts": staff_client.post(
            "appointments/check-conflicts",
            {"location_uuid": str(location.uuid), "operatory_uuid": str(chair.uuid), **times},
        ),
    }
    for way, response in responses.items():
        assert response.status_code in (200, 201, 409, 422), (way, response.status_code)
        if response.status_code == 409:  # the create above booked that very slot
            assert response.json()["code"] == "APPOINTMENT_OVERLAP", way
        if response.status_code == 422:
            assert response.json()["detail"][0]["loc"] == ["body", "schedule_date"], way
    if all(r.status_code == 422 for r in responses.values()):
        assert snapshot() == before
