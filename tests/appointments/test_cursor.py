"""``GET /appointments/cursor``: keyset pagination on (sort field, id).

CONVENTIONS "Lists": ``{"data", "org_uuid", "page_info": {"end_cursor", "has_next_page"}}``,
an opaque cursor, a malformed cursor → 422; every sort field in both directions, ties
broken by the public ``id`` (the uuid; the internal key never leaves the database); NULL
start times last ascending and first descending; page 1,000 costs what page 1 costs; rows
inserted during a walk are never seen twice.
"""

from __future__ import annotations

import base64
import json
import threading
import time as time_module
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment, AppointmentProvider, AppointmentTag
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.appointments.conftest import DAY
from tests.concurrency import run_concurrently
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    DefinitionFactory,
    OperatoryFactory,
    PatientFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

PATH = "appointments/cursor"
SORT_STATUSES = ["scheduled", "planned", "complete"]
SORTS = ["start_time", "created_at", "updated_at", "status"]
FIELD = {
    "start_time": "start_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "status": "status",
}


def encode(obj) -> str:
    raw = obj if isinstance(obj, str) else json.dumps(obj)
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def page(client, **query):
    response = client.get(PATH, query)
    assert response.status_code == 200, response.json()
    return response.json()


def walk(client, *, first=3, **query) -> list[str]:
    """Follow ``end_cursor`` to the end; check each page's envelope on the way."""
    ids: list[str] = []
    after = None
    for _ in range(200):
        body = page(client, first=first, **query, **({"after": after} if after else {}))
        rows, info = body["data"], body["page_info"]
        assert len(rows) <= first
        ids += [row["id"] for row in rows]
        if not info["has_next_page"]:
            if rows:
                # One step further is an empty last page without a cursor.
                assert info["end_cursor"]
                tail = page(client, first=first, after=info["end_cursor"], **query)
                assert tail["data"] == []
                assert tail["page_info"] == {"end_cursor": None, "has_next_page": False}
            else:
                assert info["end_cursor"] is None
            return ids
        assert len(rows) == first and info["end_cursor"]
        after = info["end_cursor"]
    raise AssertionError("the walk does not end")


def expected_order(sort_by: str, sort_dir: str, queryset=None) -> list[str]:
    """(field, id) ascending with NULLs last; descending is the exact reverse.

    ``id`` is the public uuid; Python orders UUIDs as PostgreSQL does (byte by byte).
    """
    field = FIELD[sort_by]
    rows = (queryset if queryset is not None else Appointment.objects.all()).values_list(
        field, "uuid"
    )
    ordered = sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1]))
    ids = [str(uuid) for _, uuid in ordered]
    return ids if sort_dir == "asc" else ids[::-1]


@pytest.fixture
def third_chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 3")


def at(day: str, wall: str, tz: str = "America/Chicago") -> datetime:
    return to_utc(date.fromisoformat(day), time.fromisoformat(wall), tz)


