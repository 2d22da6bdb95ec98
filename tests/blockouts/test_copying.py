"""copy-day, copy-week and repeat-weeks: what is copied, what is skipped, and repeat groups."""

from datetime import date, timedelta

import pytest

from blockouts.models import Blockout
from tests.blockouts.conftest import MONDAY, SPRING_FORWARD
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import BlockoutTypeFactory, LocationFactory

pytestmark = pytest.mark.django_db

BASE = "blockouts/instances"
TUESDAY = MONDAY + timedelta(days=1)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def on(location, day: date):
    return list(
        Blockout.objects.filter(location=location, schedule_date=day)
        .select_related("blockout_type", "operatory")
        .order_by("start_at", "operatory__name", "id")
    )


def copy_day(client, location, source, target):
    return client.post(
        f"{BASE}/copy-day",
        {
            "location_uuid": str(location.uuid),
            "source_date": source.isoformat(),
            "target_date": target.isoformat(),
        },
    )


def copy_week(client, location, source, target):
    return client.post(
        f"{BASE}/copy-week",
        {
            "location_uuid": str(location.uuid),
            "source_week_start": source.isoformat(),
            "target_week_start": target.isoformat(),
        },
    )


def repeat(client, location, source, weeks):
    return client.post(
        f"{BASE}/repeat-weeks",
        {
            "location_uuid": str(location.uuid),
            "source_week_start": source.isoformat(),
            "num_weeks": weeks,
        },
    )


class TestCopyDay:
    def test_copies_active_copyable_blockouts_keeping_chair_times_and_note(
        self, location, second_location, ops, lunch, crowns, emergency, block, staff_client
    ):
        block(lunch, MONDAY, note="Everyone")
        block(crowns, MONDAY, "14:00", "17:00", operatory=ops[0], note="Dr. Patel")
        block(emergency, MONDAY, "08:00", "09:00")  # do-not-copy
        block(lunch, MONDAY, "16:00", "17:00", status="cancelled")
        block(lunch, MONDAY, location=second_location)  # another location
        block(lunch, TUESDAY + days(1))  # another day
        response = copy_day(staff_client, location, MONDAY, TUESDAY)
        assert response.status_code == 200
        assert response.json() == {"count": 2, "warnings": []}
        copies = on(location, TUESDAY)
        assert [
            (b.blockout_type.name, b.operatory, b.start_time.isoformat(), b.note, b.status)
            for b in copies
        ] == [
            ("Lunch", None, "12:00:00", "Everyone", "active"),
            ("Crowns only", ops[0], "14:00:00", "Dr. Patel", "active"),
        ]
        assert all(b.blockout_group_uuid is None for b in copies)
        assert on(second_location, TUESDAY) == []

    def test_copying_again_skips_duplicates(self, location, lunch, block, staff_client):
        block(lunch, MONDAY)
        assert copy_day(staff_client, location, MONDAY, TUESDAY).json()["count"] == 1
        again = copy_day(staff_client, location, MONDAY, TUESDAY).json()
        assert again["count"] == 0
        assert again["warnings"] == [
            "Lunch 2030-01-08 12:00–13:00 on the whole location skipped: "
            "the same blockout already exists."
        ]
        assert len(on(location, TUESDAY)) == 1

    def test_a_holiday_target_is_skipped_with_a_warning(
        self, location, second_location, lunch, holiday, block, staff_client
    ):
        block(lunch, MONDAY)
        block(holiday, TUESDAY, "00:00", "23:59")
        response = copy_day(staff_client, location, MONDAY, TUESDAY).json()
        assert response == {"count": 0, "warnings": ["2030-01-08 skipped: holiday (Holiday)."]}
        # a holiday elsewhere, or a cancelled one, does not count
        Blockout.objects.filter(blockout_type=holiday).update(status="cancelled")
        block(holiday, TUESDAY, "00:00", "23:59", location=second_location)
        assert copy_day(staff_client, location, MONDAY, TUESDAY).json()["count"] == 1

    def test_an_empty_source_day_copies_nothing(self, location, staff_client):
        assert copy_day(staff_client, location, MONDAY, TUESDAY).json() == {
            "count": 0,
            "warnings": [],
        }

    def test_same_day_is_422(self, location, staff_client):
        response = copy_day(staff_client, location, MONDAY, MONDAY)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "target_date"]

    @pytest.mark.parametrize("field", ["source_date", "target_date", "location_uuid"])
    def test_missing_or_bad_field_is_422(self, location, staff_client, field):
        payload = {
            "location_uuid": str(location.uuid),
            "source_date": "2030-01-07",
            "target_date": "2030-01-08",
            field: "not-valid",
        }
        response = staff_client.post(f"{BASE}/copy-day", payload)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]

    def test_unknown_location_404_forbidden_403_viewer_403(
        self, other_org, second_location, limited_client, viewer_client, location
    ):
        theirs = LocationFactory(org=other_org)
        assert copy_day(limited_client, theirs, MONDAY, TUESDAY).status_code == 404
        assert copy_day(limited_client, second_location, MONDAY, TUESDAY).status_code == 403
        assert copy_day(viewer_client, location, MONDAY, TUESDAY).status_code == 403
        assert copy_day(limited_client, location, MONDAY, TUESDAY).status_code == 200


