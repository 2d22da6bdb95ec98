"""Block schedule templates, their items, and applying them to a date."""

import pytest

from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem
from tests.blockouts.conftest import MONDAY, SPRING_FORWARD, hm
from tests.factories import (
    BlockoutTemplateFactory,
    BlockoutTemplateItemFactory,
    BlockoutTypeFactory,
    LocationFactory,
    OperatoryFactory,
)

pytestmark = pytest.mark.django_db

PATH = "blockouts/templates"


def items_path(template) -> str:
    return f"{PATH}/{template.uuid}/items"


class TestTemplates:
    def test_create_minimal_and_full(self, location, admin_client):
        minimal = admin_client.post(PATH, {"name": "Standard day"})
        assert minimal.status_code == 201
        body = minimal.json()
        assert body["location"] is None and body["day_of_week"] is None
        assert (body["description"], body["is_hidden"], body["item_order"]) == ("", False, 0)
        assert (body["status"], body["version"]) == ("active", 1)
        full = admin_client.post(
            PATH,
            {
                "name": "Friday",
                "description": "Short day",
                "location_uuid": str(location.uuid),
                "day_of_week": 4,
                "is_hidden": True,
                "item_order": 2,
            },
        ).json()
        assert full["location"] == {"id": str(location.uuid), "name": location.name}
        assert (full["day_of_week"], full["is_hidden"], full["item_order"]) == (4, True, 2)

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"name": ""}, "name"),
            ({"day_of_week": 7}, "day_of_week"),
            ({"day_of_week": -1}, "day_of_week"),
            ({"location_uuid": "x"}, "location_uuid"),
            ({"is_hidden": "yes please"}, "is_hidden"),
        ],
    )
    def test_invalid_create_is_422(self, admin_client, fields, field):
        response = admin_client.post(PATH, {"name": "Day", **fields})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]
        assert not BlockoutTemplate.objects.exists()

    def test_location_unknown_404_forbidden_403(
        self, other_org, second_location, limited_admin_client
    ):
        theirs = LocationFactory(org=other_org)
        for location, status in ((theirs, 404), (second_location, 403)):
            response = limited_admin_client.post(
                PATH, {"name": "Day", "location_uuid": str(location.uuid)}
            )
            assert response.status_code == status
        assert not BlockoutTemplate.objects.exists()

    def test_staff_may_not_configure_templates(self, org, staff_client):
        template = BlockoutTemplateFactory(org=org)
        assert staff_client.post(PATH, {"name": "Day"}).status_code == 403
        assert staff_client.patch(f"{PATH}/{template.uuid}", {"base_version": 1}).status_code == 403
        assert staff_client.delete(f"{PATH}/{template.uuid}").status_code == 403

    def test_list_filters(self, org, location, second_location, viewer_client):
        everywhere = BlockoutTemplateFactory(org=org, name="A everywhere")
        here = BlockoutTemplateFactory(org=org, name="B here", location=location)
        BlockoutTemplateFactory(org=org, name="C there", location=second_location)
        hidden = BlockoutTemplateFactory(org=org, name="D hidden", is_hidden=True)
        inactive = BlockoutTemplateFactory(org=org, name="E old", status="inactive")

        def names(**query):
            return [item["name"] for item in viewer_client.get(PATH, query).json()["items"]]

        assert names() == ["A everywhere", "B here", "C there"]
        assert names(location_uuid=str(location.uuid)) == [everywhere.name, here.name]
        assert names(include_hidden="true", location_uuid=str(location.uuid)) == [
            everywhere.name,
            here.name,
            hidden.name,
        ]
        assert names(status="inactive") == [inactive.name]
        assert len(names(status="all", include_hidden=True)) == 5

    def test_limited_caller_sees_org_wide_and_its_locations_templates(
        self, org, location, second_location, limited_client
    ):
        BlockoutTemplateFactory(org=org, name="Everywhere")
        BlockoutTemplateFactory(org=org, name="Here", location=location)
        there = BlockoutTemplateFactory(org=org, name="There", location=second_location)
        body = limited_client.get(PATH).json()
        assert [item["name"] for item in body["items"]] == ["Everywhere", "Here"]
        assert limited_client.get(f"{PATH}/{there.uuid}").status_code == 404
        assert limited_client.get(items_path(there)).status_code == 404

    def test_update(self, org, location, admin_client):
        template = BlockoutTemplateFactory(org=org, name="Day")
        response = admin_client.patch(
            f"{PATH}/{template.uuid}",
            {
                "base_version": 1,
                "name": "Long day",
                "location_uuid": str(location.uuid),
                "status": "inactive",
                "day_of_week": None,
            },
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["name"], body["status"], body["version"]) == ("Long day", "inactive", 2)
        assert body["location"]["id"] == str(location.uuid)
        stale = admin_client.patch(f"{PATH}/{template.uuid}", {"base_version": 1, "name": "X"})
        assert stale.status_code == 409 and stale.json()["current_version"] == 2
        bad = admin_client.patch(f"{PATH}/{template.uuid}", {"base_version": 2, "status": "gone"})
        assert bad.status_code == 422

    def test_delete_removes_items_and_leaves_the_blockouts_it_made(
        self, org, location, lunch, admin_client
    ):
        template = BlockoutTemplateFactory(org=org)
        BlockoutTemplateItemFactory(org=org, template=template, blockout_type=lunch)
        applied = admin_client.post(
            f"{PATH}/{template.uuid}/apply",
            {"location_uuid": str(location.uuid), "target_date": "2030-01-07"},
        )
        assert applied.json()["count"] == 1
        response = admin_client.delete(f"{PATH}/{template.uuid}")
        assert response.status_code == 204 and response.content == b""
        assert not BlockoutTemplate.objects.exists() and not BlockoutTemplateItem.objects.exists()
        assert Blockout.objects.count() == 1
        assert admin_client.get(f"{PATH}/{template.uuid}").status_code == 404
        assert admin_client.delete(f"{PATH}/{template.uuid}").status_code == 404


