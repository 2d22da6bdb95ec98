"""Validators for single values, shared by models and serializers."""

import re
import zoneinfo
from datetime import date
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    """A location's zone must be an IANA name (``America/Chicago``), not an offset."""
    if value not in _timezones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name (e.g. America/Chicago).",
            code="invalid_timezone",
            params={"value": value},
        )


validate_color = RegexValidator(
    re.compile(r"^#[0-9A-Fa-f]{6}$"), "Colours are #RRGGBB hex strings.", code="invalid_color"
)

validate_cdt_code = RegexValidator(
    re.compile(r"^D\d{4}$"), "CDT codes are a D and four digits (e.g. D0120).", code="invalid_code"
)

#: The calendar a practice schedules in: dates outside it are typing mistakes (``0001-01-01``
#: would even come back shifted by a local-mean-time offset), never real visits.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
#: The same calendar as a pattern, for the OpenAPI schema (so clients and fuzzers know it).
CALENDAR_DATE_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def validate_calendar_date(value: date) -> None:
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            "Dates lie between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )
