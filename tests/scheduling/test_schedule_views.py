"""Schedule views: who sees and changes which view, each user's default and shortcuts
(exactly one each, even under concurrent calls), the layouts' shapes and limits, the
preset templates, the admin pages and the demo views.

The shared suite (``tests/test_every_endpoint.py``) covers what every endpoint shares
(tokens, other orgs, roles on the registered shared view, forbidden locations, pages).
"""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from scheduling.models import (
    ApiToken,
    Organization,
    Role,
    ScheduleView,
    ScheduleViewChoice,
    ScheduleViewOperatory,
    User,
    ViewVisibility,
)
from scheduling.schedule.view_layouts import (
    MAX_LAYOUT_BYTES,
    PRESET_TEMPLATES,
    BubbleLayoutSerializer,
    CardLayoutSerializer,
    ColorConfigSerializer,
)
from tests.concurrency import run_concurrently
from tests.conftest import Api, api_for
from tests.factories import (
    OperatoryFactory,
    ProviderFactory,
    ScheduleViewFactory,
)

pytestmark = pytest.mark.django_db

CARD = {
    "lines": [
        {"fields": ["patient_name", "patient_age"], "bold": True},
        {"fields": ["appointment_type", "providers"]},
    ]
}
BUBBLE = {"sections": [{"title": "Patient", "fields": ["patient_name", "patient_phone"]}]}
COLORS = {
    "color_by": "confirmation_status",
    "overrides": [{"id": "6f1c1c52-8d7a-4a52-9a43-0a7f0a1d0c11", "color": "#43A047"}],
}


def token_of(client: Api) -> str:
    return client._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer ")


def user_of(client: Api) -> User:
    """The user the client's token belongs to (``api_for`` makes one per client)."""
    return ApiToken.objects.get(prefix=ApiToken.parse_prefix(token_of(client))).user


def owned_by(client: Api, **fields) -> ScheduleView:
    """A personal view of the client's user."""
    fields.setdefault("visibility", ViewVisibility.PERSONAL)
    return ScheduleViewFactory(org=client.org, owner=user_of(client), **fields)


def errors(response) -> dict:
    """``loc`` (without "body"/"query") → ``type`` of a 422's items."""
    assert response.status_code == 422, response.json()
    return {tuple(item["loc"][1:]): item["type"] for item in response.json()["detail"]}


@pytest.fixture
def chairs(org, location):
    return [OperatoryFactory(org=org, location=location, name=f"Op {n}") for n in range(3)]


@pytest.fixture
def other_admin(org):
    return api_for(org, Role.ADMIN)


# --- create and read -----------------------------------------------------------------------


def test_create_answers_201_with_every_field_and_the_columns_in_order(
    org, location, chairs, admin_client
):
    providers = [ProviderFactory(org=org) for _ in range(3)]
    body = {
        "location_uuid": str(location.uuid),
        "name": "Doctor's day",
        "view_type": "weekly",
        "font_size": "lg",
        "time_increment": 15,
        "start_time": "06:30",
        "end_time": "18:00",
        "min_operatory_width_px": 120,
        "compact_mode": True,
        "privacy_mode": True,
        "operatory_uuids": [str(c.uuid) for c in reversed(chairs)],
        "provider_uuids": [str(providers[2].uuid), str(providers[0].uuid)],
        "card_layout": CARD,
        "bubble_layout": BUBBLE,
        "color_config": COLORS,
    }
    response = admin_client.post("schedule/views", body)
    assert response.status_code == 201, response.json()
    view = response.json()
    assert view["location"] == {"id": str(location.uuid), "name": "Chicago"}
    assert view["location_timezone"] == "America/Chicago"
    assert view["visibility"] == "personal" and view["version"] == 1
    assert (view["view_type"], view["font_size"], view["time_increment"]) == ("weekly", "lg", 15)
    assert (view["start_time"], view["end_time"]) == ("06:30:00", "18:00:00")
    assert view["operatory_uuids"] == body["operatory_uuids"]
    assert view["provider_uuids"] == body["provider_uuids"]
    assert view["is_default"] is False and view["keyboard_shortcut"] is None
    assert view["card_layout"]["lines"][1] == {
        "fields": ["appointment_type", "providers"],
        "bold": False,
        "wrap": False,
    }
    assert view["card_layout"]["separator"] == " · "
    assert view["bubble_layout"]["delay_ms"] == 300
    assert view["color_config"]["apply_to"] == "background"
    assert view["color_config"]["overrides"] == COLORS["overrides"]
    assert ScheduleView.objects.get(uuid=view["id"]).owner == user_of(admin_client)
    assert admin_client.get(f"schedule/views/{view['id']}").json() == view


def test_create_takes_the_defaults_and_null_layouts(location, staff_client):
    body = {"location_uuid": str(location.uuid), "name": "Mine", "card_layout": None}
    view = staff_client.post("schedule/views", body).json()
    assert (view["view_type"], view["font_size"], view["time_increment"]) == ("daily", "md", 10)
    assert (view["start_time"], view["end_time"]) == ("07:00:00", "19:00:00")
    assert view["card_layout"] is None and view["operatory_uuids"] == []


def test_list_is_by_name_and_filtered_by_location(org, location, second_location, admin_client):
    for name in ("Bravo", "alpha", "Charlie"):
        ScheduleViewFactory(org=org, location=location, name=name)
    elsewhere = ScheduleViewFactory(org=org, location=second_location, name="Aardvark")
    every = admin_client.get("schedule/views").json()
    assert [v["name"] for v in every["items"]] == ["Aardvark", "Bravo", "Charlie", "alpha"]
    here = admin_client.get("schedule/views", {"location_uuid": str(location.uuid)}).json()
    assert str(elsewhere.uuid) not in {v["id"] for v in here["items"]} and here["total"] == 3


def test_list_of_an_unknown_location_is_404_and_a_forbidden_one_403(
    org, second_location, limited_client
):
    unknown = limited_client.get("schedule/views", {"location_uuid": str(uuid.uuid4())})
    assert unknown.status_code == 404
    forbidden = limited_client.get("schedule/views", {"location_uuid": str(second_location.uuid)})
    assert forbidden.status_code == 403


# --- allowed values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("font_size", "xl"),
        ("view_type", "monthly"),
        ("visibility", "public"),
        ("time_increment", 7),
        ("time_increment", "fifteen"),
        ("start_time", "25:00"),
        ("min_operatory_width_px", 2001),
        ("min_operatory_width_px", -1),
        ("name", ""),
        ("name", "x" * 101),
        ("compact_mode", "maybe"),
        ("operatory_uuids", "not-a-list"),
        ("operatory_uuids", ["not-a-uuid"]),
        ("card_layout", "not-an-object"),
    ],
)
def test_a_value_the_field_does_not_allow_is_422_naming_it(location, admin_client, field, value):
    body = {"location_uuid": str(location.uuid), "name": "V", field: value}
    before = ScheduleView.objects.count()
    assert field in {key[0] for key in errors(admin_client.post("schedule/views", body))}
    assert ScheduleView.objects.count() == before


@pytest.mark.parametrize("times", [("12:00", "12:00"), ("13:00", "08:00")])
def test_start_time_must_be_before_end_time(location, admin_client, times):
    start, end = times
    body = {"location_uuid": str(location.uuid), "name": "V", "start_time": start, "end_time": end}
    assert errors(admin_client.post("schedule/views", body)) == {("end_time",): "invalid_interval"}


def test_a_patched_start_after_the_stored_end_is_422(admin_client, location):
    view = owned_by(admin_client, location=location)
    response = admin_client.patch(
        f"schedule/views/{view.uuid}", {"base_version": 1, "start_time": "20:00"}
    )
    assert errors(response) == {("end_time",): "invalid_interval"}


def test_operatories_of_another_location_are_422_on_create_and_patch(
    org, location, second_location, admin_client
):
    there = OperatoryFactory(org=org, location=second_location)
    body = {"location_uuid": str(location.uuid), "name": "V", "operatory_uuids": [str(there.uuid)]}
    assert errors(admin_client.post("schedule/views", body)) == {
        ("operatory_uuids",): "wrong_location"
    }
    view = owned_by(admin_client, location=location)
    patch = {"base_version": 1, "operatory_uuids": [str(there.uuid)]}
    assert errors(admin_client.patch(f"schedule/views/{view.uuid}", patch)) == {
        ("operatory_uuids",): "wrong_location"
    }