class TestItems:
    def test_add_items_and_list_them_in_order(
        self, org, location, ops, lunch, crowns, admin_client
    ):
        template = BlockoutTemplateFactory(org=org, location=location)
        first = admin_client.post(
            items_path(template),
            {
                "blockout_type_uuid": str(crowns.uuid),
                "operatory_uuid": str(ops[0].uuid),
                "start_time": "14:00",
                "end_time": "17:00",
                "item_order": 1,
            },
        )
        assert first.status_code == 201
        item = first.json()
        assert item["blockout_type"] == {"id": str(crowns.uuid), "name": "Crowns only"}
        assert item["operatory"] == {"id": str(ops[0].uuid), "name": "Op 1"}
        assert (item["start_time"], item["end_time"], item["item_order"]) == (
            "14:00:00",
            "17:00:00",
            1,
        )
        admin_client.post(
            items_path(template),
            {"blockout_type_uuid": str(lunch.uuid), "start_time": "12:00", "end_time": "13:00"},
        )
        listed = admin_client.get(items_path(template)).json()
        assert listed["total"] == 2 and listed["page"] == 1
        assert [(i["blockout_type"]["name"], i["operatory"]) for i in listed["items"]] == [
            ("Lunch", None),
            ("Crowns only", {"id": str(ops[0].uuid), "name": "Op 1"}),
        ]
        template.refresh_from_db()
        assert template.version == 3  # each item change is a template change

    def test_item_lists_are_paged(self, org, viewer_client):
        template = BlockoutTemplateFactory(org=org)
        for order in range(3):
            BlockoutTemplateItemFactory(org=org, template=template, item_order=order)
        page = viewer_client.get(items_path(template), {"page": 2, "page_size": 2}).json()
        assert (len(page["items"]), page["total"]) == (1, 3)
        assert viewer_client.get(items_path(template), {"page_size": 0}).status_code == 422

    @pytest.mark.parametrize(
        "fields, field",
        [
            ({"end_time": "12:00"}, "end_time"),
            ({"start_time": "lunch"}, "start_time"),
            ({"item_order": "first"}, "item_order"),
            ({"blockout_type_uuid": None}, "blockout_type_uuid"),
        ],
    )
    def test_invalid_item_is_422(self, org, lunch, admin_client, fields, field):
        template = BlockoutTemplateFactory(org=org)
        payload = {
            "blockout_type_uuid": str(lunch.uuid),
            "start_time": "12:00",
            "end_time": "13:00",
            **fields,
        }
        response = admin_client.post(items_path(template), payload)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]
        assert not BlockoutTemplateItem.objects.exists()

    def test_operatory_must_be_at_the_templates_location(
        self, org, location, far_op, lunch, admin_client
    ):
        template = BlockoutTemplateFactory(org=org, location=location)
        payload = {
            "blockout_type_uuid": str(lunch.uuid),
            "operatory_uuid": str(far_op.uuid),
            "start_time": "12:00",
            "end_time": "13:00",
        }
        response = admin_client.post(items_path(template), payload)
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "operatory_location_mismatch"
        org_wide = BlockoutTemplateFactory(org=org)
        assert admin_client.post(items_path(org_wide), payload).status_code == 201

    def test_retired_type_is_422_unknown_type_404(self, org, other_org, admin_client):
        template = BlockoutTemplateFactory(org=org)
        for blockout_type, status in (
            (BlockoutTypeFactory(org=org, status="inactive"), 422),
            (BlockoutTypeFactory(org=other_org), 404),
        ):
            response = admin_client.post(
                items_path(template),
                {
                    "blockout_type_uuid": str(blockout_type.uuid),
                    "start_time": "12:00",
                    "end_time": "13:00",
                },
            )
            assert response.status_code == status

    def test_another_orgs_template_is_404(self, other_org, admin_client):
        theirs = BlockoutTemplateFactory(org=other_org)
        BlockoutTemplateItemFactory(org=other_org, template=theirs)
        assert admin_client.get(items_path(theirs)).status_code == 404
        assert admin_client.post(items_path(theirs), {}).status_code == 404

    def test_remove_item(self, org, admin_client, staff_client):
        template = BlockoutTemplateFactory(org=org)
        item = BlockoutTemplateItemFactory(org=org, template=template)
        other = BlockoutTemplateItemFactory(org=org)
        assert staff_client.delete(f"{items_path(template)}/{item.uuid}").status_code == 403
        # an item of another template is not found under this one
        assert admin_client.delete(f"{items_path(template)}/{other.uuid}").status_code == 404
        response = admin_client.delete(f"{items_path(template)}/{item.uuid}")
        assert response.status_code == 204 and response.content == b""
        assert list(BlockoutTemplateItem.objects.all()) == [other]
        template.refresh_from_db()
        assert template.version == 2
        assert admin_client.delete(f"{items_path(template)}/{item.uuid}").status_code == 404


