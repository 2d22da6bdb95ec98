"""``blockouts_overlapping``: what the conflict engine sees as blocked or informational time."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from blockouts.selectors import blockouts_overlapping
from scheduling.timezones import to_utc
from tests.blockouts.conftest import MONDAY, hm
from tests.factories import BlockoutFactory

pytestmark = pytest.mark.django_db


def at(wall: str, day=MONDAY) -> datetime:
    return to_utc(day, hm(wall), "America/Chicago")


@pytest.fixture
def overlapping(org, location):
    def query(start: str, end: str, operatory=None, **kwargs):
        kwargs.setdefault("org", org)
        kwargs.setdefault("location_id", location.pk)
        return list(
            blockouts_overlapping(
                operatory_id=operatory.pk if operatory else None,
                start=at(start),
                end=at(end),
                **kwargs,
            )
        )

    return query


def test_half_open_intervals_touching_is_not_overlapping(ops, lunch, block, overlapping):
    lunch_break = block(lunch, MONDAY, "12:00", "13:00", operatory=ops[0])
    assert overlapping("11:00", "12:00", ops[0]) == []
    assert overlapping("13:00", "14:00", ops[0]) == []
    assert overlapping("11:00", "12:01", ops[0]) == [lunch_break]
    assert overlapping("12:59", "14:00", ops[0]) == [lunch_break]
    assert overlapping("12:15", "12:30", ops[0]) == [lunch_break]
    assert overlapping("11:00", "14:00", ops[0]) == [lunch_break]


def test_location_wide_blockouts_cover_every_operatory(ops, lunch, crowns, block, overlapping):
    everywhere = block(lunch, MONDAY)
    chair_one = block(crowns, MONDAY, "12:30", "15:00", operatory=ops[0])
    assert overlapping("12:00", "13:00", ops[0]) == [everywhere, chair_one]
    assert overlapping("12:00", "13:00", ops[1]) == [everywhere]
    # without an operatory, only the location-wide ones
    assert overlapping("12:00", "13:00") == [everywhere]


def test_cancelled_other_locations_and_other_orgs_are_ignored(
    org, other_org, second_location, ops, lunch, block, overlapping
):
    block(lunch, MONDAY, status="cancelled")
    block(lunch, MONDAY, location=second_location)
    foreign = BlockoutFactory(org=other_org)
    assert overlapping("12:00", "13:00", ops[0]) == []
    # another org's blockout, asked for under this org: nothing
    assert (
        list(
            blockouts_overlapping(
                org=org,
                location_id=foreign.location_id,
                operatory_id=None,
                start=foreign.start_at,
                end=foreign.end_at,
            )
        )
        == []
    )


def test_results_are_ordered_and_carry_type_and_operatory(
    ops, lunch, crowns, block, overlapping, django_assert_num_queries
):
    later = block(crowns, MONDAY, "12:30", "13:30", operatory=ops[0])
    earlier = block(lunch, MONDAY, "11:30", "12:30")
    found = overlapping("12:00", "13:00", ops[0])
    assert found == [earlier, later]
    with django_assert_num_queries(0):
        assert [(b.blockout_type.is_no_schedule, b.operatory) for b in found] == [
            (True, None),
            (False, ops[0]),
        ]


def test_accepts_an_org_id_and_long_blockouts_are_found(org, location, lunch, block):
    all_day = block(lunch, MONDAY, "00:00", "23:59")
    found = blockouts_overlapping(
        org=org.pk,
        location_id=location.pk,
        operatory_id=None,
        start=at("23:00"),
        end=at("23:00") + timedelta(hours=2),
    )
    assert list(found) == [all_day]


def test_an_index_serves_the_overlap_query(org, location, lunch, block):
    for day in range(30):
        block(lunch, MONDAY + timedelta(days=day))
    with connection.cursor() as cursor:
        # Fresh statistics (other tests' rows come and go), and small tables: force the choice.
        cursor.execute("ANALYZE blockouts_blockout")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = blockouts_overlapping(
        org=org, location_id=location.pk, operatory_id=None, start=at("12:00"), end=at("13:00")
    ).explain()
    assert "blockout_org_loc_start" in plan


def test_an_interval_at_the_start_of_the_calendar_does_not_overflow(org, location):
    start = datetime(1, 1, 1, tzinfo=UTC)
    found = blockouts_overlapping(
        org=org, location_id=location.pk, operatory_id=None, start=start, end=start + timedelta(1)
    )
    assert list(found) == []
