"""The monthly calendar (``GET schedule/calendar/monthly``): one summary per local date.

A day is the location's own (an appointment late in the evening is on its local date
though it is the next day in UTC), daylight-saving days are 23 and 25 hours long, the
counts and sums are taken in the database in a constant number of statements, and the
answer carries an ETag that turns an unchanged month into a 304.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from appointments.views import MonthlyCalendarViewSet
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProcedureFactory,
    AppointmentProviderFactory,
    BlockoutFactory,
    BlockoutTypeFactory,
    LocationFactory,
    OperatoryFactory,
    ProductionGoalFactory,
)

pytestmark = pytest.mark.django_db

SPRING_FORWARD = date(2031, 3, 9)  # Chicago and New York: 02:00–03:00 does not exist
FALL_BACK = date(2031, 11, 2)  # Chicago and New York: 01:00–02:00 happens twice


def booked(location, day: date, at: str = "09:00", *, status="scheduled", **fields):
    """An appointment at the location starting at the local wall time ``at`` on ``day``."""
    start = to_utc(day, time.fromisoformat(at), location.timezone)
    return AppointmentFactory(
        org=location.org,
        operatory=OperatoryFactory(org=location.org, location=location),
        status=status,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        **fields,
    )


def month(client, location, value: str, **headers):
    return client.get(
        "schedule/calendar/monthly",
        {"location_uuid": str(location.uuid), "month": value},
        headers=headers,
    )


def days_of(response) -> dict[str, dict]:
    assert response.status_code == 200, response.json()
    return {day["date"]: day for day in response.json()["days"]}


# --- the days --------------------------------------------------------------------------------


def test_one_summary_per_local_date_and_dst_days_are_23_and_25_hours(viewer_client, location):
    march = days_of(month(viewer_client, location, "2031-03"))
    assert list(march) == [f"2031-03-{n:02d}" for n in range(1, 32)]
    assert march["2031-03-09"]["day_hours"] == 23
    assert {day["day_hours"] for d, day in march.items() if d != "2031-03-09"} == {24}

    november = days_of(month(viewer_client, location, "2031-11"))
    assert len(november) == 30
    assert november["2031-11-02"]["day_hours"] == 25
    assert {day["day_hours"] for d, day in november.items() if d != "2031-11-02"} == {24}

    february = month(viewer_client, location, "2032-02").json()  # a leap year
    assert february["month"] == "2032-02"
    assert february["location_timezone"] == "America/Chicago"
    assert february["location"] == {"id": str(location.uuid), "name": "Chicago"}
    assert len(february["days"]) == 29


def test_an_appointment_counts_on_its_local_date(viewer_client, location):
    late = booked(location, date(2031, 3, 14), "23:30")  # 04:30 UTC on the 15th
    assert late.start_at.date() == date(2031, 3, 15)
    booked(location, date(2031, 3, 1), "00:00")  # the month's first instant
    booked(location, date(2031, 2, 28), "23:30")  # March 1 in UTC: February's
    booked(location, date(2031, 3, 31), "23:30")  # April 1 in UTC: March's
    booked(location, date(2031, 4, 1), "00:00")  # April's
    booked(location, SPRING_FORWARD, "23:30")  # after the gap: still the short day's
    days = days_of(month(viewer_client, location, "2031-03"))
    counts = {d: day["appointment_count"] for d, day in days.items() if day["appointment_count"]}
    assert counts == {"2031-03-01": 1, "2031-03-09": 1, "2031-03-14": 1, "2031-03-31": 1}

    booked(location, FALL_BACK, "01:30")  # the first 01:30 (CDT)
    booked(location, FALL_BACK, "23:30")  # 05:30 UTC on the 3rd
    november = days_of(month(viewer_client, location, "2031-11"))
    assert november["2031-11-02"]["appointment_count"] == 2
    assert november["2031-11-03"]["appointment_count"] == 0


def test_a_location_in_another_zone_cuts_days_at_its_own_midnight(
    viewer_client, location, second_location
):
    chicago = booked(location, date(2031, 3, 14), "23:30")  # 00:30 on the 15th in New York
    ny = AppointmentFactory(
        org=second_location.org,
        operatory=OperatoryFactory(org=second_location.org, location=second_location),
        start_at=chicago.start_at,
        end_at=chicago.end_at,
    )
    AppointmentProcedureFactory(org=ny.org, appointment=ny, fee=Decimal("40.00"))
    response = month(viewer_client, second_location, "2031-03")
    assert response.json()["location_timezone"] == "America/New_York"
    days = days_of(response)
    assert days["2031-03-15"]["appointment_count"] == 1
    assert days["2031-03-15"]["scheduled_production"] == "40.00"
    assert days["2031-03-14"]["appointment_count"] == 0
    assert (
        days_of(month(viewer_client, location, "2031-03"))["2031-03-14"]["appointment_count"] == 1
    )


# --- the figures ----------------------------------------------------------------------------


def test_counts_and_production_by_status(viewer_client, org, location):
    day = date(2031, 3, 18)
    planned = booked(location, day, "08:00", status="planned")
    AppointmentProcedureFactory(org=org, appointment=planned, fee=Decimal("100.00"))
    AppointmentProcedureFactory(org=org, appointment=planned, fee=Decimal("50.25"))
    booked(location, day, "09:00", production_override=Decimal("200.10"))  # scheduled
    done = booked(location, day, "10:00", status="complete", production_override=Decimal("80"))
    AppointmentProcedureFactory(org=org, appointment=done, fee=Decimal("999.00"))  # overridden
    done_by_fees = booked(location, day, "11:00", status="complete")
    AppointmentProcedureFactory(org=org, appointment=done_by_fees, fee=Decimal("19.99"))
    booked(location, day, "12:00", status="complete")  # no procedures: zero
    for status in ("broken", "cancelled", "unscheduled", "pinboard"):
        booked(location, day, "13:00", status=status, production_override=Decimal("500"))
    other = LocationFactory(org=org, timezone="America/Chicago")
    booked(other, day, "09:00", production_override=Decimal("700"))

    summary = days_of(month(viewer_client, location, "2031-03"))["2031-03-18"]
    assert summary == {
        "date": "2031-03-18",
        "appointment_count": 5,  # planned, scheduled, three complete
        "scheduled_production": "350.35",  # 150.25 + 200.10
        "completed_production": "99.99",  # 80.00 + 19.99 + 0
        "production_goal": "0.00",
        "is_holiday": False,
        "day_hours": 24,
    }


def test_goals_and_holidays_of_the_month(viewer_client, org, location, second_location):
    day = date(2031, 3, 18)
    ProductionGoalFactory(org=org, location=location, goal_date=day, goal_amount="1500.00")
    ProductionGoalFactory(org=org, location=location, goal_date=day, goal_amount="999.99")
    ProductionGoalFactory(org=org, location=second_location, goal_date=day, goal_amount="7")
    ProductionGoalFactory(org=org, location=location, goal_date=date(2031, 4, 1))
    holiday = BlockoutTypeFactory(org=org, is_holiday=True)
    BlockoutFactory(org=org, location=location, blockout_type=holiday, schedule_date=day)
    BlockoutFactory(  # two on one day: still one holiday
        org=org, location=location, blockout_type=holiday, schedule_date=day,
        start_time=time(14), end_time=time(15),
    )  # fmt: skip
    BlockoutFactory(  # called off: no holiday
        org=org, location=location, blockout_type=holiday,
        schedule_date=date(2031, 3, 19), status="cancelled",
    )  # fmt: skip
    BlockoutFactory(org=org, location=second_location, blockout_type=holiday,
                    schedule_date=date(2031, 3, 20))  # fmt: skip
    BlockoutFactory(org=org, location=location, schedule_date=date(2031, 3, 21))  # lunch

    days = days_of(month(viewer_client, location, "2031-03"))
    assert days["2031-03-18"]["production_goal"] == "2499.99"
    assert [d for d, day in days.items() if day["is_holiday"]] == ["2031-03-18"]
    assert {day["production_goal"] for d, day in days.items() if d != "2031-03-18"} == {"0.00"}


# --- the query ------------------------------------------------------------------------------


BAD_MONTHS = ["2031-13", "2031-1", "abc", "2031-00", "31-03", "1899-12", "2200-01",
              "2031-03-01", " 2031-03", "", "２０３１-０３"]  # fmt: skip


@pytest.mark.parametrize("value", BAD_MONTHS)
def test_a_bad_month_is_422_naming_it(viewer_client, location, value):
    response = month(viewer_client, location, value)
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["query", "month"]]


def test_missing_parameters_are_422(viewer_client, location):
    response = viewer_client.get("schedule/calendar/monthly")
    assert response.status_code == 422
    locs = sorted(item["loc"] for item in response.json()["detail"])
    assert locs == [["query", "location_uuid"], ["query", "month"]]


def test_the_months_at_the_edges_of_the_calendar(viewer_client, location):
    assert len(days_of(month(viewer_client, location, "1900-01"))) == 31
    assert len(days_of(month(viewer_client, location, "2199-12"))) == 31


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.STAFF, Role.ADMIN])
def test_every_member_reads(org, location, role):
    assert month(api_for(org, role), location, "2031-03").status_code == 200


def test_a_forbidden_location_is_403(limited_client, location, second_location):
    assert month(limited_client, location, "2031-03").status_code == 200
    assert month(limited_client, second_location, "2031-03").status_code == 403


def test_another_orgs_location_is_404(viewer_client, other_org):
    theirs = LocationFactory(org=other_org)
    assert month(viewer_client, theirs, "2031-03").status_code == 404


def test_the_route_is_the_monthly_calendar(org):
    match = resolve(f"/api/v1/{org.uuid}/schedule/calendar/monthly")
    assert match.func.cls is MonthlyCalendarViewSet


# --- cost -----------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_month(viewer_client, org, location):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert month(viewer_client, location, "2031-03").status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm: the token's last_used_at
    empty = queries()
    holiday = BlockoutTypeFactory(org=org, is_holiday=True)
    for n in range(20):
        day = date(2031, 3, 1 + n)
        appointment = booked(location, day, status=("scheduled", "complete")[n % 2])
        AppointmentProcedureFactory(org=org, appointment=appointment)
        AppointmentProviderFactory(org=org, appointment=appointment)
        ProductionGoalFactory(org=org, location=location, goal_date=day)
        BlockoutFactory(org=org, location=location, blockout_type=holiday, schedule_date=day)
    assert queries() == empty
    assert empty <= 5  # the token, the location, appointments, goals, holidays


# --- ETag -----------------------------------------------------------------------------------


def test_an_unchanged_month_is_304_and_a_change_makes_a_new_etag(viewer_client, location):
    first = month(viewer_client, location, "2031-03")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert month(viewer_client, location, "2031-03")["ETag"] == etag  # same body, same tag

    again = month(viewer_client, location, "2031-03", **{"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    weak = month(viewer_client, location, "2031-03", **{"If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    assert month(viewer_client, location, "2031-03", **{"If-None-Match": "*"}).status_code == 304

    booked(location, date(2031, 3, 18))
    changed = month(viewer_client, location, "2031-03", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["days"][17]["appointment_count"] == 1


def test_another_month_or_location_is_not_matched(viewer_client, location, second_location):
    etag = month(viewer_client, location, "2031-03")["ETag"]
    assert month(viewer_client, location, "2031-04", **{"If-None-Match": etag}).status_code == 200
    other = month(viewer_client, second_location, "2031-03", **{"If-None-Match": etag})
    assert other.status_code == 200


def test_an_error_carries_no_etag(viewer_client, location):
    response = month(viewer_client, location, "2031-13", **{"If-None-Match": "*"})
    assert response.status_code == 422
    assert "ETag" not in response
