"""Blockouts: create (per operatory or location-wide), list, get, update, delete."""

from datetime import timedelta

import pytest

from blockouts import coverage
from blockouts.models import Blockout
from tests.blockouts.conftest import FALL_BACK, MONDAY, SPRING_FORWARD
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    BlockoutFactory,
    BlockoutTypeFactory,
    LocationFactory,
    OperatoryFactory,
)

pytestmark = pytest.mark.django_db

PATH = "blockouts/instances"


def body(location, blockout_type, **fields):
    return {
        "location_uuid": str(location.uuid),
        "blockout_type_uuid": str(blockout_type.uuid),
        "schedule_date": "2030-01-07",
        "start_time": "12:00",
        "end_time": "13:00",
        **fields,
    }


class TestCreate:
    def test_location_wide_blockout(self, location, lunch, staff_client):
        response = staff_client.post(PATH, body(location, lunch, note="Team lunch"))
        assert response.status_code == 201
        created = response.json()
        assert created["warnings"] == []
        (item,) = created["items"]
        assert item["location"] == {"id": str(location.uuid), "name": location.name}
        assert item["location_timezone"] == "America/Chicago"
        assert item["operatory"] is None
        assert item["blockout_type"] == {"id": str(lunch.uuid), "name": "Lunch"}
        assert (item["schedule_date"], item["start_time"], item["end_time"]) == (
            "2030-01-07",
            "12:00:00",
            "13:00:00",
        )
        # Chicago is UTC-6 in January.
        assert (item["start_at"], item["end_at"]) == (
            "2030-01-07T18:00:00Z",
            "2030-01-07T19:00:00Z",
        )
        assert item["note"] == "Team lunch" and item["status"] == "active"
        assert item["version"] == 1 and item["blockout_group_uuid"] is None
        assert staff_client.get(f"{PATH}/{item['id']}").json() == item

    def test_one_blockout_per_operatory(self, location, ops, lunch, staff_client):
        uuids = [str(op.uuid) for op in ops]
        response = staff_client.post(PATH, body(location, lunch, operatory_uuids=uuids))
        assert response.status_code == 201
        items = response.json()["items"]
        assert sorted(item["operatory"]["id"] for item in items) == sorted(uuids)
        assert Blockout.objects.count() == 2

    @pytest.mark.parametrize("empty", [None, []])
    def test_no_operatories_means_the_whole_location(self, location, lunch, staff_client, empty):
        response = staff_client.post(PATH, body(location, lunch, operatory_uuids=empty, note=None))
        assert response.status_code == 201
        (item,) = response.json()["items"]
        assert item["operatory"] is None and item["note"] == ""

    def test_a_duplicate_is_skipped_with_a_warning(self, location, ops, lunch, block, staff_client):
        block(lunch, MONDAY, operatory=ops[0])
        response = staff_client.post(
            PATH, body(location, lunch, operatory_uuids=[str(op.uuid) for op in ops])
        )
        assert response.status_code == 201
        created = response.json()
        assert [item["operatory"]["name"] for item in created["items"]] == ["Op 2"]
        assert created["warnings"] == [
            "Lunch 2030-01-07 12:00–13:00 on Op 1 skipped: the same blockout already exists."
        ]
        again = staff_client.post(PATH, body(location, lunch)).json()
        assert len(again["items"]) == 1  # location-wide is not the same as one chair
        last = staff_client.post(PATH, body(location, lunch)).json()
        assert last["items"] == [] and len(last["warnings"]) == 1

    def test_not_duplicates_other_type_other_time_or_cancelled(
        self, location, lunch, crowns, block, staff_client
    ):
        block(crowns, MONDAY)
        block(lunch, MONDAY, "12:00", "12:30")
        block(lunch, MONDAY, status="cancelled")
        response = staff_client.post(PATH, body(location, lunch))
        assert len(response.json()["items"]) == 1 and response.json()["warnings"] == []

    def test_dst_gap_is_422(self, location, lunch, staff_client):
        response = staff_client.post(
            PATH,
            body(
                location,
                lunch,
                schedule_date=SPRING_FORWARD.isoformat(),
                start_time="02:30",
                end_time="04:00",
            ),
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "start_time"] and error["type"] == "dst_gap"
        assert "does not exist in America/Chicago" in error["msg"]
        assert not Blockout.objects.exists()

    def test_end_in_dst_gap_is_422_on_end_time(self, location, lunch, staff_client):
        response = staff_client.post(
            PATH,
            body(
                location,
                lunch,
                schedule_date=SPRING_FORWARD.isoformat(),
                start_time="01:00",
                end_time="02:15",
            ),
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "end_time"]

    def test_times_around_the_gap_convert(self, location, lunch, staff_client):
        item = staff_client.post(
            PATH,
            body(
                location,
                lunch,
                schedule_date=SPRING_FORWARD.isoformat(),
                start_time="01:30",
                end_time="03:30",
            ),
        ).json()["items"][0]
        # 01:30 CST (UTC-6) to 03:30 CDT (UTC-5): one hour of real time.
        assert (item["start_at"], item["end_at"]) == (
            "2030-03-10T07:30:00Z",
            "2030-03-10T08:30:00Z",
        )

    def test_ambiguous_time_takes_the_first_occurrence(self, location, lunch, staff_client):
        item = staff_client.post(
            PATH,
            body(
                location,
                lunch,
                schedule_date=FALL_BACK.isoformat(),
                start_time="01:30",
                end_time="02:00",
            ),
        ).json()["items"][0]
        assert item["start_at"] == "2030-11-03T06:30:00Z"  # 01:30 CDT, the first one
        assert item["end_at"] == "2030-11-03T08:00:00Z"  # 02:00 CST

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"end_time": "12:00"}, "end_time"),
            ({"end_time": "11:00"}, "end_time"),
            ({"start_time": "noon"}, "start_time"),
            ({"start_time": "25:00"}, "start_time"),
            ({"schedule_date": "2030-02-30"}, "schedule_date"),
            ({"schedule_date": None}, "schedule_date"),
            ({"location_uuid": "not-a-uuid"}, "location_uuid"),
            ({"blockout_type_uuid": 5}, "blockout_type_uuid"),
            ({"operatory_uuids": ["nope"]}, "operatory_uuids"),
            ({"operatory_uuids": "nope"}, "operatory_uuids"),
            ({"note": "x" * 2001}, "note"),
        ],
    )
    def test_invalid_body_is_422(self, location, lunch, staff_client, fields, field):
        response = staff_client.post(PATH, body(location, lunch, **fields))
        assert response.status_code == 422, response.json()
        assert ["body", field] == response.json()["detail"][0]["loc"][:2]
        assert not Blockout.objects.exists()

    @pytest.mark.parametrize(
        "day, start, end", [("9999-12-31", "23:00", "23:30"), ("0001-01-01", "00:00", "01:00")]
    )
    def test_instants_outside_the_calendar_are_422(
        self, org, location, lunch, staff_client, day, start, end
    ):
        tokyo = LocationFactory(org=org, timezone="Asia/Tokyo")
        target = tokyo if day.startswith("0001") else location
        response = staff_client.post(
            PATH, body(target, lunch, schedule_date=day, start_time=start, end_time=end)
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "schedule_date"]

    @pytest.mark.parametrize("field", ["location_uuid", "blockout_type_uuid", "start_time"])
    def test_required_fields(self, location, lunch, staff_client, field):
        payload = body(location, lunch)
        del payload[field]
        response = staff_client.post(PATH, payload)
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "required"

    def test_operatory_at_another_location_is_422(self, location, far_op, lunch, staff_client):
        response = staff_client.post(
            PATH, body(location, lunch, operatory_uuids=[str(far_op.uuid)])
        )
        assert response.status_code == 422
        error = response.json()["detail"][0]
        assert error["loc"] == ["body", "operatory_uuids"]
        assert error["type"] == "operatory_location_mismatch"

    def test_another_orgs_ids_are_404(self, other_org, location, lunch, staff_client):
        their_type = BlockoutTypeFactory(org=other_org)
        their_location = LocationFactory(org=other_org)
        their_op = OperatoryFactory(org=other_org)
        for payload in (
            body(location, their_type),
            body(their_location, lunch),
            body(location, lunch, operatory_uuids=[str(their_op.uuid)]),
        ):
            response = staff_client.post(PATH, payload)
            assert response.status_code == 404
            assert response.json()["code"] == "NOT_FOUND"
        assert not Blockout.objects.exists()

    def test_forbidden_location_is_403(
        self, location, second_location, far_op, lunch, limited_client
    ):
        assert limited_client.post(PATH, body(second_location, lunch)).status_code == 403
        response = limited_client.post(
            PATH, body(location, lunch, operatory_uuids=[str(far_op.uuid)])
        )
        assert response.status_code == 403
        assert not Blockout.objects.exists()
        assert limited_client.post(PATH, body(location, lunch)).status_code == 201

    def test_viewers_may_not_create(self, location, lunch, viewer_client):
        assert viewer_client.post(PATH, body(location, lunch)).status_code == 403

    def test_other_apps_warnings_about_what_is_covered(
        self, monkeypatch, location, lunch, crowns, staff_client
    ):
        """The hook the appointments app uses to name appointments under a new blockout."""

        def reporter(blockouts):
            return [
                f"{b.blockout_type.name} covers 1 appointment."
                for b in blockouts
                if b.blockout_type.is_no_schedule
            ]

        monkeypatch.setattr(coverage, "_reporters", [])
        coverage.register_coverage_reporter(reporter)
        response = staff_client.post(PATH, body(location, lunch))
        assert response.json()["warnings"] == ["Lunch covers 1 appointment."]
        assert staff_client.post(PATH, body(location, crowns)).json()["warnings"] == []


