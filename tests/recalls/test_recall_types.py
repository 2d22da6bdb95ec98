"""Recall types: org configuration (admins write, everyone reads), deleted unless in use."""

import pytest
from django.core.exceptions import ValidationError

from recalls.models import RecallTrigger, RecallType, validate_interval
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentTypeFactory,
    PatientRecallFactory,
    RecallTriggerFactory,
    RecallTypeFactory,
)

pytestmark = pytest.mark.django_db

PATH = "recalls/types"


class TestInterval:
    @pytest.mark.parametrize(
        "value",
        [{"months": 6}, {"years": 1, "days": 0}, {"weeks": 2}, {"days": 36500}, {"years": 100}],
    )
    def test_valid(self, value):
        validate_interval(value)

    @pytest.mark.parametrize(
        "value",
        [
            {},
            {"months": 0},
            {"months": 0, "days": 0},
            {"months": -1},
            {"months": 6, "fortnights": 1},
            {"months": 1.5},
            {"months": "6"},
            {"months": True},
            {"months": None},
            {"years": 101},
            {"months": 10**30},
            [6],
            "6 months",
            None,
        ],
    )
    def test_invalid(self, value):
        with pytest.raises(ValidationError):
            validate_interval(value)


class TestCreate:
    def test_minimal_create_gets_defaults(self, admin_client):
        response = admin_client.post(PATH, {"name": "Prophy"})
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "Prophy" and body["description"] == ""
        assert body["appointment_type"] is None
        assert body["default_interval"] == {"months": 6}
        assert body["is_active"] is True and body["item_order"] == 0 and body["version"] == 1
        assert RecallType.objects.filter(uuid=body["id"]).exists()

    def test_full_create(self, org, admin_client):
        perio = AppointmentTypeFactory(org=org, name="Perio maintenance")
        body = admin_client.post(
            PATH,
            {
                "name": "Perio Maintenance",
                "description": "Periodontal maintenance",
                "appointment_type_uuid": str(perio.uuid),
                "default_interval": {"months": 3},
                "is_active": False,
                "item_order": 2,
            },
        ).json()
        assert body["appointment_type"] == {"id": str(perio.uuid), "name": "Perio maintenance"}
        assert body["default_interval"] == {"months": 3}
        assert body["is_active"] is False and body["item_order"] == 2

    @pytest.mark.parametrize(
        "interval",
        [
            {},
            {"months": 0},
            {"months": -1},
            {"fortnights": 1},
            {"months": 1.5},
            {"months": "6"},
            {"months": True},
            {"years": 10**30},
            [6],
            "6 months",
            6,
        ],
    )
    def test_bad_interval_is_422_naming_it(self, admin_client, interval):
        response = admin_client.post(PATH, {"name": "Prophy", "default_interval": interval})
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "default_interval"]]
        assert not RecallType.objects.exists()

    @pytest.mark.parametrize(
        "body, field",
        [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"name": "Prophy", "description": "x" * 301}, "description"),
            ({"name": "Prophy", "is_active": "perhaps"}, "is_active"),
            ({"name": "Prophy", "item_order": 2**40}, "item_order"),
            ({"name": "Prophy", "appointment_type_uuid": "nope"}, "appointment_type_uuid"),
            ({"name": "Prophy", "version": 3}, "version"),
        ],
    )
    def test_invalid_body_is_422(self, admin_client, body, field):
        response = admin_client.post(PATH, body)
        assert response.status_code == 422
        assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
        assert not RecallType.objects.exists()

    def test_duplicate_name_is_409_case_aside(self, org, admin_client):
        RecallTypeFactory(org=org, name="Prophy")
        response = admin_client.post(PATH, {"name": "PROPHY"})
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"
        assert RecallType.objects.filter(org=org).count() == 1

    def test_same_name_in_another_org_is_fine(self, other_org, admin_client):
        RecallTypeFactory(org=other_org, name="Prophy")
        assert admin_client.post(PATH, {"name": "Prophy"}).status_code == 201

    def test_another_orgs_appointment_type_is_404(self, other_org, admin_client):
        theirs = AppointmentTypeFactory(org=other_org)
        response = admin_client.post(
            PATH, {"name": "Prophy", "appointment_type_uuid": str(theirs.uuid)}
        )
        assert response.status_code == 404
        assert ["body", "appointment_type_uuid"] in [e["loc"] for e in response.json()["errors"]]
        assert not RecallType.objects.exists()

    @pytest.mark.parametrize("role", ["staff", "viewer"])
    def test_only_admins_create(self, org, role):
        response = api_for(org, role).post(PATH, {"name": "Prophy"})
        assert response.status_code == 403
        assert not RecallType.objects.exists()


