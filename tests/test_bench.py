"""The pieces of ``make bench``: the floor app and the framework's floors, the measuring
client against them under a real gunicorn, the PASS/FAIL arithmetic, and the calendar
scene (built small) with its floors reading what the calendars show. No test asserts a
time."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from appointments.bench import calendars, client, framework, scenes
from appointments.bench.data import PRACTICE_PATIENTS, InProcess, outside_scenes
from appointments.bench.report import Row, Target, latency_table, throughput_table
from appointments.bench.servers import Gunicorn
from appointments.models import Appointment
from config import bench_floor
from config import bench_framework as config_bench_framework
from recalls.models import PatientRecall
from scheduling.models import ApiToken, Operatory, Patient
from tests.factories import (
    AppointmentTypeFactory,
    DefinitionFactory,
    OperatoryFactory,
    PatientFactory,
    ProcedureCodeFactory,
    RecallTypeFactory,
    UserFactory,
)
from waitlist.models import Opening, WaitlistEntry


def call_wsgi(app, path="/"):
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": path}, start_response))
    return seen["status"], seen["headers"], body


def test_floor_app_answers_json():
    status, headers, body = call_wsgi(bench_floor.application, "/api/v1/anything")
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    assert json.loads(body)["status"] == "scheduled"


@pytest.mark.parametrize("size", [0, 1500, 4000])
def test_floor_body_has_the_size_asked_for(size):
    body = bench_floor.body(size)
    assert json.loads(body)["id"]
    assert len(body) == max(size, len(bench_floor.body(0)))


def test_client_against_the_floor_app_under_gunicorn(tmp_path):
    call = client.Call("GET", "/")
    with Gunicorn(
        "config.bench_floor:application",
        env={**os.environ, "BENCH_FLOOR_BYTES": "800"},
        log=tmp_path / "gunicorn.log",
        cwd=Path(bench_floor.__file__).resolve().parents[1],
    ) as server:
        master = psutil.Process(server.process.pid)
        workers = master.children(recursive=True)
        target = client.Target("127.0.0.1", server.port)
        latency = client.latency(target, lambda run: call, 20)
        assert len(latency.times) == 20
        assert latency.median <= latency.p90
        done = client.throughput(target, lambda run: call, connections=3, duration=0.5)
        assert done.requests > 0 and done.per_second > 0
        capped = client.throughput(
            target, lambda run: call, connections=2, duration=60, max_requests=10
        )
        assert capped.requests == 10
        with pytest.raises(client.BenchError, match="status 200, not 201"):
            client.latency(target, lambda run: client.Call("GET", "/", expect=201), 1, warmup=0)
    assert not master.is_running()
    assert not any(worker.is_running() for worker in workers)


def test_targets_pass_and_fail():
    detail = Row("detail", 0.030, floor=0.010, target=Target(3, text="≤ 3×"))
    assert detail.result == "PASS"
    assert Row("detail", 0.031, floor=0.010, target=Target(3)).result == "FAIL"
    create = Target(3, max_queries=10)
    assert Row("create", 0.02, floor=0.01, target=create, queries=[10]).result == "PASS"
    assert Row("create", 0.02, floor=0.01, target=create, queries=[9, 11]).result == "FAIL"
    rate = Target(0.25, at_least=True, text="≥ 25%")
    assert Row("detail", 250, floor=1000, target=rate).result == "PASS"
    assert Row("detail", 249, floor=1000, target=rate).result == "FAIL"
    assert Row("bulk", 1.2, target=Target(1.0)).result == "FAIL"
    assert "| 3.00× | ≤ 3× | PASS |" in "\n".join(latency_table([detail]))
    assert "| 25% | ≥ 25% | PASS |" in "\n".join(
        throughput_table([Row("d", 250, floor=1000, target=rate)])
    )


def test_an_absolute_target_is_judged_on_the_value_beside_its_floor():
    monthly = Target(0.050, absolute=True, text="≤ 50 ms")
    assert Row("monthly", 0.045, floor=0.005, target=monthly).result == "PASS"
    assert Row("monthly", 0.051, floor=0.040, target=monthly).result == "FAIL"
    assert "| 9.00× | ≤ 50 ms | PASS |" in "\n".join(
        latency_table([Row("monthly", 0.045, floor=0.005, target=monthly)])
    )


def test_the_month_holds_its_total_with_the_week_at_its_count():
    counts = calendars.day_counts(
        calendars.MONTH,
        week_start=calendars.WEEK_START,
        per_day=300,
        total=10_000,
        chairs=10,
    )
    assert list(counts) == [calendars.MONTH + timedelta(days=n) for n in range(31)]
    assert sum(counts.values()) == 10_000
    week = [calendars.WEEK_START + timedelta(days=n) for n in range(7)]
    assert calendars.DAY in week and calendars.WEEK_START.weekday() == 0
    assert [counts[day] for day in week] == [300] * 7
    others = {counts[day] for day in counts if day not in week}
    assert others == {329, 330}


@pytest.mark.parametrize(
    ("week_start", "per_day", "total", "chairs", "problem"),
    [
        (date(2026, 10, 28), 300, 10_000, 10, "not in 2026-10"),
        (date(2026, 10, 12), 300, 2_000, 10, "more than 2000"),
        (date(2026, 10, 12), 300, 10_000, 8, "more than 8 chairs hold"),
    ],
)
def test_a_month_that_cannot_be_planned_is_refused(week_start, per_day, total, chairs, problem):
    with pytest.raises(ValueError, match=problem):
        calendars.day_counts(
            calendars.MONTH, week_start=week_start, per_day=per_day, total=total, chairs=chairs
        )


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _result_sets(sql: str, params: list) -> list[list[tuple]]:
    sets = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            sets.append(cursor.fetchall() if cursor.description is not None else [])
            if not cursor.nextset():
                break
    return sets


def test_calendar_scene_is_built_once_and_its_floors_read_what_the_calendars_show(
    org, admin_client
):
    """A small scene (3 chairs, 12 a day in the week, 500 in the month): built, reused,
    left out of the bench's practice; the card floor reads the daily and weekly calendars'
    cards, the month floor the monthly calendar's counts and production."""
    patients = PatientFactory.create_batch(5, org=org)
    codes = [
        ProcedureCodeFactory(org=org, code=c, default_fee=Decimal(f))
        for c, f in (("D1110", "95.00"), ("D0120", "60.50"))
    ]
    AppointmentTypeFactory(org=org, procedure_codes_to_add=[c.code for c in codes])
    AppointmentTypeFactory(org=org)
    DefinitionFactory(org=org)
    practice_chair = OperatoryFactory(org=org)
    said: list[str] = []
    scene = calendars.CalendarScene(org, patients, said.append, chairs=3, per_day=12, total=500)
    scene.ensure()
    assert Appointment.objects.filter(org=org).count() == 500
    assert said[-1].startswith("building")
    calendars.CalendarScene(org, patients, said.append, chairs=3, per_day=12, total=500).ensure()
    assert said[-1].startswith("reusing")
    assert Appointment.objects.filter(org=org).count() == 500
    assert list(outside_scenes(Operatory.objects.filter(org=org))) == [practice_chair]

    for call, days in ((scene.daily(0), 1), (scene.weekly(0), 7)):
        response = admin_client.get(call.path)
        assert response.status_code == 200
        body = response.json()
        assert call.check(body) is None
        shown = [card["id"] for day in body.get("days", [body]) for card in day["appointments"]]
        assert len(shown) == scene.cards(days) == 12 * days
        read = _rows(*scene.card_statement(days))
        assert sorted(str(row[1]) for row in read) == sorted(shown)
        # The rest of the floor: the calendar's other reads, the day's chairs among them.
        sets = _result_sets(*scene.schedule_statements(days))
        assert len(sets) == 5
        assert len(sets[-1]) == len(body.get("days", [body])[0]["operatories"]) == 3

    response = admin_client.get(scene.monthly(0).path)
    assert response.status_code == 200
    assert scene.monthly(0).check(response.json()) is None
    shown = {
        date.fromisoformat(day["date"]): (
            day["appointment_count"],
            Decimal(day["scheduled_production"]),
            Decimal(day["completed_production"]),
        )
        for day in response.json()["days"]
    }
    read = {
        day: (count, scheduled, completed)
        for day, count, scheduled, completed in _rows(*scene.month_statement())
    }
    assert read == shown
    assert sum(count for count, _, _ in read.values()) == 500
    assert any(completed for _, _, completed in read.values())
    assert any(scheduled for _, scheduled, _ in read.values())


