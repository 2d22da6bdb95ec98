"""Fixtures of the Blockouts tests: a Chicago location with two chairs and typical types.

Dates are in 2030: 2030-01-07 is a Monday; US daylight saving starts on Sunday
2030-03-10 (02:00 → 03:00) and ends on Sunday 2030-11-03 (02:00 → 01:00).
"""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.factories import BlockoutFactory, BlockoutTypeFactory, OperatoryFactory

MONDAY = date(2030, 1, 7)
SPRING_FORWARD = date(2030, 3, 10)
FALL_BACK = date(2030, 11, 3)


def hm(value: str) -> time:
    return time.fromisoformat(value)


@pytest.fixture
def ops(org, location):
    return [
        OperatoryFactory(org=org, location=location, name="Op 1", item_order=1),
        OperatoryFactory(org=org, location=location, name="Op 2", item_order=2),
    ]


@pytest.fixture
def far_op(org, second_location):
    """An operatory at the second location."""
    return OperatoryFactory(org=org, location=second_location, name="NY Op")


@pytest.fixture
def lunch(org):
    return BlockoutTypeFactory(org=org, name="Lunch", is_no_schedule=True)


@pytest.fixture
def crowns(org):
    return BlockoutTypeFactory(org=org, name="Crowns only")


@pytest.fixture
def emergency(org):
    return BlockoutTypeFactory(org=org, name="Emergency hold", is_do_not_copy=True)


@pytest.fixture
def holiday(org):
    return BlockoutTypeFactory(
        org=org, name="Holiday", is_holiday=True, is_do_not_copy=True, is_no_schedule=True
    )


@pytest.fixture
def block(org, location):
    """``block(type, date, "12:00", "13:00", operatory=None, location=…, **fields)``."""

    def make(blockout_type, day, start="12:00", end="13:00", **fields):
        fields.setdefault("location", location)
        return BlockoutFactory(
            org=org,
            blockout_type=blockout_type,
            schedule_date=day,
            start_time=hm(start),
            end_time=hm(end),
            **fields,
        )

    return make