class TestRead:
    @pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
    def test_everyone_reads(self, org, role):
        prophy = RecallTypeFactory(org=org, name="Prophy")
        client = api_for(org, role)
        assert client.get(PATH).json()["total"] == 1
        body = client.get(f"{PATH}/{prophy.uuid}").json()
        assert body["id"] == str(prophy.uuid) and body["default_interval"] == {"months": 6}

    def test_list_by_item_order_then_name(self, org, admin_client):
        RecallTypeFactory(org=org, name="Bitewings", item_order=2)
        RecallTypeFactory(org=org, name="Prophy", item_order=0)
        RecallTypeFactory(org=org, name="Perio", item_order=0)
        body = admin_client.get(PATH).json()
        assert [t["name"] for t in body["items"]] == ["Perio", "Prophy", "Bitewings"]
        assert (body["page"], body["page_size"], body["total"]) == (1, 50, 3)

    def test_is_active_filter(self, org, admin_client):
        RecallTypeFactory(org=org, name="Prophy")
        RecallTypeFactory(org=org, name="Fluoride", is_active=False)

        def names(query):
            return [t["name"] for t in admin_client.get(f"{PATH}{query}").json()["items"]]

        assert names("") == ["Fluoride", "Prophy"]
        assert names("?is_active=true") == ["Prophy"]
        assert names("?is_active=false") == ["Fluoride"]
        assert admin_client.get(f"{PATH}?is_active=perhaps").status_code == 422

    def test_another_orgs_type_is_404_and_unlisted(self, other_org, admin_client):
        theirs = RecallTypeFactory(org=other_org)
        assert admin_client.get(f"{PATH}/{theirs.uuid}").status_code == 404
        assert admin_client.get(PATH).json()["total"] == 0


