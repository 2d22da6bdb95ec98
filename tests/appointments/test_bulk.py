"""Bulk import: ``POST /appointments/bulk`` and ``manage.py import_appointments``.

Each row goes through the create serializer and the appointment services on its own, so
one bad row fails alone; an ``external_id`` that exists updates (or skips) its
appointment; ``meta.dry_run`` carries every row out and rolls it back.
"""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.management.commands import import_appointments
from appointments.models import Appointment, AppointmentHistory
from appointments.services import bulk
from appointments.services.conflicts import judge_slots
from scheduling.locks import OPERATORY_BOOKINGS
from scheduling.models import Role
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.factories import (
    AppointmentTypeFactory,
    DefinitionFactory,
    LocationFactory,
    PatientFactory,
    ProcedureCodeFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-0000-0000-000000000000"
STATUSES = ("created", "updated", "validated", "skipped", "failed")


@pytest.fixture
def row(location, chair, patient):
    """``row(start="10:00", end="10:30", **fields)`` → one bulk row at ``chair`` on DAY."""

    def _row(start="10:00", end="10:30", **fields):
        return {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "operatory_uuid": str(chair.uuid),
            "schedule_date": DAY,
            "start_time": start,
            "end_time": end,
            **fields,
        }

    return _row


def post_bulk(client, rows, *, dry_run=None, expect=200):
    body = {"rows": rows}
    if dry_run is not None:
        body["meta"] = {"dry_run": dry_run}
    response = client.post("appointments/bulk", body)
    assert response.status_code == expect, response.json()
    result = response.json()
    if expect == 200:
        assert_totals(result)
    return result


def assert_totals(result):
    """The counts are the results, and every row has exactly one result, in order."""
    results = result["results"]
    assert result["total"] == len(results)
    assert [r["index"] for r in results] == list(range(len(results)))
    for status in STATUSES:
        assert result[status] == sum(r["status"] == status for r in results), status
    assert sum(result[status] for status in STATUSES) == result["total"]
    for r in results:
        if r["status"] == "failed":
            assert r["code"] and r["errors"] and r["id"] is None
        else:
            assert r["code"] is None and r["errors"] == []
        if r["status"] in ("created", "updated", "skipped"):
            assert r["id"] is not None
        elif r["status"] == "failed":
            assert r["id"] is None


def statuses(result):
    return [r["status"] for r in result["results"]]


def history(client, appointment_id):
    return client.get(f"appointments/{appointment_id}/history").json()["items"]


# --- POST /appointments/bulk ----------------------------------------------------------


class TestCreate:
    def test_rows_are_booked_like_single_creates(
        self, staff_client, row, chair, provider, exam, other_chair
    ):
        result = post_bulk(
            staff_client,
            [
                row(
                    "09:00",
                    None,
                    appointment_type_uuid=str(exam.uuid),
                    provider_uuids=[str(provider.uuid)],
                    note="Bring x-rays",
                    external_id="pms-1",
                ),
                row("09:00", "10:00", operatory_uuid=str(other_chair.uuid), status="planned"),
            ],
        )

        assert statuses(result) == ["created", "created"]
        assert result["dry_run"] is False
        first, second = result["results"]
        assert first["external_id"] == "pms-1" and second["external_id"] == ""
        body = staff_client.get(f"appointments/{first['id']}").json()
        # Chicago is UTC-6 on DAY; the type's 30 minutes give the end.
        assert (body["start_time"], body["end_time"]) == (
            "2030-03-04T15:00:00Z",
            "2030-03-04T15:30:00Z",
        )
        assert body["operatory"]["id"] == str(chair.uuid)
        assert body["providers"] == [{"id": str(provider.uuid), "name": "Grace Hopper"}]
        assert (body["note"], body["external_id"], body["version"]) == ("Bring x-rays", "pms-1", 1)
        assert staff_client.get(f"appointments/{second['id']}").json()["status"] == "planned"
        (entry,) = history(staff_client, first["id"])
        assert entry["action"] == "imported"

    def test_the_type_adds_its_procedures(self, org, staff_client, row):
        ProcedureCodeFactory(org=org, code="D0120", default_fee="55.00")
        exam = AppointmentTypeFactory(
            org=org, duration_minutes=30, procedure_codes_to_add=["D0120"]
        )
        result = post_bulk(staff_client, [row(appointment_type_uuid=str(exam.uuid))])
        body = staff_client.get(f"appointments/{result['results'][0]['id']}").json()
        assert body["production_amount"] == "55.00"

    def test_an_empty_list_is_an_empty_result(self, staff_client):
        assert post_bulk(staff_client, [])["total"] == 0

    def test_500_rows_are_accepted(self, staff_client):
        # Rows that fail validation cost no writes, so the limit itself is cheap to test.
        result = post_bulk(staff_client, [{}] * 500)
        assert (result["total"], result["failed"]) == (500, 500)


class TestFailures:
    @pytest.mark.parametrize(
        "fields, field, error_type",
        [
            ({"start_time": "9am"}, "start_time", "invalid"),
            ({"schedule_date": "2030-02-30"}, "schedule_date", "invalid"),
            ({"status": "arrived"}, "status", "invalid_choice"),
            ({"patient_uuid": 12}, "patient_uuid", "invalid"),
            ({"end_time": "09:00"}, "end_time", "invalid_interval"),
            # 02:30 does not exist in Chicago on the spring-forward day.
            ({"schedule_date": "2030-03-10", "start_time": "02:30"}, "start_time", "dst_gap"),
            ({"location_uuid": None}, "location_uuid", "null"),
        ],
    )
    def test_a_bad_field_fails_its_row_alone(self, staff_client, row, fields, field, error_type):
        result = post_bulk(
            staff_client, [row("08:00", "08:30"), row(**fields), row("11:00", "11:30")]
        )

        assert statuses(result) == ["created", "failed", "created"]
        failed = result["results"][1]
        assert failed["code"] == "VALIDATION_ERROR"
        assert [(e["loc"], e["type"]) for e in failed["errors"]] == [
            (["body", "rows", 1, field], error_type)
        ]
        assert Appointment.objects.count() == 2

    def test_operatory_of_another_location_fails_the_row(self, staff_client, row, ny_chair):
        result = post_bulk(staff_client, [row(operatory_uuid=str(ny_chair.uuid))])
        assert result["results"][0]["errors"][0]["loc"] == ["body", "rows", 0, "operatory_uuid"]

    def test_missing_required_fields_are_named(self, staff_client):
        result = post_bulk(staff_client, [{"note": "no patient"}])
        locs = {tuple(e["loc"]) for e in result["results"][0]["errors"]}
        assert locs == {("body", "rows", 0, "location_uuid"), ("body", "rows", 0, "patient_uuid")}

    @pytest.mark.parametrize("field", ["patient_uuid", "operatory_uuid", "appointment_type_uuid"])
    def test_an_unknown_or_foreign_reference_is_not_found(
        self, staff_client, row, other_org, field
    ):
        foreign = str(PatientFactory(org=other_org).uuid)
        result = post_bulk(
            staff_client, [row(**{field: UNKNOWN}), row(**{field: foreign}), row("11:00", "11:30")]
        )

        assert statuses(result) == ["failed", "failed", "created"]
        for index, failed in enumerate(result["results"][:2]):
            assert failed["code"] == "NOT_FOUND"
            assert [e["loc"] for e in failed["errors"]] == [["body", "rows", index, field]]
        assert UNKNOWN in result["results"][0]["errors"][0]["msg"]
        assert Appointment.objects.count() == 1

    def test_overlap_with_an_existing_appointment_or_an_earlier_row(
        self, staff_client, row, booked
    ):
        result = post_bulk(
            staff_client,
            [
                row("09:30", "10:30"),  # overlaps the booked 09:00–10:00
                row("10:00", "11:00"),  # back to back with it: fine
                row("10:30", "11:30"),  # overlaps the row before
                row("10:30", "11:30", allow_overlap=True),
            ],
        )

        assert statuses(result) == ["failed", "created", "failed", "created"]
        for index in (0, 2):
            failed = result["results"][index]
            assert failed["code"] == "APPOINTMENT_OVERLAP"
            assert failed["errors"] == [
                {
                    "loc": ["body", "rows", index],
                    "msg": failed["errors"][0]["msg"],
                    "type": "APPOINTMENT_OVERLAP",
                }
            ]
            assert "Ada Lovelace" in failed["errors"][0]["msg"]
            assert len(failed["conflicts"]["appointments"]) == 1
            assert failed["conflicts"]["appointments"][0]["status"] == "scheduled"
        assert Appointment.objects.count() == 3

    def test_the_conflicts_name_what_the_row_collides_with(self, staff_client, row, booked):
        result = post_bulk(
            staff_client, [row("09:30", "10:30"), row("11:00", "11:30"), row("11:15", "11:45")]
        )

        (conflict,) = result["results"][0]["conflicts"]["appointments"]
        assert conflict["id"] == booked["id"]
        assert conflict["start_at"] == booked["start_time"]  # the contract's UTC start
        assert (conflict["schedule_date"], conflict["start_time"]) == (DAY, "09:00:00")
        assert conflict["patient"] == booked["patient"]
        (conflict,) = result["results"][2]["conflicts"]["appointments"]
        assert conflict["id"] == result["results"][1]["id"]

    def test_a_date_out_of_range_fails_its_row_alone(self, staff_client, row):
        # 23:00 in Chicago on the last day of year 9999 is past the last UTC instant.
        result = post_bulk(
            staff_client, [row(schedule_date="9999-12-31", start="23:00", end="23:30"), row()]
        )
        assert statuses(result) == ["failed", "created"]
        assert result["results"][0]["code"] == "VALIDATION_ERROR"
        assert result["results"][0]["errors"][0]["loc"][:3] == ["body", "rows", 0]

    def test_a_row_at_the_start_of_the_calendar_does_not_abort_the_batch(self, staff_client, row):
        # The conflict engine looks a day back from the start: year 1 must not overflow.
        result = post_bulk(
            staff_client, [row(schedule_date="0001-01-01", start="00:30", end="01:00"), row()]
        )
        assert statuses(result)[1] == "created"


class TestRequestShape:
    def test_more_than_500_rows_is_422_and_writes_nothing(self, staff_client, row):
        response = staff_client.post("appointments/bulk", {"rows": [row()] + [{}] * 500})
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "rows"]]
        assert response.json()["detail"][0]["type"] == "max_length"
        assert not Appointment.objects.exists()

    @pytest.mark.parametrize(
        "body, loc",
        [
            ({}, ["body", "rows"]),
            ({"rows": None}, ["body", "rows"]),
            ({"rows": {}}, ["body", "rows"]),
            ({"rows": "all of them"}, ["body", "rows"]),
            ({"rows": [{}, 5]}, ["body", "rows", 1]),
            ({"rows": [], "meta": {"dry_run": "maybe"}}, ["body", "meta", "dry_run"]),
        ],
    )
    def test_rows_must_be_a_list_of_objects(self, staff_client, body, loc):
        response = staff_client.post("appointments/bulk", body)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [loc]

    def test_a_viewer_may_not_import(self, viewer_client, row):
        response = viewer_client.post("appointments/bulk", {"rows": [row()]})
        assert response.status_code == 403
        assert not Appointment.objects.exists()

    def test_another_org_is_404(self, outsider_client, row):
        assert outsider_client.post("appointments/bulk", {"rows": [row()]}).status_code == 404
        assert not Appointment.objects.exists()


