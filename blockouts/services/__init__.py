"""Writes of the blockouts domain. Views, admin, demo data and commands all come through here."""

from blockouts.services.instances import (
    blockout_delete,
    blockout_update,
    blockouts_copy_day,
    blockouts_copy_week,
    blockouts_create,
    blockouts_repeat_weeks,
)
from blockouts.services.planning import BlockoutBatch
from blockouts.services.templates import (
    blockout_template_apply,
    blockout_template_create,
    blockout_template_delete,
    blockout_template_item_add,
    blockout_template_item_remove,
    blockout_template_update,
)
from blockouts.services.types import (
    blockout_type_create,
    blockout_type_deactivate,
    blockout_type_delete,
    blockout_type_update,
)

__all__ = [
    "BlockoutBatch",
    "blockout_delete",
    "blockout_template_apply",
    "blockout_template_create",
    "blockout_template_delete",
    "blockout_template_item_add",
    "blockout_template_item_remove",
    "blockout_template_update",
    "blockout_type_create",
    "blockout_type_deactivate",
    "blockout_type_delete",
    "blockout_type_update",
    "blockout_update",
    "blockouts_copy_day",
    "blockouts_copy_week",
    "blockouts_create",
    "blockouts_repeat_weeks",
]
