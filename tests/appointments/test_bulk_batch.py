"""Bulk import as one batch: the rows are judged together, by the same conflict engine as
a single create, and written with one statement per table.

The promise is that a batch gives each row the verdict it would get if the rows had been
sent one after the other as single creates: ``TestSameVerdictsAsSingleCreates`` checks
exactly that on generated batches; the other tests pin the rules one by one (rows that
collide with each other, blockouts, appointment rules, history, procedures, dry runs).
"""

from __future__ import annotations

import random
from datetime import date, time

import pytest
from django.db import transaction

from appointments.models import (
    Appointment,
    AppointmentHistory,
    AppointmentProcedure,
    AppointmentRule,
)
from tests.appointments.conftest import DAY
from tests.factories import (
    AppointmentTypeFactory,
    BlockoutFactory,
    BlockoutTypeFactory,
    DefinitionFactory,
    OperatoryFactory,
    ProcedureCodeFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = date.fromisoformat(DAY)


@pytest.fixture
def row(location, chair, patient):
    """``row(start, end, **fields)`` → a bulk row at ``chair`` on DAY."""

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


def bulk(client, rows, *, dry_run=False):
    response = client.post("appointments/bulk", {"rows": rows, "meta": {"dry_run": dry_run}})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def statuses(results):
    return [r["status"] for r in results]


def named(result):
    """The ids of the appointments a failed row collides with."""
    return [a["id"] for a in result["conflicts"]["appointments"]]


class TestRowsOfOneBatch:
    def test_the_first_of_two_overlapping_rows_wins_and_the_second_names_it(
        self, staff_client, row
    ):
        first, second = bulk(staff_client, [row("10:00", "11:00"), row("10:30", "11:30")])

        assert (first["status"], second["status"]) == ("created", "failed")
        assert second["code"] == "APPOINTMENT_OVERLAP"
        assert named(second) == [first["id"]]
        assert "Ada Lovelace" in second["errors"][0]["msg"]
        assert Appointment.objects.count() == 1

    def test_a_later_row_names_every_earlier_row_it_overlaps_in_order(self, staff_client, row):
        results = bulk(
            staff_client,
            [
                row("10:00", "10:30"),
                row("10:30", "11:00"),
                row("09:00", "09:30"),
                row("09:15", "10:45"),  # over the first two and the third
            ],
        )
        assert statuses(results) == ["created", "created", "created", "failed"]
        assert named(results[3]) == [results[2]["id"], results[0]["id"], results[1]["id"]]

    def test_with_allow_overlap_both_rows_are_booked(self, staff_client, row):
        results = bulk(
            staff_client, [row("10:00", "11:00"), row("10:30", "11:30", allow_overlap=True)]
        )
        assert statuses(results) == ["created", "created"]
        assert Appointment.objects.count() == 2

    def test_a_row_booked_with_allow_overlap_still_holds_its_chair(self, staff_client, row):
        results = bulk(
            staff_client,
            [
                row("10:00", "11:00"),
                row("10:30", "11:30", allow_overlap=True),
                row("11:00", "11:15"),  # after the first, inside the second
            ],
        )
        assert statuses(results) == ["created", "created", "failed"]
        assert named(results[2]) == [results[1]["id"]]

    def test_back_to_back_rows_are_both_booked(self, staff_client, row):
        results = bulk(staff_client, [row("10:00", "10:30"), row("10:30", "11:00")])
        assert statuses(results) == ["created", "created"]

    def test_a_failed_row_holds_nothing(self, staff_client, row, booked):
        results = bulk(
            staff_client,
            [
                row("09:30", "10:30"),  # fails on the booked 09:00–10:00
                row("10:00", "10:30"),  # would overlap the failed row only: fine
            ],
        )
        assert statuses(results) == ["failed", "created"]
        assert named(results[0]) == [booked["id"]]

    def test_rows_in_other_chairs_or_without_a_slot_do_not_collide(
        self, staff_client, row, other_chair
    ):
        results = bulk(
            staff_client,
            [
                row("10:00", "11:00"),
                row("10:00", "11:00", operatory_uuid=str(other_chair.uuid)),
                row("10:00", "11:00", status="unscheduled"),
                row("10:00", "11:00", status="cancelled"),
            ],
        )
        assert statuses(results) == ["created"] * 4


class TestRepeatedValues:
    def test_rows_repeating_a_value_each_get_their_own_verdict(
        self, staff_client, limited_client, row, second_location, ny_chair
    ):
        unknown = "00000000-0000-0000-0000-000000000000"
        rows = [
            row("08:00", "08:30"),
            row(start_time="9am"),
            row("09:00", "09:30"),
            row(start_time="9am"),
            row("10:00", "10:30", operatory_uuid=unknown),
            row("11:00", "11:30", operatory_uuid=unknown),
            row("12:00", "12:30"),
        ]
        results = bulk(staff_client, rows)
        assert statuses(results) == [
            "created",
            "failed",
            "created",
            "failed",
            "failed",
            "failed",
            "created",
        ]
        for index, field, kind in (
            (1, "start_time", "invalid"),
            (3, "start_time", "invalid"),
            (4, "operatory_uuid", "not_found"),
            (5, "operatory_uuid", "not_found"),
        ):
            (error,) = results[index]["errors"]
            assert (error["loc"], error["type"]) == (["body", "rows", index, field], kind)
        ny = {"location_uuid": str(second_location.uuid), "operatory_uuid": str(ny_chair.uuid)}
        forbidden = bulk(
            limited_client, [row(**ny), row("13:00", "13:30"), row("14:00", "14:30", **ny)]
        )
        assert [r["code"] for r in forbidden] == ["PERMISSION_DENIED", None, "PERMISSION_DENIED"]


class TestBlockouts:
    @pytest.fixture
    def lunch(self, org, location, chair):
        return BlockoutFactory(
            org=org,
            location=location,
            operatory=chair,
            blockout_type=BlockoutTypeFactory(org=org, name="Lunch", is_no_schedule=True),
            schedule_date=MONDAY,
            start_time=time(12),
            end_time=time(13),
        )

    @pytest.fixture
    def meeting(self, org, location):
        """Location-wide, no-schedule, 16:00–17:00."""
        return BlockoutFactory(
            org=org,
            location=location,
            operatory=None,
            blockout_type=BlockoutTypeFactory(org=org, name="Meeting", is_no_schedule=True),
            schedule_date=MONDAY,
            start_time=time(16),
            end_time=time(17),
        )

    @pytest.fixture
    def crowns_only(self, org, location, chair):
        return BlockoutFactory(
            org=org,
            location=location,
            operatory=chair,
            blockout_type=BlockoutTypeFactory(org=org, name="Crowns", is_no_schedule=False),
            schedule_date=MONDAY,
            start_time=time(14),
            end_time=time(15),
        )

    def test_a_no_schedule_blockout_fails_the_rows_over_it(
        self, staff_client, row, other_chair, lunch, meeting, crowns_only
    ):
        results = bulk(
            staff_client,
            [
                row("12:30", "13:30"),  # the chair's lunch
                row("12:00", "12:30", allow_overlap=True),  # allow_overlap does not lift it
                row("16:30", "17:00", operatory_uuid=str(other_chair.uuid)),  # location-wide
                row("11:00", "12:00"),  # touching lunch
                row("12:00", "13:00", operatory_uuid=str(other_chair.uuid)),  # another chair
                row("14:00", "15:00"),  # informational
            ],
        )

        assert statuses(results) == ["failed", "failed", "failed", "created", "created", "created"]
        for result, blockout in zip(results, (lunch, lunch, meeting), strict=False):
            assert result["code"] == "BLOCKED_TIME_CONFLICT"
            blockouts = result["conflicts"]["blockouts"]
            assert [b["id"] for b in blockouts] == [str(blockout.uuid)]
            assert blockout.blockout_type.name in result["errors"][0]["msg"]

    def test_blocked_and_overlapping_an_earlier_row_reports_both(self, staff_client, row, lunch):
        first, second = bulk(staff_client, [row("11:30", "12:00"), row("11:45", "12:15")])
        assert second["code"] == "BLOCKED_TIME_CONFLICT"
        assert named(second) == [first["id"]]
        assert [b["id"] for b in second["conflicts"]["blockouts"]] == [str(lunch.uuid)]


class TestAppointmentRules:
    @pytest.fixture
    def types(self, org):
        return AppointmentTypeFactory(org=org, name="Exam"), AppointmentTypeFactory(
            org=org, name="Prophy"
        )

    def test_a_rule_lets_a_pair_of_types_share_the_chair_within_a_batch(
        self, org, staff_client, row, types
    ):
        exam, prophy = types
        AppointmentRule.objects.create(
            org=org, appointment_type_a=prophy, appointment_type_b=exam, allow_overlap=True
        )
        results = bulk(
            staff_client,
            [
                row("10:00", "11:00", appointment_type_uuid=str(exam.uuid)),
                row("10:30", "11:30", appointment_type_uuid=str(prophy.uuid)),
                row("10:45", "11:15", appointment_type_uuid=str(exam.uuid)),  # no Exam + Exam
                row("10:45", "11:15"),  # no type: no rule
            ],
        )
        assert statuses(results) == ["created", "created", "failed", "failed"]
        # Each names only the appointment no rule lets it share the chair with.
        assert named(results[2]) == [results[0]["id"]]
        assert named(results[3]) == [results[0]["id"], results[1]["id"]]

    def test_a_rule_for_the_location_overrides_the_org_wide_rule(
        self, org, location, staff_client, row, types
    ):
        exam, prophy = types
        AppointmentRule.objects.create(
            org=org, appointment_type_a=prophy, appointment_type_b=exam, allow_overlap=True
        )
        AppointmentRule.objects.create(
            org=org,
            appointment_type_a=exam,
            appointment_type_b=prophy,
            location=location,
            allow_overlap=False,
        )
        results = bulk(
            staff_client,
            [
                row("10:00", "11:00", appointment_type_uuid=str(exam.uuid)),
                row("10:30", "11:30", appointment_type_uuid=str(prophy.uuid)),
            ],
        )
        assert statuses(results) == ["created", "failed"]


class TestWhatIsWritten:
    def test_each_created_row_has_the_history_entry_of_a_single_create(
        self, org, staff_client, row, book, provider, exam, other_chair
    ):
        tag = DefinitionFactory(org=org, category="AppointmentTag")
        fields = {
            "appointment_type_uuid": str(exam.uuid),
            "provider_uuids": [str(provider.uuid)],
            "tag_uuids": [str(tag.uuid)],
            "note": "x-rays",
            "priority": 2,
        }
        single = book(start="08:00", end="08:30", **fields).json()
        results = bulk(
            staff_client,
            [
                row("10:00", "10:30", external_id="pms-1", **fields),
                row("11:00", "11:30", operatory_uuid=str(other_chair.uuid), status="planned"),
            ],
        )

        def entry(appointment_id):
            return AppointmentHistory.objects.get(appointment_uuid=appointment_id)

        created = [entry(r["id"]) for r in results]
        booked_single = entry(single["id"])
        assert [(e.action, e.version) for e in created] == [("imported", 1)] * 2
        assert [e.actor_name for e in created] == [booked_single.actor_name] * 2
        assert [str(e.appointment.uuid) for e in created] == [r["id"] for r in results]
        # The changes of the single create, but for the times (10:00 in Chicago is 16:00Z)
        # and the external id.
        expected = booked_single.changes
        expected["start_time"]["new"] = "2030-03-04T16:00:00Z"
        expected["end_time"]["new"] = "2030-03-04T16:30:00Z"
        expected["external_id"] = {"old": None, "new": "pms-1"}
        assert set(expected) >= {"providers", "tags", "note", "priority", "appointment_type"}
        assert created[0].changes == expected
        assert created[1].changes["status"] == {"old": None, "new": "planned"}
        assert created[1].changes["operatory"] == {"old": None, "new": str(other_chair.uuid)}
        assert "providers" not in created[1].changes and "tags" not in created[1].changes
        # The history endpoint shows them like any other entry.
        (shown,) = staff_client.get(f"appointments/{results[0]['id']}/history").json()["items"]
        assert (shown["action"], shown["changes"]) == ("imported", expected)

    def test_initial_procedures_are_the_types_then_the_rows_own(self, org, staff_client, row):
        for code, fee in (("D0120", "55.00"), ("D1110", "90.00"), ("D0274", "40.00")):
            ProcedureCodeFactory(org=org, code=code, default_fee=fee)
        recall = AppointmentTypeFactory(
            org=org, duration_minutes=30, procedure_codes_to_add=["D0120", "D1110"]
        )
        results = bulk(
            staff_client,
            [
                row(appointment_type_uuid=str(recall.uuid), procedure_codes=["d0274", "D0120"]),
                row("11:00", "11:30", appointment_type_uuid=str(recall.uuid), status="complete"),
                row("12:00", "12:30", procedure_codes=["D0274"]),
                row("13:00", "13:30"),
            ],
        )
        assert statuses(results) == ["created"] * 4

        def procedures(result):
            return list(
                AppointmentProcedure.objects.filter(appointment__uuid=result["id"])
                .order_by("item_order")
                .values_list("procedure_code__code", "fee", "item_order", "status")
            )

        assert [(c, str(f), o, s) for c, f, o, s in procedures(results[0])] == [
            ("D0120", "55.00", 0, "planned"),
            ("D1110", "90.00", 1, "planned"),
            ("D0274", "40.00", 2, "planned"),
        ]
        done = AppointmentProcedure.objects.filter(appointment__uuid=results[1]["id"])
        assert {(p.status, p.completed_at is not None) for p in done} == {("complete", True)}
        assert [c for c, *_ in procedures(results[2])] == ["D0274"]
        assert procedures(results[3]) == []
        body = staff_client.get(f"appointments/{results[0]['id']}").json()
        assert body["production_amount"] == "185.00"

    def test_an_unknown_procedure_code_fails_its_row_alone(self, org, staff_client, row):
        ProcedureCodeFactory(org=org, code="D0120")
        results = bulk(
            staff_client,
            [row(procedure_codes=["D0120"]), row("11:00", "11:30", procedure_codes=["D9999"])],
        )
        assert statuses(results) == ["created", "failed"]
        (error,) = results[1]["errors"]
        assert error["loc"] == ["body", "rows", 1, "procedure_codes"]
        assert (error["type"], error["msg"]) == (
            "unknown_code",
            "Unknown procedure code(s): D9999.",
        )


class TestDryRun:
    def test_a_dry_run_gives_the_verdicts_of_the_real_run_and_writes_nothing(
        self, org, staff_client, row, booked, other_chair
    ):
        BlockoutFactory(
            org=org,
            location=Appointment.objects.get().location,
            operatory=None,
            blockout_type=BlockoutTypeFactory(org=org, is_no_schedule=True),
            schedule_date=MONDAY,
            start_time=time(16),
            end_time=time(17),
        )
        existing = bulk(staff_client, [row("07:00", "07:30", external_id="old", note="a")])[0]
        rows = [
            row("09:30", "10:30"),  # the booked appointment
            row("10:00", "11:00"),
            row("10:30", "11:30"),  # the row before
            row("10:30", "11:30", allow_overlap=True),
            row("16:00", "16:30", operatory_uuid=str(other_chair.uuid)),  # blocked
            row(start_time="9am"),  # invalid
            row("07:00", "07:30", external_id="old", note="b"),  # an update
            row("07:00", "07:30", external_id="old", note="b"),  # then nothing to change
            row("07:15", "07:45"),  # the updated appointment
            row("12:00", "12:30", external_id="new"),
            row("12:00", "12:30", external_id="new", note="twice"),  # updates the row before
        ]
        before = (Appointment.objects.count(), AppointmentHistory.objects.count())

        rehearsed = bulk(staff_client, rows, dry_run=True)

        assert (Appointment.objects.count(), AppointmentHistory.objects.count()) == before
        real = bulk(staff_client, rows)
        expected = {"created": "validated", "updated": "validated"}
        assert statuses(rehearsed) == [expected.get(s, s) for s in statuses(real)]
        assert statuses(real) == [
            "failed",
            "created",
            "failed",
            "created",
            "failed",
            "failed",
            "updated",
            "skipped",
            "failed",
            "created",
            "updated",
        ]
        for dry, done in zip(rehearsed, real, strict=True):
            assert (dry["code"], len(dry["errors"])) == (done["code"], len(done["errors"]))
        assert [r["id"] for r in rehearsed[6:8]] == [existing["id"]] * 2
        # No id for an appointment only the dry run made, even when a later row updates it.
        assert [r["id"] for r in rehearsed[9:]] == [None, None]
        assert named(rehearsed[0]) == named(real[0]) == [booked["id"]]
        assert named(real[8]) == [existing["id"]]


class TestSameVerdictsAsSingleCreates:
    """Generated batches: each row's verdict in one batch equals what single creates of the
    same rows, sent one after the other, are told (rolled back before the batch runs)."""

    @pytest.mark.parametrize("seed", range(4))
    def test_a_batch_judges_each_row_as_a_single_create_would(
        self, org, location, patient, staff_client, seed
    ):
        rng = random.Random(seed)
        chairs = [OperatoryFactory(org=org, location=location) for _ in range(2)]
        exam, prophy = (AppointmentTypeFactory(org=org, duration_minutes=30) for _ in range(2))
        AppointmentRule.objects.create(
            org=org, appointment_type_a=exam, appointment_type_b=prophy, allow_overlap=True
        )
        BlockoutFactory(
            org=org,
            location=location,
            operatory=chairs[0],
            blockout_type=BlockoutTypeFactory(org=org, is_no_schedule=True),
            schedule_date=MONDAY,
            start_time=time(11),
            end_time=time(11, 30),
        )
        rows = []
        for _ in range(30):
            start = rng.randrange(9 * 12, 12 * 12)  # in 5-minute steps
            length = rng.choice((15, 30, 45, 60))
            kind = rng.choice((None, exam, prophy))
            rows.append(
                {
                    "location_uuid": str(location.uuid),
                    "patient_uuid": str(patient.uuid),
                    "operatory_uuid": str(rng.choice(chairs).uuid),
                    "schedule_date": DAY,
                    "start_time": f"{start // 12:02d}:{start % 12 * 5:02d}",
                    "end_time": f"{(start * 5 + length) // 60:02d}:{(start * 5 + length) % 60:02d}",
                    "allow_overlap": rng.random() < 0.15,
                    **({"appointment_type_uuid": str(kind.uuid)} if kind else {}),
                }
            )

        def verdicts(outcomes):
            """Per row: its code (None when booked) and the rows it collides with."""
            ids = {outcome["id"]: index for index, outcome in enumerate(outcomes)}
            return [
                (
                    o["code"],
                    sorted(ids[a["id"]] for a in (o["conflicts"] or {}).get("appointments", [])),
                )
                for o in outcomes
            ]

        singles = []
        with transaction.atomic():
            for body in rows:
                response = staff_client.post("appointments", body)
                assert response.status_code in (201, 409), response.json()
                answer = response.json()
                singles.append(
                    {
                        "id": answer.get("id"),
                        "code": answer.get("code"),
                        "conflicts": answer.get("conflicts"),
                    }
                )
            transaction.set_rollback(True)
        assert not Appointment.objects.exists()

        batch = bulk(staff_client, rows)

        assert verdicts(batch) == verdicts(singles)
        assert sum(o["code"] is None for o in singles) == Appointment.objects.count() > 0
        assert {o["code"] for o in singles} >= {None, "APPOINTMENT_OVERLAP"}