class TestDryRun:
    def test_every_row_is_checked_and_nothing_is_written(self, staff_client, row, booked):
        history_before = AppointmentHistory.objects.count()
        result = post_bulk(
            staff_client,
            [
                row("10:00", "10:30"),
                row("09:30", "10:30"),
                row(start_time="9am"),
                row("11:00", "11:30"),
            ],
            dry_run=True,
        )

        assert result["dry_run"] is True
        assert statuses(result) == ["validated", "failed", "failed", "validated"]
        assert result["results"][1]["code"] == "APPOINTMENT_OVERLAP"
        assert result["results"][2]["code"] == "VALIDATION_ERROR"
        assert all(r["id"] is None for r in result["results"])
        assert Appointment.objects.count() == 1
        assert AppointmentHistory.objects.count() == history_before

    def test_an_update_is_validated_and_not_written(self, staff_client, row):
        created = post_bulk(staff_client, [row(external_id="e1", note="old")])["results"][0]
        result = post_bulk(staff_client, [row(external_id="e1", note="new")], dry_run=True)

        assert statuses(result) == ["validated"]
        assert result["results"][0]["id"] == created["id"]  # the one it would update
        body = staff_client.get(f"appointments/{created['id']}").json()
        assert (body["note"], body["version"]) == ("old", 1)
        assert len(history(staff_client, created["id"])) == 1

    def test_a_dry_run_predicts_conflicts_between_rows(self, staff_client, row):
        rows = [row("10:00", "11:00"), row("10:30", "11:30")]
        result = post_bulk(staff_client, rows, dry_run=True)
        assert statuses(result) == ["validated", "failed"]
        assert result["results"][1]["code"] == "APPOINTMENT_OVERLAP"
        assert statuses(post_bulk(staff_client, rows)) == ["created", "failed"]


