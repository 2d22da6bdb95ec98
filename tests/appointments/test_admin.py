"""The admin's appointment pages: a practice administrator looks a day up, read-only."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.factories import (
    AppointmentFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    LocationFactory,
    MembershipFactory,
    OperatoryFactory,
    PatientFactory,
    ProviderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = date(2030, 3, 4)  # a Monday, far from DST changes
CHANGELIST = "admin:appointments_appointment_changelist"


def book(org, operatory, patient, day, start, minutes=60, providers=(), **fields):
    tz_name = operatory.location.timezone
    start_at = to_utc(day, start, tz_name)
    appointment = AppointmentFactory(
        org=org,
        operatory=operatory,
        patient=patient,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=minutes),
        **fields,
    )
    for order, provider in enumerate(providers):
        AppointmentProviderFactory(
            org=org, appointment=appointment, provider=provider, item_order=order
        )
    return appointment


@pytest.fixture
def schedule(org, location, second_location, other_org):
    """Chicago (Op 1, Op 2) and New York (its own "Op 1"), two patients, two providers."""
    op1 = OperatoryFactory(org=org, location=location, name="Op 1", item_order=1)
    op2 = OperatoryFactory(org=org, location=location, name="Op 2", item_order=2)
    ny_op1 = OperatoryFactory(org=org, location=second_location, name="Op 1")
    ada = PatientFactory(org=org, first_name="Ada", last_name="Lovelace", chart_number="C100")
    bob = PatientFactory(org=org, first_name="Bob", last_name="Marley", chart_number="C200")
    hopper = ProviderFactory(org=org, first_name="Grace", last_name="Hopper", suffix="DDS")
    knuth = ProviderFactory(org=org, first_name="Donald", last_name="Knuth")
    exam = AppointmentTypeFactory(org=org, name="Exam", color="#00ACC1")
    theirs_location = LocationFactory(org=other_org, name="Their clinic")
    return {
        "morning": book(org, op1, ada, DAY, time(9), providers=[hopper], appointment_type=exam),
        # 19:00 in Chicago is 01:00 UTC on the 5th: still the 4th at the location.
        "evening": book(org, op2, bob, DAY, time(19), 30, providers=[knuth, hopper]),
        "new_york": book(org, ny_op1, ada, DAY, time(9), providers=[knuth], status="complete"),
        "next_day": book(org, op1, bob, DAY + timedelta(days=1), time(8), status="cancelled"),
        "theirs": book(
            other_org,
            OperatoryFactory(org=other_org, location=theirs_location),
            PatientFactory(org=other_org, first_name="Theo", last_name="Theirs"),
            DAY,
            time(9),
        ),
        "op1": op1,
        "op2": op2,
        "ny_op1": ny_op1,
        "hopper": hopper,
        "knuth": knuth,
    }


def admin_user(org, locations=None):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.ADMIN, locations=locations)
    return user


@pytest.fixture
def practice_admin_client(client, org):
    client.force_login(admin_user(org))
    return client


def listed(client, **params) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {appointment.pk for appointment in response.context["cl"].result_list}


def pks(schedule, *keys) -> set[int]:
    return {schedule[key].pk for key in keys}


# --- Looking a day up -------------------------------------------------------------------


def test_a_day_is_the_local_day_at_each_appointments_location(practice_admin_client, schedule):
    assert listed(practice_admin_client, day="2030-03-04") == pks(
        schedule, "morning", "evening", "new_york"
    )
    assert listed(practice_admin_client, day="2030-03-05") == pks(schedule, "next_day")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"morning", "evening", "new_york", "next_day"}),
        ({"location__id__exact": "@second_location"}, {"new_york"}),
        ({"operatory__id__exact": "@op2"}, {"evening"}),
        ({"operatory__id__exact": "@ny_op1"}, {"new_york"}),
        ({"provider": "@hopper"}, {"morning", "evening"}),  # second provider counts too
        ({"provider": "@knuth", "day": "2030-03-04"}, {"evening", "new_york"}),
        ({"status__exact": "complete"}, {"new_york"}),
        ({"status__exact": "cancelled", "location__id__exact": "@location"}, {"next_day"}),
    ],
)
def test_filters(practice_admin_client, schedule, location, second_location, params, expected):
    objects = {**schedule, "location": location, "second_location": second_location}
    query = {
        name: str(objects[value[1:]].pk) if value.startswith("@") else value
        for name, value in params.items()
    }
    assert listed(practice_admin_client, **query) == pks(schedule, *expected)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Lovelace", {"morning", "new_york"}),
        ("ada", {"morning", "new_york"}),
        ("C200", {"evening", "next_day"}),
        ("C20", set()),  # a chart number matches exactly, as in the API
        ("2030-03-05", {"next_day"}),
        ("3/4/2030 marley", {"evening"}),
        ("Theo", set()),  # another practice's patient
    ],
)
def test_search_by_patient_or_date(practice_admin_client, schedule, q, expected):
    assert listed(practice_admin_client, q=q) == pks(schedule, *expected)


def test_the_day_filter_offers_the_week_around_the_chosen_day(practice_admin_client, schedule):
    response = practice_admin_client.get(reverse(CHANGELIST), {"day": "2030-03-06"})
    (day_filter,) = [spec for spec in response.context["cl"].filter_specs if spec.title == "day"]
    choices = dict(day_filter.lookup_choices)
    assert choices["2030-02-25"] == "‹ previous week"
    assert choices["2030-03-04"] == "Mon 4 Mar 2030"
    assert choices["2030-03-10"] == "Sun 10 Mar 2030"
    assert choices["2030-03-11"] == "next week ›"
    assert any(label.startswith("Today (") for label in choices.values())


def test_a_day_that_is_not_a_date_is_refused(practice_admin_client, schedule):
    response = practice_admin_client.get(reverse(CHANGELIST), {"day": "tuesday"})
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_list_shows_the_wall_time_patient_providers_and_type(practice_admin_client, schedule):
    content = practice_admin_client.get(reverse(CHANGELIST), {"day": "2030-03-04"}).content
    content = content.decode()
    assert "Mon 4 Mar 2030 19:00–19:30 CST" in content  # not 01:00 UTC on the 5th
    assert "Mon 4 Mar 2030 09:00–10:00 EST" in content  # New York's own 09:00
    assert "Bob Marley (C200)" in content
    assert '<span title="Donald Knuth">Knuth</span>, <span title="Grace Hopper, DDS">Hopper' in (
        content
    )
    assert 'background:#00ACC1"></span>Exam' in content


def test_detail_page_is_in_the_locations_wall_time(practice_admin_client, schedule):
    evening = schedule["evening"]
    response = practice_admin_client.get(
        reverse("admin:appointments_appointment_change", args=[evening.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mon 4 Mar 2030 19:00–19:30 (America/Chicago)" in content
    assert "<title>Bob Marley, Mon 4 Mar 2030 19:00–19:30 CST | View appointment" in content
    assert "Donald Knuth (primary)<br>Grace Hopper, DDS (primary)" in content
    assert "2030-03-05" not in content  # no UTC date anywhere
    assert 'name="_save"' not in content and "<textarea" not in content


# --- Who sees what ----------------------------------------------------------------------


def test_another_practices_appointments_are_not_shown(practice_admin_client, schedule):
    assert schedule["theirs"].pk not in listed(practice_admin_client)
    response = practice_admin_client.get(
        reverse("admin:appointments_appointment_change", args=[schedule["theirs"].pk])
    )
    assert response.status_code == 302  # "doesn't exist", back to the index
    assert "Theirs" not in response.content.decode()


def test_an_admin_limited_to_a_location_sees_only_its_appointments(client, org, location, schedule):
    client.force_login(admin_user(org, locations=[location]))
    assert listed(client) == pks(schedule, "morning", "evening", "next_day")
    assert listed(client, q="Lovelace") == pks(schedule, "morning")
    response = client.get(
        reverse("admin:appointments_appointment_change", args=[schedule["new_york"].pk])
    )
    assert response.status_code == 302
    response = client.get(reverse(CHANGELIST))
    offered = {
        str(choice["display"])
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
    }
    assert "Op 1 · New York" not in offered and "Op 1 · Chicago" in offered


def test_staff_without_an_admin_membership_see_nothing(client, org, schedule):
    user = UserFactory(is_staff=True)
    MembershipFactory(org=org, user=user, role=Role.STAFF)
    client.force_login(user)
    assert client.get(reverse(CHANGELIST)).status_code == 403


# --- Read-only --------------------------------------------------------------------------


@pytest.fixture(params=["practice admin", "superuser"])
def any_admin_client(request, client, org):
    user = admin_user(org) if request.param == "practice admin" else None
    if user is None:
        user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_nobody_adds_changes_or_deletes_appointments(any_admin_client, schedule):
    morning = schedule["morning"]
    change = reverse("admin:appointments_appointment_change", args=[morning.pk])
    delete = reverse("admin:appointments_appointment_delete", args=[morning.pk])
    assert any_admin_client.get(reverse("admin:appointments_appointment_add")).status_code == 403
    assert (
        any_admin_client.post(
            reverse("admin:appointments_appointment_add"),
            {"patient": morning.patient_id, "location": morning.location_id, "status": "scheduled"},
        ).status_code
        == 403
    )
    assert any_admin_client.post(change, {"status": "cancelled", "note": "x"}).status_code == 403
    assert any_admin_client.post(delete, {"post": "yes"}).status_code == 403
    response = any_admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [morning.pk]}
    )
    assert Appointment.objects.count() == 5
    morning.refresh_from_db()
    assert (morning.status, morning.note, morning.version) == ("scheduled", "", 1)

    content = any_admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "action-toggle" not in content and "addlink" not in content
    assert response.status_code in (200, 302)


# --- Queries ----------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"day": "2030-03-04", "provider": "@hopper", "q": "a"}])
def test_changelist_queries_do_not_grow_with_rows(practice_admin_client, org, schedule, params):
    query = {**params}
    if "provider" in query:
        query["provider"] = str(schedule["hopper"].pk)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = practice_admin_client.get(reverse(CHANGELIST), query)
        assert response.status_code == 200
        return len(queries)

    few = count()
    for hour in range(8, 18):
        book(
            org,
            schedule["op2"],
            PatientFactory(org=org, first_name=f"Anna{hour}"),
            DAY,
            time(hour),
            30,
            providers=[schedule["hopper"], schedule["knuth"]],
            appointment_type=AppointmentTypeFactory(org=org),
        )
    assert len(listed(practice_admin_client, **query)) >= 10
    assert count() == few
