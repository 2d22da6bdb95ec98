"""Appointment Types: the five contract operations and their rules."""

import pytest

from appointments.models import AppointmentType
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import AppointmentTypeFactory, LocationFactory, ProcedureCodeFactory

pytestmark = pytest.mark.django_db

PATH = "appointment-types"


def create(client, **body):
    return client.post(PATH, {"name": "Prophy", **body})


class TestCreate:
    def test_minimal_create_gets_defaults(self, admin_client):
        response = create(admin_client)
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "Prophy"
        assert body["status"] == "active"
        assert body["version"] == 1
        assert body["duration_minutes"] == 30
        assert body["effective_time_pattern"] == "X" * 6
        assert body["locations"] == []
        assert body["deleted_at"] is None
        assert body["created_at"].endswith("Z")
        assert AppointmentType.objects.filter(uuid=body["id"]).exists()

    def test_full_create(self, org, admin_client, location):
        ProcedureCodeFactory(org=org, code="D1110")
        ProcedureCodeFactory(org=org, code="D0120")
        response = create(
            admin_client,
            abbrev="PRO",
            color="#42A5F5",
            time_pattern="//xxxx//",
            is_hidden=True,
            item_order=3,
            blockout_only=False,
            procedure_codes_to_add=["d1110", "D0120", "D1110"],
            required_procedure_codes=["D1110"],
            require_all=True,
            location_uuids=[str(location.uuid)],
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["time_pattern"] == "//XXXX//"
        assert body["duration_minutes"] == 40  # derived from the pattern
        assert body["procedure_codes_to_add"] == ["D1110", "D0120"]
        assert body["locations"] == [{"id": str(location.uuid), "name": location.name}]
        assert body["is_hidden"] is True and body["require_all"] is True

    def test_null_optional_fields_take_defaults(self, admin_client):
        response = create(admin_client, blockout_only=None, color=None)
        assert response.status_code == 201
        assert response.json()["blockout_only"] is False

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"duration_minutes": 7}, "duration_minutes"),
            ({"duration_minutes": 0}, "duration_minutes"),
            ({"duration_minutes": 725}, "duration_minutes"),
            ({"duration_minutes": "long"}, "duration_minutes"),
            ({"time_pattern": "XO"}, "time_pattern"),
            ({"time_pattern": "XXX", "duration_minutes": 30}, "time_pattern"),
            ({"color": "blue"}, "color"),
            ({"is_hidden": "perhaps"}, "is_hidden"),
            ({"procedure_codes_to_add": "D0120"}, "procedure_codes_to_add"),
            ({"procedure_codes_to_add": ["D9999"]}, "procedure_codes_to_add"),
            ({"location_uuids": ["not-a-uuid"]}, "location_uuids"),
            ({"item_order": 2**40}, "item_order"),
        ],
    )
    def test_invalid_body_is_422_and_writes_nothing(self, admin_client, body, field):
        response = admin_client.post(PATH, {"name": "Prophy", **body})
        assert response.status_code == 422, response.json()
        locs = [error["loc"][:2] for error in response.json()["detail"]]
        assert ["body", field] in locs
        assert not AppointmentType.objects.exists()

    def test_name_is_required(self, admin_client):
        response = admin_client.post(PATH, {})
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {"loc": ["body", "name"], "msg": "This field is required.", "type": "required"}
        ]

    def test_body_must_be_an_object(self, admin_client):
        response = admin_client.post(PATH, ["name"])
        assert response.status_code == 422

    def test_another_orgs_procedure_code_is_unknown(self, other_org, admin_client):
        ProcedureCodeFactory(org=other_org, code="D2740")
        response = create(admin_client, procedure_codes_to_add=["D2740"])
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "unknown_code"

    def test_another_orgs_location_is_404(self, other_org, admin_client):
        theirs = LocationFactory(org=other_org)
        response = create(admin_client, location_uuids=[str(theirs.uuid)])
        assert response.status_code == 404
        assert not AppointmentType.objects.exists()

    def test_naming_a_forbidden_location_is_403(self, limited_admin_client, second_location):
        response = create(limited_admin_client, location_uuids=[str(second_location.uuid)])
        assert response.status_code == 403
        assert not AppointmentType.objects.exists()

    def test_duplicate_active_name_is_409(self, org, admin_client):
        AppointmentTypeFactory(org=org, name="Prophy")
        response = create(admin_client, name="PROPHY")
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"

    def test_name_of_an_archived_type_can_be_reused(self, org, admin_client):
        AppointmentTypeFactory(org=org, name="Prophy", status="archived")
        assert create(admin_client).status_code == 201

    def test_same_name_in_another_org_is_fine(self, other_org, admin_client):
        AppointmentTypeFactory(org=other_org, name="Prophy")
        assert create(admin_client).status_code == 201

    def test_staff_may_not_configure_types(self, staff_client):
        response = create(staff_client)
        assert response.status_code == 403
        assert not AppointmentType.objects.exists()


