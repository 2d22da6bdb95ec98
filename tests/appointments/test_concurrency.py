"""Race freedom, with real threads on separate database connections.

CONVENTIONS "Scheduling rules": concurrent requests for one slot yield exactly one
success (the conflict check and the write are serialized per operatory inside the
transaction). "Optimistic concurrency": two writers with the same ``base_version`` can
never both succeed.

To make a missing lock show up every time instead of now and then, ``wide_window``
stretches the check-then-write window: the overlap query sleeps after it has read. With
the per-operatory advisory lock that only makes the requests queue; without it every
thread would read "free" and book.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date
from datetime import time as dt_time

import pytest
from django.db import connection, transaction

from appointments.models import Appointment, AppointmentHistory
from appointments.services import conflicts
from appointments.services import lifecycle as appointment_services
from scheduling.locks import OPERATORY_BOOKINGS, xact_lock
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    DefinitionFactory,
    OperatoryFactory,
    PatientFactory,
    ProcedureCodeFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = 0.05  # seconds between the overlap check and the write


@pytest.fixture
def wide_window(monkeypatch):
    original = conflicts.live_appointments_around

    def slow(org_id, slots):
        found = original(org_id, slots)
        time.sleep(WINDOW)
        return found

    monkeypatch.setattr(conflicts, "live_appointments_around", slow)


@pytest.fixture
def clients(org):
    """Six staff clients, one per thread (a client is not shared between threads)."""
    return [api_for(org, Role.STAFF) for _ in range(6)]


def booking(location, chair, patient, start="09:00", end="10:00", **fields):
    return {
        "location_uuid": str(location.uuid),
        "patient_uuid": str(patient.uuid),
        "operatory_uuid": str(chair.uuid),
        "schedule_date": DAY,
        "start_time": start,
        "end_time": end,
        **fields,
    }


def in_thread(work):
    """Run ``work()`` in another thread (its own connection) and return its result."""
    return run_concurrently(1, lambda _: work())[0]


# --- one slot, many bookers --------------------------------------------------------------


def test_simultaneous_creates_for_one_slot_leave_exactly_one(
    wide_window, clients, location, chair, patient
):
    for hour in (9, 11, 13):  # three rounds, each at its own hour
        # Every pair of these intervals overlaps.
        bodies = [
            booking(location, chair, patient, f"{hour:02d}:{5 * i:02d}", f"{hour + 1:02d}:00")
            for i in range(len(clients))
        ]

        responses = run_concurrently(
            len(clients), lambda i, bodies=bodies: clients[i].post("appointments", bodies[i])
        )

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * 5, [r.json() for r in responses]
        (winner,) = [r.json() for r in responses if r.status_code == 201]
        for response in responses:
            if response.status_code == 409:
                body = response.json()
                assert body["code"] == "APPOINTMENT_OVERLAP"
                assert [a["id"] for a in body["conflicts"]["appointments"]] == [winner["id"]]
        booked = Appointment.objects.filter(
            start_at__lt=to_utc(date(2030, 3, 4), dt_time(hour + 1), location.timezone),
            end_at__gt=to_utc(date(2030, 3, 4), dt_time(hour), location.timezone),
        )
        assert list(booked.values_list("uuid", flat=True)) == [uuid.UUID(winner["id"])]
    assert Appointment.objects.count() == AppointmentHistory.objects.count() == 3


def test_simultaneous_creates_in_different_chairs_all_succeed(
    wide_window, org, clients, location, patient
):
    chairs = [OperatoryFactory(org=org, location=location) for _ in clients]

    responses = run_concurrently(
        len(clients),
        lambda i: clients[i].post("appointments", booking(location, chairs[i], patient)),
    )

    assert [r.status_code for r in responses] == [201] * len(clients)
    assert Appointment.objects.filter(operatory__in=chairs).count() == len(clients)


def test_the_lock_is_per_chair_and_held_until_commit(
    org, location, chair, other_chair, patient, clients
):
    """While one transaction holds chair 1, chair 2 books at once and chair 1 waits."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                xact_lock(OPERATORY_BOOKINGS, [chair.pk])
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    results: dict = {}

    def book_in(name, chair_, client):
        def run():
            try:
                results[name] = client.post(
                    "appointments", booking(location, chair_, patient)
                ).status_code
            finally:
                connection.close()

        return threading.Thread(target=run)

    holder = threading.Thread(target=hold)
    holder.start()
    same = book_in("same", chair, clients[1])
    try:
        assert holding.wait(5)
        other = book_in("other", other_chair, clients[0])
        other.start()
        other.join(5)
        assert not other.is_alive(), "a booking in another chair waited for chair 1's lock"
        assert results["other"] == 201
        same.start()
        same.join(0.5)
        assert same.is_alive(), "a booking in chair 1 did not wait for the lock holder"
        assert "same" not in results
    finally:
        release.set()
        holder.join(5)
        if same.ident is not None:
            same.join(5)
    assert results["same"] == 201
    assert Appointment.objects.count() == 2


