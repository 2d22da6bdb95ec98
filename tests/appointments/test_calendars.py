"""The daily and weekly calendars (``GET schedule/calendar/daily|weekly``).

A day is the location's wall-clock day; the cards are the appointments holding time in
it (broken ones too, cancelled ones not); each answer carries an ETag that changes with
anything shown, and the reads cost a constant number of queries.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProcedureFactory,
    AppointmentProviderFactory,
    AppointmentTypeFactory,
    BlockoutFactory,
    DefinitionFactory,
    FlowStatusFactory,
    LocationFactory,
    OperatoryFactory,
    PatientFactory,
    PatientRecallFactory,
    ProviderFactory,
    ScheduleNoteFactory,
    ScheduleOverrideFactory,
    ScheduleTemplateFactory,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2030, 3, 4)  # far from daylight-saving changes; Chicago is UTC-6
TUESDAY = MONDAY + timedelta(days=1)
SPRING_FORWARD = date(2030, 3, 10)  # a Sunday: 02:00–03:00 does not exist in Chicago
FALL_BACK = date(2030, 11, 3)  # a Sunday: 01:00–02:00 happens twice in Chicago


def book(chair, day: date, start: str, minutes: int = 60, **fields) -> Appointment:
    """An appointment in ``chair`` at the local wall time ``start`` on ``day``."""
    start_at = to_utc(day, time.fromisoformat(start), chair.location.timezone)
    return AppointmentFactory(
        org=chair.org,
        operatory=chair,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=minutes),
        **fields,
    )


def daily(client, location, day: date, if_none_match: str | None = None, **params):
    return client.get(
        "schedule/calendar/daily",
        {"location_uuid": str(location.uuid), "target_date": day.isoformat(), **params},
        **_conditional(if_none_match),
    )


def weekly(client, location, first: date, if_none_match: str | None = None, **params):
    return client.get(
        "schedule/calendar/weekly",
        {"location_uuid": str(location.uuid), "week_start": first.isoformat(), **params},
        **_conditional(if_none_match),
    )


def _conditional(if_none_match: str | None) -> dict:
    return {} if if_none_match is None else {"HTTP_IF_NONE_MATCH": if_none_match}


def card_ids(body) -> list[str]:
    return [card["id"] for card in body["appointments"]]


@pytest.fixture
def chair(org, location):
    return OperatoryFactory(org=org, location=location, name="Op 1", item_order=1)


# --- what a day shows --------------------------------------------------------------------


def test_a_day_shows_its_cards_blockouts_schedules_note_and_columns(
    org, location, chair, viewer_client
):
    first_chair = OperatoryFactory(org=org, location=location, name="Op 0", item_order=0)
    OperatoryFactory(org=org, location=location, name="Old", item_order=2, is_active=False)
    patient = PatientFactory(org=org, first_name="Ada", last_name="Lovelace")
    cleaning = AppointmentTypeFactory(org=org, name="Cleaning", color="#00AA00")
    confirmed = DefinitionFactory(org=org, name="Confirmed")
    arrived = FlowStatusFactory(org=org, name="Arrived")
    appointment = book(
        chair,
        MONDAY,
        "09:00",
        patient=patient,
        appointment_type=cleaning,
        confirmation_status=confirmed,
        flow_status=arrived,
        note="Sensitive teeth",
        is_new_patient=True,
    )
    hopper = ProviderFactory(org=org, first_name="Grace", last_name="Hopper")
    AppointmentProviderFactory(org=org, appointment=appointment, provider=hopper)
    AppointmentProcedureFactory(org=org, appointment=appointment, fee=Decimal("80.00"))
    AppointmentProcedureFactory(org=org, appointment=appointment, fee=Decimal("45.50"))
    colored = book(first_chair, MONDAY, "10:00", color_override="#FF0000")
    blockout = BlockoutFactory(
        org=org,
        location=location,
        schedule_date=MONDAY,
        start_time=time(12),
        end_time=time(13),
        start_at=to_utc(MONDAY, time(12), location.timezone),
        end_at=to_utc(MONDAY, time(13), location.timezone),
    )
    ScheduleTemplateFactory(org=org, location=location, provider=hopper, day_of_week=0)
    note = ScheduleNoteFactory(org=org, location=location, note_date=MONDAY, note="Fire drill")
    ScheduleNoteFactory(org=org, location=location, note_date=TUESDAY)

    response = daily(viewer_client, location, MONDAY)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["date"], body["day_hours"], body["location_timezone"]) == (
        "2030-03-04",
        24,
        "America/Chicago",
    )
    assert card_ids(body) == [str(appointment.uuid), str(colored.uuid)]
    card = body["appointments"][0]
    assert card == {
        "id": str(appointment.uuid),
        "status": "scheduled",
        "schedule_date": "2030-03-04",
        "start_time": "09:00:00",
        "end_time": "10:00:00",
        "start_at": "2030-03-04T15:00:00Z",
        "end_at": "2030-03-04T16:00:00Z",
        "operatory": {"id": str(chair.uuid), "name": "Op 1"},
        "patient": {"id": str(patient.uuid), "name": "Ada Lovelace"},
        "appointment_type": {"id": str(cleaning.uuid), "name": "Cleaning"},
        "confirmation_status": {"id": str(confirmed.uuid), "name": "Confirmed"},
        "flow_status": {"id": str(arrived.uuid), "name": "Arrived"},
        "providers": [{"id": str(hopper.uuid), "name": "Grace Hopper"}],
        "production_amount": "125.50",
        "color": "#00AA00",
        "note": "Sensitive teeth",
        "is_new_patient": True,
    }
    assert body["appointments"][1]["color"] == "#FF0000"
    assert [b["id"] for b in body["blockouts"]] == [str(blockout.uuid)]
    assert body["blockouts"][0]["color"] == blockout.blockout_type.color
    (schedule,) = body["provider_schedules"]
    assert schedule["provider"]["id"] == str(hopper.uuid)
    assert [(r["start_time"], r["end_time"]) for r in schedule["time_ranges"]] == [
        ("08:00:00", "12:00:00")
    ]
    assert (body["note"]["id"], body["note"]["note"]) == (str(note.uuid), "Fire drill")
    # The columns: active operatories in their order (the inactive one holds no card).
    assert [o["name"] for o in body["operatories"]] == ["Op 0", "Op 1"]


def test_an_inactive_operatory_is_a_column_on_a_day_it_holds_a_card(
    org, location, chair, admin_client
):
    old = OperatoryFactory(org=org, location=location, name="Old", item_order=5, is_active=False)
    book(old, MONDAY, "09:00")

    monday = daily(admin_client, location, MONDAY).json()
    tuesday = daily(admin_client, location, TUESDAY).json()

    assert [o["name"] for o in monday["operatories"]] == ["Op 1", "Old"]
    assert [o["name"] for o in tuesday["operatories"]] == ["Op 1"]
    assert tuesday["note"] is None


def test_broken_appointments_are_shown_cancelled_and_slotless_ones_are_not(
    location, chair, admin_client
):
    shown = {
        status: book(chair, MONDAY, f"{8 + i:02d}:00", status=status)
        for i, status in enumerate(["planned", "scheduled", "complete", "broken"])
    }
    for i, status in enumerate(["cancelled", "unscheduled", "pinboard"]):
        book(chair, MONDAY, f"{13 + i:02d}:00", status=status)

    body = daily(admin_client, location, MONDAY).json()

    assert card_ids(body) == [str(a.uuid) for a in shown.values()]
    assert [card["status"] for card in body["appointments"]] == list(shown)


# --- the location's wall clock -----------------------------------------------------------


def test_a_late_evening_appointment_is_on_its_local_date_not_its_utc_date(
    location, chair, admin_client
):
    late = book(chair, MONDAY, "23:30", minutes=20)  # 05:30 UTC on Tuesday

    monday = daily(admin_client, location, MONDAY).json()
    tuesday = daily(admin_client, location, TUESDAY).json()

    assert card_ids(monday) == [str(late.uuid)]
    assert monday["appointments"][0]["start_at"] == "2030-03-05T05:30:00Z"
    assert monday["appointments"][0]["start_time"] == "23:30:00"
    assert card_ids(tuesday) == []


def test_an_appointment_across_midnight_is_on_both_days(location, chair, admin_client):
    across = book(chair, MONDAY, "23:30", minutes=60)

    monday = daily(admin_client, location, MONDAY).json()
    tuesday = daily(admin_client, location, TUESDAY).json()

    assert card_ids(monday) == card_ids(tuesday) == [str(across.uuid)]
    assert tuesday["appointments"][0]["schedule_date"] == "2030-03-04"
    assert tuesday["appointments"][0]["end_time"] == "00:30:00"


def test_the_spring_forward_day_has_23_hours(location, chair, admin_client):
    after_gap = book(chair, SPRING_FORWARD, "03:00", minutes=30)
    book(chair, SPRING_FORWARD - timedelta(days=1), "23:00", minutes=60)  # ends at midnight

    body = daily(admin_client, location, SPRING_FORWARD).json()

    assert body["day_hours"] == 23
    assert card_ids(body) == [str(after_gap.uuid)]
    assert body["appointments"][0]["start_at"] == "2030-03-10T08:00:00Z"  # CDT, UTC-5


def test_the_fall_back_day_has_25_hours_and_shows_the_repeated_hour(
    org, location, chair, admin_client
):
    # 01:30 happens twice: 06:30 UTC (CDT) and 07:30 UTC (CST).
    first = AppointmentFactory(
        org=org,
        operatory=chair,
        start_at=datetime(2030, 11, 3, 6, 30, tzinfo=UTC),
        end_at=datetime(2030, 11, 3, 7, 0, tzinfo=UTC),
    )
    second = AppointmentFactory(
        org=org,
        operatory=chair,
        start_at=datetime(2030, 11, 3, 7, 30, tzinfo=UTC),
        end_at=datetime(2030, 11, 3, 8, 0, tzinfo=UTC),
    )
    last = book(chair, FALL_BACK, "23:30", minutes=30)  # 05:30 UTC on Monday

    body = daily(admin_client, location, FALL_BACK).json()

    assert body["day_hours"] == 25
    assert card_ids(body) == [str(first.uuid), str(second.uuid), str(last.uuid)]
    assert [card["start_time"] for card in body["appointments"]] == [
        "01:30:00",
        "01:30:00",
        "23:30:00",
    ]
    assert daily(admin_client, location, FALL_BACK + timedelta(days=1)).json()["day_hours"] == 24


def test_a_location_in_another_zone_keeps_its_own_days(
    org, location, second_location, admin_client
):
    ny_chair = OperatoryFactory(org=org, location=second_location)
    ny_late = book(ny_chair, MONDAY, "23:30", minutes=20)  # 04:30 UTC Tuesday; 22:30 Chicago
    book(OperatoryFactory(org=org, location=location), MONDAY, "09:00")

    ny_monday = daily(admin_client, second_location, MONDAY).json()
    ny_tuesday = daily(admin_client, second_location, TUESDAY).json()

    assert ny_monday["location_timezone"] == "America/New_York"
    assert card_ids(ny_monday) == [str(ny_late.uuid)]
    assert ny_monday["appointments"][0]["start_time"] == "23:30:00"
    assert card_ids(ny_tuesday) == []
    assert str(ny_late.uuid) not in card_ids(daily(admin_client, location, MONDAY).json())


# --- Tier 2 fields -----------------------------------------------------------------------


def test_every_tier2_field(org, location, second_location, chair, admin_client):
    patient = PatientFactory(
        org=org,
        first_name="Ada",
        last_name="Lovelace",
        preferred_name="Addie",
        birthdate=date(1990, 3, 5),  # turns 40 the day after the visit
        email="ada@example.com",
        mobile_phone="555-0101",
        chart_number="C-7",
        balance_due=Decimal("42.5"),
    )
    # The latest completed visit, at New York: 23:00 there on 2030-02-01 is 04:00 UTC 02-02.
    book(OperatoryFactory(org=org, location=second_location), date(2030, 2, 1), "23:00",
         patient=patient, status="complete")  # fmt: skip
    book(chair, date(2029, 6, 1), "09:00", patient=patient, status="complete")
    book(chair, date(2030, 2, 20), "09:00", patient=patient, status="cancelled")
    book(chair, MONDAY, "09:00", patient=patient)
    PatientRecallFactory(org=org, patient=patient, date_due=date(2030, 9, 4))
    keys = (
        "chart_number,mobile_phone,email,birthdate,age,preferred_name,balance_due,"
        "next_recall_due,last_visit_date"
    )

    (card,) = daily(admin_client, location, MONDAY, fields=keys).json()["appointments"]

    assert {key: card[key] for key in keys.split(",")} == {
        "chart_number": "C-7",
        "mobile_phone": "555-0101",
        "email": "ada@example.com",
        "birthdate": "1990-03-05",
        "age": 39,
        "preferred_name": "Addie",
        "balance_due": "42.50",
        "next_recall_due": "2030-09-04",
        "last_visit_date": "2030-02-01",
    }


def test_next_recall_due_is_the_earliest_open_enabled_recall(org, location, chair, admin_client):
    ada, bob, cy = (PatientFactory(org=org, first_name=name) for name in ("Ada", "Bob", "Cy"))
    visit, *_ = (
        book(chair, MONDAY, start, patient=patient)
        for patient, start in ((ada, "09:00"), (bob, "10:00"), (cy, "11:00"))
    )
    PatientRecallFactory(org=org, patient=ada, date_due=date(2030, 9, 4))
    # Booked (scheduled) still counts: the desk sees when the patient is due.
    PatientRecallFactory(org=org, patient=ada, date_due=date(2030, 6, 1), appointment=visit)
    PatientRecallFactory(org=org, patient=ada, date_due=date(2030, 4, 1), is_disabled=True)
    PatientRecallFactory(
        org=org,
        patient=ada,
        date_due=date(2030, 3, 1),
        completed_at=datetime(2030, 1, 2, tzinfo=UTC),
    )
    PatientRecallFactory(org=org, patient=ada)  # open, no due date yet
    PatientRecallFactory(org=org, patient=bob, date_due=date(2030, 4, 1), is_disabled=True)
    PatientRecallFactory(
        org=org,
        patient=bob,
        date_due=date(2030, 3, 1),
        completed_at=datetime(2030, 1, 2, tzinfo=UTC),
    )
    PatientRecallFactory(org=org, date_due=date(2030, 1, 1))  # another patient's

    cards = daily(admin_client, location, MONDAY, fields="next_recall_due").json()["appointments"]

    assert [card["next_recall_due"] for card in cards] == ["2030-06-01", None, None]


def test_tier2_fields_are_null_when_not_recorded_and_absent_when_not_asked(
    org, location, chair, admin_client
):
    book(chair, MONDAY, "09:00", patient=PatientFactory(org=org))

    (asked,) = daily(
        admin_client, location, MONDAY, fields="chart_number,age,last_visit_date,balance_due"
    ).json()["appointments"]
    (plain,) = daily(admin_client, location, MONDAY).json()["appointments"]

    assert (asked["chart_number"], asked["age"], asked["last_visit_date"]) == (None, None, None)
    assert asked["balance_due"] == "0.00"
    assert not {"chart_number", "age", "last_visit_date", "balance_due"} & set(plain)


@pytest.mark.parametrize("view", [daily, weekly])
def test_an_unknown_tier2_field_is_422_naming_it(view, location, admin_client):
    response = view(admin_client, location, MONDAY, fields="chart_number,shoe_size")

    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "fields"]
    assert "shoe_size" in error["msg"]
    assert "chart_number," not in error["msg"].split("Allowed")[0]


# --- the week ----------------------------------------------------------------------------


def test_a_week_is_seven_local_days_from_any_weekday(org, location, chair, admin_client):
    wednesday = MONDAY + timedelta(days=2)
    friday_late = book(chair, MONDAY + timedelta(days=4), "23:30", minutes=15)
    ScheduleNoteFactory(org=org, location=location, note_date=wednesday + timedelta(days=6))

    response = weekly(admin_client, location, wednesday, fields="chart_number")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["week_start"], body["location_timezone"]) == ("2030-03-06", "America/Chicago")
    assert [d["date"] for d in body["days"]] == [
        (wednesday + timedelta(days=n)).isoformat() for n in range(7)
    ]
    assert [card_ids(d) for d in body["days"]] == [[], [], [str(friday_late.uuid)], [], [], [], []]
    assert "chart_number" in body["days"][2]["appointments"][0]
    assert body["days"][6]["note"] is not None
    assert body["days"][0] == daily(admin_client, location, wednesday, fields="chart_number").json()


def test_a_week_across_spring_forward(location, admin_client):
    body = weekly(admin_client, location, SPRING_FORWARD - timedelta(days=3)).json()

    assert [d["day_hours"] for d in body["days"]] == [24, 24, 24, 23, 24, 24, 24]


# --- cheap to poll -----------------------------------------------------------------------


def test_a_matching_if_none_match_is_304_with_no_body(location, chair, admin_client):
    book(chair, MONDAY, "09:00")
    first = daily(admin_client, location, MONDAY)
    etag = first["ETag"]

    again = daily(admin_client, location, MONDAY, if_none_match=etag)
    among = daily(admin_client, location, MONDAY, if_none_match=f'"other", W/{etag}')
    stale = daily(admin_client, location, MONDAY, if_none_match='"stale"')

    assert etag.startswith('"') and daily(admin_client, location, MONDAY)["ETag"] == etag
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert among.status_code == 304
    assert stale.status_code == 200 and stale.json() == first.json()


def test_the_weekly_answer_is_conditional_too(location, admin_client):
    etag = weekly(admin_client, location, MONDAY)["ETag"]

    assert weekly(admin_client, location, MONDAY, if_none_match=etag).status_code == 304
    assert weekly(admin_client, location, TUESDAY, if_none_match=etag).status_code == 200


def _move_in(location, monday, tuesday):
    tuesday.start_at = to_utc(MONDAY, time(14), location.timezone)
    tuesday.end_at = tuesday.start_at + timedelta(minutes=30)
    tuesday.save()


def _move_out(location, monday, tuesday):
    monday.start_at = to_utc(TUESDAY, time(14), location.timezone)
    monday.end_at = monday.start_at + timedelta(minutes=30)
    monday.save()


def _cancel(location, monday, tuesday):
    monday.status = "cancelled"
    monday.save()


def _blockout(location, monday, tuesday):
    BlockoutFactory(
        org=location.org,
        location=location,
        schedule_date=MONDAY,
        start_at=to_utc(MONDAY, time(12), location.timezone),
        end_at=to_utc(MONDAY, time(13), location.timezone),
    )


def _override(location, monday, tuesday):
    ScheduleOverrideFactory(org=location.org, location=location, override_date=MONDAY)


def _note(location, monday, tuesday):
    ScheduleNoteFactory(org=location.org, location=location, note_date=MONDAY)


def _balance(location, monday, tuesday):
    monday.patient.balance_due = Decimal("10.00")
    monday.patient.save()


def _recall(location, monday, tuesday):
    PatientRecallFactory(org=location.org, patient=monday.patient, date_due=date(2030, 9, 4))


@pytest.mark.parametrize(
    "change", [_move_in, _move_out, _cancel, _blockout, _override, _note, _balance, _recall]
)
def test_the_etag_changes_with_anything_shown(change, location, chair, admin_client):
    monday, tuesday = book(chair, MONDAY, "09:00"), book(chair, TUESDAY, "09:00")
    params = {"fields": "balance_due,next_recall_due"}
    etag = daily(admin_client, location, MONDAY, **params)["ETag"]

    change(location, monday, tuesday)
    after = daily(admin_client, location, MONDAY, if_none_match=etag, **params)

    assert after.status_code == 200
    assert after["ETag"] != etag


def test_editing_the_note_changes_the_etag(org, location, admin_client):
    note = ScheduleNoteFactory(org=org, location=location, note_date=MONDAY, note="Early close")
    etag = daily(admin_client, location, MONDAY)["ETag"]

    note.note = "Late open"
    note.save()

    assert daily(admin_client, location, MONDAY, if_none_match=etag).status_code == 200


def test_asking_for_another_tier2_field_changes_the_etag(location, chair, admin_client):
    book(chair, MONDAY, "09:00")

    plain = daily(admin_client, location, MONDAY)["ETag"]
    with_chart = daily(admin_client, location, MONDAY, fields="chart_number")["ETag"]

    assert plain != with_chart


def test_a_change_elsewhere_keeps_the_etag(org, location, second_location, chair, admin_client):
    book(chair, MONDAY, "09:00")
    etag = daily(admin_client, location, MONDAY)["ETag"]

    book(OperatoryFactory(org=org, location=second_location), MONDAY, "09:00")
    book(chair, TUESDAY, "09:00")
    ScheduleNoteFactory(org=org, location=location, note_date=TUESDAY)

    assert daily(admin_client, location, MONDAY, if_none_match=etag).status_code == 304


# --- who may read ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF, Role.VIEWER])
@pytest.mark.parametrize("view", [daily, weekly])
def test_every_member_role_may_read(role, view, org, location):
    assert view(api_for(org, role), location, MONDAY).status_code == 200


@pytest.mark.parametrize("view", [daily, weekly])
def test_a_limited_member_sees_its_location_only(
    view, org, location, second_location, limited_client
):
    book(OperatoryFactory(org=org, location=second_location), MONDAY, "09:00")

    assert view(limited_client, location, MONDAY).status_code == 200
    forbidden = view(limited_client, second_location, MONDAY)
    assert forbidden.status_code == 403
    assert "appointments" not in forbidden.json() and "days" not in forbidden.json()


@pytest.mark.parametrize("view", [daily, weekly])
def test_another_orgs_location_is_404(view, other_org, admin_client):
    response = view(admin_client, LocationFactory(org=other_org), MONDAY)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"target_date": "2030-02-30"},
        {"target_date": "9999-12-31"},
        {"target_date": ""},
        {"location_uuid": "nope"},
        {"fields": ","},
    ],
)
def test_bad_queries_are_never_500(params, location, admin_client):
    query = {"location_uuid": str(location.uuid), "target_date": MONDAY.isoformat(), **params}

    response = admin_client.get("schedule/calendar/daily", query)

    assert response.status_code in (200, 422), response.content


# --- cost --------------------------------------------------------------------------------


def _busy(org, location, appointments: int, providers: int, days: int):
    chairs = [OperatoryFactory(org=org, location=location) for _ in range(3)]
    people = [ProviderFactory(org=org) for _ in range(providers)]
    for person in people:
        for weekday in range(7):
            ScheduleTemplateFactory(
                org=org, location=location, provider=person, day_of_week=weekday
            )
    for n in range(appointments):
        day = MONDAY + timedelta(days=n % days)
        appointment = book(
            chairs[n % 3], day, f"{8 + n // (3 * days) % 10:02d}:00", minutes=30,
            patient=PatientFactory(org=org, birthdate=date(1980, 1, 1)),
            status="complete" if n % 2 else "scheduled",
        )  # fmt: skip
        PatientRecallFactory(org=org, patient=appointment.patient, date_due=day)
        AppointmentProviderFactory(org=org, appointment=appointment, provider=people[n % providers])
        AppointmentProcedureFactory(org=org, appointment=appointment)
        BlockoutFactory(
            org=org,
            location=location,
            schedule_date=day,
            start_at=to_utc(day, time(12), location.timezone),
            end_at=to_utc(day, time(13), location.timezone),
        )
        ScheduleOverrideFactory(org=org, location=location, provider=people[0], override_date=day)


@pytest.mark.parametrize("view", [daily, weekly])
def test_the_query_count_is_constant(view, org, location, admin_client):
    fields = ",".join(
        [
            "chart_number",
            "mobile_phone",
            "birthdate",
            "age",
            "balance_due",
            "last_visit_date",
            "next_recall_due",
        ]
    )
    daily(admin_client, location, MONDAY)  # warm: the token, the prepared statement

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = view(admin_client, location, MONDAY, fields=fields)
        assert response.status_code == 200
        cards = sum(len(d["appointments"]) for d in response.json().get("days", [response.json()]))
        return len(ctx.captured_queries), cards

    small, few_cards = count()
    _busy(org, location, appointments=30, providers=4, days=7)
    large, many_cards = count()

    assert many_cards > few_cards
    assert large == small
    # The token, the location, the cards, then schedules, blockouts, notes and operatories
    # together (a session-less API call reads nothing else).
    assert small <= 4, small