@pytest.fixture
def practice(
    org,
    staff_client,
    location,
    second_location,
    chair,
    other_chair,
    third_chair,
    ny_chair,
    patient,
    provider,
):
    """Sixteen appointments with ties in every sort field and four without a time.

    The timed ones come from the factory (fast); the timeless ones through the API.
    Returns a dict of name → id.
    """
    other_patient = PatientFactory(org=org, first_name="Alan", last_name="Turing")
    made: dict[str, str] = {}

    def add(name, operatory=chair, day=DAY, wall="09:00", minutes=30, **fields):
        tz = operatory.location.timezone
        start = at(day, wall, tz)
        fields.setdefault("patient", patient)
        row = AppointmentFactory(
            org=org,
            operatory=operatory,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            **fields,
        )
        made[name] = str(row.uuid)
        return row

    # Equal start times in three chairs, equal statuses.
    for n, c in enumerate((chair, other_chair, third_chair)):
        nine = add(f"nine_{n}", c)
        AppointmentProvider.objects.create(org=org, appointment=nine, provider=provider)
        add(f"ten_{n}", c, wall="10:00")
    add("planned", wall="11:00", status="planned")
    add("planned_late", day="2030-03-06", wall="15:00", status="planned")
    add("complete", wall="12:00", status="complete")
    add("broken", day="2030-03-05", wall="13:00", status="broken")
    add("ny", ny_chair, day="2030-03-05", patient=other_patient)
    add("ny_same_instant", ny_chair, wall="10:00")  # 15:00Z, like the nine_*
    for name, status in [
        ("pin_a", "pinboard"),
        ("pin_b", "pinboard"),
        ("unsched", "unscheduled"),
        ("cancelled", "cancelled"),
    ]:
        response = staff_client.post(
            "appointments",
            {
                "location_uuid": str(location.uuid),
                "patient_uuid": str(patient.uuid),
                "status": status,
            },
        )
        assert response.status_code == 201, response.json()
        assert response.json()["start_time"] is None
        made[name] = response.json()["id"]
    # Ties in created_at and updated_at too (rows written in the same microsecond).
    same = datetime(2030, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
    Appointment.objects.filter(uuid__in=[made["ten_0"], made["pin_a"], made["ny"]]).update(
        created_at=same, updated_at=same
    )
    Appointment.objects.filter(uuid__in=[made["nine_1"], made["pin_b"]]).update(
        updated_at=same + timedelta(days=1)
    )
    assert Appointment.objects.count() == 16
    return made


# --- walking --------------------------------------------------------------------------


SORT_COMBOS = [(sort_by, sort_dir) for sort_by in SORTS for sort_dir in ("asc", "desc")]


def test_a_walk_visits_every_appointment_once_in_order(practice, staff_client):
    for sort_by, sort_dir in SORT_COMBOS:
        ids = walk(staff_client, first=3, sort_by=sort_by, sort_dir=sort_dir)
        assert len(ids) == len(set(ids)) == 16, (sort_by, sort_dir)
        assert ids == expected_order(sort_by, sort_dir), (sort_by, sort_dir)
        # Page size does not change the sequence.
        whole = page(staff_client, first=200, sort_by=sort_by, sort_dir=sort_dir)
        assert [row["id"] for row in whole["data"]] == ids
        assert whole["page_info"]["has_next_page"] is False


def test_start_time_nulls_come_last_ascending_and_first_descending(practice, staff_client):
    timeless = {practice[n] for n in ("pin_a", "pin_b", "unsched", "cancelled")}
    ascending = walk(staff_client, first=4, sort_by="start_time")
    descending = walk(staff_client, first=4, sort_by="start_time", sort_dir="desc")
    assert set(ascending[-4:]) == timeless and set(descending[:4]) == timeless
    assert descending == ascending[::-1]
    # Ties: the three 09:00 appointments and the New York 10:00 (also 15:00Z) by id.
    nines = [practice[f"nine_{n}"] for n in range(3)] + [practice["ny_same_instant"]]
    assert ascending[:4] == sorted(nines, key=uuid.UUID)
    assert [i for i in ascending if i in timeless] == sorted(timeless, key=uuid.UUID)
    # The default sort is start_time ascending.
    assert walk(staff_client, first=4) == ascending


def test_a_cursor_page_ending_on_a_null_start_continues_among_the_nulls(practice, staff_client):
    order = expected_order("start_time", "asc")
    # Page boundaries right inside the NULL block, both directions.
    first = page(staff_client, first=13, sort_by="start_time")
    assert [r["id"] for r in first["data"]] == order[:13]
    assert first["data"][-1]["start_time"] is None
    rest = page(
        staff_client, first=13, sort_by="start_time", after=first["page_info"]["end_cursor"]
    )
    assert [r["id"] for r in rest["data"]] == order[13:]
    down = page(staff_client, first=2, sort_by="start_time", sort_dir="desc")
    assert all(r["start_time"] is None for r in down["data"])
    more = page(
        staff_client,
        first=3,
        sort_by="start_time",
        sort_dir="desc",
        after=down["page_info"]["end_cursor"],
    )
    assert [r["id"] for r in more["data"]] == order[::-1][2:5]
    # The cursor holds the sort value, not a reference: deleting its row skips nothing.
    fifth = page(staff_client, first=5)
    Appointment.objects.filter(uuid=order[4]).delete()
    rest = page(staff_client, first=50, after=fifth["page_info"]["end_cursor"])
    assert [r["id"] for r in rest["data"]] == order[5:]


def test_response_shape(practice, org, staff_client):
    body = page(staff_client, first=2)
    assert set(body) == {"data", "org_uuid", "page_info"}
    assert body["org_uuid"] == str(org.uuid)
    assert set(body["page_info"]) == {"end_cursor", "has_next_page"}
    assert body["page_info"]["has_next_page"] is True
    assert isinstance(body["page_info"]["end_cursor"], str)
    assert len(body["data"]) == 2
    # ``first`` is 1–200 inclusive.
    assert len(page(staff_client, first=1)["data"]) == 1
    assert len(page(staff_client, first=200)["data"]) == 16
    # Each row is the full appointment, as the detail route gives it.
    row = body["data"][0]
    assert row == staff_client.get(f"appointments/{row['id']}").json()
    # An empty page: no cursor, no next page.
    empty = page(staff_client, status="cancelled", date_from=DAY)  # cancelled has no time
    assert empty == {
        "data": [],
        "org_uuid": str(org.uuid),
        "page_info": {"end_cursor": None, "has_next_page": False},
    }


def test_empty_org_is_an_empty_page(org, staff_client):
    assert page(staff_client) == {
        "data": [],
        "org_uuid": str(org.uuid),
        "page_info": {"end_cursor": None, "has_next_page": False},
    }


def test_the_cursor_is_url_safe(booked, book, staff_client):
    book(status="pinboard", start=None, end=None, day=None)
    for sort_by in SORTS:
        cursor = page(staff_client, first=1, sort_by=sort_by)["page_info"]["end_cursor"]
        assert set(cursor) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        )