class TestList:
    def test_default_lists_active_blockouts_in_time_order(
        self, location, second_location, lunch, block, viewer_client
    ):
        later = block(lunch, MONDAY, "14:00", "15:00")
        earlier = block(lunch, MONDAY, "08:00", "09:00")
        new_york = block(lunch, MONDAY, "08:00", "09:00", location=second_location)
        block(lunch, MONDAY, "10:00", "11:00", status="cancelled")
        body = viewer_client.get(PATH).json()
        # 08:00 in New York is an hour before 08:00 in Chicago.
        assert [item["id"] for item in body["items"]] == [
            str(b.uuid) for b in (new_york, earlier, later)
        ]

    def test_filters(self, location, second_location, lunch, block, viewer_client):
        monday = block(lunch, MONDAY)
        tuesday = block(lunch, MONDAY + timedelta(days=1))
        block(lunch, MONDAY, location=second_location)
        cancelled = block(lunch, MONDAY + timedelta(days=1), "15:00", "16:00", status="cancelled")

        def ids(**query):
            return [item["id"] for item in viewer_client.get(PATH, query).json()["items"]]

        here = str(location.uuid)
        assert ids(location_uuid=here) == [str(monday.uuid), str(tuesday.uuid)]
        assert ids(location_uuid=here, date_from="2030-01-08") == [str(tuesday.uuid)]
        assert ids(location_uuid=here, date_to="2030-01-07") == [str(monday.uuid)]
        assert ids(location_uuid=here, date_from="2030-01-08", date_to="2030-01-07") == []
        assert ids(location_uuid=here, status="cancelled") == [str(cancelled.uuid)]
        assert len(ids(location_uuid=here, status="all")) == 3

    @pytest.mark.parametrize(
        "query",
        [
            {"date_from": "2030-13-01"},
            {"date_to": "tomorrow"},
            {"status": "deleted"},
            {"location_uuid": "x"},
        ],
    )
    def test_bad_query_is_422(self, viewer_client, query):
        response = viewer_client.get(PATH, query)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]

    def test_location_filter_unknown_is_404_forbidden_is_403(
        self, other_org, second_location, limited_client
    ):
        theirs = LocationFactory(org=other_org)
        assert limited_client.get(PATH, {"location_uuid": str(theirs.uuid)}).status_code == 404
        response = limited_client.get(PATH, {"location_uuid": str(second_location.uuid)})
        assert response.status_code == 403


