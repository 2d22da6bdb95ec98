"""Blockout types: org configuration (admins write, everyone reads), retired by DELETE."""

import pytest

from blockouts.models import Blockout, BlockoutType
from tests.blockouts.conftest import MONDAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import BlockoutTypeFactory

pytestmark = pytest.mark.django_db

PATH = "blockouts/types"


class TestCreate:
    def test_minimal_create_gets_defaults(self, admin_client):
        response = admin_client.post(PATH, {"name": "Lunch"})
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "Lunch"
        assert body["status"] == "active" and body["version"] == 1
        assert body["abbreviation"] == "" and body["color"] == ""
        assert body["is_no_schedule"] is False and body["is_do_not_copy"] is False
        assert body["is_holiday"] is False and body["is_hidden"] is False
        assert body["item_order"] == 0
        assert BlockoutType.objects.filter(uuid=body["id"]).exists()

    def test_full_create(self, admin_client):
        body = admin_client.post(
            PATH,
            {
                "name": "Holiday",
                "abbreviation": "HOL",
                "color": "#26A69A",
                "is_no_schedule": True,
                "is_do_not_copy": True,
                "is_holiday": True,
                "is_hidden": True,
                "item_order": 4,
            },
        ).json()
        assert (body["abbreviation"], body["color"], body["item_order"]) == ("HOL", "#26A69A", 4)
        assert body["is_no_schedule"] and body["is_do_not_copy"]
        assert body["is_holiday"] and body["is_hidden"]

    def test_null_optional_fields_take_defaults(self, admin_client):
        response = admin_client.post(PATH, {"name": "Lunch", "color": None, "is_hidden": None})
        assert response.status_code == 201
        assert response.json()["color"] == "" and response.json()["is_hidden"] is False

    @pytest.mark.parametrize(
        "body, field",
        [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"name": "Lunch", "color": "grey"}, "color"),
            ({"name": "Lunch", "abbreviation": "x" * 21}, "abbreviation"),
            ({"name": "Lunch", "is_hidden": "perhaps"}, "is_hidden"),
            ({"name": "Lunch", "item_order": 2**40}, "item_order"),
        ],
    )
    def test_invalid_body_is_422(self, admin_client, body, field):
        response = admin_client.post(PATH, body)
        assert response.status_code == 422
        assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
        assert not BlockoutType.objects.exists()

    def test_duplicate_active_name_is_409(self, org, admin_client):
        BlockoutTypeFactory(org=org, name="Lunch")
        response = admin_client.post(PATH, {"name": "LUNCH"})
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"

    def test_name_of_an_inactive_type_can_be_reused(self, org, admin_client):
        BlockoutTypeFactory(org=org, name="Lunch", status="inactive")
        assert admin_client.post(PATH, {"name": "Lunch"}).status_code == 201

    def test_same_name_in_another_org_is_fine(self, other_org, admin_client):
        BlockoutTypeFactory(org=other_org, name="Lunch")
        assert admin_client.post(PATH, {"name": "Lunch"}).status_code == 201

    @pytest.mark.parametrize("client", ["staff_client", "viewer_client"])
    def test_only_admins_configure_types(self, request, client):
        response = request.getfixturevalue(client).post(PATH, {"name": "Lunch"})
        assert response.status_code == 403
        assert not BlockoutType.objects.exists()


