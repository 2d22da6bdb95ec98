"""Appointment types: the kinds of visit a practice books (exam, cleaning, crown …)."""

from __future__ import annotations

import re

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower

from scheduling.models import Location, OrgQuerySet, VersionedModel
from scheduling.models.base import LocationScope, validate_same_org
from scheduling.validators import validate_color

SLOT_MINUTES = 5
MAX_DURATION_MINUTES = 720
TIME_PATTERN_RE = re.compile(r"^[X/]+$")


class AppointmentTypeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class AppointmentTypeQuerySet(OrgQuerySet):
    def with_offered_locations(self) -> AppointmentTypeQuerySet:
        """Each type with ``offered_location_ids`` (empty: offered everywhere), read in the
        same query, for the booking rules."""
        return self.annotate(
            offered_location_ids=ArrayAgg(
                "locations", filter=Q(locations__isnull=False), distinct=True, default=Value([])
            )
        )


class AppointmentType(VersionedModel):
    """A kind of visit with its default length, colour and procedures.

    ``time_pattern`` is the chair-time pattern dental schedulers use: one character per
    five minutes, ``X`` for provider time and ``/`` for assistant or hygienist time. When
    a type has no pattern its effective pattern is all provider time over its duration.
    An empty ``locations`` set means the type is offered at every location.
    """

    name = models.CharField(max_length=100)
    abbrev = models.CharField(max_length=20, blank=True)
    color = models.CharField(max_length=7, blank=True, validators=[validate_color])
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    time_pattern = models.CharField(max_length=MAX_DURATION_MINUTES // SLOT_MINUTES, blank=True)
    is_hidden = models.BooleanField(default=False)
    item_order = models.IntegerField(default=0)
    blockout_only = models.BooleanField(
        default=False, help_text="Only for booking into blockouts reserved for it."
    )
    procedure_codes_to_add = ArrayField(
        models.CharField(max_length=5),
        default=list,
        blank=True,
        help_text="CDT codes added to an appointment of this type.",
    )
    required_procedure_codes = ArrayField(
        models.CharField(max_length=5),
        default=list,
        blank=True,
        help_text="CDT codes an appointment needs to be of this type.",
    )
    require_all = models.BooleanField(
        default=False, help_text="All required codes must be present (else any one)."
    )
    status = models.CharField(
        max_length=10, choices=AppointmentTypeStatus.choices, default=AppointmentTypeStatus.ACTIVE
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    locations = models.ManyToManyField(
        Location, through="AppointmentTypeLocation", blank=True, related_name="+"
    )

    location_scope = LocationScope.ORG_WIDE
    objects = AppointmentTypeQuerySet.as_manager()

    class Meta(VersionedModel.Meta):
        ordering = ["item_order", "name", "id"]
        constraints = [
            *VersionedModel.Meta.constraints,
            models.UniqueConstraint(
                Lower("name"),
                "org",
                condition=models.Q(status="active"),
                name="appointment_type_active_name",
            ),
        ]

    @property
    def effective_time_pattern(self) -> str:
        return self.time_pattern or "X" * (self.duration_minutes // SLOT_MINUTES)

    def clean(self) -> None:
        errors = {}
        if (
            not SLOT_MINUTES <= self.duration_minutes <= MAX_DURATION_MINUTES
            or self.duration_minutes % SLOT_MINUTES
        ):
            errors["duration_minutes"] = ValidationError(
                f"Must be a multiple of {SLOT_MINUTES} between {SLOT_MINUTES} and "
                f"{MAX_DURATION_MINUTES}.",
                code="invalid_duration",
            )
        if self.time_pattern:
            if not TIME_PATTERN_RE.match(self.time_pattern):
                errors["time_pattern"] = ValidationError(
                    "Only X (provider time) and / (assistant time) are allowed, one "
                    "character per 5 minutes, e.g. XX//XX for 30 minutes.",
                    code="invalid_pattern",
                )
            elif len(self.time_pattern) * SLOT_MINUTES != self.duration_minutes:
                errors["time_pattern"] = ValidationError(
                    f"A {len(self.time_pattern)}-character pattern lasts "
                    f"{len(self.time_pattern) * SLOT_MINUTES} minutes, not "
                    f"{self.duration_minutes}.",
                    code="pattern_duration_mismatch",
                )
        if errors:
            raise ValidationError(errors)


class AppointmentTypeLocation(models.Model):
    """A location that offers an appointment type."""

    org = models.ForeignKey("scheduling.Organization", on_delete=models.CASCADE, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE)
    location = models.ForeignKey(Location, on_delete=models.CASCADE)

    class Meta:
        ordering = ["appointment_type", "location", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "appointment_type", "location"],
                name="appointment_type_location_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type} at {self.location}"

    def clean(self) -> None:
        validate_same_org(self, "appointment_type", "location")
