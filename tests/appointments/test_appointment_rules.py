"""Appointment rules (Schedule section): the five operations, and what a rule does to booking.

The shared suite (``tests/test_every_endpoint.py``) already covers 401, other orgs' paths,
viewer and staff writes, page bounds, query counts, stale and missing ``base_version`` and
unknown fields for these routes; this file tests what is particular to rules.
"""

import pytest

from appointments.models import AppointmentRule
from appointments.services import appointment_rule_create
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import AppointmentRuleFactory, AppointmentTypeFactory, LocationFactory

pytestmark = pytest.mark.django_db

PATH = "schedule/appointment-rules"


@pytest.fixture
def crown(org):
    return AppointmentTypeFactory(org=org, name="Crown prep", duration_minutes=60)


def create(client, type_a, type_b, location=None, allow_overlap=True, **extra):
    body = {
        "allow_overlap": allow_overlap,
        "appointment_type_uuid_a": str(type_a.uuid),
        "appointment_type_uuid_b": str(type_b.uuid),
        **extra,
    }
    if location is not None:
        body["location_uuid"] = str(location.uuid)
    return client.post(PATH, body)


def ref(obj) -> dict:
    return {"id": str(obj.uuid), "name": obj.name}


def listed(client, **query) -> list[str]:
    response = client.get(PATH, query)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["id"] for item in body["items"]]


class TestCreate:
    def test_org_wide_rule(self, admin_client, crown, exam):
        response = create(admin_client, crown, exam)
        assert response.status_code == 201, response.json()
        body = response.json()
        assert {body["appointment_type_a"]["id"], body["appointment_type_b"]["id"]} == {
            str(crown.uuid),
            str(exam.uuid),
        }
        assert ref(crown) in (body["appointment_type_a"], body["appointment_type_b"])
        assert body["location"] is None
        assert body["allow_overlap"] is True
        assert body["version"] == 1
        assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
        assert AppointmentRule.objects.filter(uuid=body["id"], location=None).exists()

    def test_rule_at_a_location(self, admin_client, crown, exam, location):
        response = create(admin_client, crown, exam, location, allow_overlap=False)
        assert response.status_code == 201
        assert response.json()["location"] == ref(location)
        assert response.json()["allow_overlap"] is False

    def test_null_location_is_org_wide(self, admin_client, crown, exam):
        response = create(admin_client, crown, exam, location_uuid=None)
        assert response.status_code == 201
        assert response.json()["location"] is None

    def test_the_pair_is_unordered_and_stored_once(self, admin_client, crown, exam):
        first = create(admin_client, exam, crown)
        assert first.status_code == 201
        again = create(admin_client, crown, exam)
        assert again.status_code == 409
        assert again.json()["code"] == "DUPLICATE_RULE"
        assert AppointmentRule.objects.count() == 1
        # Either order reads the same: the stored order, not the request's.
        assert create(admin_client, exam, crown).json()["code"] == "DUPLICATE_RULE"

    def test_one_org_wide_rule_per_pair(self, admin_client, crown, exam):
        assert create(admin_client, crown, exam, allow_overlap=True).status_code == 201
        response = create(admin_client, crown, exam, allow_overlap=False)
        assert response.status_code == 409
        assert response.json()["code"] == "DUPLICATE_RULE"

    def test_same_pair_at_another_location_or_org_wide_is_another_rule(
        self, admin_client, crown, exam, location, second_location
    ):
        assert create(admin_client, crown, exam, location).status_code == 201
        assert create(admin_client, exam, crown, second_location).status_code == 201
        assert create(admin_client, crown, exam).status_code == 201
        assert create(admin_client, exam, crown, location).status_code == 409
        assert AppointmentRule.objects.count() == 3

    def test_a_type_paired_with_itself(self, admin_client, exam):
        response = create(admin_client, exam, exam)
        assert response.status_code == 201
        body = response.json()
        assert body["appointment_type_a"] == body["appointment_type_b"] == ref(exam)
        assert create(admin_client, exam, exam).status_code == 409

    def test_the_service_stores_the_lower_id_first(self, org, crown, exam):
        rule = appointment_rule_create(
            org=org, appointment_type_a=exam, appointment_type_b=crown, allow_overlap=True
        )
        rule.refresh_from_db()
        assert (rule.appointment_type_a, rule.appointment_type_b) == (crown, exam)