class TestList:
    def test_default_lists_active_types_in_order(self, org, viewer_client):
        b = AppointmentTypeFactory(org=org, name="B", item_order=1)
        a = AppointmentTypeFactory(org=org, name="A", item_order=1)
        first = AppointmentTypeFactory(org=org, name="Z", item_order=0)
        AppointmentTypeFactory(org=org, name="Gone", status="archived")
        body = viewer_client.get(PATH).json()
        assert [i["id"] for i in body["items"]] == [str(t.uuid) for t in (first, a, b)]
        assert body["total"] == 3

    @pytest.mark.parametrize(
        "status, names",
        [
            ("active", ["Crown"]),
            ("archived", ["Old"]),
            ("all", ["Crown", "Old"]),
        ],
    )
    def test_status_filter(self, org, viewer_client, status, names):
        AppointmentTypeFactory(org=org, name="Crown")
        AppointmentTypeFactory(org=org, name="Old", status="archived")
        body = viewer_client.get(PATH, {"status": status}).json()
        assert [i["name"] for i in body["items"]] == names

    def test_unknown_status_is_422(self, viewer_client):
        response = viewer_client.get(PATH, {"status": "deleted"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "status"]

    def test_search_matches_name_or_abbrev(self, org, viewer_client):
        AppointmentTypeFactory(org=org, name="Crown prep", abbrev="CRN")
        AppointmentTypeFactory(org=org, name="Root canal", abbrev="RCT")
        AppointmentTypeFactory(org=org, name="Exam", abbrev="EX")
        assert [i["name"] for i in viewer_client.get(PATH, {"search": "cr"}).json()["items"]] == [
            "Crown prep"
        ]
        assert viewer_client.get(PATH, {"search": "rct"}).json()["total"] == 1

    def test_location_filter_includes_types_offered_everywhere(
        self, org, viewer_client, location, second_location
    ):
        everywhere = AppointmentTypeFactory(org=org, name="Everywhere")
        here = AppointmentTypeFactory(org=org, name="Here")
        here.locations.add(location, through_defaults={"org": org})
        there = AppointmentTypeFactory(org=org, name="There")
        there.locations.add(second_location, through_defaults={"org": org})
        body = viewer_client.get(PATH, {"location_uuid": str(location.uuid)}).json()
        assert {i["name"] for i in body["items"]} == {everywhere.name, here.name}

    def test_location_filter_naming_a_forbidden_location_is_403(
        self, limited_client, second_location
    ):
        response = limited_client.get(PATH, {"location_uuid": str(second_location.uuid)})
        assert response.status_code == 403

    def test_location_filter_with_unknown_location_is_404(self, other_org, viewer_client):
        theirs = LocationFactory(org=other_org)
        response = viewer_client.get(PATH, {"location_uuid": str(theirs.uuid)})
        assert response.status_code == 404

    def test_limited_caller_sees_only_its_locations_on_a_type(
        self, org, limited_client, location, second_location
    ):
        both = AppointmentTypeFactory(org=org)
        both.locations.add(location, second_location, through_defaults={"org": org})
        body = limited_client.get(f"{PATH}/{both.uuid}").json()
        assert body["locations"] == [{"id": str(location.uuid), "name": location.name}]


class TestUpdate:
    def test_patch_changes_only_given_fields_and_bumps_version(self, org, admin_client):
        at = AppointmentTypeFactory(org=org, name="Exam", color="#000000")
        response = admin_client.patch(f"{PATH}/{at.uuid}", {"base_version": 1, "name": "Exam 2"})
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "Exam 2" and body["color"] == "#000000" and body["version"] == 2
        at.refresh_from_db()
        assert at.name == "Exam 2" and at.version == 2

    def test_pattern_change_updates_duration(self, org, admin_client):
        at = AppointmentTypeFactory(org=org, duration_minutes=30)
        body = admin_client.patch(
            f"{PATH}/{at.uuid}", {"base_version": 1, "time_pattern": "XX"}
        ).json()
        assert body["duration_minutes"] == 10 and body["effective_time_pattern"] == "XX"

    def test_duration_that_contradicts_the_stored_pattern_is_422(self, org, admin_client):
        at = AppointmentTypeFactory(org=org, time_pattern="XXXXXX", duration_minutes=30)
        response = admin_client.patch(
            f"{PATH}/{at.uuid}", {"base_version": 1, "duration_minutes": 60}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "time_pattern"]
        at.refresh_from_db()
        assert at.duration_minutes == 30 and at.version == 1

    def test_null_means_unchanged(self, org, admin_client):
        at = AppointmentTypeFactory(org=org, blockout_only=True)
        body = admin_client.patch(
            f"{PATH}/{at.uuid}", {"base_version": 1, "blockout_only": None}
        ).json()
        assert body["blockout_only"] is True

    def test_locations_are_replaced(self, org, admin_client, location, second_location):
        at = AppointmentTypeFactory(org=org)
        at.locations.add(location, through_defaults={"org": org})
        body = admin_client.patch(
            f"{PATH}/{at.uuid}",
            {"base_version": 1, "location_uuids": [str(second_location.uuid)]},
        ).json()
        assert [ref["id"] for ref in body["locations"]] == [str(second_location.uuid)]
        cleared = admin_client.patch(f"{PATH}/{at.uuid}", {"base_version": 2, "location_uuids": []})
        assert cleared.json()["locations"] == []

    def test_limited_admin_keeps_locations_it_cannot_see(
        self, org, limited_admin_client, location, second_location
    ):
        at = AppointmentTypeFactory(org=org)
        at.locations.add(location, second_location, through_defaults={"org": org})
        response = limited_admin_client.patch(
            f"{PATH}/{at.uuid}", {"base_version": 1, "location_uuids": []}
        )
        assert response.status_code == 200
        assert response.json()["locations"] == []
        assert set(at.locations.all()) == {second_location}

    def test_renaming_onto_another_active_name_is_409(self, org, admin_client):
        AppointmentTypeFactory(org=org, name="Exam")
        at = AppointmentTypeFactory(org=org, name="Cleaning")
        response = admin_client.patch(f"{PATH}/{at.uuid}", {"base_version": 1, "name": "exam"})
        assert response.status_code == 409
        at.refresh_from_db()
        assert at.name == "Cleaning" and at.version == 1

    def test_failed_location_change_rolls_back_the_whole_update(self, org, other_org, admin_client):
        at = AppointmentTypeFactory(org=org, name="Exam")
        theirs = LocationFactory(org=other_org)
        response = admin_client.patch(
            f"{PATH}/{at.uuid}",
            {"base_version": 1, "name": "Changed", "location_uuids": [str(theirs.uuid)]},
        )
        assert response.status_code == 404
        at.refresh_from_db()
        assert at.name == "Exam" and at.version == 1

    def test_staff_may_not_update(self, org, staff_client):
        at = AppointmentTypeFactory(org=org)
        assert staff_client.patch(f"{PATH}/{at.uuid}", {"base_version": 1}).status_code == 403

    def test_put_is_not_offered(self, org, admin_client):
        at = AppointmentTypeFactory(org=org)
        response = admin_client.put(f"{PATH}/{at.uuid}", {})
        assert response.status_code == 405
        assert response.json()["code"] == "METHOD_NOT_ALLOWED"


class TestArchive:
    def test_archive_retires_the_type(self, org, admin_client):
        at = AppointmentTypeFactory(org=org)
        response = admin_client.post(f"{PATH}/{at.uuid}/archive")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "archived" and body["deleted_at"].endswith("Z")
        assert body["version"] == 2
        assert admin_client.get(PATH).json()["total"] == 0
        assert admin_client.get(f"{PATH}/{at.uuid}").json()["status"] == "archived"

    def test_archiving_twice_changes_nothing(self, org, admin_client):
        at = AppointmentTypeFactory(org=org)
        first = admin_client.post(f"{PATH}/{at.uuid}/archive").json()
        second = admin_client.post(f"{PATH}/{at.uuid}/archive").json()
        assert second["version"] == first["version"]
        assert second["deleted_at"] == first["deleted_at"]

    def test_staff_may_not_archive(self, org, staff_client):
        at = AppointmentTypeFactory(org=org)
        assert staff_client.post(f"{PATH}/{at.uuid}/archive").status_code == 403
        at.refresh_from_db()
        assert at.status == "active"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_with_one_base_version_exactly_one_wins(org):
    """Real threads, separate connections: the conditional UPDATE lets one through."""
    at = AppointmentTypeFactory(org=org, name="Exam")
    clients = [api_for(org) for _ in range(6)]

    statuses = run_concurrently(
        len(clients),
        lambda i: (
            clients[i]
            .patch(f"{PATH}/{at.uuid}", {"base_version": 1, "name": f"Exam {i}"})
            .status_code
        ),
    )

    assert sorted(statuses) == [200] + [409] * 5
    at.refresh_from_db()
    assert at.version == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_leave_one_type(org):
    clients = [api_for(org) for _ in range(4)]

    statuses = run_concurrently(len(clients), lambda i: create(clients[i], name="Same").status_code)

    assert sorted(statuses) == [201] + [409] * 3
    assert AppointmentType.objects.filter(org=org, name="Same").count() == 1
