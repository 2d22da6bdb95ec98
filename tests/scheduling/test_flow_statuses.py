"""Patient flow statuses: org configuration, slugs unique among live statuses, and a
DELETE that is irreversible while the appointments and events that used a status keep
showing it."""

import pytest

from appointments.models import PatientFlowEvent
from scheduling.models import FlowStatus
from scheduling.schedule import services
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    FlowStatusFactory,
    PatientFlowEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STATUSES = "schedule/flow-statuses"
FIELDS = {
    "id", "name", "slug", "color", "is_active", "item_order", "created_at", "updated_at",
    "version",
}  # fmt: skip


def path(status) -> str:
    return f"{STATUSES}/{status.uuid if hasattr(status, 'uuid') else status}"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["items"]]


# --- list -------------------------------------------------------------------------------


class TestList:
    def test_ordered_by_item_order_then_name_in_a_page_envelope(self, org, viewer_client):
        FlowStatusFactory(org=org, name="Checked out", item_order=3)
        FlowStatusFactory(org=org, name="Seated", item_order=1)
        FlowStatusFactory(org=org, name="Arrived", item_order=1)
        FlowStatusFactory(org=org, name="Waiting", item_order=0)

        body = viewer_client.get(STATUSES).json()

        assert [item["name"] for item in body["items"]] == [
            "Waiting",
            "Arrived",
            "Seated",
            "Checked out",
        ]
        assert (body["page"], body["page_size"], body["total"]) == (1, 50, 4)
        assert set(body["items"][0]) == FIELDS

    def test_inactive_statuses_are_listed_unless_excluded(self, org, staff_client):
        FlowStatusFactory(org=org, name="Arrived")
        FlowStatusFactory(org=org, name="Retired", is_active=False)

        assert names(staff_client.get(STATUSES)) == ["Arrived", "Retired"]
        assert names(staff_client.get(STATUSES, {"include_inactive": "true"})) == [
            "Arrived",
            "Retired",
        ]
        assert names(staff_client.get(STATUSES, {"include_inactive": "false"})) == ["Arrived"]

    def test_a_bad_include_inactive_is_422(self, staff_client):
        response = staff_client.get(STATUSES, {"include_inactive": "maybe"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "include_inactive"]

    def test_only_the_orgs_live_statuses(self, org, other_org, admin_client):
        FlowStatusFactory(org=org, name="Ours")
        FlowStatusFactory(org=other_org, name="Theirs")
        gone = FlowStatusFactory(org=org, name="Gone")
        services.flow_status_delete(flow_status=gone)

        assert names(admin_client.get(STATUSES)) == ["Ours"]


# --- create -----------------------------------------------------------------------------


class TestCreate:
    def test_the_slug_comes_from_the_name(self, admin_client):
        response = admin_client.post(STATUSES, {"name": "In Chair (Op 2)", "color": "#3366cc"})

        assert response.status_code == 201, response.json()
        body = response.json()
        assert set(body) == FIELDS
        assert (body["name"], body["slug"], body["color"]) == (
            "In Chair (Op 2)",
            "in-chair-op-2",
            "#3366cc",
        )
        assert (body["is_active"], body["item_order"], body["version"]) == (True, 0, 1)
        assert FlowStatus.objects.get(uuid=body["id"]).slug == "in-chair-op-2"

    def test_optional_fields_are_taken(self, admin_client):
        body = admin_client.post(
            STATUSES, {"name": "Dismissed", "is_active": False, "item_order": 9}
        ).json()
        assert (body["is_active"], body["item_order"], body["color"]) == (False, 9, "")

    @pytest.mark.parametrize(
        ("body", "field", "kind"),
        [
            ({}, "name", "required"),
            ({"name": ""}, "name", "blank"),
            ({"name": "x" * 101}, "name", "max_length"),
            ({"name": "!!!"}, "name", "no_slug"),
            ({"name": "受付"}, "name", "no_slug"),
            ({"name": "Seated", "color": "blue"}, "color", "invalid_color"),
            ({"name": "Seated", "item_order": 2**31}, "item_order", "max_value"),
            ({"name": "Seated", "is_active": "perhaps"}, "is_active", "invalid"),
            ({"name": "Seated", "slug": "mine"}, "slug", "unknown_field"),
        ],
    )
    def test_bad_values_are_422_naming_the_field(self, admin_client, body, field, kind):
        response = admin_client.post(STATUSES, body)

        assert response.status_code == 422, response.json()
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", field]
        assert error["type"] == kind
        assert not FlowStatus.objects.exists()

    @pytest.mark.parametrize("name", ["Seated", "seated", " SEATED!", "Seated?"])
    def test_a_name_whose_slug_is_taken_is_409(self, org, admin_client, name):
        FlowStatusFactory(org=org, name="Seated", slug="seated")

        response = admin_client.post(STATUSES, {"name": name})

        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"
        assert FlowStatus.objects.filter(org=org).count() == 1

    def test_another_org_may_use_the_same_name(self, org, other_org, admin_client):
        FlowStatusFactory(org=other_org, name="Seated", slug="seated")
        assert admin_client.post(STATUSES, {"name": "Seated"}).status_code == 201

    def test_a_deleted_statuss_name_is_free_again(self, org, admin_client):
        old = FlowStatusFactory(org=org, name="Seated", slug="seated")
        services.flow_status_delete(flow_status=old)

        response = admin_client.post(STATUSES, {"name": "Seated"})

        assert response.status_code == 201
        assert response.json()["id"] != str(old.uuid)
        assert FlowStatus.all_objects.filter(org=org, slug="seated").count() == 2

    def test_the_slug_of_a_long_name_fits(self, admin_client):
        # NFKD turns each "ﬁ" into "fi": the slug would be twice the name's length.
        response = admin_client.post(STATUSES, {"name": "ﬁ" * 100})
        assert response.status_code == 201
        assert response.json()["slug"] == "fi" * 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_exactly_one_wins(org):
    clients = [api_for(org) for _ in range(4)]
    statuses = run_concurrently(
        len(clients), lambda i: clients[i].post(STATUSES, {"name": "Seated"}).status_code
    )
    assert sorted(statuses) == [201, 409, 409, 409]
    assert FlowStatus.objects.filter(org=org).count() == 1


# --- update -----------------------------------------------------------------------------


class TestUpdate:
    def test_a_rename_moves_the_slug(self, org, admin_client):
        status = FlowStatusFactory(org=org, name="Seated", slug="seated")

        response = admin_client.patch(
            path(status), {"base_version": 1, "name": "In chair", "color": "#00AA00"}
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["name"], body["slug"], body["color"], body["version"]) == (
            "In chair",
            "in-chair",
            "#00AA00",
            2,
        )

    def test_a_rename_to_a_taken_slug_is_409_and_changes_nothing(self, org, admin_client):
        FlowStatusFactory(org=org, name="Arrived", slug="arrived")
        status = FlowStatusFactory(org=org, name="Seated", slug="seated")

        response = admin_client.patch(path(status), {"base_version": 1, "name": "ARRIVED"})

        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"
        status.refresh_from_db()
        assert (status.name, status.slug, status.version) == ("Seated", "seated", 1)

    def test_a_new_case_of_its_own_name_is_fine(self, org, admin_client):
        status = FlowStatusFactory(org=org, name="Seated", slug="seated")
        response = admin_client.patch(path(status), {"base_version": 1, "name": "SEATED"})
        assert response.status_code == 200
        assert response.json()["slug"] == "seated"

    def test_deactivating_and_reordering(self, org, admin_client):
        status = FlowStatusFactory(org=org)
        body = admin_client.patch(
            path(status), {"base_version": 1, "is_active": False, "item_order": -1}
        ).json()
        assert (body["is_active"], body["item_order"]) == (False, -1)

    def test_base_version_is_required_and_a_stale_one_is_409(self, org, admin_client):
        status = FlowStatusFactory(org=org, version=3)

        missing = admin_client.patch(path(status), {"name": "Seated"})
        stale = admin_client.patch(path(status), {"base_version": 2, "name": "Seated"})

        assert missing.status_code == 422
        assert missing.json()["detail"][0]["loc"] == ["body", "base_version"]
        assert stale.status_code == 409
        assert stale.json()["code"] == "VERSION_CONFLICT"
        assert stale.json()["current_version"] == 3
        status.refresh_from_db()
        assert status.name != "Seated"

    def test_a_blank_name_or_a_slugless_one_is_422(self, org, admin_client):
        status = FlowStatusFactory(org=org)
        for name in ("", "---"):
            response = admin_client.patch(path(status), {"base_version": 1, "name": name})
            assert response.status_code == 422
            assert response.json()["detail"][0]["loc"] == ["body", "name"]

    def test_another_orgs_status_is_404(self, other_org, admin_client):
        theirs = FlowStatusFactory(org=other_org)
        response = admin_client.patch(path(theirs), {"base_version": 1, "name": "Mine"})
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.name != "Mine"


# --- who may write ----------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["staff_client", "viewer_client"])
def test_only_admins_change_flow_statuses(org, client_name, request):
    client = request.getfixturevalue(client_name)
    status = FlowStatusFactory(org=org, name="Seated")

    assert client.get(STATUSES).status_code == 200
    for response in (
        client.post(STATUSES, {"name": "Arrived"}),
        client.patch(path(status), {"base_version": 1, "name": "Renamed"}),
        client.delete(path(status)),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "PERMISSION_DENIED"
    status.refresh_from_db()
    assert (status.name, status.deleted_at) == ("Seated", None)


def test_an_admin_limited_to_one_location_writes_them_too(org, limited_admin_client):
    """Flow statuses belong to the whole org, not to a location."""
    assert limited_admin_client.post(STATUSES, {"name": "Arrived"}).status_code == 201


# --- delete -----------------------------------------------------------------------------


class TestDelete:
    def test_a_deleted_status_is_gone_for_good(self, org, admin_client):
        status = FlowStatusFactory(org=org, name="Seated")

        response = admin_client.delete(path(status))

        assert response.status_code == 204
        assert response.content == b""
        assert admin_client.get(path(status)).status_code == 404
        assert admin_client.patch(path(status), {"base_version": 2}).status_code == 404
        assert admin_client.delete(path(status)).status_code == 404
        assert names(admin_client.get(STATUSES, {"include_inactive": "true"})) == []
        kept = FlowStatus.all_objects.get(pk=status.pk)  # kept for what names it
        assert kept.deleted_at is not None
        assert (kept.is_active, kept.version) == (False, 2)

    def test_another_orgs_status_is_404(self, other_org, admin_client):
        theirs = FlowStatusFactory(org=other_org)
        assert admin_client.delete(path(theirs)).status_code == 404
        assert FlowStatus.objects.filter(pk=theirs.pk).exists()

    def test_appointments_and_their_flow_events_still_name_it(
        self, org, location, admin_client, staff_client
    ):
        appointment = AppointmentFactory(org=org, operatory__location=location)
        arrived = FlowStatusFactory(org=org, name="Arrived")
        seated = FlowStatusFactory(org=org, name="Seated")
        appointment_path = f"appointments/{appointment.uuid}"
        for status in (arrived, seated):
            response = staff_client.post(
                f"{appointment_path}/patient-flow-status", {"flow_status_uuid": str(status.uuid)}
            )
            assert response.status_code == 200, response.json()

        assert admin_client.delete(path(seated)).status_code == 204

        shown = staff_client.get(appointment_path).json()
        assert shown["flow_status"] == {"id": str(seated.uuid), "name": "Seated"}
        listed = staff_client.get("appointments", {"location_uuid": str(location.uuid)}).json()
        assert [item["flow_status"]["name"] for item in listed["items"]] == ["Seated"]
        events = staff_client.get(f"{appointment_path}/patient-flow-events").json()["items"]
        assert [event["flow_status"]["name"] for event in events] == ["Arrived", "Seated"]
        stats = staff_client.get(f"{appointment_path}/patient-flow-stats").json()
        assert stats["current_flow_status"]["name"] == "Seated"

    def test_a_deleted_status_cannot_be_set_on_an_appointment(self, org, location, staff_client):
        appointment = AppointmentFactory(org=org, operatory__location=location)
        status = FlowStatusFactory(org=org, name="Seated")
        services.flow_status_delete(flow_status=status)

        response = staff_client.post(
            f"appointments/{appointment.uuid}/patient-flow-status",
            {"flow_status_uuid": str(status.uuid)},
        )

        assert response.status_code == 404
        assert response.json()["errors"][0]["loc"] == ["body", "flow_status_uuid"]
        assert not PatientFlowEvent.objects.exists()
        appointment.refresh_from_db()
        assert appointment.flow_status is None


# --- the admin --------------------------------------------------------------------------


def test_the_admin_lists_live_statuses_and_deletes_through_the_service(client, org, location):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    live = FlowStatusFactory(org=org, name="Arrived")
    gone = FlowStatusFactory(org=org, name="Long gone")
    services.flow_status_delete(flow_status=gone)
    used = FlowStatusFactory(org=org, name="Seated")
    PatientFlowEventFactory(org=org, flow_status=used)  # the database protects it
    changelist = "/admin/scheduling/flowstatus/"

    page = client.get(changelist)

    assert page.status_code == 200
    assert "Arrived" in page.content.decode() and "Long gone" not in page.content.decode()
    assert client.get(f"{changelist}{live.pk}/change/").status_code == 200
    assert client.get(f"{changelist}{gone.pk}/change/", follow=True).status_code == 200
    confirm = client.get(f"{changelist}{used.pk}/delete/")
    assert confirm.status_code == 200 and "protected" not in confirm.content.decode()
    client.post(f"{changelist}{used.pk}/delete/", {"post": "yes"})
    used = FlowStatus.all_objects.get(pk=used.pk)
    assert used.deleted_at is not None  # kept for its event, gone from the admin and API
    client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [live.pk], "post": "yes"},
    )
    assert not FlowStatus.objects.filter(org=org).exists()