class TestCopyWeek:
    def test_copies_each_day_onto_the_same_weekday(
        self, location, ops, lunch, crowns, block, staff_client
    ):
        block(lunch, MONDAY)
        block(crowns, MONDAY + days(3), "14:00", "16:00", operatory=ops[1])
        block(lunch, MONDAY + days(6), "10:00", "11:00")  # Sunday belongs to the week
        block(lunch, MONDAY + days(7))  # next Monday does not
        target = MONDAY + days(21)
        response = copy_week(staff_client, location, MONDAY, target)
        assert response.json() == {"count": 3, "warnings": []}
        assert [(b.blockout_type.name, b.operatory) for b in on(location, target)] == [
            ("Lunch", None)
        ]
        assert [b.operatory for b in on(location, target + days(3))] == [ops[1]]
        assert len(on(location, target + days(6))) == 1
        assert on(location, target + days(7)) == []

    @pytest.mark.parametrize(
        "source, target, field",
        [
            (MONDAY + timedelta(days=1), MONDAY + timedelta(days=7), "source_week_start"),
            (MONDAY, MONDAY + timedelta(days=6), "target_week_start"),
            (MONDAY, MONDAY, "target_week_start"),
        ],
    )
    def test_non_mondays_and_the_same_week_are_422(
        self, location, lunch, block, staff_client, source, target, field
    ):
        block(lunch, MONDAY)
        response = copy_week(staff_client, location, source, target)
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", field]
        assert Blockout.objects.count() == 1

    def test_not_monday_message_names_the_day(self, location, staff_client):
        response = copy_week(staff_client, location, TUESDAY, MONDAY + days(7))
        assert response.json()["detail"][0] == {
            "loc": ["body", "source_week_start"],
            "msg": "2030-01-08 is a Tuesday; weeks start on Monday.",
            "type": "not_monday",
        }

    def test_wall_times_are_kept_across_a_dst_change(self, location, lunch, block, staff_client):
        source_week = SPRING_FORWARD - days(6)  # Monday 2030-03-04, standard time
        block(lunch, source_week)
        response = copy_week(staff_client, location, source_week, source_week + days(7))
        assert response.json() == {"count": 1, "warnings": []}
        (original,) = on(location, source_week)
        (copy,) = on(location, source_week + days(7))
        assert (copy.start_time, copy.end_time) == (original.start_time, original.end_time)
        listed = staff_client.get(BASE, {"date_from": "2030-03-04", "date_to": "2030-03-11"})
        assert [(item["schedule_date"], item["start_at"]) for item in listed.json()["items"]] == [
            ("2030-03-04", "2030-03-04T18:00:00Z"),  # 12:00 CST
            ("2030-03-11", "2030-03-11T17:00:00Z"),  # 12:00 CDT
        ]

    def test_a_wall_time_missing_on_the_target_day_is_skipped(
        self, location, lunch, block, staff_client
    ):
        source_week = SPRING_FORWARD - days(13)  # Monday 2030-02-25
        block(lunch, source_week)
        block(lunch, source_week + days(6), "02:30", "03:30")  # Sunday 2030-03-03
        response = copy_week(staff_client, location, source_week, source_week + days(7)).json()
        assert response == {
            "count": 1,
            "warnings": [
                "Lunch 2030-03-10 02:30–03:30 on the whole location skipped: "
                "2030-03-10 02:30 does not exist in America/Chicago (daylight-saving change)."
            ],
        }
        assert on(location, SPRING_FORWARD) == []

    def test_holidays_in_the_target_week_are_skipped_by_date(
        self, location, lunch, holiday, block, staff_client
    ):
        for n in range(5):
            block(lunch, MONDAY + days(n))
        target = MONDAY + days(7)
        block(holiday, target + days(2), "00:00", "23:00")
        response = copy_week(staff_client, location, MONDAY, target).json()
        assert response == {"count": 4, "warnings": ["2030-01-16 skipped: holiday (Holiday)."]}
        assert [b.blockout_type.name for b in on(location, target + days(2))] == ["Holiday"]


