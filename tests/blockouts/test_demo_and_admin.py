"""The demo practice's blockouts, the admin of types and templates, and the read-only
blockout pages."""

import json
from datetime import date, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from scheduling.models import Organization, Role
from scheduling.timezones import zone
from tests.conftest import Api
from tests.factories import (
    BlockoutFactory,
    BlockoutTypeFactory,
    LocationFactory,
    MembershipFactory,
    OperatoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def seed() -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_demo_has_blockouts_around_today_and_a_template_and_reruns_add_nothing():
    data = seed()
    counts = (Blockout.objects.count(), BlockoutTemplate.objects.count())
    assert counts[0] >= 10 and counts[1] == 1
    org = Organization.objects.get(uuid=data["org_id"])
    client = Api(org, data["limited_token"])
    today = timezone.now().astimezone(zone("America/Chicago")).date()
    listed = client.get(
        "blockouts/instances",
        {
            "date_from": (today - timedelta(days=7)).isoformat(),
            "date_to": (today + timedelta(days=14)).isoformat(),
            "page_size": 200,
        },
    ).json()
    names = {item["blockout_type"]["name"] for item in listed["items"]}
    assert {"Lunch", "Staff meeting"} <= names
    assert listed["total"] == counts[0]  # all at the first location, which it may see
    template = client.get("blockouts/templates").json()["items"][0]
    assert data["blockout_templates"] == [{"id": template["id"], "name": template["name"]}]
    assert client.get(f"blockouts/templates/{template['id']}/items").json()["total"] == 2

    seed()
    assert (Blockout.objects.count(), BlockoutTemplate.objects.count()) == counts
    assert BlockoutTemplateItem.objects.count() == 2


@pytest.fixture
def practice_admin_client(client, org):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.ADMIN)
    client.force_login(user)
    return client


def test_template_with_items_is_added_in_the_admin(practice_admin_client, org, location):
    lunch = BlockoutTypeFactory(org=org, name="Lunch")
    prefix = "items"
    response = practice_admin_client.post(
        reverse("admin:blockouts_blockouttemplate_add"),
        {
            "org": org.pk,
            "name": "Standard day",
            "description": "",
            "location": location.pk,
            "item_order": 0,
            "status": "active",
            f"{prefix}-TOTAL_FORMS": 1,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-0-blockout_type": lunch.pk,
            f"{prefix}-0-start_time": "12:00",
            f"{prefix}-0-end_time": "13:00",
            f"{prefix}-0-item_order": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = BlockoutTemplate.objects.get(org=org)
    (item,) = template.items.all()
    assert (item.org, item.blockout_type, item.start_time.hour) == (org, lunch, 12)


def test_practice_admins_deactivate_types_and_cannot_delete_them(practice_admin_client, org):
    lunch = BlockoutTypeFactory(org=org, name="Lunch")
    BlockoutFactory(org=org, blockout_type=lunch)
    changelist = reverse("admin:blockouts_blockouttype_changelist")
    response = practice_admin_client.post(
        changelist, {"action": "deactivate_selected", "_selected_action": [lunch.pk]}
    )
    assert response.status_code == 302
    lunch.refresh_from_db()
    assert (lunch.status, lunch.version) == ("inactive", 2)
    assert (
        practice_admin_client.get(
            reverse("admin:blockouts_blockouttype_delete", args=[lunch.pk])
        ).status_code
        == 403
    )
    assert BlockoutType.objects.filter(pk=lunch.pk).exists()


# --- Blockouts, read-only ---------------------------------------------------------------

BLOCKOUTS = "admin:blockouts_blockout_changelist"


def block(org, location, day, start, end, operatory=None, **fields):
    return BlockoutFactory(
        org=org,
        location=location,
        operatory=operatory,
        schedule_date=day,
        start_time=start,
        end_time=end,
        **fields,
    )


@pytest.fixture
def blockouts(org, other_org, location, second_location):
    """Lunch everywhere at Chicago, a chair hold at Chicago, a meeting at New York."""
    lunch = BlockoutTypeFactory(org=org, name="Lunch", color="#BDBDBD")
    hold = BlockoutTypeFactory(org=org, name="Crowns only", color="#FFB300")
    chair = OperatoryFactory(org=org, location=location, name="Op 1")
    monday = date(2030, 3, 4)
    return {
        "lunch": block(org, location, monday, time(12), time(13), blockout_type=lunch),
        "hold": block(
            org, location, monday, time(19), time(20), operatory=chair, blockout_type=hold
        ),
        "training": block(
            org,
            location,
            monday + timedelta(days=1),
            time(12),
            time(13),
            blockout_type=lunch,
            status="cancelled",
            note="Closed for training",
        ),
        "new_york": block(org, second_location, monday, time(7), time(8), blockout_type=lunch),
        "theirs": block(other_org, LocationFactory(org=other_org), monday, time(12), time(13)),
        "chair": chair,
        "lunch_type": lunch,
    }


def listed(client, **params) -> set[int]:
    response = client.get(reverse(BLOCKOUTS), params)
    assert response.status_code == 200
    return {blockout.pk for blockout in response.context["cl"].result_list}


def pks(blockouts, *keys) -> set[int]:
    return {blockouts[key].pk for key in keys}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"lunch", "hold", "training", "new_york"}),
        ({"day": "2030-03-04"}, {"lunch", "hold", "new_york"}),  # 19:00 Chicago: still the 4th
        ({"day": "2030-03-05"}, {"training"}),
        ({"location__id__exact": "@second_location"}, {"new_york"}),
        ({"operatory__id__exact": "@chair"}, {"hold"}),
        ({"operatory__isnull": "True"}, {"lunch", "training", "new_york"}),  # whole location
        ({"blockout_type__id__exact": "@lunch_type", "day": "2030-03-04"}, {"lunch", "new_york"}),
        ({"status__exact": "cancelled"}, {"training"}),
        ({"q": "training"}, {"training"}),
        ({"q": "3/4/2030 crowns"}, {"hold"}),
    ],
)
def test_blockout_list_filters(
    practice_admin_client, blockouts, location, second_location, params, expected
):
    objects = {**blockouts, "location": location, "second_location": second_location}
    query = {
        name: str(objects[value[1:]].pk) if value.startswith("@") else value
        for name, value in params.items()
    }
    assert listed(practice_admin_client, **query) == pks(blockouts, *expected)