class TestUpdate:
    def test_update_bumps_version(self, org, admin_client):
        prophy = RecallTypeFactory(org=org, name="Prophy")
        response = admin_client.patch(
            f"{PATH}/{prophy.uuid}",
            {"base_version": 1, "default_interval": {"months": 4}, "is_active": False},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["default_interval"] == {"months": 4} and body["is_active"] is False
        assert body["version"] == 2

    def test_sets_appointment_type(self, org, admin_client):
        prophy = RecallTypeFactory(org=org)
        visit = AppointmentTypeFactory(org=org)
        body = admin_client.patch(
            f"{PATH}/{prophy.uuid}", {"base_version": 1, "appointment_type_uuid": str(visit.uuid)}
        ).json()
        assert body["appointment_type"]["id"] == str(visit.uuid)

    def test_stale_version_is_409(self, org, admin_client):
        prophy = RecallTypeFactory(org=org)
        response = admin_client.patch(f"{PATH}/{prophy.uuid}", {"base_version": 7, "name": "X"})
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"

    def test_missing_base_version_is_422(self, org, admin_client):
        prophy = RecallTypeFactory(org=org)
        response = admin_client.patch(f"{PATH}/{prophy.uuid}", {"name": "X"})
        assert response.status_code == 422

    def test_renaming_onto_another_type_is_409(self, org, admin_client):
        RecallTypeFactory(org=org, name="Prophy")
        perio = RecallTypeFactory(org=org, name="Perio")
        response = admin_client.patch(f"{PATH}/{perio.uuid}", {"base_version": 1, "name": "prophy"})
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_NAME"
        perio.refresh_from_db()
        assert perio.name == "Perio" and perio.version == 1

    @pytest.mark.parametrize("interval", [{}, {"days": 0}, {"hours": 3}, {"weeks": -2}])
    def test_bad_interval_is_422(self, org, admin_client, interval):
        prophy = RecallTypeFactory(org=org)
        response = admin_client.patch(
            f"{PATH}/{prophy.uuid}", {"base_version": 1, "default_interval": interval}
        )
        assert response.status_code == 422
        assert ["body", "default_interval"] in [e["loc"] for e in response.json()["detail"]]

    def test_another_orgs_appointment_type_is_404(self, org, other_org, admin_client):
        prophy = RecallTypeFactory(org=org)
        theirs = AppointmentTypeFactory(org=other_org)
        response = admin_client.patch(
            f"{PATH}/{prophy.uuid}",
            {"base_version": 1, "appointment_type_uuid": str(theirs.uuid)},
        )
        assert response.status_code == 404
        prophy.refresh_from_db()
        assert prophy.appointment_type is None

    def test_staff_may_not_update(self, org, staff_client):
        prophy = RecallTypeFactory(org=org, name="Prophy")
        response = staff_client.patch(f"{PATH}/{prophy.uuid}", {"base_version": 1, "name": "X"})
        assert response.status_code == 403

    def test_another_orgs_type_is_404(self, other_org, admin_client):
        theirs = RecallTypeFactory(org=other_org, name="Prophy")
        response = admin_client.patch(f"{PATH}/{theirs.uuid}", {"base_version": 1, "name": "X"})
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.name == "Prophy"


class TestDelete:
    def test_delete_removes_type_and_triggers(self, org, admin_client):
        trigger = RecallTriggerFactory(org=org)
        prophy = trigger.recall_type
        assert admin_client.delete(f"{PATH}/{prophy.uuid}").status_code == 204
        assert admin_client.get(f"{PATH}/{prophy.uuid}").status_code == 404
        assert not RecallType.objects.filter(pk=prophy.pk).exists()
        assert not RecallTrigger.objects.filter(pk=trigger.pk).exists()
        assert admin_client.delete(f"{PATH}/{prophy.uuid}").status_code == 404

    def test_name_is_free_again(self, org, admin_client):
        prophy = RecallTypeFactory(org=org, name="Prophy")
        admin_client.delete(f"{PATH}/{prophy.uuid}")
        assert admin_client.post(PATH, {"name": "Prophy"}).status_code == 201

    @pytest.mark.parametrize("completed", [False, True])
    def test_type_in_use_is_409(self, org, admin_client, completed):
        recall = PatientRecallFactory(org=org)
        if completed:
            recall.completed_at = recall.created_at
            recall.save(update_fields=["completed_at"])
        response = admin_client.delete(f"{PATH}/{recall.recall_type.uuid}")
        assert response.status_code == 409
        assert response.json()["code"] == "RECALL_TYPE_IN_USE"
        assert "deactivate" in response.json()["detail"]
        assert RecallType.objects.filter(pk=recall.recall_type_id).exists()

    @pytest.mark.parametrize("role", ["staff", "viewer"])
    def test_only_admins_delete(self, org, role):
        prophy = RecallTypeFactory(org=org)
        assert api_for(org, role).delete(f"{PATH}/{prophy.uuid}").status_code == 403
        assert RecallType.objects.filter(pk=prophy.pk).exists()

    def test_another_orgs_type_is_404(self, other_org, admin_client):
        theirs = RecallTypeFactory(org=other_org)
        assert admin_client.delete(f"{PATH}/{theirs.uuid}").status_code == 404
        assert RecallType.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_leave_one_type(org):
    clients = [api_for(org) for _ in range(4)]

    statuses = run_concurrently(
        len(clients), lambda i: clients[i].post(PATH, {"name": "Prophy"}).status_code
    )

    assert sorted(statuses) == [201] + [409] * 3
    assert RecallType.objects.filter(org=org).count() == 1


def test_seed_demo_recall_types_and_triggers_once():
    from tests.scheduling.test_seed_demo import seed

    first, again = seed("--json"), seed("--json")
    assert first["recall_types"] == again["recall_types"]
    triggers = {
        t.name: sorted(
            RecallTrigger.objects.filter(recall_type=t).values_list(
                "procedure_code__code", flat=True
            )
        )
        for t in RecallType.objects.filter(org__uuid=first["org_id"])
    }
    assert triggers == {
        "Prophy": ["D0120", "D1110"],
        "Perio Maintenance": ["D4910"],
        "Bitewings": ["D0274"],
    }
    assert all(
        t.appointment_type is not None for t in RecallType.objects.filter(org__uuid=first["org_id"])
    )