class TestRepeatWeeks:
    def test_repeats_the_week_and_groups_each_source_with_its_copies(
        self, location, ops, lunch, crowns, emergency, block, staff_client
    ):
        lunch_monday = block(lunch, MONDAY)
        crowns_thursday = block(crowns, MONDAY + days(3), "14:00", "16:00", operatory=ops[0])
        block(emergency, MONDAY + days(2))
        response = repeat(staff_client, location, MONDAY, 3)
        assert response.status_code == 200
        assert response.json() == {"count": 6, "warnings": []}
        lunch_monday.refresh_from_db()
        crowns_thursday.refresh_from_db()
        assert lunch_monday.blockout_group_uuid is not None and lunch_monday.version == 2
        assert crowns_thursday.blockout_group_uuid not in (None, lunch_monday.blockout_group_uuid)
        lunches = Blockout.objects.filter(blockout_group_uuid=lunch_monday.blockout_group_uuid)
        assert sorted(b.schedule_date for b in lunches) == [
            MONDAY + days(7 * week) for week in range(4)
        ]
        group = staff_client.get(f"{BASE}/{lunch_monday.uuid}").json()["blockout_group_uuid"]
        assert group == str(lunch_monday.blockout_group_uuid)
        assert on(location, MONDAY + days(9)) == []  # emergency holds are not repeated

    def test_repeating_again_extends_the_same_group(self, location, lunch, block, staff_client):
        source = block(lunch, MONDAY)
        repeat(staff_client, location, MONDAY, 1)
        response = repeat(staff_client, location, MONDAY, 2).json()
        assert response["count"] == 1 and len(response["warnings"]) == 1  # week 1 exists
        source.refresh_from_db()
        assert source.version == 2  # joined its group once
        assert Blockout.objects.filter(blockout_group_uuid=source.blockout_group_uuid).count() == 3

    def test_holiday_weeks_are_skipped_with_a_warning_per_date(
        self, location, lunch, holiday, block, staff_client
    ):
        block(lunch, MONDAY)
        block(lunch, TUESDAY)
        block(holiday, MONDAY + days(14), "00:00", "23:00")
        response = repeat(staff_client, location, MONDAY, 3).json()
        assert response["count"] == 5
        assert response["warnings"] == ["2030-01-21 skipped: holiday (Holiday)."]

    @pytest.mark.parametrize("weeks", [0, 53, -1, "two", None])
    def test_num_weeks_out_of_range_is_422(self, location, lunch, block, staff_client, weeks):
        block(lunch, MONDAY)
        response = repeat(staff_client, location, MONDAY, weeks)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "num_weeks"]
        assert Blockout.objects.count() == 1

    def test_fifty_two_weeks_is_fine(self, location, lunch, block, staff_client):
        block(lunch, MONDAY)
        assert repeat(staff_client, location, MONDAY, 52).json()["count"] == 52

    def test_source_must_be_a_monday(self, location, staff_client):
        response = repeat(staff_client, location, TUESDAY, 2)
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "not_monday"

    def test_forbidden_location_is_403(self, second_location, limited_client):
        assert repeat(limited_client, second_location, MONDAY, 2).status_code == 403


