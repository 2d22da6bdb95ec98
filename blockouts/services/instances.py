"""Creating, changing, deleting and copying blockouts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from blockouts.models import Blockout, BlockoutStatus, BlockoutType
from blockouts.selectors import holiday_dates
from blockouts.services.planning import (
    BlockoutBatch,
    BlockoutPlanner,
    field_error,
    instants,
    lock_location_blockouts,
    require_active_type,
    require_at_location,
    require_span,
    shift_date,
)
from scheduling.exceptions import Conflict
from scheduling.models import Location, Operatory, Organization
from scheduling.services import versioned_update

MAX_REPEAT_WEEKS = 52
WEEK = timedelta(days=7)


def blockouts_create(
    *,
    org: Organization,
    location: Location,
    blockout_type: BlockoutType,
    schedule_date: date,
    start_time: time,
    end_time: time,
    operatories: Sequence[Operatory] = (),
    note: str = "",
) -> BlockoutBatch:
    """One blockout per operatory, or one for the whole location when none are given.

    A blockout that would duplicate an active one (same type, interval and operatory)
    is skipped with a warning rather than refusing the others.
    """
    require_active_type(blockout_type, "blockout_type_uuid")
    require_at_location(operatories, location.pk, "operatory_uuids")
    require_span(start_time, end_time)
    with transaction.atomic():
        lock_location_blockouts(location.pk)
        planner = BlockoutPlanner(org=org, location=location, dates=[schedule_date])
        for operatory in operatories or [None]:
            planner.add(
                blockout_type=blockout_type,
                operatory=operatory,
                schedule_date=schedule_date,
                start_time=start_time,
                end_time=end_time,
                note=note,
                strict=True,
            )
        return planner.save()


@dataclass
class BlockoutOverlaps:
    """The blockouts a change would overlap (rendered by the API as conflict entries)."""

    blockouts: list[Blockout]


class BlockoutOverlap(Conflict):
    """The change would lay a blockout over another of the same type on the same chair."""

    code = "BLOCKOUT_OVERLAP"

    def __init__(self, others: list[Blockout]):
        super().__init__(
            "Another blockout of the same type overlaps on the same operatory: "
            + ", ".join(str(other) for other in others)
            + ". Send allow_overlap to change it anyway.",
            conflicts=BlockoutOverlaps(others),
            reason_codes=[self.code],
        )


def _overlaps(location_id: int, planned: list[dict], exclude_ids: set[int]) -> list[Blockout]:
    """Active blockouts of the same type and operatory overlapping any planned row."""
    wanted = [
        Q(
            blockout_type_id=row["blockout_type_id"],
            operatory_id=row["operatory_id"],
            start_at__lt=row["end_at"],
            end_at__gt=row["start_at"],
        )
        for row in planned
        if row["status"] == BlockoutStatus.ACTIVE
    ]
    if not wanted:
        return []
    return list(
        Blockout.objects.filter(
            reduce(or_, wanted), location_id=location_id, status=BlockoutStatus.ACTIVE
        )
        .exclude(pk__in=exclude_ids)
        .select_related("blockout_type", "operatory", "location")
        .order_by("start_at", "id")
    )


def blockout_update(
    *,
    blockout: Blockout,
    base_version: int,
    apply_to_group: bool = False,
    allow_overlap: bool = False,
    **changes,
) -> Blockout:
    """Change a blockout if nobody changed it since ``base_version``.

    ``changes`` may hold ``blockout_type``, ``operatory``, ``schedule_date``,
    ``start_time``, ``end_time``, ``note`` and ``status``. Local times are converted again
    on the (new) date. With ``apply_to_group`` the change reaches every blockout of the
    blockout's repeat group: a new date moves each member by the same number of days,
    and each member's times are converted on its own date. A change that lays an active
    blockout over another of its type on the same operatory is a 409 unless
    ``allow_overlap``.
    """
    if "blockout_type" in changes and changes["blockout_type"] != blockout.blockout_type:
        require_active_type(changes["blockout_type"], "blockout_type_uuid")
    if "operatory" in changes:
        require_at_location([changes["operatory"]], blockout.location_id, "operatory_uuid")
    with transaction.atomic():
        lock_location_blockouts(blockout.location_id)
        members = [blockout]
        if apply_to_group and blockout.blockout_group_uuid is not None:
            members += list(
                Blockout.objects.select_for_update()
                .filter(org=blockout.org_id, blockout_group_uuid=blockout.blockout_group_uuid)
                .exclude(pk=blockout.pk)
                .order_by("schedule_date", "id")
            )
        shift = (
            changes["schedule_date"] - blockout.schedule_date
            if "schedule_date" in changes
            else timedelta(0)
        )
        tz_name = blockout.location.timezone
        planned = []
        for member in members:
            row = {
                key: changes[key]
                for key in ("blockout_type", "operatory", "note", "status")
                if key in changes
            }
            schedule_date = shift_date(member.schedule_date, shift, "schedule_date")
            start_time = changes.get("start_time", member.start_time)
            end_time = changes.get("end_time", member.end_time)
            on = schedule_date if len(members) > 1 else None
            require_span(start_time, end_time, on=on)
            start_at, end_at = instants(schedule_date, start_time, end_time, tz_name)
            row.update(
                schedule_date=schedule_date,
                start_time=start_time,
                end_time=end_time,
                start_at=start_at,
                end_at=end_at,
            )
            planned.append(row)
        versioned_update(blockout, base_version=base_version, changes=planned[0])
        if not allow_overlap:
            full = [
                {
                    **row,
                    "blockout_type_id": row["blockout_type"].pk
                    if "blockout_type" in row
                    else member.blockout_type_id,
                    "operatory_id": row["operatory"].pk
                    if "operatory" in row
                    else member.operatory_id,
                    "status": row.get("status", member.status),
                }
                for member, row in zip(members, planned, strict=True)
            ]
            others = _overlaps(blockout.location_id, full, {m.pk for m in members})
            if others:
                raise BlockoutOverlap(others)
        now = timezone.now()
        for member, row in zip(members[1:], planned[1:], strict=True):
            Blockout.objects.filter(pk=member.pk).update(
                **row, version=F("version") + 1, updated_at=now
            )
    return blockout


def blockout_delete(*, blockout: Blockout) -> None:
    """Delete one blockout; the rest of its repeat group stays."""
    blockout.delete()


def _copy(
    *,
    org: Organization,
    location: Location,
    date_pairs: Iterable[tuple[date, date]],
    grouped: bool = False,
) -> BlockoutBatch:
    """Copy each source date's copyable blockouts onto its target date.

    Copyable: active, of a type that is not do-not-copy. Operatory, wall times and note
    are kept; the wall times are converted again on the target date (a time that does
    not exist there is skipped with a warning). A target date holding an active holiday
    blockout is skipped whole, with a warning naming it. With ``grouped`` (repeat) each
    source shares a ``blockout_group_uuid`` with its copies.
    """
    date_pairs = sorted(set(date_pairs), key=lambda pair: (pair[1], pair[0]))
    with transaction.atomic():
        lock_location_blockouts(location.pk)
        sources = (
            Blockout.objects.filter(
                org=org,
                location=location,
                status=BlockoutStatus.ACTIVE,
                schedule_date__in={source for source, _ in date_pairs},
                blockout_type__is_do_not_copy=False,
            )
            .select_related("blockout_type", "operatory")
            .order_by("start_at", "id")
        )
        by_date: dict[date, list[Blockout]] = defaultdict(list)
        for source in sources:
            by_date[source.schedule_date].append(source)
        targets = [target for source, target in date_pairs if by_date[source]]
        holidays = holiday_dates(org=org, location_id=location.pk, dates=targets)
        planner = BlockoutPlanner(org=org, location=location, dates=targets)
        copied: set[Blockout] = set()
        for source_date, target in date_pairs:
            if not by_date[source_date]:
                continue
            if target in holidays:
                planner.warn(f"{target.isoformat()} skipped: holiday ({holidays[target]}).")
                continue
            for source in by_date[source_date]:
                if grouped and source.blockout_group_uuid is None:
                    source.blockout_group_uuid = uuid.uuid4()
                made = planner.add(
                    blockout_type=source.blockout_type,
                    operatory=source.operatory,
                    schedule_date=target,
                    start_time=source.start_time,
                    end_time=source.end_time,
                    note=source.note,
                    group_uuid=source.blockout_group_uuid if grouped else None,
                )
                if made is not None:
                    copied.add(source)
        batch = planner.save()
        now = timezone.now()
        for source in sorted(copied, key=lambda b: b.pk) if grouped else ():
            # Only a source that had no group yet changes; joining its group is a write.
            Blockout.objects.filter(pk=source.pk, blockout_group_uuid__isnull=True).update(
                blockout_group_uuid=source.blockout_group_uuid,
                version=F("version") + 1,
                updated_at=now,
            )
    return batch


def _require_monday(day: date, field_name: str) -> None:
    if day.weekday() != 0:
        raise field_error(
            field_name, f"{day.isoformat()} is a {day:%A}; weeks start on Monday.", "not_monday"
        )


def blockouts_copy_day(
    *, org: Organization, location: Location, source_date: date, target_date: date
) -> BlockoutBatch:
    """Copy a day's copyable blockouts at a location onto another day."""
    if source_date == target_date:
        raise field_error("target_date", "Must differ from source_date.", "same_date")
    return _copy(org=org, location=location, date_pairs=[(source_date, target_date)])