class TestUpsert:
    def test_external_id_updates_skips_or_moves(self, staff_client, row):
        rows = [
            row("08:00", "08:30", external_id="a", note="first"),
            row("09:00", "09:30", external_id="b", note="second"),
        ]
        created = post_bulk(staff_client, rows)
        ids = [r["id"] for r in created["results"]]
        assert statuses(created) == ["created", "created"]

        again = post_bulk(staff_client, rows)
        assert statuses(again) == ["skipped", "skipped"]
        assert [r["id"] for r in again["results"]] == ids
        assert Appointment.objects.count() == 2
        assert [len(history(staff_client, i)) for i in ids] == [1, 1]
        assert set(Appointment.objects.values_list("version", flat=True)) == {1}

        changed = post_bulk(
            staff_client,
            [
                row("08:15", "08:45", external_id="a", note="first"),  # moved
                row("09:00", "09:30", external_id="b", note="changed"),  # details
            ],
        )
        assert statuses(changed) == ["updated", "updated"]
        assert [r["id"] for r in changed["results"]] == ids

        moved = staff_client.get(f"appointments/{ids[0]}").json()
        assert (moved["start_time"], moved["version"]) == ("2030-03-04T14:15:00Z", 2)
        entry = history(staff_client, ids[0])[0]
        assert entry["action"] == "moved"
        assert entry["changes"]["start_time"] == {
            "old": "2030-03-04T14:00:00Z",
            "new": "2030-03-04T14:15:00Z",
        }
        assert entry["version"] == 2

        noted = staff_client.get(f"appointments/{ids[1]}").json()
        assert (noted["note"], noted["version"]) == ("changed", 2)
        entry = history(staff_client, ids[1])[0]
        assert entry["action"] == "updated"  # re-sending the same times is not a move
        assert "start_time" not in entry["changes"]
        assert entry["changes"]["note"] == {"old": "second", "new": "changed"}

    def test_a_repeated_external_id_in_one_batch_updates_the_first_row(self, staff_client, row):
        result = post_bulk(
            staff_client,
            [row(external_id="x", note="one"), row(external_id="x", note="two")],
        )
        assert statuses(result) == ["created", "updated"]
        assert result["results"][0]["id"] == result["results"][1]["id"]
        assert Appointment.objects.get().note == "two"

    def test_an_update_keeps_the_patient_location_and_status(self, org, staff_client, row):
        created = post_bulk(staff_client, [row(external_id="k")])["results"][0]
        other = PatientFactory(org=org)
        result = post_bulk(
            staff_client,
            [row(external_id="k", patient_uuid=str(other.uuid), status="planned")],
        )
        assert statuses(result) == ["skipped"]
        body = staff_client.get(f"appointments/{created['id']}").json()
        assert body["patient"]["name"] == "Ada Lovelace" and body["status"] == "scheduled"

    def test_an_update_into_a_taken_slot_fails_and_changes_nothing(self, staff_client, row, booked):
        created = post_bulk(staff_client, [row("11:00", "11:30", external_id="m")])["results"][0]
        result = post_bulk(staff_client, [row("09:30", "10:00", external_id="m")])
        assert result["results"][0]["code"] == "APPOINTMENT_OVERLAP"
        body = staff_client.get(f"appointments/{created['id']}").json()
        assert (body["start_time"], body["version"]) == ("2030-03-04T17:00:00Z", 1)

    @pytest.mark.parametrize("status", ["complete", "cancelled"])
    def test_reimporting_a_finished_appointment_skips_it_and_refuses_a_move(
        self, staff_client, row, status
    ):
        rows = [row(external_id="done", status=status)]
        assert statuses(post_bulk(staff_client, rows)) == ["created"]
        assert statuses(post_bulk(staff_client, rows)) == ["skipped"]
        noted = post_bulk(staff_client, [row(external_id="done", status=status, note="paid")])
        assert statuses(noted) == ["updated"]
        moved = post_bulk(staff_client, [row("11:00", "11:30", external_id="done")])
        assert moved["results"][0]["code"] == "INVALID_STATE"