class TestCreateRefused:
    @pytest.mark.parametrize("field", ["appointment_type_uuid_a", "appointment_type_uuid_b"])
    def test_unknown_type_is_404_naming_it(self, admin_client, crown, exam, field):
        unknown = "00000000-0000-4000-8000-000000000000"
        response = create(admin_client, crown, exam, **{field: unknown})
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
        assert [e["loc"] for e in response.json()["errors"]] == [["body", field]]
        assert AppointmentRule.objects.count() == 0

    def test_every_unknown_id_is_named(self, admin_client, other_org):
        theirs = AppointmentTypeFactory(org=other_org)
        their_location = LocationFactory(org=other_org)
        response = create(admin_client, theirs, theirs, their_location)
        assert response.status_code == 404
        assert sorted(e["loc"][1] for e in response.json()["errors"]) == [
            "appointment_type_uuid_a",
            "appointment_type_uuid_b",
            "location_uuid",
        ]

    def test_another_orgs_location_is_404(self, admin_client, crown, exam, other_org):
        response = create(admin_client, crown, exam, LocationFactory(org=other_org))
        assert response.status_code == 404
        assert [e["loc"] for e in response.json()["errors"]] == [["body", "location_uuid"]]

    def test_a_forbidden_location_is_403(self, limited_admin_client, crown, exam, second_location):
        response = create(limited_admin_client, crown, exam, second_location)
        assert response.status_code == 403
        assert response.json()["code"] == "PERMISSION_DENIED"
        assert AppointmentRule.objects.count() == 0

    def test_a_limited_admin_writes_at_its_location_and_org_wide(
        self, limited_admin_client, crown, exam, location
    ):
        assert create(limited_admin_client, crown, exam, location).status_code == 201
        assert create(limited_admin_client, crown, exam).status_code == 201

    @pytest.mark.parametrize("client", ["staff_client", "viewer_client", "limited_client"])
    def test_only_admins_write(self, request, client, crown, exam):
        response = create(request.getfixturevalue(client), crown, exam)
        assert response.status_code == 403
        assert response.json()["code"] == "PERMISSION_DENIED"
        assert AppointmentRule.objects.count() == 0

    @pytest.mark.parametrize(
        "change, field, error_type",
        [
            ({"allow_overlap": None}, "allow_overlap", "null"),
            ({"allow_overlap": "perhaps"}, "allow_overlap", "invalid"),
            ({"appointment_type_uuid_a": "not-a-uuid"}, "appointment_type_uuid_a", "invalid"),
            ({"appointment_type_uuid_b": 5}, "appointment_type_uuid_b", "invalid"),
            ({"appointment_type_uuid_a": None}, "appointment_type_uuid_a", "null"),
            ({"location_uuid": "chicago"}, "location_uuid", "invalid"),
            ({"appointment_type_uuid": "x"}, "appointment_type_uuid", "unknown_field"),
        ],
    )
    def test_bad_values_are_422(self, admin_client, crown, exam, change, field, error_type):
        body = {
            "allow_overlap": True,
            "appointment_type_uuid_a": str(crown.uuid),
            "appointment_type_uuid_b": str(exam.uuid),
            **change,
        }
        response = admin_client.post(PATH, body)
        assert response.status_code == 422
        assert {"loc": ["body", field], "type": error_type}.items() <= next(
            e for e in response.json()["detail"] if e["loc"] == ["body", field]
        ).items()
        assert AppointmentRule.objects.count() == 0

    @pytest.mark.parametrize(
        "missing", ["allow_overlap", "appointment_type_uuid_a", "appointment_type_uuid_b"]
    )
    def test_missing_required_field_is_422(self, admin_client, crown, exam, missing):
        body = {
            "allow_overlap": True,
            "appointment_type_uuid_a": str(crown.uuid),
            "appointment_type_uuid_b": str(exam.uuid),
        }
        del body[missing]
        response = admin_client.post(PATH, body)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", missing]]

    def test_an_unknown_id_beside_a_malformed_field_is_422(self, admin_client, crown):
        response = admin_client.post(
            PATH,
            {
                "allow_overlap": "perhaps",
                "appointment_type_uuid_a": str(crown.uuid),
                "appointment_type_uuid_b": "00000000-0000-4000-8000-000000000000",
            },
        )
        assert response.status_code == 422
        assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
            ("body", "allow_overlap"),
            ("body", "appointment_type_uuid_b"),
        }


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_pair_leave_one_rule(org):
    crown = AppointmentTypeFactory(org=org)
    exam = AppointmentTypeFactory(org=org)
    clients = [api_for(org) for _ in range(4)]
    pairs = [(crown, exam), (exam, crown)] * 2

    statuses = run_concurrently(len(clients), lambda i: create(clients[i], *pairs[i]).status_code)

    assert sorted(statuses) == [201] + [409] * 3
    assert AppointmentRule.objects.filter(org=org).count() == 1


class TestList:
    @pytest.fixture
    def rules(self, org, location, second_location):
        """An org-wide rule, one at Chicago and one at New York."""
        return {
            "org_wide": AppointmentRuleFactory(org=org),
            "chicago": AppointmentRuleFactory(org=org, location=location),
            "new_york": AppointmentRuleFactory(org=org, location=second_location),
        }

    @staticmethod
    def ids(rules, *names) -> list[str]:
        return sorted(str(rules[name].uuid) for name in names)

    def test_without_location_every_visible_rule(self, admin_client, viewer_client, rules):
        everything = self.ids(rules, "org_wide", "chicago", "new_york")
        assert sorted(listed(admin_client)) == everything
        assert sorted(listed(viewer_client)) == everything

    def test_a_limited_member_sees_its_locations_and_org_wide_rules(self, limited_client, rules):
        assert sorted(listed(limited_client)) == self.ids(rules, "org_wide", "chicago")

    def test_at_a_location_its_rules_and_the_org_wide_ones(
        self, admin_client, rules, location, second_location
    ):
        at_chicago = listed(admin_client, location_uuid=str(location.uuid))
        assert sorted(at_chicago) == self.ids(rules, "org_wide", "chicago")
        at_new_york = listed(admin_client, location_uuid=str(second_location.uuid))
        assert sorted(at_new_york) == self.ids(rules, "org_wide", "new_york")

    def test_a_location_with_no_rules_of_its_own(self, org, admin_client, rules):
        elsewhere = LocationFactory(org=org)
        assert listed(admin_client, location_uuid=str(elsewhere.uuid)) == self.ids(
            rules, "org_wide"
        )

    def test_unknown_or_foreign_location_is_404(self, admin_client, other_org, rules):
        for location_uuid in (
            "00000000-0000-4000-8000-000000000000",
            str(LocationFactory(org=other_org).uuid),
        ):
            response = admin_client.get(PATH, {"location_uuid": location_uuid})
            assert response.status_code == 404
            assert response.json()["code"] == "NOT_FOUND"

    def test_a_forbidden_location_is_403(self, limited_client, second_location, rules):
        response = limited_client.get(PATH, {"location_uuid": str(second_location.uuid)})
        assert response.status_code == 403
        assert response.json()["code"] == "PERMISSION_DENIED"

    def test_a_malformed_location_is_422(self, admin_client):
        response = admin_client.get(PATH, {"location_uuid": "chicago"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "location_uuid"]

    def test_a_type_on_either_side_of_the_pair(self, org, admin_client, location):
        first, middle, last = (AppointmentTypeFactory(org=org) for _ in range(3))
        low = AppointmentRuleFactory(org=org, appointment_type_a=first, appointment_type_b=middle)
        high = AppointmentRuleFactory(org=org, appointment_type_a=middle, appointment_type_b=last)
        at = AppointmentRuleFactory(
            org=org, appointment_type_a=last, appointment_type_b=first, location=location
        )
        # ``middle`` is the second type of one pair and the first of the other.
        assert (low.appointment_type_b, high.appointment_type_a) == (middle, middle)
        assert sorted(listed(admin_client, appointment_type_uuid=str(middle.uuid))) == sorted(
            [str(low.uuid), str(high.uuid)]
        )
        assert sorted(listed(admin_client, appointment_type_uuid=str(first.uuid))) == sorted(
            [str(low.uuid), str(at.uuid)]
        )
        both = listed(
            admin_client, appointment_type_uuid=str(first.uuid), location_uuid=str(location.uuid)
        )
        assert sorted(both) == sorted([str(low.uuid), str(at.uuid)])

    def test_unknown_or_foreign_type_is_404_and_malformed_422(self, admin_client, other_org):
        for type_uuid in (
            "00000000-0000-4000-8000-000000000000",
            str(AppointmentTypeFactory(org=other_org).uuid),
        ):
            response = admin_client.get(PATH, {"appointment_type_uuid": type_uuid})
            assert response.status_code == 404
        response = admin_client.get(PATH, {"appointment_type_uuid": "exam"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "appointment_type_uuid"]

    def test_pages_in_creation_order(self, org, admin_client):
        rules = [AppointmentRuleFactory(org=org) for _ in range(3)]
        first = admin_client.get(PATH, {"page": 1, "page_size": 2}).json()
        second = admin_client.get(PATH, {"page": 2, "page_size": 2}).json()
        assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
        assert [item["id"] for item in first["items"] + second["items"]] == [
            str(rule.uuid) for rule in rules
        ]

    def test_another_orgs_rules_are_never_listed(self, org, other_org, admin_client):
        mine = AppointmentRuleFactory(org=org)
        AppointmentRuleFactory(org=other_org)
        AppointmentRuleFactory(org=other_org, location=LocationFactory(org=other_org))
        assert listed(admin_client) == [str(mine.uuid)]


class TestRetrieve:
    def test_every_member_reads(self, org, viewer_client, staff_client, location):
        rule = AppointmentRuleFactory(org=org, location=location)
        for client in (viewer_client, staff_client):
            response = client.get(f"{PATH}/{rule.uuid}")
            assert response.status_code == 200
            body = response.json()
            assert body["id"] == str(rule.uuid)
            assert body["appointment_type_a"] == ref(rule.appointment_type_a)
            assert body["appointment_type_b"] == ref(rule.appointment_type_b)
            assert body["location"] == ref(location)

    def test_a_rule_at_a_forbidden_location_is_invisible(
        self, org, limited_client, second_location
    ):
        org_wide = AppointmentRuleFactory(org=org)
        hidden = AppointmentRuleFactory(org=org, location=second_location)
        assert limited_client.get(f"{PATH}/{org_wide.uuid}").status_code == 200
        response = limited_client.get(f"{PATH}/{hidden.uuid}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Appointment rule not found.", "code": "NOT_FOUND"}

    def test_another_orgs_rule_is_404(self, other_org, admin_client):
        theirs = AppointmentRuleFactory(org=other_org)
        assert admin_client.get(f"{PATH}/{theirs.uuid}").status_code == 404
        assert admin_client.get(f"{PATH}/00000000-0000-4000-8000-000000000000").status_code == 404


class TestUpdate:
    @pytest.fixture
    def rule(self, org, location):
        return AppointmentRuleFactory(org=org, location=location, allow_overlap=True)

    def patch(self, client, rule, body):
        return client.patch(f"{PATH}/{rule.uuid}", body)

    def test_changes_allow_overlap_only(self, admin_client, rule):
        before = (rule.appointment_type_a_id, rule.appointment_type_b_id, rule.location_id)
        response = self.patch(admin_client, rule, {"base_version": 1, "allow_overlap": False})
        assert response.status_code == 200
        assert response.json()["allow_overlap"] is False
        assert response.json()["version"] == 2
        rule.refresh_from_db()
        assert rule.allow_overlap is False and rule.version == 2
        assert (rule.appointment_type_a_id, rule.appointment_type_b_id, rule.location_id) == before

    def test_the_same_value_writes_nothing(self, admin_client, rule):
        response = self.patch(admin_client, rule, {"base_version": 1, "allow_overlap": True})
        assert response.status_code == 200
        assert response.json()["version"] == 1

    def test_stale_base_version_is_409(self, admin_client, rule):
        first = self.patch(admin_client, rule, {"base_version": 1, "allow_overlap": False})
        assert first.status_code == 200
        response = self.patch(admin_client, rule, {"base_version": 1, "allow_overlap": True})
        assert response.status_code == 409
        assert response.json()["code"] == "VERSION_CONFLICT"
        assert response.json()["current_version"] == 2
        rule.refresh_from_db()
        assert rule.allow_overlap is False

    @pytest.mark.parametrize(
        "body, field, error_type",
        [
            ({"allow_overlap": False}, "base_version", "required"),
            ({"base_version": 1}, "allow_overlap", "required"),
            ({"base_version": 1, "allow_overlap": None}, "allow_overlap", "null"),
            ({"base_version": 0, "allow_overlap": False}, "base_version", "min_value"),
        ],
    )
    def test_bad_body_is_422(self, admin_client, rule, body, field, error_type):
        response = self.patch(admin_client, rule, body)
        assert response.status_code == 422
        assert {"loc": ["body", field], "type": error_type}.items() <= next(
            e for e in response.json()["detail"] if e["loc"] == ["body", field]
        ).items()

    @pytest.mark.parametrize(
        "field", ["appointment_type_uuid_a", "appointment_type_uuid_b", "location_uuid"]
    )
    def test_the_pair_and_location_are_fixed(self, org, admin_client, rule, field):
        other = AppointmentTypeFactory(org=org) if "type" in field else LocationFactory(org=org)
        body = {"base_version": 1, "allow_overlap": False, field: str(other.uuid)}
        response = self.patch(admin_client, rule, body)
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert (error["loc"], error["type"]) == (["body", field], "unknown_field")
        rule.refresh_from_db()
        assert rule.version == 1 and rule.allow_overlap is True

    def test_staff_may_not_change_it(self, staff_client, rule):
        response = self.patch(staff_client, rule, {"base_version": 1, "allow_overlap": False})
        assert response.status_code == 403

    def test_another_orgs_or_a_forbidden_rule_is_404(
        self, org, other_org, limited_admin_client, second_location
    ):
        for rule in (
            AppointmentRuleFactory(org=other_org),
            AppointmentRuleFactory(org=org, location=second_location),
        ):
            response = self.patch(
                limited_admin_client, rule, {"base_version": 1, "allow_overlap": False}
            )
            assert response.status_code == 404
            rule.refresh_from_db()
            assert rule.version == 1


class TestDelete:
    def test_hard_delete(self, org, admin_client):
        rule = AppointmentRuleFactory(org=org)
        response = admin_client.delete(f"{PATH}/{rule.uuid}")
        assert response.status_code == 204 and response.content == b""
        assert not AppointmentRule.objects.filter(pk=rule.pk).exists()
        assert admin_client.get(f"{PATH}/{rule.uuid}").status_code == 404
        assert admin_client.delete(f"{PATH}/{rule.uuid}").status_code == 404

    def test_staff_may_not_delete(self, org, staff_client):
        rule = AppointmentRuleFactory(org=org)
        assert staff_client.delete(f"{PATH}/{rule.uuid}").status_code == 403
        assert AppointmentRule.objects.filter(pk=rule.pk).exists()

    def test_another_orgs_or_a_forbidden_rule_is_404(
        self, org, other_org, limited_admin_client, second_location
    ):
        for rule in (
            AppointmentRuleFactory(org=other_org),
            AppointmentRuleFactory(org=org, location=second_location),
        ):
            assert limited_admin_client.delete(f"{PATH}/{rule.uuid}").status_code == 404
            assert AppointmentRule.objects.filter(pk=rule.pk).exists()


class TestRulesDecideBooking:
    """A rule made over the API is what the conflict engine applies to the next booking."""

    def overlap_ids(self, response) -> list[str]:
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "APPOINTMENT_OVERLAP"
        return [a["id"] for a in response.json()["conflicts"]["appointments"]]

    def test_a_rule_lets_the_pair_overlap_and_deleting_it_blocks_them(
        self, admin_client, book, crown, exam
    ):
        long_visit = book(start="09:00", end="10:00", appointment_type_uuid=str(crown.uuid))
        assert long_visit.status_code == 201
        crown_id = long_visit.json()["id"]
        # No rule: an exam cannot share the chair.
        refused = book(start="09:00", end="09:30", appointment_type_uuid=str(exam.uuid))
        assert self.overlap_ids(refused) == [crown_id]

        rule = create(admin_client, exam, crown)
        assert rule.status_code == 201
        allowed = book(start="09:00", end="09:30", appointment_type_uuid=str(exam.uuid))
        assert allowed.status_code == 201, allowed.json()

        assert admin_client.delete(f"{PATH}/{rule.json()['id']}").status_code == 204
        # 09:30–10:00 overlaps the crown only (the exam ends at 09:30): the rule is gone.
        again = book(start="09:30", end="10:00", appointment_type_uuid=str(exam.uuid))
        assert self.overlap_ids(again) == [crown_id]

    def test_patching_allow_overlap_off_blocks_the_pair(self, admin_client, book, crown, exam):
        assert book(appointment_type_uuid=str(crown.uuid)).status_code == 201
        rule = create(admin_client, crown, exam).json()
        allowed = book(start="09:00", end="09:30", appointment_type_uuid=str(exam.uuid))
        assert allowed.status_code == 201
        patched = admin_client.patch(
            f"{PATH}/{rule['id']}", {"base_version": rule["version"], "allow_overlap": False}
        )
        assert patched.status_code == 200
        response = book(start="09:30", end="10:00", appointment_type_uuid=str(exam.uuid))
        assert response.status_code == 409

    def test_a_location_rule_overrides_the_org_wide_one_until_deleted(
        self, admin_client, book, crown, exam, location
    ):
        assert book(appointment_type_uuid=str(crown.uuid)).status_code == 201
        assert create(admin_client, crown, exam, allow_overlap=True).status_code == 201
        here = create(admin_client, crown, exam, location, allow_overlap=False).json()
        blocked = book(start="09:00", end="09:30", appointment_type_uuid=str(exam.uuid))
        assert blocked.status_code == 409
        assert admin_client.delete(f"{PATH}/{here['id']}").status_code == 204
        # Back to the org-wide rule.
        allowed = book(start="09:00", end="09:30", appointment_type_uuid=str(exam.uuid))
        assert allowed.status_code == 201

    def test_a_type_paired_with_itself(self, admin_client, book, exam):
        assert book(appointment_type_uuid=str(exam.uuid)).status_code == 201
        assert book(appointment_type_uuid=str(exam.uuid)).status_code == 409
        assert create(admin_client, exam, exam).status_code == 201
        assert book(appointment_type_uuid=str(exam.uuid)).status_code == 201


def test_a_rule_at_one_location_does_not_apply_at_another(
    org, admin_client, staff_client, crown, exam, second_location, ny_chair, patient
):
    assert create(admin_client, crown, exam, LocationFactory(org=org)).status_code == 201

    def book_ny(appointment_type):
        return staff_client.post(
            "appointments",
            {
                "location_uuid": str(second_location.uuid),
                "patient_uuid": str(patient.uuid),
                "operatory_uuid": str(ny_chair.uuid),
                "appointment_type_uuid": str(appointment_type.uuid),
                "schedule_date": DAY,
                "start_time": "09:00",
                "end_time": "10:00",
            },
        )

    assert book_ny(crown).status_code == 201
    assert book_ny(exam).status_code == 409
