"""ASAP outreach: every status move of contact and response, the refused ones, the
contact log (newest first, who and when), 404/403 and roles."""

import threading

import pytest
from django.db import connection, transaction

from scheduling.models import Role
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import LocationFactory
from tests.waitlist.conftest import OutreachEntryFactory
from waitlist.models import WaitlistContact, WaitlistEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(org, location):
    return OutreachEntryFactory(org=org, location=location)


def contact_body(location, **fields):
    return {
        "contact_method": "sms",
        "slot_date": "2033-03-07",
        "slot_start_time": "09:30",
        "slot_location_uuid": str(location.uuid),
        **fields,
    }


def contact(client, entry, location, **fields):
    return client.post(f"waitlist/entries/{entry.uuid}/contact", contact_body(location, **fields))


def respond(client, entry, answer, **fields):
    return client.post(
        f"waitlist/entries/{entry.uuid}/response", {"patient_response": answer, **fields}
    )


def test_contact_moves_waiting_to_contacted_and_logs(staff_client, entry, location):
    response = contact(staff_client, entry, location, message_id="msg-1")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "contacted"
    assert body["contact_attempts"] == 1
    assert body["contact_method_used"] == "sms"
    assert body["contacted_at"] is not None
    assert body["last_offered_slot"] == {
        "date": "2033-03-07",
        "start_time": "09:30:00",
        "location": {"id": str(location.uuid), "name": location.name},
    }
    assert body["location_scope"] == "home_only"
    assert body["days_waiting"] == 0
    assert body["version"] == 2
    row = WaitlistContact.objects.get(entry=entry)
    assert (row.contact_method, row.initiated_by, row.message_id) == ("sms", "staff", "msg-1")
    assert row.actor == staff_client.user
    assert row.slot_location == location


@pytest.mark.parametrize("status", ["contacted", "offered"])
def test_contact_again_keeps_status_and_counts(staff_client, org, location, status):
    entry = OutreachEntryFactory(org=org, location=location, status=status, contact_attempts=2)
    response = contact(staff_client, entry, location, contact_method="phone")
    assert response.status_code == 200
    assert response.json()["status"] == status
    assert response.json()["contact_attempts"] == 3


@pytest.mark.parametrize("status", ["scheduled", "removed", "expired"])
def test_contact_closed_entry_is_refused(staff_client, org, location, status):
    entry = OutreachEntryFactory(org=org, location=location, status=status)
    response = contact(staff_client, entry, location)
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_TRANSITION"
    assert not WaitlistContact.objects.filter(entry=entry).exists()


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("accepted", "scheduled"),
        ("declined", "waiting"),
        ("expired", "waiting"),
        ("slot_taken", "waiting"),
        ("no_answer", "contacted"),
    ],
)
def test_response_moves_status(staff_client, org, location, answer, status):
    entry = OutreachEntryFactory(
        org=org, location=location, status="contacted", contact_method_used="email"
    )
    response = respond(staff_client, entry, answer)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == status
    assert response.json()["patient_response"] == answer
    assert response.json()["responded_at"] is not None
    row = WaitlistContact.objects.get(entry=entry)
    assert (row.patient_response, row.contact_method, row.actor) == (
        answer,
        "email",
        staff_client.user,
    )


@pytest.mark.parametrize("status", ["waiting", "scheduled", "removed", "expired"])
def test_response_without_outstanding_offer_is_refused(staff_client, org, location, status):
    entry = OutreachEntryFactory(org=org, location=location, status=status)
    response = respond(staff_client, entry, "accepted")
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_TRANSITION"
    assert WaitlistEntry.objects.get(pk=entry.pk).status == status


def test_contact_log_newest_first(staff_client, viewer_client, entry, location):
    assert contact(staff_client, entry, location).status_code == 200
    assert respond(staff_client, entry, "no_answer").status_code == 200
    assert contact(staff_client, entry, location, contact_method="phone").status_code == 200
    response = viewer_client.get(f"waitlist/entries/{entry.uuid}/contact-log")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3 and body["page"] == 1
    kinds = [(row["kind"], row["contact_method"]) for row in body["items"]]
    assert kinds == [("contact", "phone"), ("response", "sms"), ("contact", "sms")]
    assert body["items"][1]["patient_response"] == "no_answer"
    assert body["items"][0]["actor_name"] == staff_client.user.username
    assert body["items"][0]["slot_location"]["id"] == str(location.uuid)