def test_every_way_into_one_slot_races_fairly(org, wide_window, clients, location, patient, chair):
    """Create, move, PATCH, place and a bulk row all aim at chair 1, 14:00–15:00."""
    elsewhere = OperatoryFactory(org=org, location=location)
    staff = clients[0]

    def existing(start):
        body = booking(location, elsewhere, PatientFactory(org=org), start, start[:2] + ":30")
        response = staff.post("appointments", body)
        assert response.status_code == 201
        return response.json()

    to_move, to_patch = existing("08:00"), existing("09:00")
    pinned = staff.post(
        "appointments",
        {
            "location_uuid": str(location.uuid),
            "patient_uuid": str(patient.uuid),
            "status": "pinboard",
        },
    ).json()
    target = {
        "schedule_date": DAY,
        "start_time": "14:00",
        "end_time": "15:00",
        "operatory_uuid": str(chair.uuid),
    }
    attempts = [
        lambda c: c.post("appointments", booking(location, chair, patient, "14:00", "15:00")),
        lambda c: c.post(f"appointments/{to_move['id']}/move", {"base_version": 1, **target}),
        lambda c: c.patch(f"appointments/{to_patch['id']}", {"base_version": 1, **target}),
        lambda c: c.post(f"appointments/{pinned['id']}/place", {"base_version": 1, **target}),
        lambda c: c.post(
            "appointments/bulk",
            {"rows": [booking(location, chair, patient, "14:30", "15:30")]},
        ),
    ]

    responses = run_concurrently(len(attempts), lambda i: attempts[i](clients[i]))

    def won(response) -> bool:
        if response.request["PATH_INFO"].endswith("/bulk"):
            assert response.status_code == 200
            (row,) = response.json()["results"]
            assert row["status"] in ("created", "failed"), row
            assert row["status"] == "created" or row["code"] == "APPOINTMENT_OVERLAP"
            return row["status"] == "created"
        assert response.status_code in (200, 201, 409), response.json()
        if response.status_code == 409:
            assert response.json()["code"] == "APPOINTMENT_OVERLAP"
        return response.status_code != 409

    assert sum(won(r) for r in responses) == 1, [r.json() for r in responses]
    in_chair = Appointment.objects.filter(operatory=chair, status="scheduled")
    assert in_chair.count() == 1


def test_two_moves_into_one_free_slot_exactly_one_wins(
    org, wide_window, clients, location, patient, chair, other_chair
):
    for hour in (10, 12, 14):  # three rounds
        target = OperatoryFactory(org=org, location=location)
        movers = [
            clients[0].post("appointments", booking(location, c, patient, "08:00", "08:30")).json()
            for c in (chair, other_chair)
        ]
        move = {
            "base_version": 1,
            "schedule_date": DAY,
            "start_time": f"{hour}:00",
            "end_time": f"{hour}:45",
            "operatory_uuid": str(target.uuid),
        }

        responses = run_concurrently(
            2,
            lambda i, movers=movers, move=move: clients[i].post(
                f"appointments/{movers[i]['id']}/move", move
            ),
        )

        assert sorted(r.status_code for r in responses) == [200, 409]
        winner = next(r.json() for r in responses if r.status_code == 200)
        loser = next(r.json() for r in responses if r.status_code == 409)
        assert loser["code"] == "APPOINTMENT_OVERLAP"
        assert [a["id"] for a in loser["conflicts"]["appointments"]] == [winner["id"]]
        in_target = Appointment.objects.filter(operatory=target).values_list("uuid", flat=True)
        assert list(in_target) == [uuid.UUID(winner["id"])]
        # The loser is untouched: still at 08:00 in its chair, version 1, one history entry.
        lost = Appointment.objects.get(
            uuid=next(m["id"] for m in movers if m["id"] != winner["id"])
        )
        assert lost.version == 1 and lost.operatory_id in (chair.pk, other_chair.pk)
        assert AppointmentHistory.objects.filter(appointment_uuid=lost.uuid).count() == 1
        lost.delete()  # frees 08:00 for the next round