def test_unknown_or_foreign_providers_and_operatories_are_404_naming_the_field(
    location, other_org, admin_client
):
    theirs = ProviderFactory(org=other_org)
    body = {"location_uuid": str(location.uuid), "name": "V", "provider_uuids": [str(theirs.uuid)]}
    response = admin_client.post("schedule/views", body)
    assert response.status_code == 404
    assert [item["loc"] for item in response.json()["errors"]] == [["body", "provider_uuids"]]


@pytest.mark.parametrize("field", ["operatory_uuids", "provider_uuids"])
def test_a_column_listed_twice_is_422(org, location, chairs, admin_client, field):
    same = str(chairs[0].uuid if field == "operatory_uuids" else ProviderFactory(org=org).uuid)
    body = {"location_uuid": str(location.uuid), "name": "V", field: [same, same]}
    assert errors(admin_client.post("schedule/views", body)) == {(field,): "duplicate"}


# --- layouts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "value", "loc", "kind"),
    [
        (
            "card_layout",
            {"lines": [{"fields": ["patient_name"], "colour": 1}]},
            ("lines", 0, "colour"),
            "unknown_field",
        ),
        ("card_layout", {"lines": [], "extra": True}, ("extra",), "unknown_field"),
        ("card_layout", {"lines": "patient_name"}, ("lines",), "not_a_list"),
        ("card_layout", {"lines": []}, ("lines",), "empty"),
        (
            "card_layout",
            {"lines": [{"fields": ["x_ray"]}]},
            ("lines", 0, "fields", 0),
            "invalid_choice",
        ),
        (
            "card_layout",
            {"lines": [{"fields": ["note", "note"]}]},
            ("lines", 0, "fields"),
            "duplicate",
        ),
        (
            "card_layout",
            {"lines": [{"fields": ["note"], "bold": "yes"}]},
            ("lines", 0, "bold"),
            "invalid",
        ),
        (
            "card_layout",
            {"lines": [{"fields": ["note"]}], "separator": 5},
            ("separator",),
            "invalid",
        ),
        ("card_layout", {"lines": [{"fields": ["note"]}] * 13}, ("lines",), "max_length"),
        (
            "bubble_layout",
            {"sections": [{"title": 5, "fields": ["note"]}]},
            ("sections", 0, "title"),
            "invalid",
        ),
        (
            "bubble_layout",
            {"sections": [{"fields": ["note"]}], "delay_ms": "300"},
            ("delay_ms",),
            "invalid",
        ),
        (
            "bubble_layout",
            {"sections": [{"fields": ["note"]}], "delay_ms": 9000},
            ("delay_ms",),
            "max_value",
        ),
        ("bubble_layout", {"sections": [{"fields": []}]}, ("sections", 0, "fields"), "empty"),
        ("color_config", {"color_by": "patient"}, ("color_by",), "invalid_choice"),
        ("color_config", {}, ("color_by",), "required"),
        (
            "color_config",
            {"color_by": "provider", "default_color": "red"},
            ("default_color",),
            "invalid_color",
        ),
        (
            "color_config",
            {"color_by": "provider", "apply_to": "text"},
            ("apply_to",),
            "invalid_choice",
        ),
        (
            "color_config",
            {"color_by": "provider", "overrides": [{"id": 5, "color": "#000000"}]},
            ("overrides", 0, "id"),
            "invalid",
        ),
        (
            "color_config",
            {"color_by": "provider", "overrides": [COLORS["overrides"][0]] * 2},
            ("overrides",),
            "duplicate",
        ),
    ],
)
def test_a_layout_is_checked_key_by_key(location, admin_client, layout, value, loc, kind):
    body = {"location_uuid": str(location.uuid), "name": "V", layout: value}
    assert errors(admin_client.post("schedule/views", body)) == {(layout, *loc): kind}