class TestGroupUpdates:
    @pytest.fixture
    def series(self, location, lunch, block, staff_client):
        source = block(lunch, MONDAY)
        repeat(staff_client, location, MONDAY, 3)
        source.refresh_from_db()
        return list(
            Blockout.objects.filter(blockout_group_uuid=source.blockout_group_uuid).order_by(
                "schedule_date"
            )
        )

    def test_apply_to_group_changes_every_member(self, series, crowns, staff_client):
        second = series[1]
        response = staff_client.patch(
            f"{BASE}/{second.uuid}",
            {
                "base_version": second.version,
                "apply_to_group": True,
                "start_time": "12:30",
                "end_time": "13:15",
                "note": "Shorter lunch",
                "blockout_type_uuid": str(crowns.uuid),
            },
        )
        assert response.status_code == 200
        assert response.json()["version"] == second.version + 1
        for member in series:
            before = member.version
            member.refresh_from_db()
            assert (member.start_time.isoformat(), member.end_time.isoformat()) == (
                "12:30:00",
                "13:15:00",
            )
            assert member.note == "Shorter lunch" and member.blockout_type == crowns
            assert member.version == before + 1
            assert member.start_at.hour == 18 and member.start_at.minute == 30

    def test_without_apply_to_group_only_the_one_changes(self, series, staff_client):
        first = series[0]
        staff_client.patch(f"{BASE}/{first.uuid}", {"base_version": first.version, "note": "x"})
        assert [b.note for b in Blockout.objects.filter(pk__in=[b.pk for b in series])].count(
            "x"
        ) == 1

    def test_a_new_date_moves_every_member_by_the_same_days(self, series, staff_client):
        first = series[0]
        response = staff_client.patch(
            f"{BASE}/{first.uuid}",
            {"base_version": first.version, "apply_to_group": True, "schedule_date": "2030-01-09"},
        )
        assert response.status_code == 200
        moved = Blockout.objects.filter(pk__in=[b.pk for b in series]).order_by("schedule_date")
        assert [b.schedule_date for b in moved] == [b.schedule_date + days(2) for b in series]

    def test_a_dst_gap_on_any_member_refuses_the_whole_change(
        self, location, lunch, block, staff_client
    ):
        source = block(lunch, SPRING_FORWARD - days(14), "00:30", "01:30")  # a Sunday
        assert repeat(staff_client, location, SPRING_FORWARD - days(20), 3).json()["count"] == 3
        source.refresh_from_db()
        response = staff_client.patch(
            f"{BASE}/{source.uuid}",
            {
                "base_version": source.version,
                "apply_to_group": True,
                "start_time": "02:15",
                "end_time": "02:45",
            },
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "dst_gap"
        assert not Blockout.objects.filter(start_time="02:15").exists()

    def test_stale_base_version_changes_no_member(self, series, staff_client):
        first = series[0]
        response = staff_client.patch(
            f"{BASE}/{first.uuid}",
            {"base_version": first.version + 5, "apply_to_group": True, "note": "late"},
        )
        assert response.status_code == 409
        assert not Blockout.objects.filter(note="late").exists()

    def test_deleting_one_member_leaves_the_rest(self, series, staff_client):
        assert staff_client.delete(f"{BASE}/{series[1].uuid}").status_code == 204
        group = series[0].blockout_group_uuid
        assert Blockout.objects.filter(blockout_group_uuid=group).count() == len(series) - 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_into_one_week_make_each_blockout_once(org):
    location = LocationFactory(org=org, timezone="America/Chicago")
    lunch = BlockoutTypeFactory(org=org, name="Lunch")
    client = api_for(org)
    for n in range(5):
        client.post(
            BASE,
            {
                "location_uuid": str(location.uuid),
                "blockout_type_uuid": str(lunch.uuid),
                "schedule_date": (MONDAY + days(n)).isoformat(),
                "start_time": "12:00",
                "end_time": "13:00",
            },
        )
    clients = [api_for(org) for _ in range(4)]

    counts = run_concurrently(
        len(clients),
        lambda i: copy_week(clients[i], location, MONDAY, MONDAY + days(7)).json()["count"],
    )

    assert sorted(counts) == [0, 0, 0, 5]
    assert Blockout.objects.filter(org=org).count() == 10


class TestCalendarEdges:
    """Dates at the ends of the practice's calendar (1900–2199) are 422s, never 500s."""

    LAST_MONDAY = date(2199, 12, 30)

    def test_copy_week_past_year_9999_is_422(self, location, lunch, block, staff_client):
        response = copy_week(staff_client, location, self.LAST_MONDAY, MONDAY)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "source_week_start"]

    def test_repeat_past_year_9999_is_422(self, location, staff_client):
        response = repeat(staff_client, location, self.LAST_MONDAY - days(7), 2)
        assert response.status_code == 422
        assert response.json()["detail"][0] == {
            "loc": ["body", "num_weeks"],
            "msg": "Dates lie between 1900-01-01 and 2199-12-31.",
            "type": "date_out_of_range",
        }

    def test_copy_onto_the_last_day_converts_or_refuses_cleanly(
        self, location, lunch, block, staff_client
    ):
        block(lunch, MONDAY, "12:00", "13:00")
        block(lunch, MONDAY, "19:00", "20:00")  # 01:00 UTC on 2200-01-01: still fine
        response = copy_day(staff_client, location, MONDAY, date(2199, 12, 31))
        assert response.status_code == 200
        assert response.json()["count"] == 2
        beyond = copy_day(staff_client, location, MONDAY, date(2200, 1, 1))
        assert beyond.status_code == 422
        assert beyond.json()["detail"][0]["loc"] == ["body", "target_date"]