# --- one base_version, many writers ------------------------------------------------------


def test_writers_with_one_base_version_leave_exactly_one_winner(
    org, clients, location, chair, other_chair, patient, provider
):
    confirmed = DefinitionFactory(org=org, category="ApptConfirmed", name="Confirmed")
    code = ProcedureCodeFactory(org=org, code="D0120")
    for round_ in range(3):
        race_writers(
            clients,
            booking(location, chair, patient, schedule_date=f"2030-04-0{round_ + 1}"),
            {
                "schedule_date": f"2030-05-0{round_ + 1}",
                "start_time": "13:00",
                "end_time": "14:00",
                "operatory_uuid": str(other_chair.uuid),
            },
            confirmed=confirmed,
            code=code,
            provider=provider,
            other_chair=other_chair,
        )


def race_writers(clients, body, move, *, confirmed, code, provider, other_chair):
    created = clients[0].post("appointments", body)
    assert created.status_code == 201, created.json()
    appointment = created.json()
    path = f"appointments/{appointment['id']}"
    # None of these is refused by the state another one leaves (no final status, no slot
    # taken), so a loser that reads after the winner still fails only on its version.
    writers = {
        "updated": lambda c: c.patch(path, {"base_version": 1, "note": "latex allergy"}),
        "moved": lambda c: c.post(f"{path}/move", {"base_version": 1, **move}),
        "transitioned": lambda c: c.post(
            f"{path}/transition", {"base_version": 1, "status": "unscheduled"}
        ),
        "confirmation_changed": lambda c: c.patch(
            f"{path}/confirmation-status",
            {"base_version": 1, "confirmation_status_uuid": str(confirmed.uuid)},
        ),
        "providers_replaced": lambda c: c.put(
            f"{path}/providers",
            {"base_version": 1, "providers": [{"provider_uuid": str(provider.uuid)}]},
        ),
        "procedure_added": lambda c: c.post(
            f"{path}/procedures", {"base_version": 1, "procedure_code_uuid": str(code.uuid)}
        ),
    }
    actions = list(writers)

    responses = run_concurrently(len(actions), lambda i: writers[actions[i]](clients[i]))

    outcome = [(a, r.status_code) for a, r in zip(actions, responses, strict=True)]
    winners = [a for a, status_code in outcome if status_code in (200, 201)]
    assert len(winners) == 1, outcome
    (winner,) = winners
    for action, response in zip(actions, responses, strict=True):
        if action != winner:
            assert response.status_code == 409, (action, response.json())
            assert response.json()["code"] == "VERSION_CONFLICT"
            assert response.json()["current_version"] == 2
    row = Appointment.objects.get(uuid=appointment["id"])
    assert row.version == 2
    history = AppointmentHistory.objects.filter(appointment_uuid=row.uuid)
    assert list(history.values_list("action", "version")) == [(winner, 2), ("created", 1)]
    # Only the winner's change is in the row.
    assert (row.note == "latex allergy") == (winner == "updated")
    assert (row.operatory_id == other_chair.pk) == (winner == "moved")
    assert (row.status == "unscheduled") == (winner == "transitioned")
    assert (row.confirmation_status_id == confirmed.pk) == (winner == "confirmation_changed")
    assert row.provider_links.exists() == (winner == "providers_replaced")
    assert row.procedures.exists() == (winner == "procedure_added")


# --- bulk-confirm against a PATCH --------------------------------------------------------


