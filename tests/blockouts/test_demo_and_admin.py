"""The demo practice's blockouts, and the admin of types and templates."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from blockouts.models import Blockout, BlockoutTemplate, BlockoutTemplateItem, BlockoutType
from scheduling.models import Organization, Role
from scheduling.timezones import zone
from tests.conftest import Api
from tests.factories import BlockoutFactory, BlockoutTypeFactory, MembershipFactory, UserFactory

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
