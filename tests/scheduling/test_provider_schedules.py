"""Provider schedules: templates, overrides, their resolution, and one place at a time."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import ProviderScheduleOverride, ProviderScheduleTemplate
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    LocationFactory,
    OperatoryFactory,
    ProviderFactory,
    ScheduleOverrideFactory,
    ScheduleTemplateFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATES, OVERRIDES = "schedule/templates", "schedule/overrides"
MONDAY = date(2031, 3, 3)
SPRING_FORWARD = date(2031, 3, 9)  # a Sunday: 02:00 → 03:00 in America/Chicago
FALL_BACK = date(2031, 11, 2)  # a Sunday: 02:00 → 01:00


@pytest.fixture
def provider(org):
    return ProviderFactory(org=org, first_name="Grace", last_name="Hopper")


def template(client, provider, location, **fields):
    body = {
        "provider_uuid": str(provider.uuid),
        "location_uuid": str(location.uuid),
        "day_of_week": 0,
        "start_time": "08:00",
        "end_time": "12:00",
        "effective_from": "2031-01-01",
        **fields,
    }
    return client.post(TEMPLATES, body)


def override(client, provider, location, **fields):
    body = {
        "provider_uuid": str(provider.uuid),
        "location_uuid": str(location.uuid),
        "override_date": MONDAY.isoformat(),
        **fields,
    }
    return client.post(OVERRIDES, body)


def availability(client, provider, location, day):
    response = client.get(
        "schedule/provider-availability",
        {"provider_uuid": str(provider.uuid), "location_uuid": str(location.uuid), "date": day},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def spans(body) -> list[tuple[str, str]]:
    return [(r["start_time"], r["end_time"]) for r in body["time_ranges"]]


class TestTemplates:
    def test_create_answers_the_template_with_local_times(self, staff_client, provider, location):
        chair = OperatoryFactory(org=location.org, location=location)
        response = template(staff_client, provider, location, operatory_uuid=str(chair.uuid))
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["provider"] == {"id": str(provider.uuid), "name": "Grace Hopper"}
        assert body["operatory"]["id"] == str(chair.uuid)
        assert (body["start_time"], body["end_time"]) == ("08:00:00", "12:00:00")
        assert body["effective_to"] is None and body["note"] == "" and body["version"] == 1
        assert body["location_timezone"] == "America/Chicago"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"day_of_week": 7}, "day_of_week"),
            ({"day_of_week": -1}, "day_of_week"),
            ({"start_time": "12:00", "end_time": "08:00"}, "end_time"),
            ({"start_time": "12:00", "end_time": "12:00"}, "end_time"),
            ({"effective_to": "2030-12-31"}, "effective_to"),
            ({"start_time": "25:00"}, "start_time"),
            ({"effective_from": "1800-01-01"}, "effective_from"),
        ],
    )
    def test_bad_values_are_422_naming_the_field(
        self, staff_client, provider, location, fields, field
    ):
        response = template(staff_client, provider, location, **fields)
        assert response.status_code == 422
        assert [item["loc"] for item in response.json()["detail"]] == [["body", field]]
        assert not ProviderScheduleTemplate.objects.exists()

    def test_an_operatory_of_another_location_is_422(
        self, staff_client, provider, location, second_location
    ):
        chair = OperatoryFactory(org=location.org, location=second_location)
        response = template(staff_client, provider, location, operatory_uuid=str(chair.uuid))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "operatory"]

    def test_ids_of_another_org_are_404_and_a_forbidden_location_403(
        self, org, other_org, staff_client, limited_client, provider, location, second_location
    ):
        theirs = ProviderFactory(org=other_org)
        response = template(staff_client, theirs, location)
        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["body", "provider_uuid"]
        assert template(limited_client, provider, second_location).status_code == 403
        assert template(api_for(org, "viewer"), provider, location).status_code == 403

    def test_patch_checks_the_version_and_the_times(self, staff_client, provider, location):
        made = template(staff_client, provider, location).json()
        path = f"{TEMPLATES}/{made['id']}"
        stale = staff_client.patch(path, {"base_version": 2, "end_time": "11:00"})
        assert stale.status_code == 409 and stale.json()["code"] == "VERSION_CONFLICT"
        backwards = staff_client.patch(path, {"base_version": 1, "end_time": "07:00"})
        assert backwards.status_code == 422
        changed = staff_client.patch(path, {"base_version": 1, "end_time": "11:00"})
        assert changed.status_code == 200
        assert (changed.json()["end_time"], changed.json()["version"]) == ("11:00:00", 2)
        unknown = staff_client.patch(path, {"base_version": 2, "provider_uuid": str(provider.uuid)})
        assert unknown.status_code == 422

    def test_list_filters_and_delete(self, org, staff_client, provider, location, second_location):
        template(staff_client, provider, location)
        template(staff_client, provider, location, day_of_week=2)
        ScheduleTemplateFactory(org=org, location=second_location)
        listed = staff_client.get(TEMPLATES, {"provider_uuid": str(provider.uuid)}).json()
        assert listed["total"] == 2
        tuesday = staff_client.get(TEMPLATES, {"day_of_week": 2}).json()["items"]
        assert [t["day_of_week"] for t in tuesday] == [2]
        assert staff_client.get(TEMPLATES, {"day_of_week": 9}).status_code == 422
        assert staff_client.get(TEMPLATES, {"day_of_week": "1.5"}).status_code == 422
        elsewhere = staff_client.get(TEMPLATES, {"location_uuid": str(second_location.uuid)})
        assert elsewhere.json()["total"] == 1
        unknown = staff_client.get(TEMPLATES, {"provider_uuid": str(ProviderFactory().uuid)})
        assert unknown.status_code == 404
        gone = listed["items"][0]["id"]
        assert staff_client.delete(f"{TEMPLATES}/{gone}").status_code == 204
        assert staff_client.get(f"{TEMPLATES}/{gone}").status_code == 404


class TestOnePlaceAtATime:
    def test_overlapping_templates_are_409_naming_the_other(self, staff_client, provider, location):
        first = template(staff_client, provider, location).json()
        response = template(staff_client, provider, location, start_time="11:00", end_time="13:00")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "SCHEDULE_OVERLAP" and body["reason_codes"] == ["SCHEDULE_OVERLAP"]
        (other,) = body["conflicts"]["ranges"]
        assert (other["source"], other["source_id"]) == ("template", first["id"])
        assert (other["start_time"], other["end_time"]) == ("08:00:00", "12:00:00")
        assert ProviderScheduleTemplate.objects.count() == 1

    def test_another_location_counts_and_instants_decide(
        self, staff_client, provider, location, second_location
    ):
        template(staff_client, provider, location)  # 08:00–12:00 Chicago = 09:00–13:00 New York
        clash = template(
            staff_client, provider, second_location, start_time="12:30", end_time="15:00"
        )
        assert clash.status_code == 409
        assert clash.json()["conflicts"]["ranges"][0]["location"]["id"] == str(location.uuid)
        after = template(
            staff_client, provider, second_location, start_time="13:00", end_time="15:00"
        )
        assert after.status_code == 201  # back to back in real time

    def test_a_lunch_break_other_days_and_other_periods_are_fine(
        self, staff_client, provider, location
    ):
        assert template(staff_client, provider, location).status_code == 201
        for fields in (
            {"start_time": "13:00", "end_time": "17:00"},  # after lunch
            {"day_of_week": 1},  # Tuesday
            {"effective_from": "2029-01-01", "effective_to": "2030-12-31"},  # before
        ):
            assert template(staff_client, provider, location, **fields).status_code == 201

    def test_another_providers_time_never_clashes(self, org, staff_client, provider, location):
        template(staff_client, provider, location)
        assert template(staff_client, ProviderFactory(org=org), location).status_code == 201

    def test_a_patch_into_another_range_is_409_and_changes_nothing(
        self, staff_client, provider, location
    ):
        template(staff_client, provider, location)
        afternoon = template(staff_client, provider, location, start_time="13:00", end_time="17:00")
        path = f"{TEMPLATES}/{afternoon.json()['id']}"
        response = staff_client.patch(path, {"base_version": 1, "start_time": "11:00"})
        assert response.status_code == 409 and response.json()["code"] == "SCHEDULE_OVERLAP"
        assert staff_client.get(path).json()["start_time"] == "13:00:00"

    def test_an_override_overlapping_another_locations_time_is_409(
        self, staff_client, provider, location, second_location
    ):
        template(staff_client, provider, location)  # Mondays at Chicago
        response = override(
            staff_client, provider, second_location, start_time="10:00", end_time="11:00"
        )
        assert response.status_code == 409
        assert response.json()["conflicts"]["ranges"][0]["date"] == MONDAY.isoformat()
        # A day off in Chicago that Monday frees the time for New York.
        assert override(staff_client, provider, location, is_unavailable=True).status_code == 201
        moved = override(
            staff_client, provider, second_location, start_time="10:00", end_time="11:00"
        )
        assert moved.status_code == 201

    def test_deleting_the_day_off_that_made_room_is_409(
        self, staff_client, provider, location, second_location
    ):
        template(staff_client, provider, location)
        day_off = override(staff_client, provider, location, is_unavailable=True).json()
        override(staff_client, provider, second_location, start_time="10:00", end_time="11:00")
        response = staff_client.delete(f"{OVERRIDES}/{day_off['id']}")
        assert response.status_code == 409 and response.json()["code"] == "SCHEDULE_OVERLAP"
        assert ProviderScheduleOverride.objects.filter(uuid=day_off["id"]).exists()

    def test_a_template_meeting_an_override_elsewhere_is_409(
        self, staff_client, provider, location, second_location
    ):
        override(staff_client, provider, second_location, start_time="10:00", end_time="11:00")
        response = template(staff_client, provider, location)  # Mondays, MONDAY included
        assert response.status_code == 409
        assert response.json()["conflicts"]["ranges"][0]["source"] == "override"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_for_one_provider_exactly_one_wins(org):
    location = LocationFactory(org=org, timezone="America/Chicago")
    provider = ProviderFactory(org=org)
    clients = [api_for(org) for _ in range(4)]
    statuses = run_concurrently(
        len(clients),
        lambda i: (
            template(
                clients[i], provider, location, start_time=f"{8 + i % 2:02d}:00", end_time="12:00"
            ).status_code
        ),
    )
    assert sorted(statuses) == [201, 409, 409, 409]
    assert ProviderScheduleTemplate.objects.filter(provider=provider).count() == 1


class TestOverrides:
    def test_a_range_replaces_the_templates_of_the_date_there(
        self, staff_client, provider, location
    ):
        template(staff_client, provider, location)
        template(staff_client, provider, location, start_time="13:00", end_time="17:00")
        assert spans(availability(staff_client, provider, location, MONDAY)) == [
            ("08:00:00", "12:00:00"),
            ("13:00:00", "17:00:00"),
        ]
        made = override(
            staff_client, provider, location, start_time="09:00", end_time="11:00",
            override_reason="schedule_change",
        )  # fmt: skip
        assert made.status_code == 201
        assert made.json()["override_reason"] == "schedule_change"
        body = availability(staff_client, provider, location, MONDAY)
        assert body["is_override"] is True and spans(body) == [("09:00:00", "11:00:00")]
        assert body["time_ranges"][0]["source"] == "override"
        next_week = availability(staff_client, provider, location, date(2031, 3, 10))
        assert next_week["is_override"] is False and len(next_week["time_ranges"]) == 2

    def test_a_day_off_leaves_no_time(self, staff_client, provider, location):
        template(staff_client, provider, location)
        made = override(staff_client, provider, location, is_unavailable=True)
        assert made.status_code == 201
        assert made.json()["override_reason"] == "other"  # the default
        assert (made.json()["start_time"], made.json()["end_time"]) == (None, None)
        body = availability(staff_client, provider, location, MONDAY)
        assert body["is_override"] is True and body["time_ranges"] == []

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"start_time": "09:00"}, "end_time"),
            ({}, "start_time"),
            ({"is_unavailable": True, "start_time": "09:00"}, "start_time"),
            ({"start_time": "10:00", "end_time": "09:00"}, "end_time"),
            (
                {"start_time": "09:00", "end_time": "10:00", "override_reason": "bored"},
                "override_reason",
            ),
        ],
    )
    def test_bad_overrides_are_422(self, staff_client, provider, location, fields, field):
        response = override(staff_client, provider, location, **fields)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]
        assert not ProviderScheduleOverride.objects.exists()

    def test_a_wall_time_in_the_spring_forward_gap_is_422(self, staff_client, provider, location):
        response = override(
            staff_client, provider, location,
            override_date=SPRING_FORWARD.isoformat(), start_time="02:30", end_time="06:00",
        )  # fmt: skip
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "start_time"]
        assert response.json()["detail"][0]["type"] == "dst_gap"

    def test_patch_turns_a_range_into_a_day_off_and_back(self, staff_client, provider, location):
        made = override(staff_client, provider, location, start_time="09:00", end_time="11:00")
        path = f"{OVERRIDES}/{made.json()['id']}"
        off = staff_client.patch(path, {"is_unavailable": True})
        assert off.status_code == 200
        assert (off.json()["is_unavailable"], off.json()["start_time"]) == (True, None)
        back = staff_client.patch(
            path, {"is_unavailable": False, "start_time": "10:00", "end_time": "12:00"}
        )
        assert back.status_code == 200 and back.json()["start_time"] == "10:00:00"
        stale = staff_client.patch(path, {"base_version": 1, "note": "late"})
        assert stale.status_code == 409 and stale.json()["code"] == "VERSION_CONFLICT"
        missing_times = staff_client.patch(path, {"is_unavailable": False, "start_time": None})
        assert missing_times.status_code == 200  # null: unchanged

    def test_list_by_date_range(self, org, staff_client, provider, location):
        for day in ("2031-03-03", "2031-03-10", "2031-03-17"):
            ScheduleOverrideFactory(
                org=org, provider=provider, location=location, override_date=day
            )
        listed = staff_client.get(OVERRIDES, {"date_from": "2031-03-04", "date_to": "2031-03-17"})
        assert [o["override_date"] for o in listed.json()["items"]] == ["2031-03-10", "2031-03-17"]
        for bad in ("2031-02-30", "03/03/2031", "2031-3-3x"):
            assert staff_client.get(OVERRIDES, {"date_from": bad}).status_code == 422


class TestResolution:
    def test_instants_are_right_on_both_daylight_saving_changes(
        self, staff_client, provider, location
    ):
        for day in (SPRING_FORWARD, FALL_BACK):
            template(
                staff_client, provider, location, day_of_week=6, effective_from="2031-01-01",
                start_time="00:30", end_time="04:00",
            ) if day == SPRING_FORWARD else None  # fmt: skip
        spring = availability(staff_client, provider, location, SPRING_FORWARD)["time_ranges"]
        # 00:30 CST = 06:30Z; 04:00 CDT = 09:00Z: 2.5 hours of real time on the 23-hour day.
        assert (spring[0]["start_at"], spring[0]["end_at"]) == (
            "2031-03-09T06:30:00Z",
            "2031-03-09T09:00:00Z",
        )
        fall = availability(staff_client, provider, location, FALL_BACK)["time_ranges"]
        # 00:30 CDT = 05:30Z; 04:00 CST = 10:00Z: 4.5 hours on the 25-hour day.
        assert (fall[0]["start_at"], fall[0]["end_at"]) == (
            "2031-11-02T05:30:00Z",
            "2031-11-02T10:00:00Z",
        )

    def test_a_template_time_in_the_gap_starts_at_the_first_instant_after_it(
        self, staff_client, provider, location
    ):
        template(
            staff_client, provider, location, day_of_week=6, start_time="02:30", end_time="05:00"
        )
        (spring,) = availability(staff_client, provider, location, SPRING_FORWARD)["time_ranges"]
        assert spring["start_at"] == "2031-03-09T08:00:00Z"  # 03:00 CDT
        assert spring["start_time"] == "02:30:00"  # the template's wall time, as written
        (usual,) = availability(staff_client, provider, location, date(2031, 3, 16))["time_ranges"]
        assert usual["start_at"] == "2031-03-16T07:30:00Z"

    def test_effective_dates_are_inclusive(self, staff_client, provider, location):
        template(
            staff_client, provider, location, effective_from="2031-03-03", effective_to="2031-03-10"
        )
        for day, expected in (
            ("2031-02-24", 0),
            ("2031-03-03", 1),
            ("2031-03-10", 1),
            ("2031-03-17", 0),
        ):
            assert (
                len(availability(staff_client, provider, location, day)["time_ranges"]) == expected
            )

    def test_nothing_scheduled_is_an_empty_day_and_unknown_ids_404(
        self, staff_client, provider, location, other_org
    ):
        body = availability(staff_client, provider, location, MONDAY)
        assert body == {
            "provider": {"id": str(provider.uuid), "name": "Grace Hopper"},
            "location": {"id": str(location.uuid), "name": "Chicago"},
            "date": MONDAY.isoformat(),
            "location_timezone": "America/Chicago",
            "is_override": False,
            "time_ranges": [],
        }
        theirs = ProviderFactory(org=other_org)
        response = staff_client.get(
            "schedule/provider-availability",
            {
                "provider_uuid": str(theirs.uuid),
                "location_uuid": str(location.uuid),
                "date": MONDAY,
            },
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["query", "provider_uuid"]
        missing = staff_client.get("schedule/provider-availability", {"date": MONDAY})
        assert missing.status_code == 422

    def test_daily_providers_lists_everyone_scheduled_there_by_name(
        self, org, staff_client, limited_client, location, second_location
    ):
        ada = ProviderFactory(org=org, first_name="Ada", last_name="Byron")
        zed = ProviderFactory(org=org, first_name="Zed", last_name="Young")
        off = ProviderFactory(org=org, first_name="Off", last_name="Today")
        for who in (zed, ada, off):
            ScheduleTemplateFactory(org=org, provider=who, location=location)
        ScheduleOverrideFactory(org=org, provider=off, location=location, override_date=MONDAY)
        ScheduleTemplateFactory(org=org, location=second_location)  # elsewhere: not listed
        response = staff_client.get(
            "schedule/daily-providers", {"location_uuid": str(location.uuid), "date": MONDAY}
        )
        body = response.json()
        assert [p["provider"]["name"] for p in body["providers"]] == [
            "Ada Byron",
            "Off Today",
            "Zed Young",
        ]
        assert [len(p["time_ranges"]) for p in body["providers"]] == [1, 0, 1]
        assert body["providers"][1]["is_override"] is True
        forbidden = limited_client.get(
            "schedule/daily-providers", {"location_uuid": str(second_location.uuid), "date": MONDAY}
        )
        assert forbidden.status_code == 403

    def test_a_constant_number_of_queries(self, org, staff_client, location):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                response = staff_client.get(
                    "schedule/daily-providers",
                    {"location_uuid": str(location.uuid), "date": MONDAY},
                )
            assert response.status_code == 200
            return len(ctx.captured_queries)

        ScheduleTemplateFactory(org=org, location=location)
        queries()  # the token's last_used_at is written once a minute
        few = queries()
        for _ in range(5):
            made = ScheduleTemplateFactory(org=org, location=location)
            ScheduleOverrideFactory(
                org=org, provider=made.provider, location=location, override_date=MONDAY
            )
        assert queries() == few == 3  # the token, the location, the schedules


def test_the_admin_saves_through_the_same_check(client, org, location, provider):
    """An office manager adding an overlapping template in the admin is told, and nothing
    is saved; a clean one is saved."""
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    ScheduleTemplateFactory(org=org, provider=provider, location=location)  # Mon 08:00–12:00
    form = {
        "org": org.pk,
        "provider": provider.pk,
        "location": location.pk,
        "day_of_week": 0,
        "start_time": "11:00",
        "end_time": "13:00",
        "effective_from": "2030-06-03",
        "note": "",
    }
    url = "/admin/scheduling/providerscheduletemplate/add/"
    refused = client.post(url, form, follow=True)
    assert refused.status_code == 200
    assert "Nothing was saved" in refused.content.decode()
    assert ProviderScheduleTemplate.objects.filter(provider=provider).count() == 1
    saved = client.post(url, {**form, "start_time": "13:00", "end_time": "17:00"}, follow=True)
    assert saved.status_code == 200
    assert ProviderScheduleTemplate.objects.filter(provider=provider).count() == 2
    for page in ("providerscheduletemplate", "providerscheduleoverride", "schedulenote"):
        assert client.get(f"/admin/scheduling/{page}/").status_code == 200


def test_the_admin_lists_name_no_other_practices_location(client, org, other_org, location):
    """The location filter of the schedule pages offers the administrator's locations only."""
    from tests.factories import MembershipFactory, UserFactory

    manager = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=manager, role="admin")
    client.force_login(manager)
    ScheduleTemplateFactory(org=org, location=location)
    ScheduleOverrideFactory(org=org, location=location)
    theirs = LocationFactory(org=other_org, name="Their secret office")
    ScheduleTemplateFactory(org=other_org, location=theirs)
    ScheduleOverrideFactory(org=other_org, location=theirs)
    for page in ("providerscheduletemplate", "providerscheduleoverride", "schedulenote"):
        body = client.get(f"/admin/scheduling/{page}/").content.decode()
        assert "Their secret office" not in body