def test_bulk_confirm_lists_the_appointment_that_lost_a_race(
    org, monkeypatch, clients, location, chair, other_chair, patient
):
    """Deterministic interleaving: right before bulk-confirm writes the second appointment,
    another connection PATCHes it (and commits). bulk-confirm read version 1, so that
    appointment lands in ``conflicts``; the first one is confirmed; nothing is lost."""
    confirmed = DefinitionFactory(org=org, category="ApptConfirmed", name="Confirmed")
    first, second = (
        clients[0].post("appointments", booking(location, c, patient)).json()
        for c in (chair, other_chair)
    )
    missing = "00000000-0000-0000-0000-000000000000"
    original = appointment_services.appointment_confirm
    raced: list[int] = []

    def confirm_after_a_patch(*, appointment, **kwargs):
        if str(appointment.uuid) == second["id"]:
            raced.append(
                in_thread(
                    lambda: (
                        clients[1]
                        .patch(
                            f"appointments/{second['id']}", {"base_version": 1, "note": "moved up"}
                        )
                        .status_code
                    )
                )
            )
        return original(appointment=appointment, **kwargs)

    monkeypatch.setattr(appointment_services, "appointment_confirm", confirm_after_a_patch)

    response = clients[2].post(
        "appointments/bulk-confirm",
        {
            "appointment_uuids": [first["id"], second["id"], missing],
            "confirmation_status_uuid": str(confirmed.uuid),
        },
    )

    assert raced == [200]
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [a["id"] for a in body["confirmed"]] == [first["id"]]
    assert body["confirmed"][0]["version"] == 2
    assert body["conflicts"] == [second["id"]]
    assert body["skipped"] == [missing]
    lost = Appointment.objects.get(uuid=second["id"])
    assert (lost.version, lost.note, lost.confirmation_status_id) == (2, "moved up", None)
    assert list(
        AppointmentHistory.objects.filter(appointment_uuid=lost.uuid).values_list(
            "action", flat=True
        )
    ) == ["updated", "created"]


def test_bulk_confirm_races_real_patches(org, clients, location, patient):
    """No staged interleaving: bulk-confirm and PATCHes of the same appointments at once.

    Per appointment, whatever the order: a PATCH that landed before bulk-confirm read the
    row leaves both writes in (version 3); otherwise the two raced on version 1 and exactly
    one of them went through (version 2): the PATCH (the appointment is in ``conflicts``)
    or the confirmation (the PATCH got 409). Never both on one base version, never
    neither, and every write left exactly one history entry.
    """
    confirmed = DefinitionFactory(org=org, category="ApptConfirmed", name="Confirmed")
    chairs = [OperatoryFactory(org=org, location=location) for _ in range(6)]
    appointments = [
        clients[0].post("appointments", booking(location, c, patient)).json() for c in chairs
    ]
    ids = [a["id"] for a in appointments]

    def work(i):
        if i == 0:
            return clients[0].post(
                "appointments/bulk-confirm",
                {"appointment_uuids": ids, "confirmation_status_uuid": str(confirmed.uuid)},
            )
        return clients[i].patch(f"appointments/{ids[i - 1]}", {"base_version": 1, "note": "x"})

    responses = run_concurrently(6, work)

    bulk = responses[0].json()
    assert responses[0].status_code == 200
    confirmed_ids = {a["id"] for a in bulk["confirmed"]}
    assert confirmed_ids | set(bulk["conflicts"]) == set(ids)
    assert not confirmed_ids & set(bulk["conflicts"])
    assert bulk["skipped"] == []
    for appointment_id, patch in zip(ids, responses[1:], strict=False):
        row = Appointment.objects.get(uuid=appointment_id)
        was_confirmed = appointment_id in confirmed_ids
        patched = patch.status_code == 200
        assert patched or patch.json()["code"] == "VERSION_CONFLICT"
        assert was_confirmed or patched, "neither write went through"
        assert row.version == 1 + was_confirmed + patched
        assert (row.confirmation_status_id == confirmed.pk) == was_confirmed
        assert (row.note == "x") == patched
        history = AppointmentHistory.objects.filter(appointment_uuid=row.uuid)
        assert history.count() == row.version
    # The sixth appointment had no PATCH racing it: it is confirmed.
    assert ids[5] in confirmed_ids
    assert Appointment.objects.get(uuid=ids[5]).version == 2


# --- bulk imports against each other and single bookings ---------------------------------