def test_the_cursor_does_not_reveal_the_internal_id(booked, staff_client):
    """Regression: the cursor held the integer primary key, which OrgOwnedModel promises
    never leaves the database (ids are global: a tenant could read the platform's volume)."""
    body = page(staff_client, first=1)
    pk = Appointment.objects.get(uuid=body["data"][0]["id"]).pk
    cursor = body["page_info"]["end_cursor"]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return  # not readable: opaque indeed
    values = decoded.values() if isinstance(decoded, dict) else decoded
    assert pk not in list(values)


# --- bad input ------------------------------------------------------------------------


NIL = "00000000-0000-0000-0000-000000000000"
MALFORMED = {
    "garbage": "garbage",
    "not base64": "!!!!",
    "non-ascii": "é",
    "one char": "a",
    "base64 of text": encode("hello"),
    "base64 of a list": encode([1, 2]),
    "base64 of a string": encode("s"),
    "base64 of null": encode("null"),
    "empty object": encode({}),
    "no id": encode({"s": "start_time", "d": "asc", "v": None}),
    "id not a uuid": encode({"s": "start_time", "d": "asc", "v": None, "i": "5"}),
    "id as int": encode({"s": "start_time", "d": "asc", "v": None, "i": 5}),
    "id as bool": encode({"s": "start_time", "d": "asc", "v": None, "i": True}),
    "id as float": encode({"s": "start_time", "d": "asc", "v": None, "i": 1.5}),
    "id null": encode({"s": "start_time", "d": "asc", "v": None, "i": None}),
    "id as list": encode({"s": "start_time", "d": "asc", "v": None, "i": [NIL]}),
    "value as number": encode({"s": "start_time", "d": "asc", "v": 5, "i": NIL}),
    "value as object": encode({"s": "start_time", "d": "asc", "v": {}, "i": NIL}),
    "value as list": encode({"s": "start_time", "d": "asc", "v": ["x"], "i": NIL}),
    "value not a date": encode({"s": "start_time", "d": "asc", "v": "yesterday", "i": NIL}),
    "naive date-time": encode(
        {"s": "start_time", "d": "asc", "v": "2030-03-04T15:00:00", "i": NIL}
    ),
    "other sort_by": encode({"s": "created_at", "d": "asc", "v": None, "i": NIL}),
    "other sort_dir": encode({"s": "start_time", "d": "desc", "v": None, "i": NIL}),
    "unknown sort": encode({"s": ["x"], "d": "asc", "v": None, "i": NIL}),
}


