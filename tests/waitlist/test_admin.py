"""The admin's ASAP list: entries to look up with their contact log (read-only but for
taking entries off the list), scoped like the API; priorities under Definitions."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import Definition, DefinitionCategory, Role
from tests.factories import (
    DefinitionFactory,
    LocationFactory,
    MembershipFactory,
    PatientFactory,
    UserFactory,
    WaitlistEntryFactory,
)
from waitlist.models import WaitlistEntry
from waitlist.outreach import entry_contact, entry_response

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:waitlist_waitlistentry_changelist"
DEFINITIONS = "admin:scheduling_definition_changelist"


def change_url(entry) -> str:
    return reverse("admin:waitlist_waitlistentry_change", args=[entry.pk])


def admin_user(org, locations=None):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.ADMIN, locations=locations)
    return user


@pytest.fixture
def practice_admin_client(client, org):
    client.force_login(admin_user(org))
    return client


@pytest.fixture
def high(org):
    return DefinitionFactory(
        org=org, category=DefinitionCategory.WAITLIST_PRIORITY, name="High", color="#E53935"
    )


@pytest.fixture
def waitlist(org, other_org, location, second_location, high):
    """Ada waits urgently at Chicago, Bob at New York reaching any location, Cy was taken
    off the list; Theo is another practice's patient."""
    ada = PatientFactory(org=org, first_name="Ada", last_name="Lovelace", chart_number="C100")
    bob = PatientFactory(org=org, first_name="Bob", last_name="Marley", chart_number="C200")
    cy = PatientFactory(org=org, first_name="Cy", last_name="Young")
    theo = PatientFactory(org=other_org, first_name="Theo", last_name="Theirs")
    return {
        "ada": WaitlistEntryFactory(
            org=org, patient=ada, location=location, urgency="urgent", priority=high
        ),
        "bob": WaitlistEntryFactory(
            org=org, patient=bob, location=second_location, reach="any", source="online"
        ),
        "cy": WaitlistEntryFactory(org=org, patient=cy, location=location, status="removed"),
        "theirs": WaitlistEntryFactory(
            org=other_org,
            patient=theo,
            location=LocationFactory(org=other_org, name="Their clinic"),
            urgency="urgent",
        ),
    }


def listed(client, **params) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {entry.pk for entry in response.context["cl"].result_list}


def pks(waitlist, *keys) -> set[int]:
    return {waitlist[key].pk for key in keys}


# --- The list ---------------------------------------------------------------------------


def test_the_list_names_things_as_a_practice_does(practice_admin_client, waitlist):
    content = practice_admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "Ada Lovelace (C100)" in content and "Bob Marley (C200)" in content
    assert "Any location" in content and "Home location only" in content
    assert ">Urgent<" in content and ">High<" in content
    assert "ASAP list" in content
    assert "Theo" not in content  # another practice's patient
    # One practice: no org column and no org filter.
    assert "column-org" not in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"ada", "bob", "cy"}),
        ({"status__exact": "removed"}, {"cy"}),
        ({"urgency__exact": "urgent"}, {"ada"}),
        ({"location__id__exact": "@second_location"}, {"bob"}),
        ({"reach__exact": "any"}, {"bob"}),
        ({"priority__id__exact": "@high"}, {"ada"}),
        ({"source__exact": "online"}, {"bob"}),
    ],
)
def test_filters(practice_admin_client, waitlist, second_location, high, params, expected):
    objects = {"second_location": second_location, "high": high}
    query = {
        name: str(objects[value[1:]].pk) if value.startswith("@") else value
        for name, value in params.items()
    }
    assert listed(practice_admin_client, **query) == pks(waitlist, *expected)


def test_filters_offer_only_the_practices_locations(practice_admin_client, waitlist):
    response = practice_admin_client.get(reverse(CHANGELIST))
    offered = {
        str(choice["display"])
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
    }
    assert {"Chicago", "New York", "High"} <= offered
    assert "Their clinic" not in offered


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Lovelace", {"ada"}),
        ("bob", {"bob"}),
        ("C200", {"bob"}),
        ("C20", set()),  # a chart number matches exactly, as in the API
        ("Theo", set()),  # another practice's patient
    ],
)
def test_search_by_patient_name_or_chart_number(practice_admin_client, waitlist, q, expected):
    assert listed(practice_admin_client, q=q) == pks(waitlist, *expected)


def test_list_queries_do_not_grow_with_entries(practice_admin_client, org, location, high):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert practice_admin_client.get(reverse(CHANGELIST)).status_code == 200
        return len(queries)

    WaitlistEntryFactory(org=org, location=location, priority=high)
    few = count()
    for _ in range(5):
        WaitlistEntryFactory(org=org, location=location, priority=high)
    assert count() == few


# --- One entry --------------------------------------------------------------------------