def _colors_of_size(count: int) -> dict:
    return {
        "color_by": "provider",
        "overrides": [
            {"id": f"00000000-0000-4000-8000-{n:012d}", "color": "#123456"} for n in range(count)
        ],
    }


def test_a_layout_over_16_kb_is_422_and_one_under_it_is_kept(location, admin_client):
    too_big = _colors_of_size(300)
    assert len(json.dumps(too_big)) > MAX_LAYOUT_BYTES
    body = {"location_uuid": str(location.uuid), "name": "V", "color_config": too_big}
    assert errors(admin_client.post("schedule/views", body)) == {("color_config",): "too_large"}
    fits = _colors_of_size(150)
    view = admin_client.post("schedule/views", {**body, "color_config": fits}).json()
    assert len(view["color_config"]["overrides"]) == 150


def test_a_huge_layout_is_refused_before_its_items_are_read(location, admin_client):
    body = {
        "location_uuid": str(location.uuid),
        "name": "V",
        "bubble_layout": {"sections": [{"title": "x" * 20_000, "fields": ["note"]}]},
    }
    assert errors(admin_client.post("schedule/views", body)) == {("bubble_layout",): "too_large"}


def test_templates_are_six_presets_each_valid_as_a_clients_layouts(viewer_client):
    response = viewer_client.get("schedule/views/templates")
    assert response.status_code == 200
    templates = response.json()["templates"]
    assert len(templates) == 6 == len({t["key"] for t in templates})
    assert templates == json.loads(json.dumps(PRESET_TEMPLATES))
    colored_by = {t["color_config"]["color_by"] for t in templates}
    assert colored_by == {
        "provider",
        "appointment_type",
        "confirmation_status",
        "flow_status",
        "operatory",
    }
    for template in PRESET_TEMPLATES:
        for name, serializer_class in (
            ("card_layout", CardLayoutSerializer),
            ("bubble_layout", BubbleLayoutSerializer),
            ("color_config", ColorConfigSerializer),
        ):
            serializer = serializer_class(data=template[name])
            assert serializer.is_valid(), (template["key"], name, serializer.errors)
            assert serializer.validated_data == template[name]  # stored as shown


def test_a_template_applies_by_copying_its_layouts(location, staff_client):
    hygiene = next(t for t in PRESET_TEMPLATES if t["key"] == "hygiene")
    layouts = {k: hygiene[k] for k in ("card_layout", "bubble_layout", "color_config")}
    body = {"location_uuid": str(location.uuid), "name": "Hygiene", **layouts}
    view = staff_client.post("schedule/views", body).json()
    assert {k: view[k] for k in layouts} == json.loads(json.dumps(layouts))


# --- who sees what ---------------------------------------------------------------------------


def test_a_personal_view_is_its_owners_alone(org, location, admin_client, other_admin):
    theirs = owned_by(other_admin, location=location)
    path = f"schedule/views/{theirs.uuid}"
    assert other_admin.get(path).status_code == 200
    assert str(theirs.uuid) in {v["id"] for v in other_admin.get("schedule/views").json()["items"]}
    assert admin_client.get("schedule/views").json()["total"] == 0
    for response in (
        admin_client.get(path),
        admin_client.patch(path, {"base_version": 1, "name": "Mine now"}),
        admin_client.delete(path),
        admin_client.post(f"{path}/set-default"),
        admin_client.post(f"{path}/set-shortcut?shortcut=1"),
    ):
        assert response.status_code == 404, response.json()
    theirs.refresh_from_db()
    assert theirs.name != "Mine now" and not ScheduleViewChoice.objects.exists()


def test_a_shared_view_is_every_members_at_its_location(
    org, location, second_location, admin_client, viewer_client, limited_client
):
    here = ScheduleViewFactory(org=org, location=location)
    there = ScheduleViewFactory(org=org, location=second_location)
    for client in (admin_client, viewer_client):
        assert client.get("schedule/views").json()["total"] == 2
    assert [v["id"] for v in limited_client.get("schedule/views").json()["items"]] == [
        str(here.uuid)
    ]
    assert limited_client.get(f"schedule/views/{there.uuid}").status_code == 404


