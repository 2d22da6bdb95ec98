"""The kit's round-trip savers (scheduling/db.py): prepared statements for constant SQL,
and several statements in one round trip, each seen by Django as one query."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, Count
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, AppointmentHistory
from scheduling.db import (
    Composed,
    equals_any,
    fetch_together,
    insert_together,
    new_ids,
    prepared_cursor,
    run_together,
)
from scheduling.models import Location, Operatory
from tests.factories import AppointmentFactory, LocationFactory, OperatoryFactory

pytestmark = pytest.mark.django_db


def _prepared(fragment: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchone()[0]


def test_a_prepared_statement_is_prepared_once_and_logged_with_its_values():
    sql = "SELECT %s::int + 40 AS chairside_prepared_probe"
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            with prepared_cursor() as cursor:
                cursor.execute(sql, [2])
                assert cursor.fetchone() == (42,)
    assert _prepared("chairside_prepared_probe") == 1
    assert [q["sql"] for q in ctx.captured_queries] == [
        "SELECT 2::int + 40 AS chairside_prepared_probe"
    ] * 3


def test_statements_run_together_in_order_each_with_its_rows():
    location = LocationFactory()
    with CaptureQueriesContext(connection) as ctx:
        results = run_together(
            [
                ("UPDATE scheduling_location SET name = %s WHERE id = %s", ["Moved", location.pk]),
                ("SELECT name FROM scheduling_location WHERE id = %s", [location.pk]),
                ("SELECT %s::int, %s::text", [7, "it's"]),
            ]
        )
    assert results == [[], [("Moved",)], [(7, "it's")]]  # the second sees the first's write
    assert len(ctx.captured_queries) == 1
    assert run_together([]) == []


def test_querysets_fetched_together_are_what_iterating_them_gives():
    chair = OperatoryFactory()
    AppointmentFactory(org=chair.org, operatory=chair)
    with_location = Operatory.objects.filter(pk=chair.pk).select_related("location")
    annotated = Location.objects.filter(pk=chair.location_id).annotate(
        chairs=Count("operatories", distinct=True)
    )
    with CaptureQueriesContext(connection) as ctx:
        operatories, locations, nothing = fetch_together(
            [with_location, annotated, Location.objects.filter(pk__in=[])]
        )
    assert len(ctx.captured_queries) == 1
    assert operatories == list(with_location) and nothing == []
    assert locations == list(annotated) and locations[0].chairs == 1
    with CaptureQueriesContext(connection) as ctx:  # select_related: no query to reach it
        assert operatories[0].location.name == chair.location.name
    assert ctx.captured_queries == []
    assert not operatories[0]._state.adding


def test_values_lists_fetched_together_are_their_tuples():
    chair = OperatoryFactory()
    appointment = AppointmentFactory(org=chair.org, operatory=chair)
    intervals = Appointment.objects.filter(pk=appointment.pk).values_list(
        "operatory_id", "start_at", "end_at", "operatory__location__name"
    )
    with CaptureQueriesContext(connection) as ctx:
        rows, chairs = fetch_together([intervals, Operatory.objects.filter(pk=chair.pk)])
    assert len(ctx.captured_queries) == 1
    assert rows == list(intervals) and rows[0][1] == appointment.start_at  # aware, as read
    assert chairs == [chair]
    with pytest.raises(TypeError):
        fetch_together([Operatory.objects.values("pk")])


def test_instances_inserted_together_are_saved_as_bulk_create_would():
    appointment = AppointmentFactory()
    entries = [
        AppointmentHistory(
            org_id=appointment.org_id,
            appointment=appointment,
            appointment_uuid=appointment.uuid,
            action="created",
            version=n,
        )
        for n in (1, 2)
    ]
    with CaptureQueriesContext(connection) as ctx:
        insert_together([entries, []])
    assert len(ctx.captured_queries) == 1
    saved = AppointmentHistory.objects.filter(appointment=appointment).order_by("version")
    assert [(e.uuid, e.version) for e in saved] == [(e.uuid, e.version) for e in entries]
    assert all(e.created_at is not None and e.changes == {} for e in saved)
    missing_uuid = AppointmentHistory(org_id=appointment.org_id, action="created")
    with pytest.raises(IntegrityError), transaction.atomic():  # the database's, as Django's
        insert_together([[missing_uuid]])


def test_rows_carrying_keys_drawn_by_new_ids_are_inserted_with_them():
    """Keys drawn ahead (``new_ids``: distinct, from the table's sequence) are the rows'
    own once inserted; the rows then need no save to be named."""
    appointment = AppointmentFactory()
    (drawn,) = run_together([new_ids(AppointmentHistory, 2)])
    ids = [pk for (pk,) in drawn]
    assert len(set(ids)) == 2
    entries = [
        AppointmentHistory(
            pk=pk,
            org_id=appointment.org_id,
            appointment=appointment,
            appointment_uuid=appointment.uuid,
            action="created",
            version=n,
        )
        for n, pk in enumerate(ids, start=1)
    ]
    insert_together([entries])
    saved = AppointmentHistory.objects.filter(appointment=appointment).order_by("version")
    assert [(e.pk, e.version) for e in saved] == [(pk, n) for n, pk in enumerate(ids, start=1)]
    later = AppointmentHistory.objects.create(
        org_id=appointment.org_id,
        appointment=appointment,
        appointment_uuid=appointment.uuid,
        action="created",
    )
    assert later.pk not in ids
    keyed = AppointmentHistory(pk=later.pk + 1000, org_id=appointment.org_id, action="created")
    unkeyed = AppointmentHistory(org_id=appointment.org_id, action="created")
    with pytest.raises(ValueError):  # the given key would be dropped silently
        insert_together([[keyed, unkeyed]])


def test_reads_sent_after_inserts_see_them_in_the_same_round_trip():
    """``insert_together(then=...)``: the statements run after the inserts (each sees
    them), in their round trip; their rows come back in order."""
    appointment = AppointmentFactory()
    entry = AppointmentHistory(
        org_id=appointment.org_id,
        appointment=appointment,
        appointment_uuid=appointment.uuid,
        action="created",
        version=7,
    )
    count = (
        "SELECT count(*) FROM appointments_appointmenthistory WHERE appointment_id = %s",
        [appointment.pk],
    )
    with CaptureQueriesContext(connection) as ctx:
        found = insert_together([[entry]], then=[count, ("SELECT %s", [5])])
    assert len(ctx.captured_queries) == 1
    assert found == [[(1,)], [(5,)]]
    assert insert_together([[]]) == []


def _chairs(v: dict):
    """A statement of several kinds of value: ids, a list for ANY, text, a number."""
    return (
        Operatory.objects.filter(org=v["org"], item_order__gte=v["order"])
        .filter(RawSQL("location_id = ANY(%s::bigint[])", [v["locations"]], BooleanField()))
        .exclude(name=v["name"])
        .order_by("item_order", "id")
        .values_list("name", "item_order")[:100]
    )


COMPOSED_SENTINELS = {
    "org": 1_000_000_001,
    "locations": [1_000_000_002],
    "name": "composed-sentinel",
    "order": 32_001,
}


def test_a_composed_statement_reads_what_its_queryset_reads():
    """Composed once, run with other values: the rows the ORM's queryset gives for
    them, each value in its place; built and compiled by the ORM once."""
    built = []

    def build(v):
        built.append(v)
        return _chairs(v)

    composed = Composed(build, **COMPOSED_SENTINELS)
    location = LocationFactory()
    for order in range(4):
        OperatoryFactory(org=location.org, location=location, name=f"Op {order}", item_order=order)
    OperatoryFactory(org=location.org, name="Op elsewhere")
    org, here = location.org_id, [location.pk]
    for values, expected in (
        ({"org": org, "locations": here, "name": "", "order": 2}, [("Op 2", 2), ("Op 3", 3)]),
        (
            {"org": org, "locations": here, "name": "Op 0", "order": 0},
            [("Op 1", 1), ("Op 2", 2), ("Op 3", 3)],
        ),
        ({"org": org + 1, "locations": here, "name": "", "order": 0}, []),
        ({"org": org, "locations": [], "name": "", "order": 0}, []),
    ):
        assert composed.rows(**values) == list(_chairs(values)) == expected
    assert len(built) == 1


def test_a_sentinel_the_statement_does_not_hold_is_refused():
    """A value the statement never holds (or that Django dropped) cannot be filled in:
    composing says which."""
    composed = Composed(_chairs, **COMPOSED_SENTINELS, unused=date(1901, 1, 1))
    with pytest.raises(ValueError, match="unused"):
        composed.rows(org=1, locations=[1], name="x", order=0, unused=date(2026, 1, 1))


def test_a_composed_model_statement_reads_instances():
    """A model queryset composed: its instances, ``select_related`` loaded, alone
    (``rows``) or from rows sent with others (``read``); ``equals_any`` as its ``__in``."""
    location = LocationFactory()
    chairs = [
        OperatoryFactory(org=location.org, location=location, name=f"Op {n}", item_order=n)
        for n in range(3)
    ]
    composed = Composed(
        lambda v: (
            Operatory.objects.filter(equals_any("id", v["ids"]), org=v["org"])
            .select_related("location")
            .order_by("item_order")
        ),
        org=1_000_000_001,
        ids=[1_000_000_002],
    )
    wanted = [chairs[2].pk, chairs[0].pk]
    read = composed.rows(org=location.org_id, ids=wanted)
    assert [(chair.pk, chair.name) for chair in read] == [
        (chairs[0].pk, "Op 0"),
        (chairs[2].pk, "Op 2"),
    ]
    with CaptureQueriesContext(connection) as ctx:
        assert read[0].location.timezone == location.timezone
    assert len(ctx.captured_queries) == 0
    (rows,) = run_together([composed.statement(org=location.org_id, ids=[chairs[1].pk])])
    assert composed.read(rows) == [chairs[1]]
    assert composed.rows(org=location.org_id + 1, ids=wanted) == []


def test_only_instances_and_values_lists_are_composed():
    composed = Composed(
        lambda v: Operatory.objects.filter(org=v["org"]).values(), org=1_000_000_001
    )
    with pytest.raises(TypeError):
        composed.rows(org=1)