class TestLocations:
    def test_rows_at_a_forbidden_location_fail_for_a_limited_member(
        self, limited_client, row, second_location, ny_chair
    ):
        result = post_bulk(
            limited_client,
            [
                row(location_uuid=str(second_location.uuid), operatory_uuid=str(ny_chair.uuid)),
                row(),
            ],
        )
        assert statuses(result) == ["failed", "created"]
        assert result["results"][0]["code"] == "PERMISSION_DENIED"
        assert Appointment.objects.get().location.name == "Chicago"

    def test_an_external_id_at_a_forbidden_location_is_not_touched(
        self, staff_client, limited_client, row, second_location, ny_chair
    ):
        ny = {"location_uuid": str(second_location.uuid), "operatory_uuid": str(ny_chair.uuid)}
        created = post_bulk(staff_client, [row(external_id="ny", note="old", **ny)])["results"][0]
        # The limited member sends a row at her own location that names the NY appointment.
        result = post_bulk(limited_client, [row(external_id="ny", note="new")])
        assert result["results"][0]["code"] == "PERMISSION_DENIED"
        assert staff_client.get(f"appointments/{created['id']}").json()["note"] == "old"


class TestLocks:
    @pytest.mark.django_db(transaction=True)
    def test_a_batch_holds_its_chairs_until_it_commits_and_no_longer(
        self, org, write_csv, csv_row, chair, other_chair, monkeypatch
    ):
        """A batch locks its chairs before it reads them and keeps them until it commits;
        an import of several batches (the command's chunks) does not hold the chairs of the
        batches it has written while it goes on."""
        first_row_done, resume = threading.Event(), threading.Event()
        original = bulk.appointments_import
        seen: dict[str, bool] = {}

        def try_lock(operatory) -> bool:
            def attempt():
                with connection.cursor() as cursor:  # another thread's own connection
                    cursor.execute(
                        "SELECT pg_try_advisory_xact_lock(%s, %s)",
                        [OPERATORY_BOOKINGS, operatory.pk % 2**31],
                    )
                    return cursor.fetchone()[0]

            return run_concurrently(1, lambda _: attempt())[0]

        def judge_while_looking(bookings):
            if "writing" not in seen:
                seen["writing"] = try_lock(chair)  # the batch's own chair
            return judge_slots(bookings)

        def pause_after_the_first_batch(**kwargs):
            result = original(**kwargs)
            if not first_row_done.is_set():
                first_row_done.set()
                resume.wait(10)
            return result

        monkeypatch.setattr(bulk, "judge_slots", judge_while_looking)
        monkeypatch.setattr(import_appointments, "appointments_import", pause_after_the_first_batch)
        monkeypatch.setattr(import_appointments, "CHUNK_ROWS", 1)
        path = write_csv(
            HEADER,
            csv_row("10:00", "10:30"),
            csv_row("10:00", "10:30").replace(str(chair.uuid), str(other_chair.uuid)),
        )
        outcome = {}

        def run():
            try:
                outcome["out"] = run_import(path, org.uuid)[0]
            finally:
                connection.close()

        importer = threading.Thread(target=run)
        importer.start()
        try:
            assert first_row_done.wait(10)
            chair_is_free = try_lock(chair)
        finally:
            resume.set()
            importer.join()
        assert outcome["out"].startswith("appointments: 2 rows: 2 created")
        assert seen["writing"] is False  # held while the batch was judged
        assert chair_is_free  # released once it committed, though the import went on


