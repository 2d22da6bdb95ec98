"""The API conventions that hold everywhere: auth, error envelope, values."""

from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import ApiToken
from tests.conftest import Api
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_token(org):
    """A member's token row and its clear text."""
    user = UserFactory()
    MembershipFactory(org=org, user=user)
    return ApiToken.issue(user=user)


class TestBearerTokens:
    @pytest.mark.parametrize(
        "header",
        [
            "Bearer",
            "Bearer a b",
            "Bearer not-our-format",
            "Bearer cs_short_secret",
            "Bearer cs_0123456789_wrong-secret",
            "Token cs_0123456789_x",
            "Bearer \u00e9\u00e9",
        ],
    )
    def test_bad_credentials_are_401(self, org, header):
        client = Api(org)
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("locations")
        assert response.status_code == 401
        assert set(response.json()) == {"detail", "code"}

    def test_right_prefix_wrong_secret_is_401(self, org, member_token):
        token, clear = member_token
        forged = clear[:-4] + ("AAAA" if not clear.endswith("AAAA") else "BBBB")
        assert Api(org, forged).get("locations").status_code == 401
        assert Api(org, clear).get("locations").status_code == 200

    def test_token_is_stored_hashed_and_records_last_use(self, org, member_token):
        token, clear = member_token
        assert clear not in {token.digest, token.prefix}
        assert token.last_used_at is None
        Api(org, clear).get("locations")
        token.refresh_from_db()
        assert token.last_used_at is not None

    def test_last_use_is_recorded_at_minute_resolution(self, org, member_token):
        token, clear = member_token
        earlier = timezone.now() - timedelta(seconds=10)
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=earlier)
        Api(org, clear).get("locations")
        token.refresh_from_db()
        assert token.last_used_at == earlier

    def test_revoked_token_is_401(self, org, member_token):
        token, clear = member_token
        token.revoke()
        assert Api(org, clear).get("locations").status_code == 401

    def test_inactive_user_is_401(self, org):
        user = UserFactory(is_active=False)
        MembershipFactory(org=org, user=user)
        assert Api(org, ApiToken.issue(user=user)[1]).get("locations").status_code == 401

    def test_session_login_is_not_api_auth(self, org, client):
        user = UserFactory()
        MembershipFactory(org=org, user=user)
        client.force_login(user)
        assert client.get(f"/api/v1/{org.uuid}/locations").status_code == 401