def test_the_apps_scenes_are_found_in_their_bench_modules(org):
    """``recalls/bench.py`` registers its scene; the runner finds it without the
    appointments app importing recalls."""
    from recalls.bench import RecallScene

    found = scenes.scenes(org, print, repeat=1)
    assert any(isinstance(scene, RecallScene) for scene in found)


def test_recall_scene_is_loaded_once_and_its_floor_reads_the_due_page(org, admin_client):
    """A small recall scene (100 patients, 400 recalls): loaded, reused, left out of the
    bench's practice; its timed requests answer what their checks expect, and the floor
    reads the due page's rows in the due list's order."""
    from recalls import bench as recall_bench

    for name in recall_bench.TYPES:
        RecallTypeFactory(org=org, name=name)
    practice_patient = PatientFactory(org=org)
    said: list[str] = []
    scene = recall_bench.RecallScene(org, said.append, repeat=1, patients=100)
    scene.ensure()
    assert PatientRecall.objects.filter(org=org).count() == 400
    assert said[-1].startswith("loading")
    recall_bench.RecallScene(org, said.append, repeat=1, patients=100).ensure()
    assert said[-1].startswith("reusing")
    assert PatientRecall.objects.filter(org=org).count() == 400
    assert list(
        Patient.objects.filter(org=org).exclude(external_id__startswith=scenes.SCENE_PATIENTS)
    ) == [practice_patient]

    assert scene.due > recall_bench.PAGE_SIZE
    for timed in scene.timed():
        call = timed.make(0)
        response = admin_client.get(call.path)
        assert response.status_code == 200, response.json()
        assert call.check(response.json()) is None

    read = []
    scene.floors(lambda sql, params, rows, **kw: read.extend(_rows(sql, params(0))))
    due_page = admin_client.get(scene.timed()[0].make(0).path).json()["items"]
    uuid_of = dict(PatientRecall.objects.filter(org=org).values_list("id", "uuid"))
    assert [str(uuid_of[row[0]]) for row in read] == [item["id"] for item in due_page]


