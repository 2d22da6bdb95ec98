"""Blockouts: time a practice keeps out of (or reserves in) the schedule."""

from django.db import models
from django.db.models.functions import Lower

from scheduling.models import VersionedModel
from scheduling.validators import validate_color


class BlockoutTypeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class BlockoutType(VersionedModel):
    """A kind of blocked time: lunch, staff meeting, a chair reserved for crowns, a holiday.

    ``is_no_schedule`` types forbid booking over them; ``is_do_not_copy`` types are left
    behind when a day or week is copied; days holding an ``is_holiday`` blockout are
    skipped by copy and repeat.
    """

    name = models.CharField(max_length=100)
    abbreviation = models.CharField(max_length=20, blank=True)
    color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    is_no_schedule = models.BooleanField(default=False)
    is_do_not_copy = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    is_holiday = models.BooleanField(default=False)
    item_order = models.IntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=BlockoutTypeStatus.choices, default=BlockoutTypeStatus.ACTIVE
    )

    class Meta(VersionedModel.Meta):
        ordering = ["item_order", "name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                Lower("name"),
                "org",
                condition=models.Q(status="active"),
                name="blockout_type_active_name",
            ),
        ]
