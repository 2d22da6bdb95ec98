"""The production summary (``GET schedule/production-goals/production-summary``).

Production per primary provider, split into scheduled, completed and lost, against the
provider's goals at the location over local dates; the rows add up to the totals (the
appointments without a provider are the row without one), money is exact with two
places, and the figures are taken in the database in a constant number of statements.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from appointments.services.production import attainment_pct, production_summary
from appointments.views import ProductionSummaryViewSet
from scheduling.models import Role
from scheduling.timezones import to_utc
from tests.conftest import api_for
from tests.factories import (
    AppointmentFactory,
    AppointmentProcedureFactory,
    AppointmentProviderFactory,
    LocationFactory,
    OperatoryFactory,
    ProductionGoalFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

FIRST = date(2031, 3, 3)
LAST = date(2031, 3, 9)  # the spring-forward Sunday


def booked(location, day: date, at="09:00", *, status="scheduled", providers=(), fees=(),
           **fields):  # fmt: skip
    """An appointment at the location at the local wall time ``at`` on ``day``, with its
    providers in order and a procedure per fee."""
    start = to_utc(day, time.fromisoformat(at), location.timezone)
    appointment = AppointmentFactory(
        org=location.org,
        operatory=OperatoryFactory(org=location.org, location=location),
        status=status,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        **fields,
    )
    for order, provider in enumerate(providers):
        AppointmentProviderFactory(
            org=location.org, appointment=appointment, provider=provider, item_order=order
        )
    for fee in fees:
        AppointmentProcedureFactory(org=location.org, appointment=appointment, fee=Decimal(fee))
    return appointment


def goal(location, provider, day: date, amount: str):
    return ProductionGoalFactory(
        org=location.org, location=location, provider=provider, goal_date=day, goal_amount=amount
    )


def summary(client, location, date_from=FIRST, date_to=LAST):
    return client.get(
        "schedule/production-goals/production-summary",
        {
            "location_uuid": str(location.uuid),
            "date_from": str(date_from),
            "date_to": str(date_to),
        },
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def by_provider(body) -> dict:
    return {(row["provider"] or {}).get("name"): row for row in body["providers"]}


# --- the arithmetic ----------------------------------------------------------------------


def test_buckets_goals_attainment_and_totals(viewer_client, org, location):
    ada = ProviderFactory(org=org, first_name="Ada", last_name="Able")
    bo = ProviderFactory(org=org, first_name="Bo", last_name="Baker")
    cy = ProviderFactory(org=org, first_name="Cy", last_name="Cole")
    # Ada: fees, an override that wins over fees, broken and cancelled are lost.
    booked(location, FIRST, providers=[ada], fees=["100.00", "50.50"])  # scheduled
    booked(location, FIRST, status="planned", providers=[ada], fees=["10.00"])  # scheduled
    booked(location, FIRST, status="complete", providers=[ada], fees=["999.00"],
           production_override=Decimal("300.00"))  # fmt: skip
    booked(location, FIRST, status="broken", providers=[ada], fees=["80.00"])
    booked(location, FIRST, status="cancelled", providers=[ada], production_override="20.00")
    booked(location, FIRST, status="unscheduled", providers=[ada], fees=["500.00"])  # nowhere
    booked(location, FIRST, status="pinboard", providers=[ada], fees=["500.00"])  # nowhere
    for day in range(3):
        goal(location, ada, FIRST + timedelta(days=day), "200.00")
    # Bo: a goal and no appointments. Cy: appointments and no goal.
    goal(location, bo, FIRST, "400.00")
    booked(location, LAST, status="complete", providers=[cy], fees=["33.33"])
    # Nobody's: under the null provider.
    booked(location, FIRST, status="complete", fees=["75.00"])
    booked(location, FIRST, status="broken", production_override="5.00")

    body = ok(summary(viewer_client, location))
    assert body["date_from"] == str(FIRST) and body["date_to"] == str(LAST)
    assert body["location_timezone"] == "America/Chicago"
    assert [row["provider"] and row["provider"]["id"] for row in body["providers"]] == [
        str(ada.uuid), str(bo.uuid), str(cy.uuid), None
    ]  # fmt: skip
    rows = by_provider(body)
    assert rows["Ada Able"] == {
        "provider": {"id": str(ada.uuid), "name": "Ada Able"},
        "scheduled_production": "160.50",
        "completed_production": "300.00",
        "lost_production": "100.00",
        "production_goal": "600.00",
        "attainment_pct": 50.0,
    }
    assert rows["Bo Baker"] == {
        "provider": {"id": str(bo.uuid), "name": "Bo Baker"},
        "scheduled_production": "0.00",
        "completed_production": "0.00",
        "lost_production": "0.00",
        "production_goal": "400.00",
        "attainment_pct": 0.0,
    }
    assert rows["Cy Cole"]["completed_production"] == "33.33"
    assert rows["Cy Cole"]["production_goal"] == "0.00"
    assert rows["Cy Cole"]["attainment_pct"] is None  # no goal: no attainment, not 0 %
    assert rows[None] == {
        "provider": None,
        "scheduled_production": "0.00",
        "completed_production": "75.00",
        "lost_production": "5.00",
        "production_goal": "0.00",
        "attainment_pct": None,
    }
    assert body["total_scheduled"] == "160.50"
    assert body["total_completed"] == "408.33"  # 300 + 33.33 + 75
    assert body["total_lost"] == "105.00"
    assert body["total_goal"] == "1000.00"
    assert body["overall_attainment_pct"] == 40.83  # 408.33 / 1000 × 100
    for name in ("scheduled", "completed", "lost", "goal"):
        key = "production_goal" if name == "goal" else f"{name}_production"
        added = sum(Decimal(row[key]) for row in body["providers"])
        assert added == Decimal(body[f"total_{name}"])


def test_attainment_has_two_places_and_none_without_a_goal():
    assert attainment_pct(Decimal("100.00"), Decimal("300.00")) == Decimal("33.33")
    assert attainment_pct(Decimal("200.00"), Decimal("300.00")) == Decimal("66.67")
    assert attainment_pct(Decimal("1.00"), Decimal("0.08")) == Decimal("1250.00")
    assert attainment_pct(Decimal("5.00"), Decimal("0.00")) is None


def test_no_goal_anywhere_is_0_overall(viewer_client, org, location):
    booked(location, FIRST, status="complete", providers=[ProviderFactory(org=org)],
           fees=["10.00"])  # fmt: skip
    body = ok(summary(viewer_client, location))
    assert body["total_goal"] == "0.00"
    assert body["overall_attainment_pct"] == 0.0
    assert body["providers"][0]["attainment_pct"] is None


def test_an_empty_range_has_no_rows_and_zero_totals(viewer_client, location):
    body = ok(summary(viewer_client, location))
    assert body["providers"] == []
    assert [body[f"total_{n}"] for n in ("scheduled", "completed", "lost", "goal")] == ["0.00"] * 4
    assert body["overall_attainment_pct"] == 0.0


def test_production_counts_for_the_primary_provider_only(viewer_client, org, location):
    first = ProviderFactory(org=org, last_name="First")
    second = ProviderFactory(org=org, last_name="Second")
    appointment = booked(location, FIRST, status="complete", fees=["90.00"])
    AppointmentProviderFactory(org=org, appointment=appointment, provider=second, item_order=1)
    AppointmentProviderFactory(org=org, appointment=appointment, provider=first, item_order=0)
    tie = booked(location, FIRST, status="complete", fees=["10.00"])
    AppointmentProviderFactory(org=org, appointment=tie, provider=second, item_order=0)
    AppointmentProviderFactory(org=org, appointment=tie, provider=first, item_order=0)  # later id

    rows = {row["provider"]["id"]: row for row in ok(summary(viewer_client, location))["providers"]}
    assert rows[str(first.uuid)]["completed_production"] == "90.00"
    assert rows[str(second.uuid)]["completed_production"] == "10.00"


def test_local_dates_bound_the_range(viewer_client, org, location, second_location):
    dr = ProviderFactory(org=org)
    booked(location, FIRST, "00:00", providers=[dr], fees=["1.00"])
    booked(location, LAST, "23:30", providers=[dr], fees=["2.00"])  # next day in UTC
    booked(location, FIRST - timedelta(days=1), "23:30", providers=[dr], fees=["40.00"])
    booked(location, LAST + timedelta(days=1), "00:00", providers=[dr], fees=["80.00"])
    booked(second_location, FIRST, providers=[dr], fees=["160.00"])  # another location
    goal(location, dr, LAST, "10.00")
    goal(location, dr, LAST + timedelta(days=1), "1000.00")  # outside
    goal(second_location, dr, FIRST, "1000.00")  # elsewhere

    (row,) = ok(summary(viewer_client, location))["providers"]
    assert row["scheduled_production"] == "3.00"
    assert row["production_goal"] == "10.00"
    assert row["attainment_pct"] == 0.0

    # New York's days: Chicago's 23:30 is its 00:30 the next day.
    ny = booked(second_location, LAST + timedelta(days=1), "00:30", providers=[dr], fees=["7"])
    assert ny.start_at == to_utc(LAST, time(23, 30), "America/Chicago")
    (ny_row,) = ok(summary(viewer_client, second_location))["providers"]
    assert ny_row["scheduled_production"] == "160.00"


def test_the_service_reads_in_three_statements(org, location):
    for _ in range(5):
        booked(location, FIRST, status="complete", providers=[ProviderFactory(org=org)],
               fees=["1.00", "2.00"])  # fmt: skip
    with CaptureQueriesContext(connection) as ctx:
        found = production_summary(location=location, date_from=FIRST, date_to=LAST)
    assert len(ctx.captured_queries) == 3
    assert found.total_completed == Decimal("15.00")


# --- the query -------------------------------------------------------------------------------


def test_date_from_after_date_to_is_422(viewer_client, location):
    response = summary(viewer_client, location, LAST, FIRST)
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [["query", "date_to"]]


def test_at_most_366_days(viewer_client, location):
    start = date(2031, 1, 1)
    assert summary(viewer_client, location, start, start + timedelta(days=365)).status_code == 200
    response = summary(viewer_client, location, start, start + timedelta(days=366))
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "range_too_long"
    assert summary(viewer_client, location, start, start).status_code == 200  # one day


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2031-02-30"},
        {"date_from": "abc"},
        {"date_from": "1899-12-31"},
        {"location_uuid": "not-a-uuid"},
        {"date_to": ""},
    ],
)
def test_bad_values_are_422(viewer_client, location, params):
    query = {"location_uuid": str(location.uuid), "date_from": str(FIRST), "date_to": str(LAST)}
    response = viewer_client.get(
        "schedule/production-goals/production-summary", {**query, **params}
    )
    assert response.status_code == 422
    assert {item["loc"][1] for item in response.json()["detail"]} == set(params)


def test_missing_parameters_are_422(viewer_client):
    response = viewer_client.get("schedule/production-goals/production-summary")
    assert response.status_code == 422
    assert sorted(item["loc"][1] for item in response.json()["detail"]) == [
        "date_from", "date_to", "location_uuid"
    ]  # fmt: skip


# --- who may read ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.STAFF, Role.ADMIN])
def test_every_member_reads(org, location, role):
    assert summary(api_for(org, role), location).status_code == 200


def test_a_forbidden_location_is_403(limited_client, location, second_location):
    assert summary(limited_client, location).status_code == 200
    assert summary(limited_client, second_location).status_code == 403


def test_another_orgs_location_is_404(viewer_client, other_org):
    assert summary(viewer_client, LocationFactory(org=other_org)).status_code == 404


def test_the_route_is_the_summary_not_a_goal(org, admin_client):
    match = resolve(f"/api/v1/{org.uuid}/schedule/production-goals/production-summary")
    assert match.func.cls is ProductionSummaryViewSet
    goal_uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    assert resolve(f"/api/v1/{org.uuid}/schedule/production-goals/{goal_uuid}").func.cls is not (
        ProductionSummaryViewSet
    )


# --- cost -----------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_providers_and_appointments(
    viewer_client, org, location
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            ok(summary(viewer_client, location))
        return len(ctx.captured_queries)

    booked(location, FIRST, providers=[ProviderFactory(org=org)], fees=["5.00"])
    queries()  # warm: the token's last_used_at
    one = queries()
    for n in range(10):
        provider = ProviderFactory(org=org)
        booked(location, FIRST + timedelta(days=n % 7), status=("complete", "broken")[n % 2],
               providers=[provider], fees=["10.00"])  # fmt: skip
        goal(location, provider, FIRST, "100.00")
    booked(location, FIRST, fees=["1.00"])
    assert queries() == one
    assert one <= 5  # the token, the location, appointments, goals, providers
