"""Blockouts: time a practice keeps out of (or reserves in) the schedule."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from scheduling.models import (
    LiveOrgManager,
    Location,
    Operatory,
    OrgOwnedModel,
    OrgQuerySet,
    VersionedModel,
)
from scheduling.models.base import LocationScope, validate_same_org
from scheduling.validators import validate_color


class BlockoutTypeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class BlockoutType(VersionedModel):
    """A kind of blocked time: lunch, staff meeting, a chair reserved for crowns, a holiday.

    ``is_no_schedule`` types forbid booking over them; ``is_do_not_copy`` types are left
    behind when a day or week is copied; days holding an ``is_holiday`` blockout are
    skipped by copy and repeat. Deleting a type (the API's DELETE, irreversible) sets
    ``deleted_at``: the type is gone from every list, lookup and picker and cannot be
    restored, while the blockouts and template items that used it keep showing its name.
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
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    location_scope = LocationScope.ORG_WIDE
    objects = LiveOrgManager()
    all_objects = OrgQuerySet.as_manager()

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


def _validate_span(start_time, end_time) -> None:
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise ValidationError(
            {"end_time": ValidationError("Must be after start_time.", code="end_before_start")}
        )


def _validate_operatory_location(instance, location_id: int | None) -> None:
    if instance.operatory_id is not None and instance.operatory.location_id != location_id:
        raise ValidationError(
            {
                "operatory": ValidationError(
                    "The operatory is at another location.", code="operatory_location_mismatch"
                )
            }
        )


class BlockoutStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class Blockout(VersionedModel):
    """Blocked (or reserved) time on one day at a location.

    The front desk speaks in a local ``schedule_date`` and wall times; ``start_at`` and
    ``end_at`` are the same interval as UTC instants (half-open ``[start_at, end_at)``),
    which is what the conflict engine compares. No operatory means the whole location:
    every chair is covered. Blockouts made by one repeat share ``blockout_group_uuid``.
    """

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    operatory = models.ForeignKey(
        Operatory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the whole location (every operatory).",
    )
    blockout_type = models.ForeignKey(
        BlockoutType, on_delete=models.PROTECT, related_name="blockouts"
    )
    schedule_date = models.DateField(help_text="Local date at the location.")
    start_time = models.TimeField(help_text="Local wall time at the location.")
    end_time = models.TimeField(help_text="Local wall time at the location.")
    start_at = models.DateTimeField(editable=False)
    end_at = models.DateTimeField(editable=False)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=BlockoutStatus.choices, default=BlockoutStatus.ACTIVE
    )
    blockout_group_uuid = models.UUIDField(null=True, blank=True, editable=False)

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["start_at", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_at__gt=F("start_at")), name="blockout_end_after_start"
            ),
        ]
        indexes = [
            # The conflict engine's overlap query and the calendar's range reads.
            models.Index(fields=["org", "location", "start_at"], name="blockout_org_loc_start"),
            # Copy, repeat and the list's date filters work in local dates.
            models.Index(fields=["org", "location", "schedule_date"], name="blockout_org_loc_date"),
            models.Index(
                fields=["org", "blockout_group_uuid"],
                name="blockout_org_group",
                condition=Q(blockout_group_uuid__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.blockout_type.name} {self.schedule_date} "
            f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        )

    def clean(self) -> None:
        validate_same_org(self, "location", "operatory", "blockout_type")
        _validate_operatory_location(self, self.location_id)
        _validate_span(self.start_time, self.end_time)


class BlockoutTemplateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class BlockoutTemplate(VersionedModel):
    """A block schedule template: a day of blockouts a front desk applies in one go.

    ``location`` empty means the template may be applied at any location; ``day_of_week``
    (0 = Monday) says which weekday it is meant for and does not restrict ``apply``.
    """

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: usable at every location.",
    )
    day_of_week = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(6)],
        help_text="0 = Monday … 6 = Sunday.",
    )
    is_hidden = models.BooleanField(default=False)
    item_order = models.IntegerField(default=0)
    status = models.CharField(
        max_length=10,
        choices=BlockoutTemplateStatus.choices,
        default=BlockoutTemplateStatus.ACTIVE,
    )

    location_scope = "location"

    class Meta(VersionedModel.Meta):
        ordering = ["item_order", "name", "id"]
        verbose_name = "block schedule template"

    def clean(self) -> None:
        validate_same_org(self, "location")


class BlockoutTemplateItem(OrgOwnedModel):
    """One blockout of a template: a type, local times, and an operatory or the location."""

    template = models.ForeignKey(BlockoutTemplate, on_delete=models.CASCADE, related_name="items")
    blockout_type = models.ForeignKey(BlockoutType, on_delete=models.PROTECT, related_name="+")
    operatory = models.ForeignKey(
        Operatory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the whole location.",
    )
    start_time = models.TimeField()
    end_time = models.TimeField()
    item_order = models.IntegerField(default=0)

    location_scope = "template__location"

    class Meta:
        ordering = ["item_order", "start_time", "id"]
        verbose_name = "block schedule template item"
        constraints = [
            *OrgOwnedModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")),
                name="blockout_template_item_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blockout_type.name} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def clean(self) -> None:
        validate_same_org(self, "template", "blockout_type", "operatory")
        if self.template_id is not None and self.template.location_id is not None:
            _validate_operatory_location(self, self.template.location_id)
        _validate_span(self.start_time, self.end_time)