def test_waitlist_scene_is_loaded_once_and_quick_fill_finds_its_matches(
    org, location, second_location, admin_client
):
    """A small waitlist scene (200 entries of 100 practice patients): loaded, reused, its
    chairs and provider left out of the bench's practice; its quick-fill matches some of
    the entries and not others."""
    from waitlist import bench as waitlist_bench

    for n in range(100):
        PatientFactory(org=org, external_id=f"{PRACTICE_PATIENTS}{n}")
    AppointmentTypeFactory.create_batch(2, org=org, duration_minutes=30)
    DefinitionFactory(org=org, category="WaitlistPriority", item_order=0)
    said: list[str] = []
    scene = waitlist_bench.WaitlistScene(org, said.append, repeat=1, entries=200)
    scene.ensure()
    assert said[-1].startswith("loading")
    assert WaitlistEntry.objects.filter(org=org).count() == 200
    scene = waitlist_bench.WaitlistScene(org, said.append, repeat=1, entries=200)
    scene.ensure()  # books its appointments to cancel afresh
    assert said[-1].startswith("reusing")
    assert WaitlistEntry.objects.filter(org=org).count() == 200
    assert (
        not outside_scenes(Operatory.objects.filter(org=org))
        .filter(location=scene.location)
        .exists()
    )

    call = scene.quick_fill(0)
    response = admin_client.post(call.path, call.body, format="json")
    assert response.status_code == 200, response.json()
    assert call.check(response.json()) is None
    assert response.json()["total_matches"] < 200

    # A near cancel records an opening with matches, a far one none; cleanup removes
    # both appointments and the opening (the opening pointed at its appointment).
    for kind, openings in (("far", 0), ("near", 1)):
        call = scene.cancel(kind)(0)
        response = admin_client.post(call.path, call.body)
        assert response.status_code == 200, response.json()
        assert Opening.objects.filter(org=org).count() == openings
    assert Opening.objects.get(org=org).total_matches > 0
    scene.cleanup()
    assert not Opening.objects.filter(org=org).exists()
    assert not Appointment.objects.filter(org=org, location=scene.location).exists()


@pytest.fixture
def bearer(db):
    return ApiToken.issue(user=UserFactory(), name="bench")[1]


def test_framework_floors_count_their_queries(bearer):
    counts = framework.query_counts(bearer, runs=2)
    # Django and DRF alone touch no database; the token's check is one statement; the
    # write adds its transaction's start, its UPDATE and its end (here a savepoint's).
    assert counts == {"django": [0, 0], "drf": [0, 0], "token": [1, 1], "write": [4, 4]}


@pytest.mark.parametrize("rung", framework.RUNGS, ids=lambda rung: rung.name)
def test_each_framework_floor_answers_the_floor_body(rung, bearer):
    with override_settings(ROOT_URLCONF=framework.URLCONF):
        response = InProcess(bearer, framework.PREFIX).send(rung.call)  # its status checked
    assert json.loads(response.content) == json.loads(config_bench_framework.BODY)


def test_the_token_floors_check_the_token_and_the_write_its_body(bearer):
    invalid = client.Call("POST", "write", {"note": "x"}, expect=422)
    with override_settings(ROOT_URLCONF=framework.URLCONF):
        assert APIClient().get(framework.PREFIX + "token").status_code == 401
        response = InProcess(bearer, framework.PREFIX).send(invalid)
    assert {error["loc"][-1] for error in response.json()["detail"]} == {"start_at", "end_at"}


@pytest.mark.parametrize("rung", framework.RUNGS, ids=lambda rung: rung.name)
def test_the_project_does_not_serve_the_framework_floors(rung, bearer):
    not_found = client.Call(rung.call.method, rung.call.path, rung.call.body, expect=404)
    InProcess(bearer, framework.PREFIX).send(not_found)


def test_framework_floors_under_gunicorn_use_their_own_routes(tmp_path):
    env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL, "BENCH_FLOOR_BYTES": "900"}
    with framework.server(env, tmp_path / "gunicorn.log", Path(settings.BASE_DIR)) as server:
        target = client.Target("127.0.0.1", server.port, prefix=framework.PREFIX)
        for name in ("django", "drf"):
            assert len(client.Connection(target).checked(client.Call("GET", name))) == 900
        # The project's routes are not served there.
        target = client.Target("127.0.0.1", server.port)
        missing = client.Call("GET", "/api/schema/", expect=404)
        client.Connection(target).checked(missing)