def test_the_entry_page_shows_the_entry_and_its_contact_log_read_only(
    practice_admin_client, waitlist, location
):
    entry = waitlist["ada"]
    entry.preferred_days = [0, 2]
    entry.preferred_time_start, entry.preferred_time_end = time(8), time(12)
    entry.save()
    staff = UserFactory(username="front-desk-fran")
    entry_contact(
        entry=entry,
        actor=staff,
        contact_method="phone",
        slot_date=date(2033, 3, 7),
        slot_start_time=time(9, 30),
        slot_location=location,
    )
    entry_response(entry=entry, actor=staff, patient_response="declined")
    entry_contact(
        entry=entry,
        actor=staff,
        contact_method="sms",
        slot_date=date(2033, 3, 8),
        slot_start_time=time(14),
        slot_location=location,
    )

    response = practice_admin_client.get(change_url(entry))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ada Lovelace, Chicago" in content  # the page's title
    assert "Ada Lovelace (C100)" in content
    assert "Mon, Wed" in content and "08:00–12:00" in content
    assert "Tue 8 Mar 2033 14:00 at Chicago" in content  # the last slot offered
    assert "contact log (newest first)" in content.lower()
    # Newest first: the SMS offer, the answer, the phone call.
    sms, declined, phone = (content.index(text) for text in ("SMS", "Declined", "Phone"))
    assert sms < declined < phone
    assert "front-desk-fran" in content
    # Score: urgent 100 + High (item_order 0) 50 + 0 days + no treatment value.
    assert "150 (waiting 0 day(s))" in content
    assert 'name="_save"' not in content and "<textarea" not in content


def test_nobody_adds_or_changes_entries_here(practice_admin_client, waitlist):
    entry = waitlist["ada"]
    assert practice_admin_client.get(reverse("admin:waitlist_waitlistentry_add")).status_code == 403
    assert practice_admin_client.post(change_url(entry), {"urgency": "flexible"}).status_code == 403
    delete = reverse("admin:waitlist_waitlistentry_delete", args=[entry.pk])
    assert practice_admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert (entry.urgency, entry.version, entry.status) == ("urgent", 1, "waiting")


def test_remove_action_takes_entries_off_the_list_through_the_service(
    practice_admin_client, waitlist
):
    selected = [waitlist[key].pk for key in ("ada", "cy", "theirs")]
    response = practice_admin_client.post(
        reverse(CHANGELIST), {"action": "remove_selected", "_selected_action": selected}
    )
    assert response.status_code == 302
    statuses = dict(WaitlistEntry.objects.values_list("pk", "status"))
    assert statuses[waitlist["ada"].pk] == "removed"
    assert statuses[waitlist["bob"].pk] == "waiting"  # not selected
    assert statuses[waitlist["theirs"].pk] == "waiting"  # another practice's: untouched
    assert WaitlistEntry.objects.get(pk=waitlist["ada"].pk).version == 2
    assert WaitlistEntry.objects.get(pk=waitlist["cy"].pk).version == 1  # already removed


# --- Who sees what ----------------------------------------------------------------------


def test_another_practices_entries_are_never_listed_nor_opened(practice_admin_client, waitlist):
    theirs = waitlist["theirs"]
    assert theirs.pk not in listed(practice_admin_client)
    assert theirs.pk not in listed(practice_admin_client, q="Theirs")
    assert theirs.pk not in listed(practice_admin_client, urgency__exact="urgent")
    response = practice_admin_client.get(change_url(theirs))
    assert response.status_code == 302  # "doesn't exist", back to the index
    assert "Theirs" not in response.content.decode()


def test_an_admin_limited_to_a_location_sees_its_entries_only(client, org, location, waitlist):
    client.force_login(admin_user(org, locations=[location]))
    # Bob's entry reaches any location, but his home location (New York) decides who sees it.
    assert listed(client, status__exact="waiting") == pks(waitlist, "ada")
    assert client.get(change_url(waitlist["bob"])).status_code == 302


def test_staff_without_an_admin_membership_see_nothing(client, org, waitlist):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.STAFF)
    client.force_login(user)
    assert client.get(reverse(CHANGELIST)).status_code == 403


# --- Priorities (WaitlistPriority definitions) ------------------------------------------


def test_priorities_are_definitions_found_by_their_category(practice_admin_client, org, high):
    DefinitionFactory(org=org, category=DefinitionCategory.CANCEL_REASON, name="Illness")
    response = practice_admin_client.get(
        reverse(DEFINITIONS), {"category__exact": DefinitionCategory.WAITLIST_PRIORITY}
    )
    assert response.status_code == 200
    assert [d.name for d in response.context["cl"].result_list] == ["High"]
    assert "Waitlist priority" in response.content.decode()  # the filter's choice


def test_an_administrator_adds_and_edits_a_priority(practice_admin_client, org, high):
    add = practice_admin_client.post(
        reverse("admin:scheduling_definition_add"),
        {
            "org": org.pk,
            "category": DefinitionCategory.WAITLIST_PRIORITY,
            "name": "Low",
            "color": "",
            "item_order": 2,
        },
    )
    assert add.status_code == 302, add.context["adminform"].form.errors
    assert Definition.objects.filter(
        org=org, category=DefinitionCategory.WAITLIST_PRIORITY, name="Low"
    ).exists()
    change = practice_admin_client.post(
        reverse("admin:scheduling_definition_change", args=[high.pk]),
        {
            "category": DefinitionCategory.WAITLIST_PRIORITY,
            "name": "Highest",
            "color": "#E53935",
            "item_order": 0,
            "base_version": high.version,
        },
    )
    assert change.status_code == 302, change.context["adminform"].form.errors
    high.refresh_from_db()
    assert (high.name, high.version) == ("Highest", 2)