def test_another_orgs_view_is_404(other_org, admin_client):
    theirs = ScheduleViewFactory(org=other_org)
    assert admin_client.get(f"schedule/views/{theirs.uuid}").status_code == 404
    assert admin_client.post(f"schedule/views/{theirs.uuid}/set-default").status_code == 404


# --- who changes what ------------------------------------------------------------------------


def test_staff_may_not_make_change_or_delete_a_shared_view(org, location, staff_client):
    body = {"location_uuid": str(location.uuid), "name": "V", "visibility": "shared"}
    assert staff_client.post("schedule/views", body).status_code == 403
    shared = ScheduleViewFactory(org=org, location=location)
    path = f"schedule/views/{shared.uuid}"
    patch = staff_client.patch(path, {"base_version": 1, "name": "Renamed"})
    assert patch.status_code == 403 and patch.json()["code"] == "PERMISSION_DENIED"
    assert staff_client.patch(path, {"no_such_field": 1}).status_code == 403  # before the body
    assert staff_client.delete(path).status_code == 403
    assert ScheduleView.objects.get(pk=shared.pk).version == 1
    assert ScheduleView.objects.count() == 1


def test_staff_change_and_delete_their_own_personal_views_but_never_share_them(
    location, staff_client
):
    mine = owned_by(staff_client, location=location)
    path = f"schedule/views/{mine.uuid}"
    renamed = staff_client.patch(path, {"base_version": 1, "name": "Renamed"})
    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    shared = staff_client.patch(path, {"base_version": 2, "visibility": "shared"})
    assert shared.status_code == 403
    assert staff_client.delete(path).status_code == 204


def test_viewers_do_not_make_views_but_choose_their_default_and_shortcuts(
    org, location, viewer_client
):
    body = {"location_uuid": str(location.uuid), "name": "V"}
    assert viewer_client.post("schedule/views", body).status_code == 403
    shared = ScheduleViewFactory(org=org, location=location)
    chosen = viewer_client.post(f"schedule/views/{shared.uuid}/set-default").json()
    assert chosen["is_default"] is True
    chosen = viewer_client.post(f"schedule/views/{shared.uuid}/set-shortcut?shortcut=2").json()
    assert chosen["keyboard_shortcut"] == 2 and chosen["is_default"] is True


def test_an_admin_shares_a_personal_view_and_takes_a_shared_one_personal(
    org, location, admin_client, other_admin, staff_client
):
    mine = owned_by(admin_client, location=location)
    shared = admin_client.patch(
        f"schedule/views/{mine.uuid}", {"base_version": 1, "visibility": "shared"}
    )
    assert shared.json()["visibility"] == "shared"
    assert staff_client.get(f"schedule/views/{mine.uuid}").status_code == 200
    staff_client.post(f"schedule/views/{mine.uuid}/set-shortcut?shortcut=4")
    taken = other_admin.patch(
        f"schedule/views/{mine.uuid}", {"base_version": 2, "visibility": "personal"}
    )
    assert taken.status_code == 200 and taken.json()["visibility"] == "personal"
    assert ScheduleView.objects.get(pk=mine.pk).owner == user_of(other_admin)
    assert admin_client.get(f"schedule/views/{mine.uuid}").status_code == 404
    assert staff_client.get(f"schedule/views/{mine.uuid}").status_code == 404
    assert not ScheduleViewChoice.objects.filter(view=mine).exists()  # the staff's Ctrl+4 went


# --- PATCH and DELETE ----------------------------------------------------------------------