class TestGet:
    def test_forbidden_location_and_another_org_are_404(
        self, other_org, second_location, lunch, block, limited_client
    ):
        hidden = block(lunch, MONDAY, location=second_location)
        assert limited_client.get(f"{PATH}/{hidden.uuid}").status_code == 404
        theirs = BlockoutFactory(org=other_org)
        assert limited_client.get(f"{PATH}/{theirs.uuid}").status_code == 404

    def test_cancelled_blockout_is_found_by_id(self, lunch, block, viewer_client):
        cancelled = block(lunch, MONDAY, status="cancelled")
        assert viewer_client.get(f"{PATH}/{cancelled.uuid}").json()["status"] == "cancelled"


def patch(client, blockout, **changes):
    return client.patch(f"{PATH}/{blockout.uuid}", {"base_version": blockout.version, **changes})


class TestUpdate:
    def test_new_times_are_converted_again(self, lunch, block, staff_client):
        blockout = block(lunch, MONDAY)
        response = patch(
            staff_client, blockout, schedule_date="2030-07-08", start_time="12:30", end_time="13:30"
        )
        assert response.status_code == 200
        item = response.json()
        assert (item["schedule_date"], item["start_time"]) == ("2030-07-08", "12:30:00")
        # Chicago is UTC-5 in July.
        assert (item["start_at"], item["end_at"]) == (
            "2030-07-08T17:30:00Z",
            "2030-07-08T18:30:00Z",
        )
        assert item["version"] == 2

    def test_one_time_is_checked_against_the_stored_other(self, lunch, block, staff_client):
        blockout = block(lunch, MONDAY, "12:00", "13:00")
        response = patch(staff_client, blockout, start_time="13:00")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "end_time"]
        assert patch(staff_client, blockout, start_time="11:00").json()["start_time"] == "11:00:00"

    def test_moving_into_a_dst_gap_is_422(self, lunch, block, staff_client):
        blockout = block(lunch, MONDAY, "02:30", "04:00")
        response = patch(staff_client, blockout, schedule_date=SPRING_FORWARD.isoformat())
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "dst_gap"
        blockout.refresh_from_db()
        assert blockout.schedule_date == MONDAY and blockout.version == 1

    def test_type_operatory_note_and_status(self, ops, lunch, crowns, block, staff_client):
        blockout = block(lunch, MONDAY, operatory=ops[0])
        item = patch(
            staff_client,
            blockout,
            blockout_type_uuid=str(crowns.uuid),
            operatory_uuid=str(ops[1].uuid),
            note="Dr. Patel only",
            status="cancelled",
        ).json()
        assert item["blockout_type"]["id"] == str(crowns.uuid)
        assert item["operatory"]["id"] == str(ops[1].uuid)
        assert (item["note"], item["status"]) == ("Dr. Patel only", "cancelled")

    def test_null_means_unchanged(self, ops, lunch, block, staff_client):
        blockout = block(lunch, MONDAY, operatory=ops[0], note="Keep")
        item = patch(staff_client, blockout, operatory_uuid=None, note=None, start_time=None).json()
        assert item["operatory"]["id"] == str(ops[0].uuid) and item["note"] == "Keep"
        assert item["version"] == 2

    def test_operatory_at_another_location_is_422(self, far_op, lunch, block, staff_client):
        blockout = block(lunch, MONDAY)
        response = patch(staff_client, blockout, operatory_uuid=str(far_op.uuid))
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "operatory_uuid"]

    def test_retired_type_is_422(self, org, lunch, block, staff_client):
        blockout = block(lunch, MONDAY)
        retired = BlockoutTypeFactory(org=org, status="inactive")
        response = patch(staff_client, blockout, blockout_type_uuid=str(retired.uuid))
        assert response.status_code == 422

    def test_overlapping_its_own_type_on_the_chair_is_409_unless_allowed(
        self, ops, lunch, crowns, block, staff_client
    ):
        other = block(lunch, MONDAY, "13:00", "14:00", operatory=ops[0])
        blockout = block(lunch, MONDAY, "11:00", "12:00", operatory=ops[0])
        response = patch(staff_client, blockout, end_time="13:30")
        assert response.status_code == 409
        conflict = response.json()
        assert conflict["code"] == "BLOCKOUT_OVERLAP"
        assert conflict["reason_codes"] == ["BLOCKOUT_OVERLAP"]
        (entry,) = conflict["conflicts"]["blockouts"]
        assert entry["id"] == str(other.uuid)
        assert (entry["schedule_date"], entry["start_time"], entry["end_time"]) == (
            MONDAY.isoformat(),
            "13:00:00",
            "14:00:00",
        )
        assert entry["start_at"] and entry["end_at"] and entry["blockout_type"]["name"]
        blockout.refresh_from_db()
        assert blockout.end_time.hour == 12 and blockout.version == 1
        # touching is not overlapping; another type or chair does not count
        assert patch(staff_client, blockout, end_time="13:00").status_code == 200
        blockout.refresh_from_db()
        block(crowns, MONDAY, "13:00", "14:00", operatory=ops[0])
        block(lunch, MONDAY, "13:00", "14:00", operatory=ops[1])
        allowed = patch(staff_client, blockout, end_time="13:30", allow_overlap=True)
        assert allowed.status_code == 200

    def test_location_wide_blockouts_overlap_each_other(self, lunch, block, staff_client):
        block(lunch, MONDAY, "12:00", "13:00")
        cancelled = block(lunch, MONDAY, "12:00", "13:00", status="cancelled")
        response = patch(staff_client, cancelled, status="active")
        assert response.status_code == 409
        assert response.json()["code"] == "BLOCKOUT_OVERLAP"

    def test_another_orgs_blockout_is_404(self, other_org, staff_client):
        theirs = BlockoutFactory(org=other_org)
        assert patch(staff_client, theirs, note="x").status_code == 404
        assert staff_client.delete(f"{PATH}/{theirs.uuid}").status_code == 404
        theirs.refresh_from_db()
        assert theirs.version == 1

    def test_stale_base_version_is_409(self, lunch, block, staff_client):
        blockout = block(lunch, MONDAY)
        assert patch(staff_client, blockout, note="first").status_code == 200
        response = patch(staff_client, blockout, note="second")
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"
        assert response.json()["current_version"] == 2

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"base_version": 0}, "base_version"),
            ({"start_time": "9am"}, "start_time"),
            ({"status": "deleted"}, "status"),
            ({"apply_to_group": "sometimes"}, "apply_to_group"),
            ({"operatory_uuid": "x"}, "operatory_uuid"),
        ],
    )
    def test_invalid_patch_is_422(self, lunch, block, staff_client, changes, field):
        blockout = block(lunch, MONDAY)
        response = staff_client.patch(f"{PATH}/{blockout.uuid}", {"base_version": 1, **changes})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]

    def test_viewer_403_forbidden_location_404(
        self, second_location, lunch, block, viewer_client, limited_client
    ):
        blockout = block(lunch, MONDAY, location=second_location)
        assert patch(viewer_client, blockout, note="x").status_code == 403
        assert patch(limited_client, blockout, note="x").status_code == 404