class TestList:
    def test_lists_active_visible_types_by_item_order(self, org, viewer_client):
        second = BlockoutTypeFactory(org=org, name="B", item_order=1)
        first = BlockoutTypeFactory(org=org, name="Z", item_order=0)
        third = BlockoutTypeFactory(org=org, name="C", item_order=1)
        BlockoutTypeFactory(org=org, name="Hidden", is_hidden=True)
        BlockoutTypeFactory(org=org, name="Old", status="inactive")
        body = viewer_client.get(PATH).json()
        assert [item["id"] for item in body["items"]] == [
            str(t.uuid) for t in (first, second, third)
        ]
        assert body["total"] == 3

    def test_include_hidden(self, org, viewer_client):
        BlockoutTypeFactory(org=org, name="Shown")
        BlockoutTypeFactory(org=org, name="Hidden", is_hidden=True)
        body = viewer_client.get(PATH, {"include_hidden": "true"}).json()
        assert {item["name"] for item in body["items"]} == {"Shown", "Hidden"}
        assert viewer_client.get(PATH, {"include_hidden": "false"}).json()["total"] == 1

    @pytest.mark.parametrize(
        "status, names", [("active", ["Lunch"]), ("inactive", ["Old"]), ("all", ["Lunch", "Old"])]
    )
    def test_status_filter(self, org, viewer_client, status, names):
        BlockoutTypeFactory(org=org, name="Lunch")
        BlockoutTypeFactory(org=org, name="Old", status="inactive")
        body = viewer_client.get(PATH, {"status": status}).json()
        assert [item["name"] for item in body["items"]] == names

    @pytest.mark.parametrize("query", [{"status": "archived"}, {"include_hidden": "perhaps"}])
    def test_bad_filter_is_422(self, viewer_client, query):
        response = viewer_client.get(PATH, query)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]