def blockouts_copy_week(
    *, org: Organization, location: Location, source_week_start: date, target_week_start: date
) -> BlockoutBatch:
    """Copy a week's (Monday to Sunday) copyable blockouts at a location onto another week."""
    _require_monday(source_week_start, "source_week_start")
    _require_monday(target_week_start, "target_week_start")
    if source_week_start == target_week_start:
        raise field_error("target_week_start", "Must differ from source_week_start.", "same_week")
    shift = target_week_start - source_week_start
    days = [shift_date(source_week_start, timedelta(days=n), "source_week_start") for n in range(7)]
    pairs = [(day, shift_date(day, shift, "target_week_start")) for day in days]
    return _copy(org=org, location=location, date_pairs=pairs)


def blockouts_repeat_weeks(
    *, org: Organization, location: Location, source_week_start: date, num_weeks: int
) -> BlockoutBatch:
    """Repeat a week's copyable blockouts over the ``num_weeks`` weeks that follow it.

    Each copy joins its source's repeat group (``blockout_group_uuid``), so a later
    PATCH with ``apply_to_group`` changes the whole series.
    """
    _require_monday(source_week_start, "source_week_start")
    if not 1 <= num_weeks <= MAX_REPEAT_WEEKS:
        raise field_error("num_weeks", f"Must be between 1 and {MAX_REPEAT_WEEKS}.", "out_of_range")
    days = [shift_date(source_week_start, timedelta(days=n), "source_week_start") for n in range(7)]
    pairs = [
        (day, shift_date(day, WEEK * week, "num_weeks"))
        for week in range(1, num_weeks + 1)
        for day in days
    ]
    return _copy(org=org, location=location, date_pairs=pairs, grouped=True)
