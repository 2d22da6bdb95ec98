"""The Django admin: complete for superusers, one practice at a time for practice admins."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.models import (
    Appointment,
    AppointmentRule,
    AppointmentType,
    AppointmentTypeLocation,
    AppointmentTypeStatus,
)
from blockouts.models import Blockout, BlockoutType
from recalls.models import RecallType
from scheduling.models import (
    ApiToken,
    Location,
    Membership,
    MembershipLocation,
    Operatory,
    Organization,
    Role,
    User,
)
from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    BlockoutFactory,
    BlockoutTypeFactory,
    DefinitionFactory,
    FlowStatusFactory,
    LocationFactory,
    MembershipFactory,
    OperatoryFactory,
    OrganizationFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProviderFactory,
    UserFactory,
    issue_token,
)
from waitlist.models import WaitlistEntry

TOKEN_RE = re.compile(r"cs_[0-9a-f]{10}_[A-Za-z0-9_-]+")
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
#: Written by the front desk through the API and its services; the admin only shows them.
READ_ONLY = {Appointment, Blockout, WaitlistEntry}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def build_practice(org: Organization, name: str) -> dict:
    """One row of every registered model, inside ``org``; names carry ``name``."""
    location = LocationFactory(org=org, name=f"{name} clinic")
    appointment_type = AppointmentTypeFactory(org=org, name=f"{name} exam")
    AppointmentTypeLocation.objects.create(
        org=org, appointment_type=appointment_type, location=location
    )
    member = UserFactory(username=f"{name.lower()}-member")
    membership = MembershipFactory(org=org, user=member, role=Role.STAFF, locations=[location])
    issue_token(member)
    operatory = OperatoryFactory(org=org, location=location, name=f"{name} op")
    patient = PatientFactory(org=org, first_name=f"{name}patient")
    provider = ProviderFactory(org=org)
    appointment = AppointmentFactory(
        org=org, operatory=operatory, patient=patient, appointment_type=appointment_type
    )
    AppointmentProviderFactory(org=org, appointment=appointment, provider=provider)
    return {
        "location": location,
        "operatory": operatory,
        "patient": patient,
        "provider": provider,
        "appointment": appointment,
        "blockout": BlockoutFactory(org=org, location=location),
        "procedure_code": ProcedureCodeFactory(org=org, code="D0120"),
        "definition": DefinitionFactory(org=org),
        "flow_status": FlowStatusFactory(org=org),
        "appointment_type": appointment_type,
        "blockout_type": BlockoutTypeFactory(org=org),
        "recall_type": RecallType.objects.create(
            org=org,
            name=f"{name} recall",
            appointment_type=appointment_type,
            default_interval={"months": 6},
        ),
        "appointment_rule": AppointmentRule.objects.create(
            org=org, appointment_type_a=appointment_type, appointment_type_b=appointment_type
        ),
        "waitlist_entry": WaitlistEntry.objects.create(org=org, patient=patient, location=location),
        "member": member,
        "membership": membership,
    }


@pytest.fixture
def practice(org):
    return build_practice(org, "Ours")


@pytest.fixture
def other_practice(other_org):
    return build_practice(other_org, "Theirs")


@pytest.fixture
def superuser_client(client, db):
    client.force_login(
        User.objects.create_superuser("root", "root@example.com", "unused-password-123")
    )
    return client


def practice_admin(org: Organization, *more_orgs: Organization) -> User:
    user = UserFactory(is_staff=True)
    for each in (org, *more_orgs):
        MembershipFactory(org=each, user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def practice_admin_client(client, org):
    """A staff user who is an admin member of ``org`` only, with no model permissions."""
    client.force_login(practice_admin(org))
    return client


def form_errors(response) -> dict:
    assert response.status_code == 200, "expected the form again, with errors"
    errors = dict(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        errors.update({"inline": [*formset.formset.errors, *formset.formset.non_form_errors()]})
    return errors


# --- Every registered model works for a superuser ---------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_superuser_opens_changelist_add_and_change_page(superuser_client, model, practice):
    response = superuser_client.get(url(model, "changelist"))
    assert response.status_code == 200
    add = superuser_client.get(url(model, "add")).status_code
    assert add == (403 if model in READ_ONLY else 200)
    row = admin.site._registry[model].get_queryset(response.wsgi_request).first()
    if row is not None:
        assert superuser_client.get(url(model, "change", row.pk)).status_code == 200


def test_every_domain_model_is_registered():
    registered = {model._meta.label for model in admin.site._registry}
    assert {
        "scheduling.Organization",
        "scheduling.User",
        "scheduling.Membership",
        "scheduling.ApiToken",
        "scheduling.Location",
        "scheduling.Operatory",
        "scheduling.Provider",
        "scheduling.Patient",
        "scheduling.ProcedureCode",
        "scheduling.Definition",
        "scheduling.FlowStatus",
        "appointments.AppointmentType",
        "appointments.AppointmentRule",
        "blockouts.BlockoutType",
        "recalls.RecallType",
        "appointments.Appointment",
        "blockouts.Blockout",
        "waitlist.WaitlistEntry",
    } <= registered


# --- As a practice says it --------------------------------------------------------------


def test_the_site_is_called_chairside(practice_admin_client):
    content = practice_admin_client.get(reverse("admin:index")).content.decode()
    assert "<title>Chairside administration | Chairside</title>" in content
    assert '<div id="site-name"><a href="/admin/">Chairside</a></div>' in content
    assert "View site" not in content  # nothing is served at /


@pytest.mark.parametrize(
    ("label", "singular", "plural"),
    [
        ("scheduling.ApiToken", "API token", "API tokens"),
        ("scheduling.Membership", "team member", "team members"),
        ("scheduling.FlowStatus", "patient flow status", "patient flow statuses"),
        ("scheduling.Operatory", "operatory", "operatories"),
        ("blockouts.BlockoutTemplate", "block schedule template", "block schedule templates"),
    ],
)
def test_models_are_named_as_a_practice_says_them(label, singular, plural):
    from django.apps import apps

    opts = apps.get_model(label)._meta
    assert (opts.verbose_name, opts.verbose_name_plural) == (singular, plural)


def test_index_lists_the_practice_names(practice_admin_client):
    content = practice_admin_client.get(reverse("admin:index")).content.decode()
    for name in ("API tokens", "Team members", "Patient flow statuses", "Operatories"):
        assert f">{name}</a>" in content


def test_colours_show_as_swatches_with_their_hex(practice_admin_client, org):
    ProviderFactory(org=org, last_name="Patel", color="#1E88E5")
    content = practice_admin_client.get(url(ProviderFactory._meta.model, "changelist")).content
    assert re.search(r'background:#1E88E5"></span>#1E88E5', content.decode())


def test_swatch_escapes_and_keeps_bad_colours_out_of_the_style():
    from scheduling.admin_base import color_swatch

    html = str(color_swatch("#00ACC1", "<b>New</b> & exam"))
    assert "background:#00ACC1" in html
    assert "&lt;b&gt;New&lt;/b&gt; &amp; exam" in html and "<b>" not in html
    # An unvalidated value (Appointment.color_override) never reaches the style attribute;
    # it comes back as plain text, which the admin escapes.
    hostile = 'red;background:url("x")"><script>'
    assert color_swatch(hostile) == hostile
    assert "style" not in str(color_swatch(hostile, "Prophy"))
    assert color_swatch("") is None


@pytest.mark.parametrize(
    ("orgs", "shown"), [(1, False), (2, True), (None, True)], ids=["one", "two", "superuser"]
)
def test_only_lists_of_one_practice_leave_out_the_org_column(
    client, org, other_org, practice, other_practice, orgs, shown
):
    if orgs is None:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    else:
        client.force_login(practice_admin(*[org, other_org][:orgs]))
    response = client.get(url(Location, "changelist"))
    headers = [str(header["text"]) for header in response.context["result_headers"]]
    assert ("org" in headers) is shown
    assert ("org" in [spec.title for spec in response.context["cl"].filter_specs]) is shown


def test_token_times_are_in_the_practices_zone(practice_admin_client, practice):
    from datetime import UTC, datetime

    token = ApiToken.objects.get(user=practice["member"])
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=datetime(2030, 3, 4, 15, 0, tzinfo=UTC)
    )
    content = practice_admin_client.get(url(ApiToken, "changelist")).content.decode()
    assert "Mon 4 Mar 2030 09:00 CST" in content  # Ours clinic is in Chicago


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_changelist_queries_do_not_grow_with_rows(superuser_client, model, practice):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert superuser_client.get(url(model, "changelist")).status_code == 200
        return len(queries)

    few = count_queries()
    for number in range(3):
        build_practice(OrganizationFactory(), f"More{number}")
    assert count_queries() == few


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_practice_admin_opens_every_practice_model(practice_admin_client, model, practice):
    changelist = practice_admin_client.get(url(model, "changelist")).status_code
    add = practice_admin_client.get(url(model, "add")).status_code
    if model is Group:  # Django's own admin, still on model permissions
        assert (changelist, add) == (403, 403)
    elif model is Organization or model in READ_ONLY:
        assert (changelist, add) == (200, 403)
    else:
        assert (changelist, add) == (200, 200)


# --- A practice admin sees their practice only ------------------------------------------


@pytest.mark.parametrize("key", ["location", "patient"])
def test_practice_admin_lists_only_their_org(practice_admin_client, practice, other_practice, key):
    response = practice_admin_client.get(url(type(practice[key]), "changelist"))
    assert response.status_code == 200
    assert str(practice[key]) in response.content.decode()
    assert str(other_practice[key]) not in response.content.decode()


def test_practice_admin_cannot_open_or_change_another_orgs_row(
    practice_admin_client, other_practice
):
    location = other_practice["location"]
    response = practice_admin_client.get(url(Location, "change", location.pk))
    assert response.status_code in (302, 403, 404)
    assert str(location) not in response.content.decode()

    response = practice_admin_client.post(
        url(Location, "change", location.pk),
        {"name": "Hijacked", "timezone": "UTC", "is_active": "on"},
    )
    assert response.status_code in (302, 403, 404)
    location.refresh_from_db()
    assert location.name == "Theirs clinic"


def test_practice_admin_org_dropdown_offers_only_their_orgs(practice_admin_client, org, other_org):
    content = practice_admin_client.get(url(Location, "add")).content.decode()
    assert f'<option value="{org.pk}"' in content
    assert f'<option value="{other_org.pk}"' not in content


def test_practice_admin_other_choices_are_limited_to_their_orgs(
    practice_admin_client, practice, other_practice
):
    content = practice_admin_client.get(url(RecallType, "add")).content.decode()
    assert f'<option value="{practice["appointment_type"].pk}"' in content
    assert f'<option value="{other_practice["appointment_type"].pk}"' not in content


def test_autocomplete_offers_only_their_locations(practice_admin_client, practice, other_practice):
    response = practice_admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "scheduling",
            "model_name": "operatory",
            "field_name": "location",
            "term": "clinic",
        },
    )
    assert response.status_code == 200
    offered = {result["text"] for result in response.json()["results"]}
    assert offered == {str(practice["location"])}


def test_practice_admin_cannot_pick_another_orgs_location(
    practice_admin_client, org, other_practice
):
    response = practice_admin_client.post(
        url(Operatory, "add"),
        {
            "org": org.pk,
            "location": other_practice["location"].pk,
            "name": "Sneaky",
            "item_order": 0,
            "is_active": "on",
        },
    )
    assert "location" in form_errors(response)
    assert not Operatory.objects.filter(name="Sneaky").exists()


def test_practice_admin_adds_a_row_in_their_org(practice_admin_client, org):
    response = practice_admin_client.post(
        url(Location, "add"),
        {
            "org": org.pk,
            "name": "Evanston",
            "timezone": "America/Chicago",
            "is_active": "on",
            "operatories-TOTAL_FORMS": 1,
            "operatories-INITIAL_FORMS": 0,
            "operatories-0-name": "Op 1",
            "operatories-0-item_order": 0,
            "operatories-0-is_active": "on",
        },
    )
    assert response.status_code == 302
    location = Location.objects.get(name="Evanston")
    assert location.org == org
    assert list(location.operatories.values_list("org_id", "name")) == [(org.pk, "Op 1")]


def test_practice_admin_cannot_add_or_delete_organizations(practice_admin_client, org):
    assert practice_admin_client.get(url(Organization, "add")).status_code == 403
    assert practice_admin_client.post(url(Organization, "delete", org.pk)).status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()
    assert practice_admin_client.get(url(Organization, "change", org.pk)).status_code == 200


def test_practice_admin_sees_only_their_organizations(practice_admin_client, org, other_org):
    content = practice_admin_client.get(url(Organization, "changelist")).content.decode()
    assert org.name in content
    assert other_org.name not in content


def test_staff_user_without_admin_membership_sees_nothing(client, org, practice):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.STAFF)
    client.force_login(user)
    assert client.get(url(Location, "changelist")).status_code == 403
    assert client.get(url(Location, "change", practice["location"].pk)).status_code in (
        302,
        403,
    )
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert not index.context["app_list"]


def test_practice_admin_sees_their_members_only(practice_admin_client, practice, other_practice):
    content = practice_admin_client.get(url(User, "changelist")).content.decode()
    assert practice["member"].username in content
    assert other_practice["member"].username not in content


def test_practice_admin_cannot_make_a_superuser(practice_admin_client, practice):
    member = practice["member"]
    response = practice_admin_client.post(
        url(User, "change", member.pk),
        {
            "username": member.username,
            "first_name": "Dana",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 1,
            "memberships-0-id": practice["membership"].pk,
            "memberships-0-user": member.pk,
            "memberships-0-org": practice["membership"].org_id,
            "memberships-0-role": "staff",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.first_name, member.is_staff, member.is_superuser) == ("Dana", True, False)


def test_practice_admin_adds_a_user_into_their_org(practice_admin_client, org):
    response = practice_admin_client.post(
        url(User, "add"),
        {
            "username": "newhire",
            "usable_password": "false",
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 0,
            "memberships-MIN_NUM_FORMS": 1,
            "memberships-0-org": org.pk,
            "memberships-0-role": "staff",
            "memberships-0-all_locations": "on",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user__username="newhire", org=org, role="staff").exists()


# --- No form links two orgs -------------------------------------------------------------


def test_operatory_cannot_be_saved_at_another_orgs_location(superuser_client, org, other_practice):
    response = superuser_client.post(
        url(Operatory, "add"),
        {
            "org": org.pk,
            "location": other_practice["location"].pk,
            "name": "Crossed",
            "item_order": 0,
            "is_active": "on",
        },
    )
    assert "location" in form_errors(response)
    assert not Operatory.objects.filter(name="Crossed").exists()


def test_admin_of_two_orgs_cannot_cross_them(client, org, other_org, practice, other_practice):
    client.force_login(practice_admin(org, other_org))
    recall_type = practice["recall_type"]
    response = client.post(
        url(RecallType, "change", recall_type.pk),
        {
            "name": recall_type.name,
            "appointment_type": other_practice["appointment_type"].pk,
            "default_interval": '{"months": 6}',
            "item_order": 0,
            "is_active": "on",
            "base_version": recall_type.version,
        },
    )
    assert "appointment_type" in form_errors(response)
    recall_type.refresh_from_db()
    assert recall_type.appointment_type == practice["appointment_type"]


def test_inline_cannot_link_another_orgs_location(superuser_client, practice, other_practice):
    membership = practice["membership"]
    response = superuser_client.post(
        url(Membership, "change", membership.pk),
        {
            "user": membership.user.pk,
            "role": "staff",
            "membershiplocation_set-TOTAL_FORMS": 1,
            "membershiplocation_set-INITIAL_FORMS": 0,
            "membershiplocation_set-0-location": other_practice["location"].pk,
        },
    )
    assert form_errors(response)["inline"]
    assert not MembershipLocation.objects.filter(
        membership=membership, location=other_practice["location"]
    ).exists()


# --- Versioned writes -------------------------------------------------------------------


def test_admin_edit_bumps_version_and_refuses_a_stale_form(superuser_client, practice):
    location, operatory = practice["location"], practice["operatory"]
    data = {
        "name": "Renamed",
        "timezone": location.timezone,
        "is_active": "on",
        "base_version": location.version,
        "operatories-TOTAL_FORMS": 1,
        "operatories-INITIAL_FORMS": 1,
        "operatories-0-id": operatory.pk,
        "operatories-0-location": location.pk,
        "operatories-0-name": "Chair 9",
        "operatories-0-item_order": 0,
        "operatories-0-is_active": "on",
    }
    assert superuser_client.post(url(Location, "change", location.pk), data).status_code == 302
    location.refresh_from_db()
    operatory.refresh_from_db()
    assert (location.name, location.version) == ("Renamed", 2)
    assert (operatory.name, operatory.version) == ("Chair 9", 2)

    stale = {**data, "name": "Overwritten"}
    assert superuser_client.post(url(Location, "change", location.pk), stale).status_code == 200
    location.refresh_from_db()
    assert (location.name, location.version) == ("Renamed", 2)


# --- Appointment types ------------------------------------------------------------------


def test_archive_action_archives_through_the_service(practice_admin_client, practice):
    appointment_type = practice["appointment_type"]
    response = practice_admin_client.post(
        url(AppointmentType, "changelist"),
        {"action": "archive_selected", "_selected_action": [appointment_type.pk]},
    )
    assert response.status_code == 302
    appointment_type.refresh_from_db()
    assert appointment_type.status == AppointmentTypeStatus.ARCHIVED
    assert appointment_type.deleted_at is not None
    assert appointment_type.version == 2


def test_archive_action_ignores_another_orgs_types(practice_admin_client, other_practice):
    appointment_type = other_practice["appointment_type"]
    practice_admin_client.post(
        url(AppointmentType, "changelist"),
        {"action": "archive_selected", "_selected_action": [appointment_type.pk]},
    )
    appointment_type.refresh_from_db()
    assert appointment_type.status == AppointmentTypeStatus.ACTIVE


def test_appointment_type_added_in_admin_with_locations(practice_admin_client, org, practice):
    response = practice_admin_client.post(
        url(AppointmentType, "add"),
        {
            "org": org.pk,
            "name": "Crown prep",
            "duration_minutes": 90,
            "item_order": 0,
            "appointmenttypelocation_set-TOTAL_FORMS": 1,
            "appointmenttypelocation_set-INITIAL_FORMS": 0,
            "appointmenttypelocation_set-0-location": practice["location"].pk,
        },
    )
    assert response.status_code == 302
    created = AppointmentType.objects.get(org=org, name="Crown prep")
    assert list(created.locations.all()) == [practice["location"]]


def test_duplicate_active_appointment_type_name_is_a_form_error(
    practice_admin_client, org, practice
):
    response = practice_admin_client.post(
        url(AppointmentType, "add"),
        {
            "org": org.pk,
            "name": practice["appointment_type"].name.upper(),
            "duration_minutes": 30,
            "item_order": 0,
            "appointmenttypelocation_set-TOTAL_FORMS": 0,
            "appointmenttypelocation_set-INITIAL_FORMS": 0,
        },
    )
    assert form_errors(response)
    assert AppointmentType.objects.filter(org=org).count() == 1


def test_other_models_of_the_org_are_listed(practice_admin_client, practice, other_practice):
    for model, key in [(BlockoutType, "blockout_type"), (RecallType, "recall_type")]:
        content = practice_admin_client.get(url(model, "changelist")).content.decode()
        assert str(practice[key]) in content
        assert str(other_practice[key]) not in content


# --- API tokens -------------------------------------------------------------------------


def api_get_locations(org: Organization, token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(f"/api/v1/{org.uuid}/locations")


def add_token(client, user, name="front desk tablet"):
    response = client.post(url(ApiToken, "add"), {"user": user.pk, "name": name}, follow=True)
    assert response.status_code == 200
    return response


def test_added_token_is_shown_once_and_stored_as_digest(practice_admin_client, org, practice):
    response = add_token(practice_admin_client, practice["member"])
    tokens = TOKEN_RE.findall(response.content.decode())
    assert len(tokens) == 1
    clear = tokens[0]

    row = ApiToken.objects.get(user=practice["member"], name="front desk tablet")
    stored = [str(getattr(row, field.attname)) for field in ApiToken._meta.concrete_fields]
    assert clear not in " ".join(stored)
    assert row.digest == ApiToken.hash(clear)

    assert api_get_locations(org, clear).status_code == 200
    for page in (url(ApiToken, "changelist"), url(ApiToken, "change", row.pk)):
        assert clear not in practice_admin_client.get(page).content.decode()


def test_revoke_action_makes_the_token_fail(practice_admin_client, org, practice):
    response = add_token(practice_admin_client, practice["member"])
    clear = TOKEN_RE.findall(response.content.decode())[0]
    row = ApiToken.objects.get(prefix=ApiToken.parse_prefix(clear))
    response = practice_admin_client.post(
        url(ApiToken, "changelist"),
        {"action": "revoke_tokens", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    assert api_get_locations(org, clear).status_code == 401


def test_token_is_not_editable_after_issue(superuser_client, practice):
    row, _ = ApiToken.issue(user=practice["member"], name="original")
    other_user = UserFactory()
    response = superuser_client.post(
        url(ApiToken, "change", row.pk),
        {"user": other_user.pk, "name": "renamed", "revoked_at_0": "", "revoked_at_1": ""},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.user, row.name, row.revoked_at) == (practice["member"], "original", None)


def test_practice_admin_cannot_issue_a_token_for_a_member_of_another_org(
    practice_admin_client, org, other_org, practice
):
    shared = practice["member"]
    MembershipFactory(org=other_org, user=shared, role=Role.ADMIN)
    response = practice_admin_client.post(url(ApiToken, "add"), {"user": shared.pk, "name": "x"})
    assert "user" in form_errors(response)
    assert not ApiToken.objects.filter(user=shared, name="x").exists()


def test_practice_admin_sees_tokens_of_their_members_only(
    practice_admin_client, practice, other_practice
):
    content = practice_admin_client.get(url(ApiToken, "changelist")).content.decode()
    ours = ApiToken.objects.get(user=practice["member"])
    theirs = ApiToken.objects.get(user=other_practice["member"])
    assert ours.prefix in content
    assert theirs.prefix not in content


def test_an_edit_that_loses_a_version_race_is_reported_not_a_500(db, client):
    """Another save lands between the form check and the write: nothing is saved."""
    from unittest import mock

    from scheduling.models import Location
    from scheduling.services import versioned_update as real_update
    from tests.factories import LocationFactory, OrganizationFactory, UserFactory

    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    location = LocationFactory(org=OrganizationFactory(), name="Before")

    def racing_update(instance, **kwargs):
        Location.objects.filter(pk=instance.pk).update(version=5)  # someone else saved
        return real_update(instance, **kwargs)

    url = f"/admin/scheduling/location/{location.pk}/change/"
    form = {
        "name": "After",
        "timezone": "America/Chicago",
        "address": "",
        "phone": "",
        "is_active": "on",
        "external_id": "",
        "base_version": "1",
        "operatories-TOTAL_FORMS": "0",
        "operatories-INITIAL_FORMS": "0",
    }
    with mock.patch("scheduling.admin_base.admins.versioned_update", racing_update):
        response = client.post(url, form, follow=True)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    location.refresh_from_db()
    assert location.name == "Before"


@pytest.mark.parametrize(
    "model_path",
    [
        "scheduling.models.MembershipLocation",
        "appointments.models.AppointmentTypeLocation",
    ],
)
def test_through_rows_may_not_link_two_orgs(db, model_path):
    import importlib

    from django.core.exceptions import ValidationError

    from tests.factories import (
        AppointmentTypeFactory,
        LocationFactory,
        MembershipFactory,
        OrganizationFactory,
    )

    module, name = model_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), name)
    org, other = OrganizationFactory(), OrganizationFactory()
    theirs = LocationFactory(org=other)
    parent = (
        {"membership": MembershipFactory(org=org)}
        if name == "MembershipLocation"
        else {"appointment_type": AppointmentTypeFactory(org=org)}
    )
    with pytest.raises(ValidationError) as caught:
        model(org=org, location=theirs, **parent).full_clean()
    assert "location" in caught.value.message_dict


def test_recall_type_may_not_use_another_orgs_appointment_type(db):
    from django.core.exceptions import ValidationError

    from recalls.models import RecallType
    from tests.factories import AppointmentTypeFactory, OrganizationFactory

    org = OrganizationFactory()
    theirs = AppointmentTypeFactory(org=OrganizationFactory())
    recall_type = RecallType(
        org=org, name="Prophy", appointment_type=theirs, default_interval={"months": 6}
    )
    with pytest.raises(ValidationError) as caught:
        recall_type.full_clean()
    assert "appointment_type" in caught.value.message_dict