class TestGet:
    def test_detail_shows_hidden_and_inactive_types(self, org, viewer_client):
        retired = BlockoutTypeFactory(org=org, is_hidden=True, status="inactive")
        body = viewer_client.get(f"{PATH}/{retired.uuid}").json()
        assert body["id"] == str(retired.uuid) and body["status"] == "inactive"

    def test_unknown_type_is_404(self, viewer_client):
        response = viewer_client.get(f"{PATH}/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404


class TestUpdate:
    def test_patch_changes_given_fields_and_bumps_version(self, org, admin_client):
        blockout_type = BlockoutTypeFactory(org=org, name="Lunch", color="#000000")
        response = admin_client.patch(
            f"{PATH}/{blockout_type.uuid}",
            {"base_version": 1, "is_no_schedule": True, "is_holiday": None, "name": None},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["is_no_schedule"] is True and body["version"] == 2
        assert body["name"] == "Lunch" and body["color"] == "#000000"

    def test_stale_base_version_is_409_and_changes_nothing(self, org, admin_client):
        blockout_type = BlockoutTypeFactory(org=org, name="Lunch")
        admin_client.patch(f"{PATH}/{blockout_type.uuid}", {"base_version": 1, "name": "Break"})
        response = admin_client.patch(
            f"{PATH}/{blockout_type.uuid}", {"base_version": 1, "name": "Late"}
        )
        assert response.status_code == 409
        assert response.json()["current_version"] == 2
        blockout_type.refresh_from_db()
        assert blockout_type.name == "Break"

    def test_status_can_be_set_back_to_active(self, org, admin_client):
        blockout_type = BlockoutTypeFactory(org=org, status="inactive")
        body = admin_client.patch(
            f"{PATH}/{blockout_type.uuid}", {"base_version": 1, "status": "active"}
        ).json()
        assert body["status"] == "active"

    def test_reactivating_onto_an_active_name_is_409(self, org, admin_client):
        BlockoutTypeFactory(org=org, name="Lunch")
        old = BlockoutTypeFactory(org=org, name="Lunch", status="inactive")
        response = admin_client.patch(f"{PATH}/{old.uuid}", {"base_version": 1, "status": "active"})
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"

    def test_unknown_status_is_422(self, org, admin_client):
        blockout_type = BlockoutTypeFactory(org=org)
        response = admin_client.patch(
            f"{PATH}/{blockout_type.uuid}", {"base_version": 1, "status": "archived"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "status"]

    def test_staff_may_not_update(self, org, staff_client):
        blockout_type = BlockoutTypeFactory(org=org)
        response = staff_client.patch(f"{PATH}/{blockout_type.uuid}", {"base_version": 1})
        assert response.status_code == 403

    def test_another_orgs_type_is_404(self, other_org, admin_client):
        theirs = BlockoutTypeFactory(org=other_org)
        response = admin_client.patch(f"{PATH}/{theirs.uuid}", {"base_version": 1, "name": "X"})
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.version == 1


class TestDelete:
    def test_delete_is_irreversible_and_keeps_its_blockouts(
        self, org, location, admin_client, block
    ):
        lunch = BlockoutTypeFactory(org=org, name="Lunch")
        blockout = block(lunch, MONDAY)
        response = admin_client.delete(f"{PATH}/{lunch.uuid}")
        assert response.status_code == 204 and response.content == b""
        assert admin_client.get(f"{PATH}/{lunch.uuid}").status_code == 404
        for status in ("active", "inactive", "all"):
            listed = admin_client.get(PATH, {"status": status, "include_hidden": "true"}).json()
            assert listed["total"] == 0 and listed["items"] == []
        restore = admin_client.patch(
            f"{PATH}/{lunch.uuid}", {"base_version": 2, "status": "active"}
        )
        assert restore.status_code == 404
        shown = admin_client.get(f"blockouts/instances/{blockout.uuid}").json()
        assert shown["blockout_type"] == {"id": str(lunch.uuid), "name": "Lunch"}

    def test_a_deleted_types_blockouts_still_block(self, org, location, admin_client, block):
        closed = BlockoutTypeFactory(org=org, name="Closed", is_no_schedule=True)
        block(closed, MONDAY)
        admin_client.delete(f"{PATH}/{closed.uuid}")
        closed.refresh_from_db()
        assert closed.deleted_at is not None and closed.status == "inactive"
        assert Blockout.objects.filter(blockout_type=closed).count() == 1

    def test_deleting_twice_is_404(self, org, admin_client):
        lunch = BlockoutTypeFactory(org=org)
        assert admin_client.delete(f"{PATH}/{lunch.uuid}").status_code == 204
        assert admin_client.delete(f"{PATH}/{lunch.uuid}").status_code == 404

    def test_the_name_of_a_deleted_type_can_be_reused(self, org, admin_client):
        lunch = BlockoutTypeFactory(org=org, name="Lunch")
        admin_client.delete(f"{PATH}/{lunch.uuid}")
        assert admin_client.post(PATH, {"name": "Lunch"}).status_code == 201

    def test_a_deleted_type_cannot_be_used_for_new_blockouts(self, org, location, admin_client):
        lunch = BlockoutTypeFactory(org=org)
        admin_client.delete(f"{PATH}/{lunch.uuid}")
        response = admin_client.post(
            "blockouts/instances",
            {
                "location_uuid": str(location.uuid),
                "blockout_type_uuid": str(lunch.uuid),
                "schedule_date": "2030-01-07",
                "start_time": "12:00",
                "end_time": "13:00",
            },
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["body", "blockout_type_uuid"]

    def test_staff_may_not_delete(self, org, staff_client):
        lunch = BlockoutTypeFactory(org=org)
        assert staff_client.delete(f"{PATH}/{lunch.uuid}").status_code == 403
        lunch.refresh_from_db()
        assert lunch.status == "active"

    def test_unknown_or_another_orgs_type_is_404(self, other_org, admin_client):
        theirs = BlockoutTypeFactory(org=other_org)
        assert admin_client.delete(f"{PATH}/{theirs.uuid}").status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == "active"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_leave_one_type(org):
    clients = [api_for(org) for _ in range(4)]

    statuses = run_concurrently(
        len(clients), lambda i: clients[i].post(PATH, {"name": "Lunch"}).status_code
    )

    assert sorted(statuses) == [201] + [409] * 3
    assert BlockoutType.objects.filter(org=org, name="Lunch").count() == 1