def test_unknown_and_other_org_entries_are_404(staff_client, other_org, location):
    foreign = OutreachEntryFactory(org=other_org)
    for path in ("contact", "response", "contact-log"):
        url = f"waitlist/entries/{foreign.uuid}/{path}"
        response = staff_client.get(url) if path == "contact-log" else staff_client.post(url, {})
        assert response.status_code == 404, path


def test_unknown_slot_location_is_404(staff_client, entry, other_org):
    response = contact(staff_client, entry, LocationFactory(org=other_org))
    assert response.status_code == 404
    assert not WaitlistContact.objects.exists()


def test_forbidden_slot_location_is_403(limited_client, org, location, second_location):
    entry = OutreachEntryFactory(org=org, location=location)
    response = contact(limited_client, entry, second_location)
    assert response.status_code == 403


def test_entry_at_forbidden_location_is_404(limited_client, org, location, second_location):
    entry = OutreachEntryFactory(org=org, location=second_location)
    assert contact(limited_client, entry, location).status_code == 404


def test_viewer_may_not_write(viewer_client, entry, location):
    assert contact(viewer_client, entry, location).status_code == 403
    assert respond(viewer_client, entry, "accepted").status_code == 403


def test_dst_gap_slot_is_422(staff_client, entry, location):
    # 2033-03-13 02:30 does not exist in Chicago.
    response = contact(
        staff_client, entry, location, slot_date="2033-03-13", slot_start_time="02:30"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "slot_start_time"]


def test_bad_inputs_are_422(staff_client, entry, location):
    assert contact(staff_client, entry, location, contact_method="fax").status_code == 422
    assert respond(staff_client, entry, "maybe").status_code == 422
    admin = api_for(entry.org, Role.ADMIN)
    assert admin.post(f"waitlist/entries/{entry.uuid}/contact", {}).status_code == 422


# --- concurrency ----------------------------------------------------------------------------
# Each call answers with the entry as read after its write committed, which may already
# include the other call; what each call did is in the contact log, in commit order.


def run_queued_on(entry, work) -> list:
    """``run_concurrently(2, work)`` while this connection holds the entry's row lock, let
    go once both calls wait for it: both have read the entry before either writes, the
    moment a lost update would happen."""
    outcome = {}

    def run():
        try:
            outcome["results"] = run_concurrently(2, work)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            outcome["error"] = exc

    runner = threading.Thread(target=run)
    with transaction.atomic():
        WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        runner.start()
        for _ in range(1000):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0] >= 2 or not runner.is_alive():
                    break
            runner.join(0.01)
        else:
            pytest.fail("the two calls never waited for the entry's lock")
    runner.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["results"]


@pytest.mark.django_db(transaction=True)
def test_two_contacts_at_once_both_count(org, location):
    """The entry is re-read under a row lock, so the second contact waits for the first
    and counts on top of it: no lost update, one log row and one version each."""
    entry = OutreachEntryFactory(org=org, location=location)
    methods = ["sms", "phone"]

    def post(index):
        client = api_for(org, Role.STAFF)
        return contact(client, entry, location, contact_method=methods[index]).status_code

    assert run_queued_on(entry, post) == [200, 200]
    stored = WaitlistEntry.objects.get(pk=entry.pk)
    assert (stored.status, stored.contact_attempts, stored.version) == ("contacted", 2, 3)
    rows = list(WaitlistContact.objects.filter(entry=entry))  # newest first
    assert sorted(row.contact_method for row in rows) == ["phone", "sms"]
    assert stored.contact_method_used == rows[0].contact_method  # the later one wins


@pytest.mark.django_db(transaction=True)
def test_a_contact_and_a_response_at_once_apply_one_after_the_other(org, location):
    """A response racing a new contact on a contacted entry: both apply, one on the other's
    result, each with its log row; the entry ends as the later of the two left it."""
    entry = OutreachEntryFactory(
        org=org,
        location=location,
        status="contacted",
        contact_attempts=1,
        contact_method_used="sms",
    )

    def post(index):
        client = api_for(org, Role.STAFF)
        if index == 0:
            return contact(client, entry, location, contact_method="phone").status_code
        return respond(client, entry, "declined").status_code

    assert run_queued_on(entry, post) == [200, 200]
    stored = WaitlistEntry.objects.get(pk=entry.pk)
    assert (stored.version, stored.contact_attempts) == (3, 2)
    newest, older = WaitlistContact.objects.filter(entry=entry)
    if newest.patient_response:  # contact, then the answer: waiting again
        assert (older.contact_method, newest.patient_response) == ("phone", "declined")
        assert stored.status == "waiting"
    else:  # the answer (waiting), then the new contact: contacted again
        assert (older.patient_response, newest.contact_method) == ("declined", "phone")
        assert stored.status == "contacted"