def test_patch_needs_base_version_and_refuses_a_stale_one(location, admin_client):
    view = owned_by(admin_client, location=location)
    path = f"schedule/views/{view.uuid}"
    assert errors(admin_client.patch(path, {"name": "X"})) == {("base_version",): "required"}
    assert admin_client.patch(path, {"base_version": 1, "name": "X"}).status_code == 200
    stale = admin_client.patch(path, {"base_version": 1, "name": "Y"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2


def test_patch_replaces_the_columns_in_their_new_order(location, chairs, admin_client):
    view = owned_by(admin_client, location=location)
    path = f"schedule/views/{view.uuid}"
    order = [str(chairs[1].uuid), str(chairs[0].uuid)]
    patched = admin_client.patch(path, {"base_version": 1, "operatory_uuids": order}).json()
    assert patched["operatory_uuids"] == order and patched["version"] == 2
    same = admin_client.patch(path, {"base_version": 2, "operatory_uuids": order}).json()
    assert same["version"] == 2  # nothing changed, nothing written
    reordered = admin_client.patch(path, {"base_version": 2, "operatory_uuids": order[::-1]})
    assert reordered.json()["operatory_uuids"] == order[::-1]
    cleared = admin_client.patch(path, {"base_version": 3, "operatory_uuids": []}).json()
    assert cleared["operatory_uuids"] == [] and cleared["version"] == 4
    assert not ScheduleViewOperatory.objects.filter(view=view).exists()


def test_patch_changes_a_layout_and_null_leaves_it(location, admin_client):
    view = owned_by(admin_client, location=location, card_layout={"lines": [{"fields": ["note"]}]})
    path = f"schedule/views/{view.uuid}"
    kept = admin_client.patch(path, {"base_version": 1, "card_layout": None, "name": "N"})
    assert kept.json()["card_layout"]["lines"][0]["fields"] == ["note"]
    changed = admin_client.patch(path, {"base_version": 2, "card_layout": CARD}).json()
    assert changed["card_layout"]["lines"][0]["fields"] == ["patient_name", "patient_age"]


def test_delete_is_for_good_and_takes_every_users_choices(
    org, location, admin_client, staff_client
):
    shared = ScheduleViewFactory(org=org, location=location)
    staff_client.post(f"schedule/views/{shared.uuid}/set-default")
    admin_client.post(f"schedule/views/{shared.uuid}/set-shortcut?shortcut=1")
    assert ScheduleViewChoice.objects.count() == 2
    response = admin_client.delete(f"schedule/views/{shared.uuid}")
    assert response.status_code == 204 and response.content == b""
    assert not ScheduleView.objects.exists() and not ScheduleViewChoice.objects.exists()


# --- each user's default and shortcuts ---------------------------------------------------------


def test_default_and_shortcut_are_the_callers_own(org, location, admin_client, staff_client):
    shared = ScheduleViewFactory(org=org, location=location)
    path = f"schedule/views/{shared.uuid}"
    assert admin_client.post(f"{path}/set-default").json()["is_default"] is True
    assert staff_client.post(f"{path}/set-shortcut?shortcut=3").json()["keyboard_shortcut"] == 3
    as_admin, as_staff = admin_client.get(path).json(), staff_client.get(path).json()
    assert (as_admin["is_default"], as_admin["keyboard_shortcut"]) == (True, None)
    assert (as_staff["is_default"], as_staff["keyboard_shortcut"]) == (False, 3)
    listed = staff_client.get("schedule/views").json()["items"][0]
    assert (listed["is_default"], listed["keyboard_shortcut"]) == (False, 3)


def test_set_default_clears_the_users_other_default_at_that_location_only(
    org, location, second_location, admin_client, other_admin
):
    first, second = (ScheduleViewFactory(org=org, location=location) for _ in range(2))
    elsewhere = ScheduleViewFactory(org=org, location=second_location)
    for view in (first, elsewhere):
        admin_client.post(f"schedule/views/{view.uuid}/set-default")
    other_admin.post(f"schedule/views/{first.uuid}/set-default")
    admin_client.post(f"schedule/views/{second.uuid}/set-default")
    mine = ScheduleViewChoice.objects.filter(user=user_of(admin_client), is_default=True)
    assert set(mine.values_list("view", flat=True)) == {second.pk, elsewhere.pk}
    assert admin_client.get(f"schedule/views/{first.uuid}").json()["is_default"] is False
    assert other_admin.get(f"schedule/views/{first.uuid}").json()["is_default"] is True
    again = admin_client.post(f"schedule/views/{second.uuid}/set-default")
    assert again.status_code == 200 and again.json()["is_default"] is True


def test_set_shortcut_moves_the_number_and_replaces_the_views_old_one(
    org, location, second_location, admin_client
):
    first, second = (ScheduleViewFactory(org=org, location=location) for _ in range(2))
    elsewhere = ScheduleViewFactory(org=org, location=second_location)
    for view in (first, elsewhere):
        admin_client.post(f"schedule/views/{view.uuid}/set-shortcut?shortcut=1")
    moved = admin_client.post(f"schedule/views/{second.uuid}/set-shortcut?shortcut=1").json()
    assert moved["keyboard_shortcut"] == 1
    assert admin_client.get(f"schedule/views/{first.uuid}").json()["keyboard_shortcut"] is None
    assert admin_client.get(f"schedule/views/{elsewhere.uuid}").json()["keyboard_shortcut"] == 1
    renumbered = admin_client.post(f"schedule/views/{second.uuid}/set-shortcut?shortcut=9")
    assert renumbered.json()["keyboard_shortcut"] == 9
    numbers = ScheduleViewChoice.objects.filter(location=location)
    assert list(
        numbers.exclude(keyboard_shortcut=None).values_list("keyboard_shortcut", flat=True)
    ) == [9]


@pytest.mark.parametrize(
    "query", ["", "?shortcut=0", "?shortcut=10", "?shortcut=x", "?shortcut=1.5"]
)
def test_shortcut_is_required_and_1_to_9(org, location, admin_client, query):
    shared = ScheduleViewFactory(org=org, location=location)
    response = admin_client.post(f"schedule/views/{shared.uuid}/set-shortcut{query}")
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["query", "shortcut"]]
    assert not ScheduleViewChoice.objects.exists()


# --- concurrency (real threads, each with its own connection) ----------------------------------


def _six_views(org, location, admin: Api) -> tuple[list[ScheduleView], list[Api]]:
    views = [ScheduleViewFactory(org=org, location=location) for _ in range(6)]
    return views, [Api(org, token_of(admin)) for _ in views]  # a client per thread, one user


@pytest.mark.django_db(transaction=True)
def test_concurrent_set_default_leaves_exactly_one_default(org, location, admin_client):
    views, clients = _six_views(org, location, admin_client)

    def call(i: int) -> int:
        return clients[i].post(f"schedule/views/{views[i].uuid}/set-default").status_code

    assert run_concurrently(6, call) == [200] * 6
    defaults = ScheduleViewChoice.objects.filter(user=user_of(admin_client), is_default=True)
    assert defaults.count() == 1
    listed = admin_client.get("schedule/views", {"page_size": 10}).json()["items"]
    assert sum(view["is_default"] for view in listed) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_set_shortcut_gives_the_number_to_exactly_one_view(org, location, admin_client):
    views, clients = _six_views(org, location, admin_client)

    def call(i: int) -> int:
        path = f"schedule/views/{views[i].uuid}/set-shortcut?shortcut=5"
        return clients[i].post(path).status_code

    assert run_concurrently(6, call) == [200] * 6
    numbered = ScheduleViewChoice.objects.filter(user=user_of(admin_client), keyboard_shortcut=5)
    assert numbered.count() == 1


@pytest.mark.django_db(transaction=True)
def test_set_default_racing_a_delete_is_never_a_500(org, location, admin_client):
    """The delete and the choice lock the view in one order: either the default is set
    before the view goes (and goes with it), or the view is already gone (404)."""
    views, clients = _six_views(org, location, admin_client)
    target = views[0]

    def call(i: int) -> int:
        path = f"schedule/views/{target.uuid}"
        if i == 0:
            return clients[i].delete(path).status_code
        return clients[i].post(f"{path}/set-default").status_code

    statuses = run_concurrently(6, call)
    assert statuses[0] == 204 and set(statuses[1:]) <= {200, 404}
    assert not ScheduleViewChoice.objects.filter(view_id=target.pk).exists()


# --- admin ---------------------------------------------------------------------------------


def _admin_url(view: str, *args) -> str:
    return reverse(f"admin:scheduling_scheduleview_{view}", args=args)


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-123456789"))
    return client


def test_admin_lists_shared_views_only_and_opens_their_pages(
    org, location, chairs, superuser_client
):
    shared = ScheduleViewFactory(org=org, location=location, name="Front desk day")
    personal = ScheduleViewFactory(
        org=org, location=location, name="Someone's own", visibility="personal"
    )
    ScheduleViewOperatory.objects.create(org=org, view=shared, operatory=chairs[0])
    page = superuser_client.get(_admin_url("changelist"))
    assert page.status_code == 200
    assert "Front desk day" in page.content.decode() and "Someone" not in page.content.decode()
    assert superuser_client.get(_admin_url("add")).status_code == 200
    assert superuser_client.get(_admin_url("change", shared.pk)).status_code == 200
    assert superuser_client.get(_admin_url("change", personal.pk)).status_code == 302  # not here


def _admin_form(org, location, **fields) -> dict:
    form = {
        "org": org.pk,
        "location": location.pk,
        "name": "Admin view",
        "view_type": "daily",
        "font_size": "md",
        "time_increment": 10,
        "start_time": "07:00",
        "end_time": "19:00",
        "min_operatory_width_px": 0,
        "card_layout": "null",
        "bubble_layout": "null",
        "color_config": "null",
    }
    for prefix in ("operatory_links", "provider_links"):
        form.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    form.update(fields)
    return form


def test_a_view_added_in_the_admin_is_shared_and_its_layouts_checked(
    org, location, superuser_client
):
    bad = _admin_form(org, location, color_config=json.dumps({"color_by": "mood"}))
    response = superuser_client.post(_admin_url("add"), bad)
    assert response.status_code == 200 and "color_by" in str(
        response.context["adminform"].form.errors
    )
    good = _admin_form(org, location, color_config=json.dumps({"color_by": "provider"}))
    assert superuser_client.post(_admin_url("add"), good).status_code == 302
    view = ScheduleView.objects.get(name="Admin view")
    assert view.visibility == ViewVisibility.SHARED and view.owner.username == "root"
    assert view.color_config["default_color"] == "#9E9E9E"  # stored as the API stores it


def test_an_admin_column_must_be_a_chair_of_the_views_location(
    org, location, second_location, chairs, superuser_client
):
    there = OperatoryFactory(org=org, location=second_location)
    columns = {
        "operatory_links-TOTAL_FORMS": 2,
        "operatory_links-0-operatory": chairs[1].pk,
        "operatory_links-0-item_order": 0,
        "operatory_links-1-operatory": there.pk,
        "operatory_links-1-item_order": 1,
    }
    response = superuser_client.post(_admin_url("add"), _admin_form(org, location, **columns))
    assert response.status_code == 200, "expected the form again, with the column refused"
    assert "not at the view" in str(response.context["inline_admin_formsets"][0].formset.errors)
    del columns["operatory_links-1-operatory"], columns["operatory_links-1-item_order"]
    columns["operatory_links-TOTAL_FORMS"] = 1
    assert (
        superuser_client.post(_admin_url("add"), _admin_form(org, location, **columns)).status_code
        == 302
    )
    view = ScheduleView.objects.get()
    assert list(view.operatory_links.values_list("operatory", flat=True)) == [chairs[1].pk]


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_has_a_shared_view_and_the_admins_own(db):
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    data = json.loads(out.getvalue())
    org = Organization.objects.get(uuid=data["org_id"])
    admin_views = Api(org, data["token"]).get("schedule/views").json()["items"]
    assert {(v["name"], v["visibility"]) for v in admin_views} == {
        ("All chairs", "shared"),
        ("My hygiene week", "personal"),
    }
    by_name = {v["name"]: v for v in admin_views}
    assert (
        by_name["My hygiene week"]["is_default"] and by_name["All chairs"]["keyboard_shortcut"] == 1
    )
    assert by_name["All chairs"]["location"]["id"] == data["locations"][0]["id"]
    limited = Api(org, data["limited_token"]).get("schedule/views").json()["items"]
    assert [(v["name"], v["is_default"]) for v in limited] == [("All chairs", False)]
    call_command("seed_demo", "--json", stdout=StringIO())
    assert ScheduleView.objects.filter(org=org).count() == 2