class TestDelete:
    def test_delete_removes_only_that_blockout(self, lunch, block, staff_client):
        blockout = block(lunch, MONDAY)
        sibling = block(lunch, MONDAY + timedelta(days=7))
        Blockout.objects.update(blockout_group_uuid="11111111-1111-1111-1111-111111111111")
        response = staff_client.delete(f"{PATH}/{blockout.uuid}")
        assert response.status_code == 204 and response.content == b""
        assert staff_client.get(f"{PATH}/{blockout.uuid}").status_code == 404
        assert staff_client.get(f"{PATH}/{sibling.uuid}").status_code == 200
        assert staff_client.delete(f"{PATH}/{blockout.uuid}").status_code == 404

    def test_viewer_403_forbidden_location_404(
        self, second_location, lunch, block, viewer_client, limited_client
    ):
        blockout = block(lunch, MONDAY, location=second_location)
        assert viewer_client.delete(f"{PATH}/{blockout.uuid}").status_code == 403
        assert limited_client.delete(f"{PATH}/{blockout.uuid}").status_code == 404
        assert Blockout.objects.filter(pk=blockout.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_creates_make_one_blockout(org, location):
    lunch = BlockoutTypeFactory(org=org, name="Lunch")
    clients = [api_for(org) for _ in range(4)]

    results = run_concurrently(
        len(clients), lambda i: clients[i].post(PATH, body(location, lunch)).json()
    )

    assert sorted(len(result["items"]) for result in results) == [0, 0, 0, 1]
    assert Blockout.objects.filter(org=org).count() == 1
