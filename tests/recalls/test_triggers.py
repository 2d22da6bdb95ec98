"""Recall triggers: a procedure code starting a recall type's cycle (admins write)."""

import pytest

from recalls.models import RecallTrigger, RecallType
from tests.conftest import api_for
from tests.factories import ProcedureCodeFactory, RecallTriggerFactory, RecallTypeFactory

pytestmark = pytest.mark.django_db

PATH = "recalls/triggers"


def _body(recall_type, code) -> dict:
    return {"recall_type_uuid": str(recall_type.uuid), "procedure_code_uuid": str(code.uuid)}


class TestCreate:
    def test_create(self, org, admin_client):
        prophy = RecallTypeFactory(org=org, name="Prophy")
        d1110 = ProcedureCodeFactory(org=org, code="D1110")
        response = admin_client.post(PATH, _body(prophy, d1110))
        assert response.status_code == 201
        body = response.json()
        assert body["recall_type"] == {"id": str(prophy.uuid), "name": "Prophy"}
        assert body["procedure_code"]["id"] == str(d1110.uuid)
        assert "D1110" in body["procedure_code"]["name"]
        assert RecallTrigger.objects.filter(uuid=body["id"], recall_type=prophy).exists()

    def test_duplicate_pair_is_409(self, org, admin_client):
        trigger = RecallTriggerFactory(org=org)
        response = admin_client.post(PATH, _body(trigger.recall_type, trigger.procedure_code))
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_TRIGGER"
        assert RecallTrigger.objects.count() == 1

    def test_one_code_may_trigger_several_types(self, org, admin_client):
        trigger = RecallTriggerFactory(org=org)
        other = RecallTypeFactory(org=org)
        assert admin_client.post(PATH, _body(other, trigger.procedure_code)).status_code == 201

    @pytest.mark.parametrize("theirs", ["recall_type_uuid", "procedure_code_uuid"])
    def test_another_orgs_ids_are_404(self, org, other_org, admin_client, theirs):
        body = _body(RecallTypeFactory(org=org), ProcedureCodeFactory(org=org))
        foreign = {
            "recall_type_uuid": RecallTypeFactory(org=other_org),
            "procedure_code_uuid": ProcedureCodeFactory(org=other_org),
        }[theirs]
        response = admin_client.post(PATH, {**body, theirs: str(foreign.uuid)})
        assert response.status_code == 404
        assert ["body", theirs] in [e["loc"] for e in response.json()["errors"]]
        assert not RecallTrigger.objects.exists()

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"procedure_code_uuid": "00000000-0000-0000-0000-000000000000"}, "recall_type_uuid"),
            ({"recall_type_uuid": "not-a-uuid"}, "recall_type_uuid"),
            ({"recall_type_uuid": 5}, "recall_type_uuid"),
        ],
    )
    def test_invalid_body_is_422(self, admin_client, body, field):
        response = admin_client.post(PATH, body)
        assert response.status_code == 422
        assert ["body", field] in [e["loc"] for e in response.json()["detail"]]

    @pytest.mark.parametrize("role", ["staff", "viewer"])
    def test_only_admins_create(self, org, role):
        body = _body(RecallTypeFactory(org=org), ProcedureCodeFactory(org=org))
        assert api_for(org, role).post(PATH, body).status_code == 403
        assert not RecallTrigger.objects.exists()


class TestList:
    @pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
    def test_lists_one_types_triggers_by_code(self, org, role):
        prophy = RecallTypeFactory(org=org)
        for code in ("D1110", "D0120"):
            RecallTriggerFactory(
                org=org, recall_type=prophy, procedure_code=ProcedureCodeFactory(org=org, code=code)
            )
        RecallTriggerFactory(org=org)  # another type's
        response = api_for(org, role).get(f"{PATH}?recall_type_uuid={prophy.uuid}")
        assert response.status_code == 200
        body = response.json()
        assert (body["page"], body["page_size"], body["total"]) == (1, 50, 2)
        codes = [item["procedure_code"]["name"].split()[0] for item in body["items"]]
        assert codes == ["D0120", "D1110"]

    def test_recall_type_is_required(self, admin_client):
        response = admin_client.get(PATH)
        assert response.status_code == 422
        assert ["query", "recall_type_uuid"] in [e["loc"] for e in response.json()["detail"]]

    @pytest.mark.parametrize("value", ["", "nope"])
    def test_malformed_recall_type_is_422(self, admin_client, value):
        assert admin_client.get(f"{PATH}?recall_type_uuid={value}").status_code == 422

    def test_unknown_or_another_orgs_type_is_404(self, other_org, admin_client):
        theirs = RecallTriggerFactory(org=other_org).recall_type
        response = admin_client.get(f"{PATH}?recall_type_uuid={theirs.uuid}")
        assert response.status_code == 404
        unknown = admin_client.get(f"{PATH}?recall_type_uuid=00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 404


class TestDelete:
    def test_delete(self, org, admin_client):
        trigger = RecallTriggerFactory(org=org)
        assert admin_client.delete(f"{PATH}/{trigger.uuid}").status_code == 204
        assert not RecallTrigger.objects.filter(pk=trigger.pk).exists()
        assert RecallType.objects.filter(pk=trigger.recall_type_id).exists()
        assert admin_client.delete(f"{PATH}/{trigger.uuid}").status_code == 404

    @pytest.mark.parametrize("role", ["staff", "viewer"])
    def test_only_admins_delete(self, org, role):
        trigger = RecallTriggerFactory(org=org)
        assert api_for(org, role).delete(f"{PATH}/{trigger.uuid}").status_code == 403
        assert RecallTrigger.objects.filter(pk=trigger.pk).exists()

    def test_another_orgs_trigger_is_404(self, other_org, admin_client):
        theirs = RecallTriggerFactory(org=other_org)
        assert admin_client.delete(f"{PATH}/{theirs.uuid}").status_code == 404
        assert RecallTrigger.objects.filter(pk=theirs.pk).exists()