@pytest.mark.parametrize("cursor", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_cursor_is_422_on_after(booked, staff_client, cursor):
    # Well-formed, for contrast: a cursor naming no existing row is just a position.
    fine = encode({"s": "start_time", "d": "asc", "v": "2030-01-01T00:00:00+00:00", "i": NIL})
    assert [r["id"] for r in page(staff_client, after=fine)["data"]] == [booked["id"]]
    response = staff_client.get(PATH, {"after": cursor})
    assert response.status_code == 422, response.content
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "after"]]


def test_a_cursor_of_another_sort_is_422(practice, staff_client):
    for made_by in SORT_COMBOS:
        cursor = page(staff_client, first=1, sort_by=made_by[0], sort_dir=made_by[1])["page_info"][
            "end_cursor"
        ]
        for sort_by, sort_dir in SORT_COMBOS:
            response = staff_client.get(
                PATH, {"after": cursor, "sort_by": sort_by, "sort_dir": sort_dir}
            )
            if (sort_by, sort_dir) == made_by:
                assert response.status_code == 200
                continue
            assert response.status_code == 422, (made_by, sort_by, sort_dir)
            (error,) = response.json()["detail"]
            assert error["loc"] == ["query", "after"]
            assert error["type"] in ("cursor_mismatch", "cursor_invalid")


@pytest.mark.parametrize(
    "query, loc",
    [
        ({"sort_by": "name"}, "sort_by"),
        ({"sort_by": "start_at"}, "sort_by"),
        ({"sort_dir": "up"}, "sort_dir"),
        ({"sort_dir": "ASC"}, "sort_dir"),
        ({"first": 0}, "first"),
        ({"first": -1}, "first"),
        ({"first": 201}, "first"),
        ({"first": "ten"}, "first"),
        ({"first": "1.5"}, "first"),
        ({"status": "arrived"}, "status"),
        ({"date_from": "March"}, "date_from"),
        ({"date_to": "2030-02-30"}, "date_to"),
        ({"operatory_uuid": "x"}, "operatory_uuid"),
        ({"provider_uuid": "12"}, "provider_uuid"),
        ({"location_uuid": "nope"}, "location_uuid"),
        ({"patient_uuid": "0"}, "patient_uuid"),
    ],
)
def test_bad_query_is_422(booked, staff_client, query, loc):
    response = staff_client.get(PATH, query)
    assert response.status_code == 422, response.content
    assert [e["loc"] for e in response.json()["detail"]] == [["query", loc]]


def test_deeply_nested_cursor_is_422_not_500(booked, staff_client):
    """Regression: json.loads raised RecursionError, uncaught → 500."""
    response = staff_client.get(PATH, {"after": encode("[" * 1100)})  # ~1.5 kB
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "after"]


def test_cursor_value_with_nul_is_422_on_after(booked, staff_client):
    """Regression: the NUL reached PostgreSQL; its DataError came back with loc ['body']."""
    cursor = encode({"s": "status", "d": "asc", "v": "a\u0000", "i": NIL})
    response = staff_client.get(PATH, {"after": cursor, "sort_by": "status"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "after"], "msg": "Malformed cursor.", "type": "cursor_invalid"}
    ]


# --- filters --------------------------------------------------------------------------


