"""Schedule notes: one per location and date, only the text changes."""

import pytest

from scheduling.models import ScheduleNote
from tests.factories import LocationFactory, ScheduleNoteFactory

pytestmark = pytest.mark.django_db

NOTES = "schedule/notes"


def create(client, location, **fields):
    body = {"location_uuid": str(location.uuid), "note_date": "2031-03-03", "note": "Fire drill"}
    return client.post(NOTES, {**body, **fields})


def test_create_answers_the_note(staff_client, location):
    response = create(staff_client, location)
    assert response.status_code == 201
    body = response.json()
    assert (body["note_date"], body["note"], body["version"]) == ("2031-03-03", "Fire drill", 1)
    assert body["location"] == {"id": str(location.uuid), "name": "Chicago"}


def test_a_second_note_for_the_day_is_409_and_another_day_or_place_is_fine(
    staff_client, location, second_location
):
    assert create(staff_client, location).status_code == 201
    again = create(staff_client, location, note="Another")
    assert again.status_code == 409 and again.json()["code"] == "DUPLICATE_NOTE"
    assert create(staff_client, location, note_date="2031-03-04").status_code == 201
    assert create(staff_client, second_location).status_code == 201
    assert ScheduleNote.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"note": ""}, "note"),
        ({"note": "x" * 2001}, "note"),
        ({"note_date": "2031-02-30"}, "note_date"),
        ({"note_date": "1800-01-01"}, "note_date"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(staff_client, location, fields, field):
    response = create(staff_client, location, **fields)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_only_the_text_changes_under_the_version(staff_client, location):
    made = create(staff_client, location).json()
    path = f"{NOTES}/{made['id']}"
    changed = staff_client.patch(path, {"base_version": 1, "note": "Drill moved to 11"})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = staff_client.patch(path, {"base_version": 1, "note": "Late"})
    assert stale.status_code == 409 and stale.json()["code"] == "VERSION_CONFLICT"
    moved = staff_client.patch(path, {"base_version": 2, "note_date": "2031-03-05"})
    assert moved.status_code == 422  # the date is what a note is: delete and create
    assert staff_client.patch(path, {"note": "No version"}).status_code == 422
    assert staff_client.delete(path).status_code == 204
    assert staff_client.get(path).status_code == 404


def test_list_by_location_and_dates_in_order(org, staff_client, location, second_location):
    for day in ("2031-03-05", "2031-03-03", "2031-03-04"):
        ScheduleNoteFactory(org=org, location=location, note_date=day)
    ScheduleNoteFactory(org=org, location=second_location, note_date="2031-03-04")
    listed = staff_client.get(
        NOTES, {"location_uuid": str(location.uuid), "date_from": "2031-03-04"}
    ).json()
    assert [n["note_date"] for n in listed["items"]] == ["2031-03-04", "2031-03-05"]
    assert staff_client.get(NOTES).json()["total"] == 4


def test_tenancy_and_locations(
    org, other_org, staff_client, viewer_client, limited_client, location, second_location
):
    theirs = ScheduleNoteFactory(org=other_org, location=LocationFactory(org=other_org))
    assert staff_client.get(f"{NOTES}/{theirs.uuid}").status_code == 404
    elsewhere = ScheduleNoteFactory(org=org, location=second_location)
    assert limited_client.get(f"{NOTES}/{elsewhere.uuid}").status_code == 404
    assert limited_client.get(NOTES).json()["total"] == 0
    assert create(limited_client, second_location).status_code == 403
    assert create(viewer_client, location).status_code == 403
    assert viewer_client.get(NOTES).status_code == 200