class TestApply:
    @pytest.fixture
    def template(self, org, location, ops, lunch, crowns):
        template = BlockoutTemplateFactory(org=org, location=location, name="Standard day")
        BlockoutTemplateItemFactory(org=org, template=template, blockout_type=lunch)
        BlockoutTemplateItemFactory(
            org=org,
            template=template,
            blockout_type=crowns,
            operatory=ops[0],
            start_time=hm("14:00"),
            end_time=hm("17:00"),
        )
        return template

    def apply(self, client, template, location, day="2030-01-07"):
        return client.post(
            f"{PATH}/{template.uuid}/apply",
            {"location_uuid": str(location.uuid), "target_date": day},
        )

    def test_apply_creates_the_items_on_the_date(self, location, ops, template, staff_client):
        response = self.apply(staff_client, template, location)
        assert response.status_code == 200
        assert response.json() == {"count": 2, "warnings": []}
        made = Blockout.objects.filter(schedule_date=MONDAY).order_by("start_at")
        assert [(b.blockout_type.name, b.operatory, b.start_time.hour) for b in made] == [
            ("Lunch", None, 12),
            ("Crowns only", ops[0], 14),
        ]
        assert all(b.location == location and b.status == "active" for b in made)

    def test_apply_defaults_to_the_templates_own_location(self, location, template, staff_client):
        response = staff_client.post(f"{PATH}/{template.uuid}/apply", {"target_date": "2030-01-07"})
        assert response.status_code == 200 and response.json()["count"] == 2
        assert set(Blockout.objects.values_list("location", flat=True)) == {location.pk}

    def test_a_template_for_every_location_needs_one_named(self, org, lunch, staff_client):
        everywhere = BlockoutTemplateFactory(org=org, location=None, name="Anywhere")
        BlockoutTemplateItemFactory(org=org, template=everywhere, blockout_type=lunch)
        response = staff_client.post(
            f"{PATH}/{everywhere.uuid}/apply", {"target_date": "2030-01-07"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "location_uuid"]

    def test_applying_twice_skips_duplicates(self, location, template, staff_client):
        self.apply(staff_client, template, location)
        again = self.apply(staff_client, template, location).json()
        assert again["count"] == 0 and len(again["warnings"]) == 2

    def test_another_location_than_the_templates_is_422(
        self, second_location, template, staff_client
    ):
        response = self.apply(staff_client, template, second_location)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "location_uuid"]

    def test_org_wide_template_skips_items_for_another_locations_chair(
        self, org, second_location, ops, lunch, staff_client
    ):
        template = BlockoutTemplateFactory(org=org)
        BlockoutTemplateItemFactory(org=org, template=template, blockout_type=lunch)
        BlockoutTemplateItemFactory(
            org=org, template=template, blockout_type=lunch, operatory=ops[0]
        )
        response = self.apply(staff_client, template, second_location).json()
        assert response == {
            "count": 1,
            "warnings": [
                "Lunch 2030-01-07 12:00–13:00 on Op 1 skipped: the operatory is at another "
                "location."
            ],
        }
        assert Blockout.objects.get().location == second_location

    def test_dst_gap_item_is_skipped_and_a_holiday_is_mentioned(
        self, org, location, lunch, holiday, block, staff_client
    ):
        template = BlockoutTemplateFactory(org=org)
        BlockoutTemplateItemFactory(
            org=org,
            template=template,
            blockout_type=lunch,
            start_time=hm("02:00"),
            end_time=hm("04:00"),
        )
        BlockoutTemplateItemFactory(org=org, template=template, blockout_type=lunch)
        block(holiday, SPRING_FORWARD, "00:00", "01:00")
        response = self.apply(staff_client, template, location, SPRING_FORWARD.isoformat()).json()
        assert response["count"] == 1
        assert response["warnings"] == [
            "2030-03-10 holds a holiday (Holiday).",
            "Lunch 2030-03-10 02:00–04:00 on the whole location skipped: 2030-03-10 02:00 does "
            "not exist in America/Chicago (daylight-saving change).",
        ]

    def test_inactive_template_is_409(self, location, template, staff_client):
        BlockoutTemplate.objects.filter(pk=template.pk).update(status="inactive")
        response = self.apply(staff_client, template, location)
        assert response.status_code == 409
        assert response.json()["code"] == "TEMPLATE_INACTIVE"

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"target_date": "2030-01-32"}, "target_date"),
            ({"target_date": None}, "target_date"),
            ({"location_uuid": "not-a-uuid"}, "location_uuid"),
        ],
    )
    def test_invalid_body_is_422(self, location, template, staff_client, payload, field):
        body = {"location_uuid": str(location.uuid), "target_date": "2030-01-07", **payload}
        response = staff_client.post(f"{PATH}/{template.uuid}/apply", body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", field]

    def test_roles_and_locations(
        self, org, location, second_location, template, viewer_client, limited_client
    ):
        assert self.apply(viewer_client, template, location).status_code == 403
        org_wide = BlockoutTemplateFactory(org=org)
        assert self.apply(limited_client, org_wide, second_location).status_code == 403
        elsewhere = BlockoutTemplateFactory(org=org, location=second_location)
        assert self.apply(limited_client, elsewhere, location).status_code == 404
        assert self.apply(limited_client, template, location).status_code == 200

    def test_unknown_location_is_404(self, other_org, template, staff_client):
        theirs = LocationFactory(org=other_org)
        OperatoryFactory(org=other_org, location=theirs)
        assert self.apply(staff_client, template, theirs).status_code == 404