def test_filters(
    practice,
    staff_client,
    location,
    second_location,
    chair,
    other_chair,
    ny_chair,
    patient,
    provider,
    org,
):
    p = practice

    def ids(**query):
        listed = [row["id"] for row in page(staff_client, first=200, **query)["data"]]
        assert listed == [i for i in expected_order("start_time", "asc") if i in set(listed)]
        return set(listed)

    nines = {p[f"nine_{n}"] for n in range(3)}
    timeless = {p["pin_a"], p["pin_b"], p["unsched"], p["cancelled"]}
    assert ids(status="pinboard") == {p["pin_a"], p["pin_b"]}
    assert ids(status="planned,complete") == {p["planned"], p["planned_late"], p["complete"]}
    assert ids(status="cancelled") == {p["cancelled"]}
    assert ids(location_uuid=str(second_location.uuid)) == {p["ny"], p["ny_same_instant"]}
    assert ids(location_uuid=str(location.uuid)) == set(p.values()) - {
        p["ny"],
        p["ny_same_instant"],
    }
    assert ids(operatory_uuid=str(other_chair.uuid)) == {p["nine_1"], p["ten_1"]}
    assert ids(operatory_uuid=str(ny_chair.uuid)) == {p["ny"], p["ny_same_instant"]}
    assert ids(provider_uuid=str(provider.uuid)) == nines
    assert ids(provider_uuid=str(ProviderFactory(org=org).uuid)) == set()
    other_patient = Appointment.objects.get(uuid=p["ny"]).patient
    assert ids(patient_uuid=str(other_patient.uuid)) == {p["ny"]}
    assert ids(patient_uuid=str(patient.uuid)) == set(p.values()) - {p["ny"]}
    # Filters combine.
    assert ids(operatory_uuid=str(chair.uuid), status="scheduled") == {p["nine_0"], p["ten_0"]}
    assert ids(provider_uuid=str(provider.uuid), operatory_uuid=str(chair.uuid)) == {p["nine_0"]}
    # Date-times: date_from inclusive, date_to exclusive (09:00 Chicago is 15:00Z).
    at_nine = {*nines, p["ny_same_instant"]}
    assert ids(date_from="2030-03-04T15:00:00Z", date_to="2030-03-04T15:00:01Z") == at_nine
    assert ids(date_from="2030-03-04T14:00:00Z", date_to="2030-03-04T15:00:00Z") == set()
    tens = {p[f"ten_{n}"] for n in range(3)}  # 16:00Z
    assert ids(date_from="2030-03-04T10:00:00-05:00", date_to="2030-03-04T16:00:00Z") == at_nine
    assert ids(date_from="2030-03-04T10:00:00-05:00", date_to="2030-03-04T16:00:01Z") == (
        at_nine | tens
    )
    # Dates: local days, date_to included; timeless appointments never match a date.
    first_day = ids(date_from=DAY, date_to=DAY)
    assert first_day == {
        *at_nine,
        *tens,
        p["planned"],
        p["complete"],
    }
    assert not first_day & timeless
    assert ids(date_from="2030-03-05") == {p["broken"], p["ny"], p["planned_late"]}
    assert ids(date_to="2030-03-05") == (first_day | {p["broken"], p["ny"]})
    # Filters hold across pages.
    for query in [
        {"location_uuid": str(location.uuid), "sort_by": "status"},
        {"provider_uuid": str(provider.uuid), "sort_dir": "desc"},
        {"date_from": DAY, "date_to": DAY, "sort_by": "created_at"},
    ]:
        walked = walk(staff_client, first=2, **query)
        assert set(walked) == ids(**{k: v for k, v in query.items() if not k.startswith("sort")})


@pytest.mark.parametrize("path", [PATH, "appointments"])
@pytest.mark.parametrize(
    "query",
    [
        pytest.param({"date_from": "0001-01-01"}, id="first-day"),
        pytest.param({"date_from": "9999-12-31T23:59:59-10:00"}, id="last-instant"),
        pytest.param({"date_to": "9999-12-31"}, id="last-day"),
    ],
)
def test_date_filters_at_the_ends_of_the_calendar(booked, staff_client, location, path, query):
    staff_client.raise_request_exception = False  # a 500 is a response, not an exception
    for extra in ({}, {"location_uuid": str(location.uuid)}):
        response = staff_client.get(path, {**query, **extra})
        assert response.status_code in (200, 422), (extra, response.status_code)
        if response.status_code == 422:
            assert response.json()["detail"][0]["loc"][0] == "query"


@pytest.mark.parametrize(
    "param", ["operatory_uuid", "provider_uuid", "patient_uuid", "location_uuid"]
)
def test_unknown_reference_filter_is_404(booked, staff_client, param):
    response = staff_client.get(PATH, {param: "00000000-0000-0000-0000-000000000000"})
    assert response.status_code == 404, (param, response.content)
    assert response.json()["code"] == "NOT_FOUND"


def test_another_orgs_references_are_404(booked, staff_client, other_org):
    theirs = AppointmentFactory(org=other_org)
    provider = ProviderFactory(org=other_org)
    for param, value in [
        ("operatory_uuid", theirs.operatory.uuid),
        ("location_uuid", theirs.location.uuid),
        ("patient_uuid", theirs.patient.uuid),
        ("provider_uuid", provider.uuid),
    ]:
        assert staff_client.get(PATH, {param: str(value)}).status_code == 404, param