def test_blockouts_show_in_the_locations_wall_time(practice_admin_client, blockouts):
    content = practice_admin_client.get(reverse(BLOCKOUTS), {"day": "2030-03-04"}).content
    content = content.decode()
    assert "Mon 4 Mar 2030 19:00–20:00 CST" in content
    assert "Mon 4 Mar 2030 07:00–08:00 EST" in content
    assert 'background:#FFB300"></span>Crowns only' in content
    assert "Whole location" in content
    hold = blockouts["hold"]
    detail = practice_admin_client.get(
        reverse("admin:blockouts_blockout_change", args=[hold.pk])
    ).content.decode()
    assert "Mon 4 Mar 2030 19:00–20:00 (America/Chicago)" in detail
    assert 'name="_save"' not in detail


def test_blockouts_of_other_practices_and_forbidden_locations_are_hidden(
    client, org, location, blockouts
):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.ADMIN, locations=[location])
    client.force_login(user)
    assert listed(client) == pks(blockouts, "lunch", "hold", "training")
    for key in ("new_york", "theirs"):
        response = client.get(reverse("admin:blockouts_blockout_change", args=[blockouts[key].pk]))
        assert response.status_code == 302


def test_nobody_adds_changes_or_deletes_blockouts(practice_admin_client, blockouts):
    lunch = blockouts["lunch"]
    assert practice_admin_client.get(reverse("admin:blockouts_blockout_add")).status_code == 403
    change = reverse("admin:blockouts_blockout_change", args=[lunch.pk])
    assert practice_admin_client.post(change, {"note": "moved"}).status_code == 403
    delete = reverse("admin:blockouts_blockout_delete", args=[lunch.pk])
    assert practice_admin_client.post(delete, {"post": "yes"}).status_code == 403
    practice_admin_client.post(
        reverse(BLOCKOUTS), {"action": "delete_selected", "_selected_action": [lunch.pk]}
    )
    lunch.refresh_from_db()
    assert (lunch.note, lunch.version) == ("", 1)
    assert Blockout.objects.filter(pk=lunch.pk).exists()
    content = practice_admin_client.get(reverse(BLOCKOUTS)).content.decode()
    assert "action-toggle" not in content and "addlink" not in content


def test_blockout_list_queries_do_not_grow_with_rows(practice_admin_client, org, blockouts):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert practice_admin_client.get(reverse(BLOCKOUTS)).status_code == 200
        return len(queries)

    few = count()
    for number in range(10):
        block(
            org,
            blockouts["chair"].location,
            date(2030, 4, 1) + timedelta(days=number),
            time(12),
            time(13),
            operatory=OperatoryFactory(org=org, location=blockouts["chair"].location),
            blockout_type=BlockoutTypeFactory(org=org),
        )
    assert count() == few
