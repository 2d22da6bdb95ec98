"""The validation a front desk expects: each mistake a clear 422 naming the field."""

import pytest

from tests.factories import BlockoutTypeFactory

pytestmark = pytest.mark.django_db


class TestCalendarDates:
    @pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
    def test_a_booking_outside_1900_to_2199_is_422(self, book, day):
        response = book(day=day)
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "schedule_date"]
        assert error["type"] == "date_out_of_range"
        assert "1900-01-01" in error["msg"] and "2199-12-31" in error["msg"]

    @pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
    def test_the_edges_are_fine(self, book, day):
        assert book(day=day, start="10:00", end="10:30").status_code == 201

    @pytest.mark.parametrize(
        "path,query",
        [
            ("appointments", {"date_from": "0001-01-01"}),
            ("appointments/cursor", {"date_to": "2200-01-01T00:00:00Z"}),
            ("blockouts/instances", {"date_from": "1800-05-05"}),
            (
                "appointments/counts/by-location",
                {"date_from": "0001-01-01", "date_to": "0001-01-02"},
            ),
        ],
    )
    def test_query_dates_are_bounded_too(self, staff_client, path, query):
        response = staff_client.get(path, query)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "query"

    def test_blockout_dates_are_bounded(self, org, location, staff_client):
        lunch = BlockoutTypeFactory(org=org)
        response = staff_client.post(
            "blockouts/instances",
            {
                "location_uuid": str(location.uuid),
                "blockout_type_uuid": str(lunch.uuid),
                "schedule_date": "0001-01-01",
                "start_time": "12:00",
                "end_time": "13:00",
            },
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "date_out_of_range"


class TestArrival:
    def test_arriving_after_the_start_is_422(self, book):
        response = book(start="09:00", end="10:00", ask_to_arrive_time="09:15")
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["body", "ask_to_arrive_time"] and error["type"] == "after_start"

    def test_arriving_before_or_at_the_start_is_fine(self, book):
        assert book(start="09:00", end="10:00", ask_to_arrive_time="08:45").status_code == 201
        assert book(start="11:00", end="12:00", ask_to_arrive_time="11:00").status_code == 201

    def test_a_patch_cannot_put_the_arrival_after_the_start(self, book, staff_client):
        booked = book(start="09:00", end="10:00").json()
        response = staff_client.patch(
            f"appointments/{booked['id']}", {"base_version": 1, "ask_to_arrive_time": "09:30"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "ask_to_arrive_time"]


def test_a_time_pattern_error_says_which_characters_are_allowed(admin_client):
    response = admin_client.post("appointment-types", {"name": "Crown", "time_pattern": "XXAB"})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "time_pattern"]
    assert "X (provider time)" in error["msg"] and "/ (assistant time)" in error["msg"]