def test_concurrent_imports_and_a_booking_over_the_same_chairs_leave_one_winner_per_slot(
    org, wide_window, clients, location, patient
):
    """Two imports over the same three chairs, one listing its rows in the opposite order of
    the other, and a single booking, all at once (three rounds, each on its own day). Each
    contested slot ends with exactly one appointment, every loser fails naming the winner,
    and nobody deadlocks (a deadlock is a database error: a 500, or a row failing with
    another code)."""
    chairs = [OperatoryFactory(org=org, location=location) for _ in range(3)]
    # The test client checks every answer against the OpenAPI schema: build it here, once,
    # not in three threads at a time.
    assert clients[0].post("appointments/bulk", {"rows": []}).status_code == 200
    assert clients[0].post("appointments", {}).status_code == 422
    for day in ("2030-03-05", "2030-03-06", "2030-03-07"):

        def rows(start, end, day=day):
            return [
                booking(
                    location,
                    chair,
                    patient,
                    f"{h:02d}:{start}",
                    f"{h:02d}:{end}",
                    schedule_date=day,
                )
                for h in (9, 10, 11)
                for chair in chairs
            ]

        forward = rows("00", "45")
        # The same slots from the other end, shifted: each overlaps its twin in `forward`.
        backward = list(reversed(rows("15", "59")))
        single = booking(location, chairs[1], patient, "10:30", "11:00", schedule_date=day)
        requests = [
            ("appointments/bulk", {"rows": forward}),
            ("appointments/bulk", {"rows": backward}),
            ("appointments", single),
        ]

        responses = run_concurrently(
            len(requests), lambda i, requests=requests: clients[i].post(*requests[i])
        )

        imports = [r.json()["results"] for r in responses[:2]]
        assert [r.status_code for r in responses[:2]] == [200, 200]
        assert responses[2].status_code in (201, 409), responses[2].json()
        outcomes = [
            (row, body)
            for results, bodies in zip(imports, (forward, backward), strict=True)
            for row, body in zip(results, bodies, strict=True)
        ]
        single_won = responses[2].status_code == 201
        outcomes.append(
            (
                {
                    "status": "created" if single_won else "failed",
                    "id": responses[2].json().get("id"),
                    "code": responses[2].json().get("code"),
                    "conflicts": responses[2].json().get("conflicts"),
                },
                single,
            )
        )
        for row, _body in outcomes:
            assert row["status"] == "created" or row["code"] == "APPOINTMENT_OVERLAP", row
        winners = {row["id"] for row, _ in outcomes if row["status"] == "created"}
        for chair in chairs:
            for hour in (9, 10, 11):
                day_ = date.fromisoformat(day)
                start = to_utc(day_, dt_time(hour), location.timezone)
                end = to_utc(day_, dt_time(hour, 59), location.timezone)
                booked = Appointment.objects.filter(
                    operatory=chair, start_at__lt=end, end_at__gt=start
                )
                assert booked.count() == 1, (day, chair.name, hour)
                assert str(booked.get().uuid) in winners
        for row, _body in outcomes:
            if row["status"] == "failed":
                assert {a["id"] for a in row["conflicts"]["appointments"]} <= winners
                assert row["conflicts"]["appointments"]
    assert Appointment.objects.count() == AppointmentHistory.objects.count() == 27


def test_imports_racing_on_one_external_id_create_it_once_and_the_loser_fails_row_by_row(
    org, clients, location, patient, chair, other_chair, monkeypatch
):
    """Two imports of the same external ids (into different chairs, so no lock orders them)
    both read that the ids are new; the second one's insert then meets the first's rows in
    the unique index, and its rows, written again one by one, each fail on their own."""
    from appointments.services import bulk

    both_read = threading.Barrier(2, timeout=10)
    original = bulk._Batch._read_existing

    def read_then_wait(self, external_ids):
        found = original(self, external_ids)
        both_read.wait()
        return found

    assert clients[0].post("appointments/bulk", {"rows": []}).status_code == 200  # the schema
    monkeypatch.setattr(bulk._Batch, "_read_existing", read_then_wait)
    rows = {
        name: [
            booking(location, seat, patient, f"{hour}:00", f"{hour}:30", external_id=f"ext-{hour}")
            for hour in (9, 10, 11)
        ]
        for name, seat in (("first", chair), ("second", other_chair))
    }

    responses = run_concurrently(
        2, lambda i: clients[i].post("appointments/bulk", {"rows": list(rows.values())[i]})
    )

    results = [r.json()["results"] for r in responses]
    assert [r.status_code for r in responses] == [200, 200]
    outcomes = sorted(tuple(sorted({row["status"] for row in rs})) for rs in results)
    assert outcomes == [("created",), ("failed",)], results
    (lost,) = [rs for rs in results if rs[0]["status"] == "failed"]
    assert {row["code"] for row in lost} == {"DUPLICATE_EXTERNAL_ID"}
    assert sorted(Appointment.objects.values_list("external_id", flat=True)) == [
        "ext-10",
        "ext-11",
        "ext-9",
    ]
    assert AppointmentHistory.objects.count() == 3
