"""Block schedule templates: a day of blockouts set up once and applied on many dates."""

from __future__ import annotations

from datetime import date, time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from blockouts.models import (
    BlockoutTemplate,
    BlockoutTemplateItem,
    BlockoutTemplateStatus,
    BlockoutType,
)
from blockouts.selectors import holiday_dates
from blockouts.services.planning import (
    BlockoutBatch,
    BlockoutPlanner,
    describe,
    field_error,
    lock_location_blockouts,
    require_active_type,
    require_at_location,
    require_span,
)
from scheduling.exceptions import Conflict
from scheduling.models import Location, Operatory, Organization
from scheduling.services import update_versioned


def _validate(template: BlockoutTemplate) -> None:
    template.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def blockout_template_create(*, org: Organization, name: str, **fields) -> BlockoutTemplate:
    """Create an active template (with no items yet)."""
    template = BlockoutTemplate(org=org, name=name, **fields)
    _validate(template)
    template.save()
    return template


def blockout_template_update(
    *, template: BlockoutTemplate, base_version: int, **changes
) -> BlockoutTemplate:
    """Change a template if nobody changed it (or its items) since ``base_version``."""
    return update_versioned(template, base_version=base_version, changes=changes)


def blockout_template_delete(*, template: BlockoutTemplate) -> None:
    """Delete a template and its items; blockouts it made stay (they do not point to it)."""
    template.delete()


def _touch(template: BlockoutTemplate) -> None:
    """An item change is a change of the template: its version moves on."""
    BlockoutTemplate.objects.filter(pk=template.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def blockout_template_item_add(
    *,
    template: BlockoutTemplate,
    blockout_type: BlockoutType,
    start_time: time,
    end_time: time,
    operatory: Operatory | None = None,
    item_order: int = 0,
) -> BlockoutTemplateItem:
    """Add a blockout to a template. An operatory must be at the template's location."""
    require_active_type(blockout_type, "blockout_type_uuid")
    if operatory is not None and template.location_id is not None:
        require_at_location([operatory], template.location_id, "operatory_uuid")
    require_span(start_time, end_time)
    item = BlockoutTemplateItem.objects.create(
        org_id=template.org_id,
        template=template,
        blockout_type=blockout_type,
        operatory=operatory,
        start_time=start_time,
        end_time=end_time,
        item_order=item_order,
    )
    _touch(template)
    return item


@transaction.atomic
def blockout_template_item_remove(*, item: BlockoutTemplateItem) -> None:
    item.delete()
    _touch(item.template)


def blockout_template_apply(
    *, template: BlockoutTemplate, target_date: date, location: Location | None = None
) -> BlockoutBatch:
    """Create the template's blockouts on ``target_date`` at ``location``.

    ``location`` defaults to the template's own; a template for every location needs one.

    An item whose operatory is at another location, a duplicate of an existing blockout,
    or a wall time that does not exist on the date is skipped with a warning. A holiday
    on the date does not stop an explicit apply, but is mentioned.
    """
    if template.status != BlockoutTemplateStatus.ACTIVE:
        raise Conflict(
            f"The template {template.name} is inactive; activate it to apply it.",
            code="TEMPLATE_INACTIVE",
        )
    if location is None:
        if template.location is None:
            raise field_error(
                "location_uuid",
                "The template is for every location: name the location to apply it at.",
                "required",
            )
        location = template.location
    if template.location_id is not None and template.location_id != location.pk:
        raise field_error(
            "location_uuid",
            f"The template belongs to {template.location.name}.",
            "location_mismatch",
        )
    items = template.items.select_related("blockout_type", "operatory")
    with transaction.atomic():
        lock_location_blockouts(location.pk)
        planner = BlockoutPlanner(org=template.org, location=location, dates=[target_date])
        holiday = holiday_dates(org=template.org, location_id=location.pk, dates=[target_date])
        if holiday:
            planner.warn(f"{target_date.isoformat()} holds a holiday ({holiday[target_date]}).")
        for item in items:
            if item.operatory is not None and item.operatory.location_id != location.pk:
                label = describe(
                    item.blockout_type, item.operatory, target_date, item.start_time, item.end_time
                )
                planner.warn(f"{label} skipped: the operatory is at another location.")
                continue
            planner.add(
                blockout_type=item.blockout_type,
                operatory=item.operatory,
                schedule_date=target_date,
                start_time=item.start_time,
                end_time=item.end_time,
            )
        return planner.save()