def test_forbidden_location(practice, limited_client, second_location, ny_chair, location):
    for param, value in [
        ("location_uuid", second_location.uuid),
        ("operatory_uuid", ny_chair.uuid),
    ]:
        response = limited_client.get(PATH, {param: str(value)})
        assert response.status_code == 403, param
        assert response.json()["code"] == "PERMISSION_DENIED"
    # Unfiltered: New York's appointments are simply not there, on any page or sort.
    hidden = {practice["ny"], practice["ny_same_instant"]}
    for sort_by in SORTS:
        seen = [r["id"] for r in page(limited_client, first=200, sort_by=sort_by)["data"]]
        assert set(seen) == set(practice.values()) - hidden
    assert set(walk(limited_client, first=4, sort_dir="desc")) == set(practice.values()) - hidden
    assert page(limited_client, location_uuid=str(location.uuid))["data"]


def test_another_orgs_appointments_never_appear(practice, org, other_org, staff_client):
    # Theirs sort among ours in every field: same instants, statuses, ids interleaved.
    theirs = {
        str(AppointmentFactory(org=other_org, start_at=datetime(2030, 3, 4, 15, tzinfo=UTC)).uuid),
        str(AppointmentFactory(org=other_org, start_at=None, end_at=None, status="pinboard").uuid),
        str(AppointmentFactory(org=other_org, status="planned").uuid),
    }
    ours = Appointment.objects.filter(org=org)
    for sort_by, sort_dir in SORT_COMBOS:
        query = {"sort_by": sort_by, "sort_dir": sort_dir}
        seen = [row["id"] for row in page(staff_client, first=200, **query)["data"]]
        assert not set(seen) & theirs
        assert seen == expected_order(sort_by, sort_dir, ours)
    assert walk(staff_client, first=5) == expected_order("start_time", "asc", ours)
    # A viewer reads the same.
    assert walk(api_for(org, Role.VIEWER), first=8) == expected_order("start_time", "asc", ours)


def test_outsiders_and_anonymous_callers_see_nothing(booked, outsider_client, anonymous_client):
    assert outsider_client.get(PATH).status_code == 404
    assert anonymous_client.get(PATH).status_code == 401


# --- cost -----------------------------------------------------------------------------


def test_a_deep_page_costs_what_page_1_costs(org, staff_client, chair, provider):
    tag = DefinitionFactory(org=org, category="AppointmentTag", name="VIP")
    for n in range(20):
        row = AppointmentFactory(org=org, operatory=chair, status=SORT_STATUSES[n % 3])
        for order, who in enumerate((provider, ProviderFactory(org=org))):
            AppointmentProvider.objects.create(
                org=org, appointment=row, provider=who, item_order=order
            )
        AppointmentTag.objects.create(org=org, appointment=row, definition=tag)

    page(staff_client)  # warm up: the token's first use records last_used_at

    def cost(**query):
        with CaptureQueriesContext(connection) as ctx:
            body = page(staff_client, **query)
        sql = [q["sql"] for q in ctx.captured_queries]
        assert not any("OFFSET" in s.upper() for s in sql), sql
        return len(sql), body

    for sort_by in SORTS:
        first_cost, body = cost(first=3, sort_by=sort_by)
        after = body["page_info"]["end_cursor"]
        for _ in range(4):  # on to page 6
            body = page(staff_client, first=3, sort_by=sort_by, after=after)
            after = body["page_info"]["end_cursor"]
        deep_cost, deep = cost(first=3, sort_by=sort_by, after=after)
        assert len(deep["data"]) == 3
        assert deep_cost == first_cost, sort_by
    assert cost(first=1)[0] == cost(first=20)[0] == cost(first=200)[0]
    assert (
        cost(first=1, provider_uuid=str(provider.uuid))[0]
        == cost(first=20, provider_uuid=str(provider.uuid))[0]
    )


# --- a walk while others write --------------------------------------------------------


def _key(sort_by):
    field = FIELD[sort_by]
    return lambda row: (getattr(row, field) is None, getattr(row, field) or 0, row.uuid)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sort_by", ["start_time", "created_at"])