class TestQueries:
    """A batch of new rows costs the same number of queries whatever its size.

    18 for rows naming a location, patient, chair, type (adding a procedure code),
    provider, tag and confirmation status: authentication with the caller's membership
    (1); the batch's transaction
    (a savepoint in a test: 2); the ids the rows name, a statement per kind (location,
    patient, chair, type with its locations, provider, and the definitions for tags and
    confirmation statuses) sent together (1); the known external ids (1); the chairs' locks (1); the
    conflict engine's reads (the appointments and blockouts around the slots: 2); and the
    writes in a savepoint (2): the new appointments' ids (1), the type's procedure codes
    (1), a COPY each into appointments, provider links, tags, procedures and history
    entries (5), and the recall engine's read of the patients' open recalls (1).
    """

    PER_BATCH = 18

    @pytest.fixture
    def rows(self, org, row, provider):
        ProcedureCodeFactory(org=org, code="D0120")
        exam = AppointmentTypeFactory(
            org=org, duration_minutes=15, procedure_codes_to_add=["D0120"]
        )
        tag = DefinitionFactory(org=org, category="AppointmentTag")
        confirmed = DefinitionFactory(org=org, category="ApptConfirmed")

        def rows(count, month, **fields):
            """``count`` rows of 15 minutes, 40 a day from 08:00, from the 1st of ``month``."""
            return [
                row(
                    f"{8 + i % 40 // 4:02d}:{i % 4 * 15:02d}",
                    None,
                    schedule_date=f"2030-{month:02d}-{1 + i // 40:02d}",
                    appointment_type_uuid=str(exam.uuid),
                    provider_uuids=[str(provider.uuid)],
                    tag_uuids=[str(tag.uuid)],
                    confirmation_status_uuid=str(confirmed.uuid),
                    external_id=f"{month}-{i}",
                    **fields,
                )
                for i in range(count)
            ]

        return rows

    @staticmethod
    def queries(client, rows, expect):
        with CaptureQueriesContext(connection) as ctx:
            assert post_bulk(client, rows)[expect] == len(rows)
        return len(ctx.captured_queries)

    def test_new_rows_cost_a_constant_number_of_queries(self, staff_client, rows, booked):
        post_bulk(staff_client, [])  # the token's last_used_at is written once a minute
        counts = {
            n: self.queries(staff_client, rows(n, month), "created")
            for n, month in (
                (10, 5),
                (200, 6),
            )
        }
        assert counts == {10: self.PER_BATCH, 200: self.PER_BATCH}

    def test_a_dry_run_of_new_rows_costs_no_more(self, staff_client, rows):
        post_bulk(staff_client, [])
        with CaptureQueriesContext(connection) as ctx:
            assert post_bulk(staff_client, rows(200, 6), dry_run=True)["validated"] == 200
        # No locks, and a rollback to the savepoint before its release.
        assert len(ctx.captured_queries) == self.PER_BATCH

    def test_updates_go_row_by_row_at_a_small_bound(self, staff_client, rows):
        """Each row of an existing external_id goes through ``appointment_update`` in its
        own savepoint: re-sending it unchanged costs 3 queries (the savepoint, its release,
        the tag comparison), a change 7 (and a savepoint around the write, the conditional
        UPDATE and the history entry)."""
        post_bulk(staff_client, rows(20, 5))
        for note, expect, per_row in (("", "skipped", 3), ("changed", "updated", 7)):
            ten = self.queries(staff_client, rows(10, 5, note=note and f"{note} 1"), expect)
            twenty = self.queries(staff_client, rows(20, 5, note=note and f"{note} 2"), expect)
            assert twenty - ten == 10 * per_row, expect
            assert ten <= self.PER_BATCH + 10 * per_row, expect


