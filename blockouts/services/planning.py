"""Building new blockouts at a location: local → UTC, duplicates, one writer at a time.

Create, copy, repeat and template apply all make blockouts the same way, through a
:class:`BlockoutPlanner`. Every blockout write at a location runs under that location's
transaction-level advisory lock, so two writers (say, two copy-weeks into one week)
run one after the other and the second sees, and skips, what the first made.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError

from blockouts.coverage import coverage_warnings
from blockouts.models import Blockout, BlockoutStatus, BlockoutType, BlockoutTypeStatus
from scheduling.locks import LOCATION_BLOCKOUTS, xact_lock
from scheduling.models import Location, Operatory, Organization
from scheduling.timezones import field_instant
from scheduling.validators import EARLIEST_DATE, LATEST_DATE

#: (blockout type, operatory or None, start, end): what makes two blockouts the same.
Key = tuple[int, int | None, datetime, datetime]


def lock_location_blockouts(location_id: int) -> None:
    """Serialize blockout writes at a location (and hold off its bookings) until the
    current transaction ends."""
    xact_lock(LOCATION_BLOCKOUTS, [location_id])


def field_error(field_name: str, message: str, code: str) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code)})


def require_span(start_time: time, end_time: time, *, on: date | None = None) -> None:
    """A blockout ends after it starts, on the same local day."""
    if end_time <= start_time:
        when = f" (on {on.isoformat()})" if on else ""
        raise field_error("end_time", f"Must be after start_time{when}.", "end_before_start")


def require_active_type(blockout_type: BlockoutType, field_name: str) -> None:
    if blockout_type.status != BlockoutTypeStatus.ACTIVE:
        raise field_error(
            field_name,
            f"The blockout type {blockout_type.name} is inactive.",
            "inactive_type",
        )


def require_at_location(
    operatories: Iterable[Operatory], location_id: int, field_name: str
) -> None:
    elsewhere = [op.name for op in operatories if op.location_id != location_id]
    if elsewhere:
        raise field_error(
            field_name,
            f"Not at the blockout's location: {', '.join(elsewhere)}.",
            "operatory_location_mismatch",
        )


def out_of_range(field_name: str) -> ValidationError:
    message = f"Dates lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
    return field_error(field_name, message, "date_out_of_range")


def shift_date(day: date, delta: timedelta, field_name: str) -> date:
    """``day + delta``; a day outside the practice's calendar is a 422 on ``field_name``."""
    try:
        shifted = day + delta
    except OverflowError as exc:
        raise out_of_range(field_name) from exc
    if not EARLIEST_DATE <= shifted <= LATEST_DATE:
        raise out_of_range(field_name)
    return shifted


def instants(
    schedule_date: date, start_time: time, end_time: time, tz_name: str
) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC; a wall time in a DST gap is a 422 on its field."""
    return (
        field_instant(schedule_date, start_time, tz_name, "start_time"),
        field_instant(schedule_date, end_time, tz_name, "end_time"),
    )


def describe(
    blockout_type: BlockoutType,
    operatory: Operatory | None,
    schedule_date: date,
    start_time: time,
    end_time: time,
) -> str:
    where = operatory.name if operatory else "the whole location"
    return (
        f"{blockout_type.name} {schedule_date.isoformat()} "
        f"{start_time:%H:%M}–{end_time:%H:%M} on {where}"
    )


@dataclass
class BlockoutBatch:
    """What a write made, and what it left out and why (one warning each)."""

    created: list[Blockout] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.created)


class BlockoutPlanner:
    """Collects new blockouts at one location and writes them in one INSERT.

    A blockout identical to an active one (same type, operatory or whole location, and
    interval), already stored or planned in this batch, is left out with a warning.
    Call inside the writing transaction, after :func:`lock_location_blockouts`.
    """

    def __init__(self, *, org: Organization, location: Location, dates: Iterable[date]):
        self.org = org
        self.location = location
        self.batch = BlockoutBatch()
        self._pending: list[Blockout] = []
        self._taken: set[Key] = set(
            Blockout.objects.filter(
                org=org,
                location=location,
                status=BlockoutStatus.ACTIVE,
                schedule_date__in=set(dates),
            ).values_list("blockout_type_id", "operatory_id", "start_at", "end_at")
        )

    def warn(self, message: str) -> None:
        self.batch.warnings.append(message)

    def add(
        self,
        *,
        blockout_type: BlockoutType,
        operatory: Operatory | None,
        schedule_date: date,
        start_time: time,
        end_time: time,
        note: str = "",
        group_uuid: uuid.UUID | None = None,
        strict: bool = False,
    ) -> Blockout | None:
        """Plan one blockout; ``None`` if it was left out.

        ``strict`` (a blockout the caller asked for by its times) turns a wall time
        that does not exist on the date into a 422; otherwise (copies, templates) the
        blockout is left out with a warning.
        """
        label = describe(blockout_type, operatory, schedule_date, start_time, end_time)
        try:
            start_at, end_at = instants(schedule_date, start_time, end_time, self.location.timezone)
        except ValidationError as error:
            if strict:
                raise
            self.warn(f"{label} skipped: {error.messages[0]}")
            return None
        key = (blockout_type.pk, operatory.pk if operatory else None, start_at, end_at)
        if key in self._taken:
            self.warn(f"{label} skipped: the same blockout already exists.")
            return None
        self._taken.add(key)
        blockout = Blockout(
            org=self.org,
            location=self.location,
            operatory=operatory,
            blockout_type=blockout_type,
            schedule_date=schedule_date,
            start_time=start_time,
            end_time=end_time,
            start_at=start_at,
            end_at=end_at,
            note=note,
            blockout_group_uuid=group_uuid,
        )
        self._pending.append(blockout)
        return blockout

    def save(self) -> BlockoutBatch:
        """Write the planned blockouts; add what other apps say they cover."""
        self.batch.created = Blockout.objects.bulk_create(self._pending)
        self._pending = []
        self.batch.warnings.extend(coverage_warnings(self.batch.created))
        return self.batch