class TestErrorEnvelope:
    def test_malformed_json_is_422_with_detail_list(self, admin_client):
        response = admin_client.generic(
            "POST",
            admin_client.url("appointment-types"),
            "{not json",
            content_type="application/json",
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body"] and error["type"] == "json_invalid"

    def test_non_json_body_is_415_in_the_envelope(self, admin_client):
        response = admin_client.generic(
            "POST",
            admin_client.url("appointment-types"),
            "name=x",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 415
        assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"

    def test_unknown_route_is_json_404(self, admin_client):
        response = admin_client.get("no-such-thing")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "NOT_FOUND"}

    def test_malformed_org_id_is_json_404(self, client):
        response = client.get("/api/v1/not-an-org/locations")
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"

    def test_trailing_slash_is_not_a_route(self, admin_client):
        assert admin_client.get("locations/").status_code == 404

    def test_nested_validation_errors_have_full_locations(self, admin_client):
        response = admin_client.post(
            "appointment-types", {"name": "X", "location_uuids": ["ok?", 5]}
        )
        assert response.status_code == 422
        locs = [e["loc"] for e in response.json()["detail"]]
        assert ["body", "location_uuids", 0] in locs and ["body", "location_uuids", 1] in locs

    def test_bad_query_values_are_422_with_query_location(self, admin_client):
        response = admin_client.get("definitions", {"category": "Nope"})
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "category"] and error["type"] == "invalid_choice"

    def test_malformed_uuid_filter_is_422(self, admin_client):
        response = admin_client.get("operatories", {"location_uuid": "nope"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "location_uuid"]

    def test_nul_bytes_and_huge_values_never_500(self, admin_client):
        assert admin_client.get("patients", {"search": "a\x00b"}).status_code in (200, 422)
        assert admin_client.post("appointment-types", {"name": "a\x00b"}).status_code == 422

    @pytest.mark.parametrize("opening", ["[", '{"a":'])
    def test_json_nested_too_deeply_is_422_not_500(self, admin_client, opening):
        closing = "]" if opening == "[" else "}"
        raw = f'{{"name": {opening * 100_000}1{closing * 100_000}}}'
        admin_client.raise_request_exception = False
        response = admin_client.generic(
            "POST", admin_client.url("appointment-types"), raw, content_type="application/json"
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body"] and error["type"] == "json_invalid"

    @pytest.mark.parametrize("text", [r"a\udb18b", r"\udc00", r"\uD83D", r"x\ude00\ud83d"])
    def test_a_lone_surrogate_escape_is_422_not_stored(self, admin_client, text):
        """Valid JSON syntax, no Unicode text: refused before anything is written (a
        stored one could never be written back as UTF-8)."""
        raw = f'{{"name": "{text}", "duration_minutes": 30}}'
        response = admin_client.generic(
            "POST", admin_client.url("appointment-types"), raw, content_type="application/json"
        )
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body"] and error["type"] == "json_invalid"
        assert admin_client.get("appointment-types").json()["total"] == 0

    def test_a_lone_surrogate_in_another_charset_is_422_too(self, admin_client):
        raw = '{"name": "a\\udb18b", "duration_minutes": 30}'.encode("utf-16")
        response = admin_client.generic(
            "POST",
            admin_client.url("appointment-types"),
            raw,
            content_type="application/json; charset=utf-16",
        )
        assert response.status_code == 422, response.content
        assert admin_client.get("appointment-types").json()["total"] == 0

    def test_an_escaped_surrogate_pair_is_one_character(self, admin_client):
        raw = r'{"name": "Smile \ud83d\ude00", "duration_minutes": 30}'
        response = admin_client.generic(
            "POST", admin_client.url("appointment-types"), raw, content_type="application/json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["name"] == "Smile \U0001f600"

    def test_a_row_deleted_right_after_the_write_is_404_not_500(
        self, org, admin_client, monkeypatch
    ):
        """The write commits, then someone deletes the row before the answer re-reads it
        (``OrgViewSet.respond``): the client hears it is gone."""
        from recalls.models import RecallType
        from recalls.views import RecallTypeViewSet
        from tests.factories import RecallTypeFactory

        kind = RecallTypeFactory(org=org, name="Prophy")
        write = RecallTypeViewSet.perform_update

        def write_then_lose(view, instance, data):
            written = write(view, instance, data)
            RecallType.objects.filter(pk=written.pk).delete()
            return written

        monkeypatch.setattr(RecallTypeViewSet, "perform_update", write_then_lose)
        response = admin_client.patch(
            f"recalls/types/{kind.uuid}", {"base_version": kind.version, "name": "Cleaning"}
        )
        assert response.status_code == 404
        assert response.json()["code"] == "NOT_FOUND"
        assert "no longer exists" in response.json()["detail"]


class TestValues:
    def test_datetimes_are_utc_with_z(self, location, admin_client):
        body = admin_client.get(f"locations/{location.uuid}").json()
        assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")

    def test_money_is_a_two_place_string(self, org, admin_client):
        from decimal import Decimal

        from tests.factories import ProcedureCodeFactory

        code = ProcedureCodeFactory(org=org, code="D0120", default_fee=Decimal("55"))
        assert admin_client.get(f"procedure-codes/{code.uuid}").json()["default_fee"] == "55.00"


class TestEmptyQueryValues:
    """``?location_uuid=`` is not "every location": a typed parameter given empty is a 422
    naming it; free text (a search) may be empty."""

    @pytest.mark.parametrize(
        ("path", "name"),
        [
            ("appointments", "location_uuid"),
            ("appointments", "date_from"),
            ("appointments", "page"),
            ("schedule/templates", "day_of_week"),
            ("blockouts/types", "include_hidden"),
            ("recalls/patient-recalls/due", "location_uuid"),  # a query serializer's
            ("recalls/patient-recalls/due", "due_on"),
        ],
    )
    def test_an_empty_typed_parameter_is_422(self, admin_client, path, name):
        response = admin_client.get(f"{path}?{name}=")
        assert response.status_code == 422
        assert response.json()["detail"] == [
            {"loc": ["query", name], "msg": response.json()["detail"][0]["msg"], "type": "empty"}
        ]

    def test_an_empty_search_lists_everyone(self, admin_client):
        assert admin_client.get("patients?search=").status_code == 200