def test_walk_under_interleaved_inserts(org, location, chair, sort_by):
    """After every page another connection inserts one row that sorts before the cursor and
    one that sorts after everything so far. The walk sees each later row exactly once, no
    earlier one, every row that existed when it started, and never a row twice.

    (Ties are broken by the random public id, so "after everything" needs a sort value
    beyond every row's: later and later start times, or the creation time.)"""
    reader = api_for(org, Role.STAFF)
    before = {str(AppointmentFactory(org=org, operatory=chair).uuid) for _ in range(12)}
    early, late = set(), set()
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    # Beyond every row the walk starts with (the factory's dates move on as a suite runs).
    far_ahead = max(Appointment.objects.filter(org=org).values_list("end_at", flat=True))
    far_ahead += timedelta(days=1)

    def insert(created_at=None, **fields) -> str:
        """A row written and committed on another connection."""

        def work(_):
            row = AppointmentFactory(org=org, operatory=chair, **fields)
            if created_at:
                Appointment.objects.filter(pk=row.pk).update(created_at=created_at)
            return str(row.uuid)

        return run_concurrently(1, work)[0]

    seen: list[str] = []
    after = None
    for _ in range(50):
        query = {"first": 3, "sort_by": sort_by, **({"after": after} if after else {})}
        body = page(reader, **query)
        seen += [row["id"] for row in body["data"]]
        if not body["page_info"]["has_next_page"]:
            break
        after = body["page_info"]["end_cursor"]
        if sort_by == "start_time":
            early.add(insert(start_at=long_ago, end_at=long_ago + timedelta(hours=1)))
            start = far_ahead + timedelta(hours=len(late))
            late.add(insert(start_at=start, end_at=start + timedelta(hours=1)))
        else:
            early.add(insert(created_at=long_ago))
            late.add(insert())  # created now: after every row the walk has passed
    assert len(seen) == len(set(seen))
    assert before <= set(seen)
    assert late <= set(seen)
    assert not early & set(seen)
    assert len(late) >= 3  # there were pages between which to insert
    rows = {str(r.uuid): r for r in Appointment.objects.filter(uuid__in=seen)}
    keys = [_key(sort_by)(rows[i]) for i in seen]
    assert keys == sorted(keys)


@pytest.mark.django_db(transaction=True)
def test_walk_while_a_thread_keeps_booking(org, location, chair, other_chair, patient):
    """A free-running writer books through the API while a reader walks by created_at."""
    reader, writer = api_for(org, Role.STAFF), api_for(org, Role.STAFF)
    before = {str(AppointmentFactory(org=org, operatory=chair).uuid) for _ in range(15)}
    stop = threading.Event()
    written: list[str] = []
    failures: list = []

    def keep_booking():
        try:
            n = 0
            while not stop.is_set() and n < 40:
                response = writer.post(
                    "appointments",
                    {
                        "location_uuid": str(location.uuid),
                        "patient_uuid": str(patient.uuid),
                        "operatory_uuid": str(other_chair.uuid),
                        "schedule_date": DAY,
                        "start_time": f"{8 + n // 4:02d}:{n % 4 * 15:02d}",
                        "end_time": f"{8 + n // 4:02d}:{n % 4 * 15 + 14:02d}",
                    },
                )
                if response.status_code != 201:
                    failures.append(response.json())
                    return
                written.append(response.json()["id"])
                n += 1
        finally:
            connection.close()

    thread = threading.Thread(target=keep_booking)
    thread.start()
    for _ in range(500):  # let the writer get going before the walk starts
        if written or failures:
            break
        time_module.sleep(0.01)
    try:
        seen: list[str] = []
        after = None
        for _ in range(200):
            query = {"first": 2, "sort_by": "created_at", **({"after": after} if after else {})}
            body = page(reader, **query)
            seen += [row["id"] for row in body["data"]]
            if not body["page_info"]["has_next_page"]:
                break
            after = body["page_info"]["end_cursor"]
    finally:
        stop.set()
        thread.join(10)
    assert failures == [] and written
    assert len(seen) == len(set(seen))
    assert before <= set(seen)
    assert set(seen) <= before | set(written)
    rows = {str(r.uuid): r for r in Appointment.objects.filter(uuid__in=seen)}
    keys = [(rows[i].created_at, rows[i].uuid) for i in seen]
    assert keys == sorted(keys)
