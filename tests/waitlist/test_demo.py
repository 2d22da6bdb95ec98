"""``seed_demo``'s ASAP list: every urgency and scope, one entry with a contact history,
and an open opening."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from scheduling.models import Organization
from tests.conftest import Api
from waitlist.models import Opening, WaitlistContact, WaitlistEntry

pytestmark = pytest.mark.django_db


def seed() -> dict:
    out = StringIO()
    call_command("seed_demo", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_entries_of_every_urgency_and_scope_one_with_contact_history():
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    listed = admin.get("waitlist/entries", {"page_size": 100}).json()["items"]
    assert {entry["urgency"] for entry in listed} == {"urgent", "soon", "routine", "flexible"}
    assert {entry["location_scope"] for entry in listed} == {"home_only", "selected", "any"}
    assert {entry["id"] for entry in listed} == {entry["id"] for entry in data["waitlist_entries"]}
    assert any(entry["priority"] is not None for entry in listed)

    (contacted,) = [entry for entry in listed if entry["status"] == "contacted"]
    assert contacted["contact_attempts"] == 2
    log = admin.get(f"waitlist/entries/{contacted['id']}/contact-log").json()
    kinds = [(row["kind"], row["contact_method"]) for row in log["items"]]
    assert kinds == [("contact", "sms"), ("response", "phone"), ("contact", "phone")]
    assert log["items"][1]["patient_response"] == "declined"


def test_open_openings_from_cancellations():
    """Demo patients cancelled upcoming visits (the demo's own cancellations, else the
    waitlist's seeder cancels one): the desk sees open openings, with who on the list
    could take them."""
    data = seed()
    org = Organization.objects.get(uuid=data["org_id"])
    admin = Api(org, data["token"])
    listed = admin.get("waitlist/openings", {"status": "open", "page_size": 100}).json()["items"]
    assert listed
    assert {opening["id"] for opening in listed} <= {shown["id"] for shown in data["openings"]}
    assert any(opening["total_matches"] and opening["matches"] for opening in listed)


def test_seeding_again_adds_no_entries_contacts_or_openings():
    first = seed()
    counts = (
        WaitlistEntry.objects.count(),
        WaitlistContact.objects.count(),
        Opening.objects.count(),
    )
    second = seed()
    assert (
        WaitlistEntry.objects.count(),
        WaitlistContact.objects.count(),
        Opening.objects.count(),
    ) == counts
    assert second["waitlist_entries"] == first["waitlist_entries"]
    assert second["openings"] == first["openings"]