# --- manage.py import_appointments ----------------------------------------------------


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(header, *lines)`` → path of a CSV file (the header is line 1)."""

    def write(*lines: str, encoding: str = "utf-8") -> str:
        path = tmp_path / "appointments.csv"
        path.write_text("\n".join(lines) + "\n", encoding=encoding)
        return str(path)

    return write


@pytest.fixture
def csv_row(location, chair, patient):
    """``csv_row(start, end, external_id, extra)`` → a line of ``HEADER`` (+ ``extra`` cells)."""

    def line(start="10:00", end="10:30", external_id="", extra="", patient_uuid=None):
        cells = [location.uuid, patient_uuid or patient.uuid, chair.uuid, DAY, start, end]
        return ",".join(str(cell) for cell in cells) + f",{external_id},{extra}"

    return line


HEADER = (
    "location_uuid,patient_uuid,operatory_uuid,schedule_date,start_time,end_time,external_id,note"
)


def run_import(path, org, *options):
    """Run the command; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_appointments", path, "--org", str(org), *options, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def run_import_failing(path, org, *options):
    """Run the command expecting it to fail; return (error message, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_appointments", path, "--org", str(org), *options, stdout=out, stderr=err
        )
    return str(exc.value), out.getvalue().strip(), err.getvalue().strip()


class TestCommand:
    def test_a_file_is_imported(self, org, write_csv, csv_row, provider, exam):
        other = PatientFactory(org=org)
        path = write_csv(
            HEADER + ",provider_uuids,appointment_type_uuid,allow_overlap,priority",
            csv_row("08:00", "08:30", "pms-1", f"Bring x-rays,{provider.uuid},,,"),
            csv_row("09:00", "", "pms-2", f",,{exam.uuid},,2", patient_uuid=other.uuid),
            csv_row("09:00", "09:30", "", ",,,yes,"),  # overlaps pms-2, allowed
        )

        out, err = run_import(path, org.uuid, "--no-progress")

        assert out == (
            "appointments: 3 rows: 3 created, 0 updated, 0 validated, 0 skipped, 0 failed"
        )
        assert err == ""
        first = Appointment.objects.get(external_id="pms-1")
        assert first.note == "Bring x-rays"
        assert first.start_at == datetime(2030, 3, 4, 14, 0, tzinfo=UTC)
        assert [link.provider for link in first.provider_links.all()] == [provider]
        second = Appointment.objects.get(external_id="pms-2")
        assert (second.patient, second.appointment_type, second.priority) == (other, exam, 2)
        assert second.end_at == datetime(2030, 3, 4, 15, 30, tzinfo=UTC)  # the type's 30 min
        entry = AppointmentHistory.objects.get(appointment=first)
        assert (entry.action, entry.actor_name) == ("imported", "system")

    def test_list_cells_take_spaces_or_semicolons(self, org, write_csv, csv_row):
        a, b, c = (ProviderFactory(org=org) for _ in range(3))
        path = write_csv(
            HEADER + ",provider_uuids",
            csv_row("08:00", "08:30", "one", f",{a.uuid}; {b.uuid} {c.uuid}"),
        )
        run_import(path, org.name)
        links = Appointment.objects.get().provider_links.order_by("item_order")
        assert [link.provider for link in links] == [a, b, c]

    def test_running_again_skips_and_a_changed_row_updates(self, org, write_csv, csv_row):
        lines = [csv_row("08:00", "08:30", "a", "x"), csv_row("09:00", "09:30", "b", "y")]
        run_import(write_csv(HEADER, *lines), org.uuid)

        out, _ = run_import(write_csv(HEADER, *lines), org.uuid)
        assert out.startswith("appointments: 2 rows: 0 created, 0 updated, 0 validated, 2 skipped")

        lines[1] = csv_row("09:00", "09:30", "b", "changed")
        out, _ = run_import(write_csv(HEADER, *lines), org.uuid)
        assert "1 updated" in out and "1 skipped" in out
        changed = Appointment.objects.get(external_id="b")
        assert (changed.note, changed.version) == ("changed", 2)

    def test_dry_run_writes_nothing(self, org, write_csv, csv_row, booked):
        path = write_csv(HEADER, csv_row("10:00", "10:30"), csv_row("11:00", "11:30"))

        out, err = run_import(path, org.uuid, "--dry-run")

        assert out == (
            "appointments: 2 rows: 0 created, 0 updated, 2 validated, 0 skipped, 0 failed "
            "(dry run: nothing was written)"
        )
        assert Appointment.objects.count() == 1

    def test_failed_rows_are_reported_by_line_and_the_exit_status_is_an_error(
        self, org, write_csv, csv_row, booked
    ):
        path = write_csv(
            HEADER,
            csv_row("08:00", "08:30", "ok-1"),  # line 2
            csv_row("9am", "10:30"),  # line 3
            csv_row("11:00", "11:30", "ok-2", '"two-line\nnote"'),  # lines 4-5
            "",  # line 6: blank lines are skipped
            csv_row("12:00", "12:30", patient_uuid=UNKNOWN),  # line 7
            csv_row("09:30", "10:00"),  # line 8: overlaps the booked 09:00-10:00
            f"{booked['location']['id']},{UNKNOWN},x",  # line 9: too few fields
            csv_row("13:00", "13:30", "ok-3"),  # line 10
        )

        message, out, err = run_import_failing(path, org.uuid)

        assert message == "4 of 7 row(s) failed"
        assert out == "appointments: 7 rows: 3 created, 0 updated, 0 validated, 0 skipped, 4 failed"
        lines = err.splitlines()
        assert lines[0].startswith("line 3: start_time: Time has wrong format")
        assert lines[1] == f"line 7: patient_uuid: Patient {UNKNOWN} not found."
        assert lines[2].startswith("line 8: APPOINTMENT_OVERLAP: The operatory is booked")
        assert lines[3] == "line 9: has 3 fields, the header has 8"
        assert len(lines) == 4
        assert set(
            Appointment.objects.exclude(external_id="").values_list("external_id", flat=True)
        ) == {"ok-1", "ok-2", "ok-3"}
        assert Appointment.objects.get(external_id="ok-2").note == "two-line\nnote"

    def test_rows_go_through_bulk_import_in_chunks(self, org, write_csv, csv_row, monkeypatch):
        calls = []
        real_import = import_appointments.appointments_import

        def spy(*, access, rows, **kwargs):
            rows = list(rows)
            calls.append((access, len(rows), kwargs))
            return real_import(access=access, rows=rows, **kwargs)

        monkeypatch.setattr(import_appointments, "appointments_import", spy)
        monkeypatch.setattr(import_appointments, "CHUNK_ROWS", 2)
        path = write_csv(
            HEADER,
            csv_row("08:00", "08:30"),
            csv_row("09:00", "09:30"),
            csv_row("10:00", "10:30"),
            csv_row("10:15", "10:45"),  # line 5, the second row of the second chunk
            csv_row("11:00", "11:30"),
        )

        _, _, err = run_import_failing(path, org.uuid)

        assert [size for _, size, _ in calls] == [2, 2, 1]
        access, _, kwargs = calls[0]
        assert access.org == org and access.user is None
        assert access.role == Role.ADMIN and access.location_ids is None
        assert kwargs["actor"] is None and kwargs["dry_run"] is False
        assert err.startswith("line 5: APPOINTMENT_OVERLAP")
        assert Appointment.objects.count() == 4

    def test_unknown_org(self, org, write_csv, csv_row):
        path = write_csv(HEADER, csv_row())
        for value in (UNKNOWN, "No Such Practice"):
            with pytest.raises(
                CommandError, match=f'no organization with the UUID or name "{value}"'
            ):
                run_import(path, value)
        assert not Appointment.objects.exists()

    def test_another_orgs_ids_are_not_found(self, org, other_org, write_csv, csv_row):
        path = write_csv(HEADER, csv_row())
        message, _, err = run_import_failing(path, other_org.uuid)
        assert message == "1 of 1 row(s) failed"
        assert "location_uuid: Location" in err and "not found" in err
        assert not Appointment.objects.exists()

    @pytest.mark.parametrize(
        "header, problem",
        [
            ("location_uuid,patient_uuid,colour", "unknown column(s): colour"),
            (
                "patient_uuid,start_time",
                "the header needs one of the columns location_uuid or location_external_id",
            ),
            ("location_uuid,patient_uuid,note,Note", "repeated column(s): note"),
            ("", "the file has no header row"),
        ],
    )
    def test_a_bad_header_is_refused_before_any_row(self, org, write_csv, header, problem):
        path = write_csv(header, "a,b,c")
        with pytest.raises(CommandError, match=problem.replace("(", r"\(").replace(")", r"\)")):
            run_import(path, org.uuid)

    def test_unreadable_files(self, org, tmp_path, write_csv):
        with pytest.raises(CommandError, match="cannot read"):
            run_import(str(tmp_path / "missing.csv"), org.uuid)
        path = write_csv(HEADER, "caf\xe9", encoding="latin-1")
        with pytest.raises(CommandError, match="not UTF-8"):
            run_import(path, org.uuid)


class TestPracticeIds:
    """A CSV exported from another system names rows by that system's ids."""

    HEADER = (
        "external_id,location_external_id,operatory_external_id,patient_external_id,"
        "provider_external_ids,appointment_type_name,procedure_codes,schedule_date,"
        "start_time,end_time"
    )

    @pytest.fixture
    def practice(self, org, location, chair, patient, provider, exam):
        for obj, key in ((location, "LOC-1"), (chair, "OP-1"), (patient, "PAT-1")):
            obj.external_id = key
            obj.save(update_fields=["external_id"])
        provider.external_id = "DR-1"
        provider.save(update_fields=["external_id"])
        ProcedureCodeFactory(org=org, code="D1110")
        ProcedureCodeFactory(org=org, code="D0274")

    def test_rows_resolve_the_practices_ids(self, org, write_csv, practice, chair, patient, exam):
        path = write_csv(
            self.HEADER,
            f"A-1,LOC-1,OP-1,PAT-1,DR-1,{exam.name.upper()},D1110;D0274,{DAY},09:00,09:30",
        )
        out, err = run_import(path, org.uuid)
        assert "1 created" in out and err == ""
        booked = Appointment.objects.get(external_id="A-1")
        assert (booked.operatory, booked.patient, booked.appointment_type) == (chair, patient, exam)
        assert [link.provider.external_id for link in booked.provider_links.all()] == ["DR-1"]
        codes = booked.procedures.values_list("procedure_code__code", flat=True)
        assert sorted(codes) == ["D0274", "D1110"]

    def test_an_unknown_practice_id_fails_its_row_naming_the_column(self, org, write_csv, practice):
        path = write_csv(
            self.HEADER,
            f"A-1,LOC-1,OP-1,NOPE,,,,{DAY},09:00,09:30",
            f"A-2,LOC-1,OP-1,PAT-1,DR-1;DR-9,,,{DAY},10:00,10:30",
            f"A-3,LOC-1,OP-1,PAT-1,,,,{DAY},11:00,11:30",
        )
        message, out, err = run_import_failing(path, org.uuid)
        assert message == "2 of 3 row(s) failed"
        lines = err.splitlines()
        assert lines[0] == 'line 2: patient_external_id: no patient "NOPE" in this organization'
        assert lines[1] == 'line 3: provider_external_ids: no provider "DR-9" in this organization'
        assert list(Appointment.objects.values_list("external_id", flat=True)) == ["A-3"]

    def test_another_orgs_practice_ids_name_nothing(self, org, other_org, write_csv, practice):
        LocationFactory(org=other_org, external_id="THEIRS")
        path = write_csv(self.HEADER, f"A-1,THEIRS,OP-1,PAT-1,,,,{DAY},09:00,09:30")
        _, _, err = run_import_failing(path, org.uuid)
        assert 'location_external_id: no location "THEIRS"' in err

    def test_both_forms_of_one_reference_are_refused(self, org, write_csv, practice, location):
        path = write_csv(
            "location_uuid,location_external_id,patient_external_id,schedule_date,start_time,"
            "end_time,operatory_external_id",
            f"{location.uuid},LOC-1,PAT-1,{DAY},09:00,09:30,OP-1",
        )
        _, _, err = run_import_failing(path, org.uuid)
        assert "give location_external_id or location_uuid, not both" in err
