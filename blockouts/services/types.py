"""Creating, changing and retiring blockout types (org configuration)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from blockouts.models import BlockoutType, BlockoutTypeStatus
from scheduling.models import Organization
from scheduling.services import unique_violations, update_versioned

UNIQUE_NAME = {
    "blockout_type_active_name": (
        "DUPLICATE_NAME",
        "An active blockout type with this name already exists.",
    ),
}


def _validate(blockout_type: BlockoutType) -> None:
    blockout_type.full_clean(exclude=["org"], validate_unique=False, validate_constraints=False)


def blockout_type_create(*, org: Organization, name: str, **fields) -> BlockoutType:
    """Create an active blockout type; names are unique among active types."""
    blockout_type = BlockoutType(org=org, name=name, **fields)
    _validate(blockout_type)
    with unique_violations(UNIQUE_NAME):
        blockout_type.save()
    return blockout_type


def blockout_type_update(
    *, blockout_type: BlockoutType, base_version: int, **changes
) -> BlockoutType:
    """Change a blockout type if nobody changed it since ``base_version``.

    Its blockouts follow: making a type no-schedule makes its existing blockouts block.
    """
    return update_versioned(
        blockout_type, base_version=base_version, changes=changes, unique=UNIQUE_NAME
    )


@transaction.atomic
def blockout_type_deactivate(*, blockout_type: BlockoutType) -> BlockoutType:
    """Retire a type (the admin's action): out of pickers, restorable, history kept.

    Blockouts and template items of the type stay as they are, so past and planned days
    still show (and still block) what they did. Deactivating twice changes nothing.
    """
    BlockoutType.objects.filter(pk=blockout_type.pk, status=BlockoutTypeStatus.ACTIVE).update(
        status=BlockoutTypeStatus.INACTIVE, updated_at=timezone.now(), version=F("version") + 1
    )
    blockout_type.refresh_from_db()
    return blockout_type


def blockout_type_delete(*, blockout_type: BlockoutType) -> None:
    """Delete a type for good (the API's DELETE, irreversible as the reference says).

    It leaves every list and lookup and cannot be restored; blockouts and template items
    that used it stay and keep showing (and blocking with) it, so the row is kept,
    marked deleted and inactive (which also frees its name for a new type).
    """
    now = timezone.now()
    BlockoutType.objects.filter(pk=blockout_type.pk).update(
        status=BlockoutTypeStatus.INACTIVE,
        deleted_at=now,
        updated_at=now,
        version=F("version") + 1,
    )
